"""The shared training mechanics, on toy models (tests/toys.py)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.toys import ToyAE, ToyGAN
from zoo.checks import check_images


def data(n=8, shape=(4, 4, 1), batch=4):
    x = np.random.default_rng(0).uniform(0, 1, (n, *shape)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(x).batch(batch)


def gan(**kwargs):
    model = ToyGAN(**kwargs)
    model.build_all()
    return model


def adam():
    return keras.optimizers.Adam(1e-2, beta_1=0.5)


def test_fit_builds_an_unbuilt_model_and_its_optimizer():
    model = ToyAE()
    model.compile(optimizer="adam")
    assert not model.optimizer.built
    model.fit(data(), epochs=1, verbose=0)
    assert model.built and model.optimizer.built


def test_adversarial_step_updates_both_players_with_their_own_optimizers():
    model = gan()
    model.compile(g_optimizer=adam(), d_optimizer=adam())
    g0 = [w.numpy().copy() for w in model.generator.weights]
    d0 = [w.numpy().copy() for w in model.discriminator.weights]
    history = model.fit(data(), epochs=1, verbose=0).history
    assert set(history) == {"g_loss", "d_loss"}
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(g0, model.generator.weights))
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(d0, model.discriminator.weights))
    assert int(model.g_optimizer.iterations) == 2 and int(model.d_optimizer.iterations) == 2


def test_d_steps_repeats_the_discriminator_update():
    model = gan(d_steps=3)
    model.compile(g_optimizer=adam(), d_optimizer=adam())
    model.fit(data(), epochs=1, verbose=0)
    assert int(model.d_optimizer.iterations) == 6 and int(model.g_optimizer.iterations) == 2


def test_default_optimizer_gives_each_player_its_own_copy():
    model = gan()
    model.compile(optimizer=adam())
    assert model.g_optimizer is not model.d_optimizer
    assert model.g_optimizer.get_config()["learning_rate"] == pytest.approx(1e-2)


def test_compile_without_a_players_optimizer_is_an_error():
    with pytest.raises(ValueError, match="d_optimizer"):
        gan().compile(g_optimizer=adam())


def test_every_optimizer_is_loss_scaled_under_float16():
    keras.mixed_precision.set_global_policy("mixed_float16")
    model = gan()
    model.compile(g_optimizer=adam(), d_optimizer=adam())
    for opt in (model.g_optimizer, model.d_optimizer):
        assert isinstance(opt, keras.optimizers.LossScaleOptimizer)
    history = model.fit(data(), epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values())


def test_keras_file_restores_every_optimizer_and_its_state(tmp_path):
    model = gan()
    model.compile(g_optimizer=adam(), d_optimizer=keras.optimizers.Adam(3e-3))
    model.fit(data(), epochs=2, verbose=0)
    model.save(tmp_path / "gan.keras")
    loaded = keras.saving.load_model(tmp_path / "gan.keras")
    for name in ("g_optimizer", "d_optimizer"):
        ours, theirs = getattr(model, name), getattr(loaded, name)
        assert type(ours) is type(theirs)
        assert ours.get_config() == theirs.get_config()
        assert int(theirs.iterations) == 4
        for a, b in zip(ours.variables, theirs.variables):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    model.fit(data(), epochs=1, verbose=0)
    loaded.fit(data(), epochs=1, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_check_images_accepts_uint8_and_refuses_the_rest():
    x = np.full((2, 4, 4, 1), 255, np.uint8)
    assert check_images(x, (4, 4, 1)).max() == 1.0
    with pytest.raises(ValueError, match=r"shape \(batch, 4, 4, 1\)"):
        check_images(np.zeros((2, 4, 4, 3)), (4, 4, 1))
    with pytest.raises(ValueError, match="inf"):
        check_images(np.full((1, 4, 4, 1), np.inf), (4, 4, 1))
