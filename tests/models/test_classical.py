"""The classical baselines as zoo models: the numpy estimators' fits, sampled and saved the zoo's way."""

import keras
import numpy as np
import pytest

import zoo
from zoo import pretrained
from zoo.capabilities import Sampler
from zoo.metrics import classical as estimators

SHAPE = (8, 8, 1)


def toy(n=1300, seed=0):
    """Images made from a two-cluster 3-d code, well inside [0, 1] so clipping does not bend the statistics."""
    rng = np.random.default_rng(seed)
    centers = np.array([[1.5, 0.0, -0.5], [-1.5, 0.5, 0.5]])
    codes = centers[rng.integers(0, 2, n)] + rng.normal(0, [0.6, 0.4, 0.3], (n, 3))
    mixing = rng.normal(0, 0.05, (3, int(np.prod(SHAPE))))
    flat = 0.5 + codes @ mixing + rng.normal(0, 0.005, (n, mixing.shape[1]))
    assert 0.05 < flat.min() and flat.max() < 0.95
    return flat.reshape(n, *SHAPE).astype(np.float32)


def moments(z):
    return z.mean(0), np.cov(z, rowvar=False, bias=True)


def assert_moments_close(z, mean, cov, rel=0.05):
    """Sample moments of `z` against (mean, cov), within a few standard errors."""
    got_mean, got_cov = moments(np.asarray(z, np.float64))
    se = np.sqrt(np.diag(cov) / len(z))
    np.testing.assert_array_less(np.abs(got_mean - mean), 5 * se + 1e-7)
    assert np.linalg.norm(got_cov - cov) <= rel * np.linalg.norm(cov)


@pytest.fixture(scope="module")
def data():
    return toy()


@pytest.fixture(scope="module")
def gmm(data):
    return zoo.create("gmm", image_shape=SHAPE, n_components=2, pca_dim=3).fit_data(data, iterations=30)


@pytest.fixture(scope="module")
def kde(data):
    return zoo.create("kde", image_shape=SHAPE, pca_dim=3, max_points=200).fit_data(data)


# ---- PCA -------------------------------------------------------------------


def test_keras_pca_equals_the_numpy_pca(data):
    train, test = data[:1000], data[1000:]
    model = zoo.create("pca", image_shape=SHAPE, n_components=3).fit_data(train)
    reference = estimators.PCA(3).fit(train.reshape(len(train), -1))
    np.testing.assert_allclose(model.reconstruct(test), reference.reconstruct(test), atol=1e-5)
    np.testing.assert_allclose(model.encode(test), reference.transform(test), atol=1e-5)
    np.testing.assert_allclose(model.score(test), np.mean((reference.reconstruct(test) - test) ** 2, axis=(1, 2, 3)),
                               rtol=1e-3, atol=1e-9)
    assert model.latent_dim == 3 and 0.9 < model.fit_info["explained_variance_ratio"] <= 1.0


def test_pca_checks_its_inputs_like_an_autoencoder():
    model = zoo.create("pca", image_shape=SHAPE, n_components=3)
    with pytest.raises(ValueError, match=r"latent codes of shape \(batch, 3\)"):
        model.decode(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model.reconstruct(np.full((2, *SHAPE), 2.0, np.float32))
    with pytest.raises(ValueError, match="n_components can be at most 64"):
        zoo.create("pca", image_shape=SHAPE, n_components=65)
    out = model.decode(np.full((2, 3), 5.0, np.float32))
    assert out.min() >= 0 and out.max() <= 1


@pytest.mark.parametrize("arch", ["pca", "gmm", "kde"])
def test_keras_fit_points_to_fit_data(arch, data):
    model = zoo.create(arch, image_shape=SHAPE, **({"n_components": 2} if arch == "pca" else {"pca_dim": 2}))
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"fit_data\(images\)"):
        model.fit(data[:8], epochs=1, verbose=0)


# ---- the Gaussian mixture ----------------------------------------------------


def test_gmm_holds_the_numpy_estimators_fit(gmm, data):
    reference = estimators.GaussianMixture(2, pca_dim=3, iterations=30, seed=0).fit(data.reshape(len(data), -1))
    weights, means, covs = gmm.mixture()
    np.testing.assert_allclose(weights, reference.weights_, atol=1e-6)
    np.testing.assert_allclose(means, reference.means_, atol=1e-5)
    np.testing.assert_allclose(covs, reference.covariances_, rtol=1e-4, atol=1e-8)


def test_gmm_samples_are_seeded_in_range_and_decoded_codes(gmm):
    a = gmm.sample(64, seed=3)
    assert a.shape == (64, *SHAPE) and a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1
    np.testing.assert_array_equal(a, gmm.sample(64, seed=3))
    assert not np.array_equal(a, gmm.sample(64, seed=4))
    np.testing.assert_allclose(a, gmm.decode(gmm.sample_codes(64, seed=3)), atol=1e-6)


def test_gmm_codes_have_the_mixtures_mean_and_covariance(gmm):
    weights, means, covs = gmm.mixture()
    mean = weights @ means
    cov = np.einsum("k,kij->ij", weights, covs + np.einsum("ki,kj->kij", means, means)) - np.outer(mean, mean)
    assert_moments_close(gmm.sample_codes(40000, seed=0), mean, cov)


def test_gmm_samples_match_the_numpy_estimators_samples(gmm, data):
    reference = estimators.GaussianMixture(2, pca_dim=3, iterations=30, seed=0).fit(data.reshape(len(data), -1))
    theirs = gmm.encode(reference.sample(40000, seed=1).reshape(-1, *SHAPE).astype(np.float32))
    ours = gmm.encode(gmm.sample(40000, seed=1))
    mean, cov = moments(theirs.astype(np.float64))
    assert_moments_close(ours, mean, cov)


def test_gmm_code_log_density_is_the_mixtures(gmm, data):
    weights, means, covs = gmm.mixture()
    z = gmm.encode(data[:50]).astype(np.float64)
    per = []
    for w, m, c in zip(weights, means, covs):
        d = z - m
        maha = np.einsum("ni,ij,nj->n", d, np.linalg.inv(c), d)
        per.append(np.log(w) - 0.5 * (maha + np.linalg.slogdet(c)[1] + 3 * np.log(2 * np.pi)))
    np.testing.assert_allclose(gmm.code_log_density(z), np.logaddexp.reduce(per, axis=0), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gmm.score(data[:50]), -gmm.code_log_density(z), rtol=1e-5, atol=1e-5)


# ---- the kernel density estimate ---------------------------------------------


def test_kde_holds_the_numpy_estimators_points_and_bandwidth(kde, data):
    reference = estimators.KernelDensity(pca_dim=3, max_points=200, seed=0).fit(data.reshape(len(data), -1))
    np.testing.assert_allclose(kde.points.numpy(), reference.points_, atol=1e-5)
    assert float(kde.bandwidth.numpy()) == pytest.approx(reference.bandwidth_, rel=1e-6)


def test_kde_codes_have_the_estimates_mean_and_covariance(kde):
    points = kde.points.numpy().astype(np.float64)
    h = float(kde.bandwidth.numpy())
    mean, cov = moments(points)
    assert_moments_close(kde.sample_codes(40000, seed=0), mean, cov + h**2 * np.eye(3))


def test_kde_samples_are_seeded_in_range_and_match_the_numpy_estimators(kde, data):
    a = kde.sample(64, seed=3)
    assert a.shape == (64, *SHAPE) and a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1
    np.testing.assert_array_equal(a, kde.sample(64, seed=3))
    assert not np.array_equal(a, kde.sample(64, seed=4))
    reference = estimators.KernelDensity(pca_dim=3, max_points=200, seed=0).fit(data.reshape(len(data), -1))
    theirs = kde.encode(reference.sample(40000, seed=1).reshape(-1, *SHAPE).astype(np.float32))
    mean, cov = moments(theirs.astype(np.float64))
    assert_moments_close(kde.encode(kde.sample(40000, seed=1)), mean, cov)


def test_kde_code_log_density_is_the_estimates(kde, data):
    points = kde.points.numpy().astype(np.float64)
    h = float(kde.bandwidth.numpy())
    z = kde.encode(data[:20]).astype(np.float64)
    d2 = ((z[:, None] - points[None]) ** 2).sum(-1)
    want = np.logaddexp.reduce(-0.5 * d2 / h**2, axis=1) - 3 * np.log(h * np.sqrt(2 * np.pi)) - np.log(len(points))
    np.testing.assert_allclose(kde.code_log_density(z), want, rtol=1e-4, atol=1e-3)


def test_kde_refuses_too_few_images_for_its_points(data):
    with pytest.raises(ValueError, match="lower max_points"):
        zoo.create("kde", image_shape=SHAPE, pca_dim=3, max_points=400).fit_data(data[:1200])


# ---- saving --------------------------------------------------------------------


def fitted(arch, data):
    if arch == "pca":
        return zoo.create("pca", image_shape=SHAPE, n_components=3).fit_data(data)
    if arch == "gmm":
        return zoo.create("gmm", image_shape=SHAPE, n_components=2, pca_dim=3).fit_data(data, iterations=5)
    return zoo.create("kde", image_shape=SHAPE, pca_dim=3, max_points=100).fit_data(data)


def same_behaviour(a, b, data):
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.encode(data[:16]), b.encode(data[:16]))
    if isinstance(a, Sampler):
        np.testing.assert_array_equal(a.sample(16, seed=5), b.sample(16, seed=5))
    else:
        np.testing.assert_array_equal(a.reconstruct(data[:16]), b.reconstruct(data[:16]))


@pytest.mark.parametrize("arch", ["pca", "gmm", "kde"])
def test_fitted_model_survives_a_preset_folder_and_a_keras_file(arch, data, tmp_path):
    model = fitted(arch, data)
    pretrained.save(model, tmp_path / "p", {"preset": "p"})
    same_behaviour(zoo.load(tmp_path / "p"), model, data)
    model.save(tmp_path / "m.keras")
    same_behaviour(keras.saving.load_model(tmp_path / "m.keras"), model, data)


@pytest.mark.parametrize("arch", ["gmm", "kde"])
def test_sampling_export_is_the_saved_model_and_decode_is_onnx(arch, data, tmp_path):
    report = zoo.export(fitted(arch, data), tmp_path, verbose=False)
    assert "sample" in report["saved_model"] and "sample" not in report["onnx"]
    assert set(report["onnx"]) == {"encode", "decode"}
    assert all(err <= 1e-4 for errs in report.values() for err in errs.values()), report


def test_randomized_pca_of_wide_images_finds_the_exact_components(monkeypatch):
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((300, 30)))[0]
    x = (rng.standard_normal((200, 30)) * 0.9 ** np.arange(30)) @ basis.T + 1e-3 * rng.standard_normal((200, 300))
    exact = estimators.PCA(8).fit(x)
    monkeypatch.setattr(estimators.PCA, "EXACT_MAX_DIM", 100)  # 300 pixels now count as wide
    fast = estimators.PCA(8).fit(x)
    # The same directions (up to sign) and variances.
    np.testing.assert_allclose(np.abs(np.sum(fast.components_ * exact.components_, axis=1)), 1, atol=1e-9)
    np.testing.assert_allclose(fast.explained_variance_, exact.explained_variance_, rtol=1e-9)
    np.testing.assert_allclose(fast.reconstruct(np.clip(x[:4], 0, 1)), exact.reconstruct(np.clip(x[:4], 0, 1)),
                               atol=1e-9)


# ---- sizes chosen by held-out likelihood -------------------------------------


def test_selected_gmm_is_the_chosen_estimator_in_keras_weights(data):
    from zoo.models.classical.classical import GMM

    candidates = [(1, 3), (2, 3), (2, 1)]
    model = GMM.selected(data, candidates, iterations=30)
    reference = estimators.select_gaussian_mixture(data.reshape(len(data), -1), candidates, iterations=30)
    chosen = model.fit_info["selection"]["chosen"]
    # The toy data has two clusters in a 3-d code: held-out likelihood finds both.
    assert (chosen["n_components"], chosen["pca_dim"]) == (2, 3)
    assert (model.n_components, model.pca_dim) == (2, 3) and model.get_config()["n_components"] == 2
    z = model.encode(data[:50])
    np.testing.assert_allclose(model.code_log_density(z), reference.code_log_density(z), rtol=1e-4, atol=1e-3)
    assert [c["held_out_nats"] for c in model.fit_info["selection"]["candidates"]] == [
        c["held_out_nats"] for c in reference.selection_["candidates"]]


def test_selected_kde_stores_what_it_has_and_the_chosen_bandwidth(data):
    from zoo.models.classical.classical import KDE

    model = KDE.selected(data, pca_dims=(1, 3), bandwidths=(0.05, 0.3, 3.0), max_points=5000)
    chosen = model.fit_info["selection"]["chosen"]
    assert model.pca_dim == chosen["pca_dim"] == 3
    # Fewer images than max_points: the model stores every one.
    assert model.max_points == len(data)
    assert model.fit_info["bandwidth_in_code_stds"] == pytest.approx(chosen["bandwidth"])
    assert chosen["bandwidth"] != 3.0 and model.sample(4, seed=1).shape == (4, *SHAPE)


def test_selection_refuses_what_is_not_a_batch_of_images(data):
    from zoo.models.classical.classical import GMM

    with pytest.raises(ValueError, match=r"batch of images \(batch, height, width, channels\)"):
        GMM.selected(data[0], [(1, 3)])
    with pytest.raises(ValueError, match="this gmm has 2 components in 3 PCA dims"):
        estimator = estimators.GaussianMixture(1, pca_dim=3, iterations=5).fit(data.reshape(len(data), -1))
        zoo.create("gmm", image_shape=SHAPE, n_components=2, pca_dim=3).set_estimator(estimator)


def test_recipe_notes_name_the_choice_and_its_runners_up(data):
    from training.classical import fit_model, fit_note

    entry = {"arch": "gmm", "dataset": "mnist", "config": {"image_shape": list(SHAPE), "n_components": 2,
                                                            "pca_dim": 3}}
    recipe = {"seed": 0, "select": {"n_components": [1, 2], "pca_dim": [1, 3]}, "iterations": 20, "reg": 1e-4}
    model, _ = fit_model(entry, recipe, data)
    note = fit_note("gmm", "mnist", model)
    assert note.startswith("Size chosen by held-out likelihood over pixels: 2 components, 3 PCA dims (")
    assert "the best of 4 settings; the next: " in note and "train[1083:]" in note
    assert "the grid's largest components and PCA dims" in note
