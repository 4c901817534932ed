"""The measuring instruments give the known answers, and can fail."""

import numpy as np
import pytest

from tests.conftest import data_dir_or_skip
from zoo.metrics import PCA, BernoulliMixture, GaussianMixture, KernelDensity, mse, psnr
from zoo.metrics import select_gaussian_mixture, select_kernel_density
from zoo.metrics.classical import held_out_split
from zoo.metrics.distances import frechet_distance, kernel_inception_distance, precision_recall

rng = np.random.default_rng(0)


def gaussian(n, dim=8, shift=0.0, scale=1.0, seed=0):
    return np.random.default_rng(seed).normal(shift, scale, (n, dim))


def test_fid_of_a_set_with_itself_is_zero():
    x = gaussian(500)
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)


def test_fid_matches_the_closed_form_for_known_gaussians():
    # Two large samples: N(0, I) and N(1, 4 I) in 8-d: 8 * 1 + 8 * (1 + 4 - 2 * 2) = 16.
    a, b = gaussian(20000, seed=1), gaussian(20000, shift=1.0, scale=2.0, seed=2)
    assert frechet_distance(a, b) == pytest.approx(16.0, rel=0.03)


def test_fid_grows_with_the_shift():
    a = gaussian(2000, seed=1)
    near, far = gaussian(2000, shift=0.1, seed=2), gaussian(2000, shift=2.0, seed=3)
    assert frechet_distance(a, near) < 0.3 < 10 < frechet_distance(a, far)


def test_kid_is_near_zero_for_one_distribution_and_not_for_two():
    a, b = gaussian(2000, seed=1), gaussian(2000, seed=2)
    same, std = kernel_inception_distance(a, b)
    assert abs(same) < 3 * std + 1e-3
    other, _ = kernel_inception_distance(a, gaussian(2000, shift=1.0, seed=3))
    assert other > 0.1


def test_precision_and_recall_on_shifted_and_collapsed_gaussians():
    real = gaussian(1000, dim=2, seed=1)
    p, r = precision_recall(real, gaussian(1000, dim=2, seed=2))
    assert p > 0.9 and r > 0.9
    p, r = precision_recall(real, gaussian(1000, dim=2, shift=10.0, seed=3))
    assert p == 0.0 and r == 0.0
    # Mode collapse: every fake point near the centre of the real data.
    p, r = precision_recall(real, gaussian(1000, dim=2, scale=0.1, seed=4))
    assert p > 0.95 and r < 0.3


def test_bad_features_are_refused():
    with pytest.raises(ValueError, match="features"):
        frechet_distance(np.zeros(5), np.zeros(5))
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(np.full((4, 2), np.nan), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="sizes differ"):
        frechet_distance(np.zeros((4, 2)), np.zeros((4, 3)))


def test_mse_and_psnr():
    a, b = np.zeros((2, 4, 4, 1)), np.full((2, 4, 4, 1), 0.1)
    assert mse(a, b) == pytest.approx(0.01)
    assert psnr(a, b) == pytest.approx(20.0)


def test_pca_reconstructs_data_on_a_subspace_exactly():
    codes = rng.normal(size=(300, 3))
    x = codes @ rng.normal(size=(3, 10)) * 0.05 + 0.5
    pca = PCA(3).fit(x)
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(x)), x, atol=1e-10)
    assert PCA(2).fit(x).explained_variance_.shape == (2,)


def test_bernoulli_mixture_finds_two_prototypes():
    protos = np.array([[0.95] * 5 + [0.05] * 5, [0.05] * 5 + [0.95] * 5])
    x = (rng.uniform(size=(400, 10)) < protos[rng.integers(0, 2, 400)]).astype(float)
    one = BernoulliMixture(1, seed=0).fit(x).log_prob(x).mean()
    two = BernoulliMixture(2, seed=0).fit(x).log_prob(x).mean()
    assert two > one + 2


def test_gaussian_mixture_and_kde_samples_resemble_their_data():
    centres = np.array([[0.2] * 6, [0.8] * 6])
    x = np.clip(centres[rng.integers(0, 2, 2000)] + rng.normal(0, 0.03, (2000, 6)), 0, 1)
    for model in (GaussianMixture(2, pca_dim=3, iterations=20), KernelDensity(pca_dim=3, max_points=500)):
        s = model.fit(x).sample(500, seed=1)
        assert s.shape == (500, 6) and 0 <= s.min() and s.max() <= 1
        assert frechet_distance(x[:500], s) < 0.05 * frechet_distance(x[:500], rng.uniform(size=(500, 6)))


# ---- scikit-learn estimators and the held-out choice of their settings --------


def exact_pca(x, k):
    """The eigendecomposition of the covariance, as zoo.metrics.PCA computed it in numpy before."""
    mean = x.mean(0)
    values, vectors = np.linalg.eigh(np.cov(x - mean, rowvar=False))
    order = np.argsort(values)[::-1]
    return mean, vectors[:, order[:k]].T, values[order]


def low_rank(n=400, dim=12, rank=4, seed=0):
    r = np.random.default_rng(seed)
    basis = np.linalg.qr(r.normal(size=(dim, rank)))[0].T
    return 0.5 + (r.normal(size=(n, rank)) * [0.2, 0.1, 0.05, 0.03]) @ basis + r.normal(0, 0.005, (n, dim))


def test_pca_equals_the_exact_eigendecomposition():
    x = low_rank()
    mean, components, values = exact_pca(x, 3)
    pca = PCA(3).fit(x)
    np.testing.assert_allclose(pca.mean_, mean, atol=1e-12)
    # The same directions, up to sign, and the same variances.
    np.testing.assert_allclose(np.abs(np.sum(pca.components_ * components, axis=1)), 1, atol=1e-9)
    np.testing.assert_allclose(pca.explained_variance_, values[:3], rtol=1e-9)
    rebuilt = np.clip((x - mean) @ components.T @ components + mean, 0, 1)
    np.testing.assert_allclose(pca.reconstruct(x), rebuilt, atol=1e-6)  # float32 output
    # The residual variance is the mean of the discarded eigenvalues, over D - d directions.
    assert pca.residual_variance_ == pytest.approx(values[3:].mean(), rel=1e-9)
    assert pca.total_variance_ == pytest.approx(values.sum(), rel=1e-9)


def test_pca_leading_components_are_the_smaller_fit():
    x = low_rank()
    small, lead = PCA(2).fit(x), PCA(4).fit(x).leading(2)
    np.testing.assert_allclose(np.abs(np.sum(small.components_ * lead.components_, axis=1)), 1, atol=1e-9)
    assert lead.residual_variance_ == pytest.approx(small.residual_variance_, rel=1e-9)
    np.testing.assert_allclose(lead.transform(x[:5]) ** 2, small.transform(x[:5]) ** 2, atol=1e-12)
    with pytest.raises(ValueError, match="at most 4"):
        PCA(4).fit(x).leading(5)


def test_estimators_refuse_bad_inputs_clearly():
    x = low_rank(n=20)
    with pytest.raises(ValueError, match="n_components must be at most 12"):
        PCA(13).fit(x)
    with pytest.raises(ValueError, match="needs at least as many images"):
        PCA(10).fit(x[:5])
    with pytest.raises(ValueError, match="NaN"):
        PCA(2).fit(np.full((5, 3), np.nan))
    with pytest.raises(ValueError, match="positive int"):
        PCA(0)
    with pytest.raises(ValueError, match="30 Gaussians needs at least as many images"):
        GaussianMixture(30, pca_dim=2).fit(x)
    with pytest.raises(ValueError, match="bandwidths must be positive"):
        KernelDensity(bandwidths=(0.1, -1.0))
    with pytest.raises(ValueError, match="holds out 1000 images"):
        KernelDensity(pca_dim=2).fit(x)
    with pytest.raises(ValueError, match="fitted PCA of 3 components"):
        GaussianMixture(2, pca_dim=3).fit(x, pca=PCA(2).fit(x))


def test_gaussian_mixture_is_sklearns_fit_in_the_pca_space():
    from sklearn.mixture import GaussianMixture as SkGaussianMixture

    x = low_rank()
    ours = GaussianMixture(2, pca_dim=3, seed=1).fit(x)
    theirs = SkGaussianMixture(2, reg_covar=1e-4, random_state=1).fit(PCA(3).fit(x).transform(x))
    np.testing.assert_allclose(ours.means_, theirs.means_, atol=1e-9)
    assert ours.covariances_.shape == (2, 3, 3) and ours.weights_.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(ours.code_log_density(ours.pca_.transform(x[:9])), theirs.score_samples(
        ours.pca_.transform(x[:9])), rtol=1e-9)


@pytest.mark.parametrize("kind", ["gmm", "kde"])
def test_pixel_log_density_integrates_to_one(kind):
    # Two pixels, a one-number code: the density over the plane is the code's times the residual's.
    r = np.random.default_rng(0)
    x = np.stack([r.normal(0, 0.3, 1500), r.normal(0, 0.05, 1500)], axis=1) @ [[0.8, 0.6], [-0.6, 0.8]]
    model = (GaussianMixture(2, pca_dim=1).fit(x) if kind == "gmm"
             else KernelDensity(pca_dim=1, max_points=200, bandwidths=(0.2,)).fit(x))
    grid = np.linspace(-2, 2, 801)
    step = grid[1] - grid[0]
    points = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
    assert np.exp(model.pixel_log_density(points)).sum() * step**2 == pytest.approx(1.0, abs=2e-3)


def clustered(n, clusters=3, code_dim=3, dim=16, seed=0):
    """Images near a 3-d subspace of 16 pixels, in `clusters` tight, well-separated clusters."""
    r = np.random.default_rng(seed)
    centres = np.random.default_rng(7).normal(0, 1.0, (clusters, code_dim))
    codes = centres[r.integers(0, clusters, n)] + r.normal(0, 0.1, (n, code_dim))
    basis = np.linalg.qr(np.random.default_rng(8).normal(size=(dim, code_dim)))[0].T
    return 0.5 + 0.1 * codes @ basis + r.normal(0, 0.01, (n, dim))


def test_held_out_pixel_likelihood_finds_the_clusters_and_the_subspace():
    x = clustered(600)
    gmm = select_gaussian_mixture(x, candidates=[(k, d) for k in (1, 2, 3) for d in (1, 3, 6)])
    scores = {(c["n_components"], c["pca_dim"]): c["held_out_nats"] for c in gmm.selection_["candidates"]}
    assert (gmm.n_components, gmm.pca_dim) == (3, 3) == tuple(gmm.selection_["chosen"].values())[:2]
    assert scores[(3, 3)] > scores[(2, 3)] + 0.1 and scores[(3, 3)] > scores[(3, 6)] + 0.1
    # Compared in their own code spaces the larger code would look better: that is why pixels decide.
    codes = {d: GaussianMixture(3, pca_dim=d).fit(x[:500]) for d in (3, 6)}
    code_ll = {d: m.code_log_density(m.pca_.transform(x[500:])).mean() for d, m in codes.items()}
    assert code_ll[6] > code_ll[3] + 1
    kde = select_kernel_density(x, pca_dims=(1, 3, 6), bandwidths=(0.03, 0.1, 0.3, 1.0), max_points=300)
    assert kde.pca_dim == 3 and kde.selection_["chosen"]["bandwidth"] == 0.1


def test_selection_records_every_candidate_and_refits_on_the_whole_split():
    import json

    x = np.random.default_rng(1).uniform(size=(200, 8, 8, 1))
    gmm = select_gaussian_mixture(x, candidates=[(1, 2), (2, 4)], fit_rows=100, seed=3)
    kde = select_kernel_density(x, pca_dims=(2, 4), bandwidths=(0.5, 1.0), max_points=50)
    for model, size in ((gmm, 2), (kde, 4)):
        sel = json.loads(json.dumps(model.selection_))  # JSON-ready, for a card
        assert len(sel["candidates"]) == size and sel["held_out"] == "train[167:]"
        assert sel["held_out_images"] == 33 and sel["fit_images"] == (100 if model is gmm else 167)
        best = max(sel["candidates"], key=lambda c: c["held_out_nats"])
        assert sel["chosen"] == best
        for c in sel["candidates"]:
            assert c["bits_per_dim"] == pytest.approx(-c["held_out_nats"] / (64 * np.log(2)) + 8)
        # Refitted on all 200 images, not the fitting subset.
        np.testing.assert_allclose(model.pca_.mean_, x.reshape(200, -1).mean(0), atol=1e-12)
        assert model.pca_dim == sel["chosen"]["pca_dim"]
    assert gmm.n_components == gmm.selection_["chosen"]["n_components"]
    assert kde.bandwidth_ == pytest.approx(kde.selection_["chosen"]["bandwidth"] * kde.code_scale())
    assert len(kde.points_) == 50


def test_held_out_split_takes_the_last_share_and_refuses_nonsense():
    fit, held = held_out_split(60000, fit_rows=20000, seed=0)
    assert held.tolist() == list(range(50000, 60000))
    assert len(fit) == 20000 and fit.max() < 50000 and np.all(np.diff(fit) > 0)
    np.testing.assert_array_equal(fit, held_out_split(60000, fit_rows=20000, seed=0)[0])
    assert len(held_out_split(120, fit_rows=20000)[0]) == 100
    with pytest.raises(ValueError, match="share"):
        held_out_split(100, held_out=10)
    with pytest.raises(ValueError, match="cannot hold out"):
        held_out_split(2)
    with pytest.raises(ValueError, match="need more than 64 pixels"):
        select_gaussian_mixture(np.zeros((200, 64)), candidates=[(2, 80)])


def test_measure_baselines_samples_from_the_selected_settings_and_names_them(monkeypatch):
    import json

    import zoo.data
    from zoo.metrics import classical, evaluate

    splits = {"train": clustered(600).reshape(600, 4, 4, 1).astype(np.float32),
              "test": clustered(200, seed=1).reshape(200, 4, 4, 1).astype(np.float32)}

    class PixelFeatures:  # an evaluator whose features are the pixels themselves
        def features(self, x):
            return np.asarray(x, np.float64).reshape(len(x), -1)

    monkeypatch.setattr(zoo.data, "as_numpy", lambda dataset, split, data_dir=None: splits[split])
    monkeypatch.setattr(evaluate, "load_evaluator", lambda dataset: PixelFeatures())
    monkeypatch.setattr(evaluate, "inception_applies", lambda dataset: False)
    # The measuring code's own calls, with a small grid instead of the default one.
    gmm, kde = classical.select_gaussian_mixture, classical.select_kernel_density
    monkeypatch.setattr(classical, "select_gaussian_mixture", lambda flat, seed=0: gmm(
        flat, candidates=[(k, d) for k in (1, 3) for d in (1, 3)], seed=seed))
    monkeypatch.setattr(classical, "select_kernel_density", lambda flat, seed=0: kde(
        flat, pca_dims=(1, 3), bandwidths=(0.1, 0.3), max_points=200, seed=seed))
    figures = evaluate.measure_baselines("toy", n=300, likelihood=False)
    assert set(figures) == {f"{m}_{k}" for m in ("gmm", "kde") for k in evaluate.SAMPLE_METRICS}
    text = figures["gmm_fid_domain"]["evaluator"]
    assert text.startswith("gmm: 3 full-covariance Gaussians in a 3-d PCA space, chosen by held-out likelihood "
                           "over pixels (")
    assert "nats/image on train[500:]) among 4 settings: 1, 3 components x 1, 3 PCA dims; FID (domain)" in text
    h = figures["kde_fid_domain"]["selection"]["chosen"]["bandwidth"]
    assert figures["kde_recall"]["evaluator"].startswith(
        f"kde: Gaussian KDE over 200 training codes in a 3-d PCA space, bandwidth {h:g} code stds, chosen by ")
    assert "among 4 settings: 1, 3 PCA dims x 0.1, 0.3 bandwidths; k-NN manifolds" in figures["kde_recall"][
        "evaluator"]
    chosen = figures["gmm_fid_domain"]["selection"]["chosen"]
    assert (chosen["n_components"], chosen["pca_dim"]) == (3, 3) and "selection" not in figures["gmm_kid_domain"]
    # The samples are the selected mixture's: far closer to the data than a wrong-sized one's would be.
    assert figures["gmm_fid_domain"]["value"] < 0.01
    json.dumps(figures)

    # Beside an exact likelihood, the pixel densities they were chosen by, in bits/dim of the 8-bit bins: a
    # density fitted on the grid k / 255 counts bins of width 1/255, (-log p(x) + D log 255) / (D log 2).
    with_density = evaluate.measure_baselines("toy", n=300, likelihood=False, pixel_density=True)
    test = splits["test"].reshape(200, -1)
    fitted = {"gmm": gmm(splits["train"].reshape(600, -1), candidates=[(k, d) for k in (1, 3) for d in (1, 3)]),
              "kde": kde(splits["train"].reshape(600, -1), pca_dims=(1, 3), bandwidths=(0.1, 0.3), max_points=200)}
    for name, model in fitted.items():
        figure = with_density[f"{name}_bits_per_dim"]
        expected = np.mean(-model.pixel_log_density(test) + 16 * np.log(255)) / (16 * np.log(2))
        assert figure["value"] == pytest.approx(expected, rel=1e-5)
        assert figure["baseline"] and not figure["higher_is_better"] and figure["n"] == 200
