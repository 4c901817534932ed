"""beta-VAE's capacity, the conditional VAE's labels, the WAE's MMD, and latent traversals."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo.models.vae.family import imq_mmd

TINY = {"image_shape": (8, 8, 1), "latent_dim": 3, "filters": [4], "hidden": 8}


def images(n=6, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, 8, 8, 1)).astype("float32")


def test_capacity_rises_with_the_steps_and_sets_the_kl_target():
    model = zoo.create("beta_vae", beta=4.0, capacity=10.0, capacity_steps=4, **TINY)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.build_all()
    targets = []
    for _ in range(6):
        targets.append(float(model.current_capacity()))
        model.optimizer.iterations.assign_add(1)
    np.testing.assert_allclose(targets, [0.0, 2.5, 5.0, 7.5, 10.0, 10.0])
    losses = model.compute_losses(tf.constant(images()), training=False)
    expected = losses["recon_loss"] + 4.0 * abs(float(losses["kl_loss"]) - 10.0)
    np.testing.assert_allclose(float(losses["loss"]), float(expected), rtol=1e-6)


def test_beta_vae_without_capacity_is_the_weighted_elbo():
    model = zoo.create("beta_vae", beta=4.0, **TINY)
    losses = model.compute_losses(tf.constant(images()), training=False)
    np.testing.assert_allclose(float(losses["loss"]), float(losses["recon_loss"] + 4 * losses["kl_loss"]), rtol=1e-6)


@pytest.fixture(scope="module")
def cvae():
    """A conditional VAE trained on two classes: class 0 bright on top, class 1 bright below."""
    keras.utils.set_random_seed(0)
    model = zoo.create("cvae", num_classes=2, **TINY)
    x = np.zeros((128, 8, 8, 1), np.float32)
    y = np.arange(128) % 2
    x[y == 0, :4] = 1.0
    x[y == 1, 4:] = 1.0
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(32), epochs=30, verbose=0)
    return model


def test_conditional_samples_follow_their_labels(cvae):
    for label, (bright, dark) in {0: (slice(0, 4), slice(4, 8)), 1: (slice(4, 8), slice(0, 4))}.items():
        s = cvae.sample(16, seed=0, labels=label)
        assert s[:, bright].mean() > s[:, dark].mean() + 0.3, label
    np.testing.assert_array_equal(cvae.sample(4, seed=1, labels=[0, 1, 0, 1]),
                                  cvae.sample(4, seed=1, labels=[0, 1, 0, 1]))
    # Without labels the classes come in turn.
    np.testing.assert_array_equal(cvae.sample(4, seed=1), cvae.sample(4, seed=1, labels=[0, 1, 0, 1]))


def test_conditional_methods_take_labels(cvae):
    x = images(4)
    z = cvae.encode(x, labels=1)
    assert z.shape == (4, 3)
    assert cvae.decode(z, labels=[0, 1, 0, 1]).shape == x.shape
    assert cvae.reconstruct(x, labels=0).shape == x.shape
    assert cvae.elbo(x, labels=1).shape == (4,)
    assert cvae.log_prob(x, k=4, labels=1).shape == (4,)
    assert cvae.interpolate(x[0], x[1], steps=3, labels=1).shape == (3, 8, 8, 1)


@pytest.mark.parametrize("labels", [None, [0, 2], [0.5, 1.0], [0, 1, 0], [[0, 1]], -1])
def test_bad_labels_name_what_was_expected(cvae, labels):
    with pytest.raises(ValueError, match="labels"):
        cvae.encode(images(2), labels=labels)


def test_mmd_is_near_zero_for_one_distribution_and_large_for_two():
    rng = np.random.default_rng(0)
    same = [float(imq_mmd(rng.normal(size=(200, 4)), rng.normal(size=(200, 4)))) for _ in range(5)]
    shifted = float(imq_mmd(rng.normal(size=(200, 4)), rng.normal(2.0, 1.0, size=(200, 4))))
    assert abs(np.mean(same)) < 0.01
    assert shifted > 50 * abs(np.mean(same)) and shifted > 0.1


def test_wae_is_deterministic_and_has_no_likelihood_bound():
    model = zoo.create("wae", mmd_weight=5.0, **TINY)
    assert not hasattr(model, "elbo") and not hasattr(model, "log_prob")
    x = images()
    np.testing.assert_array_equal(model.encode(x), model.encode(x))
    np.testing.assert_allclose(model.score(x), ((model.reconstruct(x) - x) ** 2).mean(axis=(1, 2, 3)), rtol=1e-6)
    losses = model.compute_losses(tf.constant(x), training=True)
    np.testing.assert_allclose(float(losses["loss"]), float(losses["recon_loss"] + 5.0 * losses["mmd_loss"]),
                               rtol=1e-5)


def test_traverse_varies_one_coordinate_per_row():
    model = zoo.create("vae", **TINY)
    x = images(1)
    grid = model.traverse(x[0], dims=[2, 0], values=[-1.0, 0.0, 1.0])
    assert grid.shape == (6, 8, 8, 1)
    z = np.repeat(model.encode(x), 6, axis=0)
    z[:3, 2] = [-1, 0, 1]
    z[3:, 0] = [-1, 0, 1]
    np.testing.assert_allclose(grid, model.decode(z), atol=1e-6)
    with pytest.raises(ValueError, match="dims"):
        model.traverse(x, dims=[3])
    with pytest.raises(ValueError, match="values"):
        model.traverse(x, values=[np.nan])


def test_active_dims_puts_the_used_coordinates_first():
    keras.utils.set_random_seed(0)
    model = zoo.create("vae", **TINY)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    # One factor of variation: the brightness of the whole image.
    x = np.repeat(np.linspace(0.05, 0.95, 128, dtype=np.float32), 64).reshape(128, 8, 8, 1)
    model.fit(x, batch_size=32, epochs=40, verbose=0)
    order, kl = model.active_dims(x)
    assert sorted(order) == [0, 1, 2] and list(kl) == sorted(kl, reverse=True)
    assert kl[0] > 1.0 and kl[1] < 0.5 * kl[0]


def test_class_accuracy_counts_samples_the_evaluator_calls_their_class(cvae):
    from zoo.metrics.evaluate import class_accuracy

    class TopOrBottom:
        """Calls an image 0 when its top half is the brighter."""

        num_classes = 2

        def classify(self, x):
            return (x[:, :4].mean(axis=(1, 2, 3)) < x[:, 4:].mean(axis=(1, 2, 3))).astype(int)

    found = class_accuracy(cvae, TopOrBottom(), "toy", n=64)
    assert found["value"] > 0.95 and found["n"] == 64 and found["higher_is_better"]

    class Contrary(TopOrBottom):
        def classify(self, x):
            return 1 - super().classify(x)

    assert class_accuracy(cvae, Contrary(), "toy", n=64)["value"] < 0.05
