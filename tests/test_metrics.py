"""The measuring instruments give the known answers, and can fail."""

import numpy as np
import pytest

from tests.conftest import data_dir_or_skip
from zoo.metrics import PCA, BernoulliMixture, GaussianMixture, KernelDensity, mse, psnr
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
