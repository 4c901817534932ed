"""What is special about the VAE: its bound, its KL term, its codes."""

import math

import numpy as np
import pytest
import tensorflow as tf

import zoo

TINY = {"image_shape": (8, 8, 1), "latent_dim": 3, "filters": [4], "hidden": 8}


@pytest.fixture(scope="module")
def vae():
    import keras

    keras.utils.set_random_seed(0)
    return zoo.create("vae", **TINY)


def images(n=6, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, 8, 8, 1)).astype("float32")


def test_kl_is_zero_at_the_prior_and_matches_the_closed_form(vae):
    zero = tf.zeros((2, 3))
    np.testing.assert_allclose(vae.kl_divergence(zero, zero).numpy(), 0.0, atol=1e-7)
    mu, logvar = tf.constant([[1.0, 0.0, -2.0]]), tf.constant([[0.0, math.log(4.0), 0.0]])
    expected = 0.5 * (1 + 0 + 4) + 0.5 * (4 - 1 - math.log(4.0))
    np.testing.assert_allclose(vae.kl_divergence(mu, logvar).numpy(), [expected], rtol=1e-6)


def test_importance_weighted_bound_is_at_least_the_elbo(vae):
    x = images(32)
    # k=1 is the ELBO; averaged over seeds its noise is small beside the gap to k=64.
    elbo = np.mean([vae.log_prob(x, k=1, seed=s).mean() for s in range(20)])
    iwae = vae.log_prob(x, k=64).mean()
    assert iwae > elbo
    assert abs(vae.elbo(x).mean() - elbo) < 1.0
    np.testing.assert_array_equal(vae.log_prob(x, k=8, seed=3), vae.log_prob(x, k=8, seed=3))


def test_loss_is_the_negative_elbo(vae):
    losses = vae.compute_losses(tf.constant(images()), training=False)
    np.testing.assert_allclose(float(losses["loss"]), float(losses["recon_loss"] + losses["kl_loss"]), rtol=1e-6)


def test_beta_weights_the_kl_term():
    beta = zoo.create("vae", beta=4.0, **TINY)
    losses = beta.compute_losses(tf.constant(images()), training=False)
    np.testing.assert_allclose(float(losses["loss"]), float(losses["recon_loss"] + 4 * losses["kl_loss"]), rtol=1e-6)


def test_encode_decode_interpolate_shapes(vae):
    x = images()
    z = vae.encode(x)
    assert z.shape == (6, 3)
    assert vae.decode(z).shape == x.shape
    row = vae.interpolate(x[0], x[1], steps=5)
    assert row.shape == (5, 8, 8, 1)
    np.testing.assert_allclose(row[0], vae.reconstruct(x[:1])[0], atol=1e-6)
    np.testing.assert_allclose(row[-1], vae.reconstruct(x[1:2])[0], atol=1e-6)


def test_score_is_higher_for_stranger_images_after_training():
    vae = zoo.create("vae", **TINY)
    vae.compile(optimizer="adam")
    rng = np.random.default_rng(0)
    # Normal data: dark images with a bright centre; strange: the inverse.
    normal = np.full((256, 8, 8, 1), 0.05, np.float32)
    normal[:, 2:6, 2:6] = 0.95
    normal = np.clip(normal + rng.normal(0, 0.02, normal.shape), 0, 1).astype(np.float32)
    vae.fit(tf.data.Dataset.from_tensor_slices(normal).batch(32), epochs=15, verbose=0)
    assert vae.score(1 - normal[:16]).mean() > vae.score(normal[:16]).mean()


@pytest.mark.parametrize("z", [np.zeros((2, 4)), np.zeros(3), np.full((2, 3), np.nan), np.zeros((0, 3))])
def test_bad_codes_name_what_was_expected(vae, z):
    with pytest.raises(ValueError, match=r"latent codes of shape \(batch, 3\)"):
        vae.decode(z)


def test_bad_interpolation_steps(vae):
    with pytest.raises(ValueError, match="at least 2"):
        vae.interpolate(images(1)[0], images(1)[0], steps=1)
