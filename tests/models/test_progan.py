"""What is special about progressive growing: fade-in, minibatch stddev, equalised layers, the schedule, resume."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo.layers.equalized import EqualizedConv2D, EqualizedDense, downsample, minibatch_stddev, upsample
from zoo.models.gan.progan import Growth

TINY = {"image_shape": (16, 16, 1), "latent_dim": 4, "g_filters": [8, 6, 4], "d_filters": [8, 6, 4],
        "group_size": 2}


def model(**overrides):
    keras.utils.set_random_seed(0)
    return zoo.create("progan", **{**TINY, "fade_steps": 4, "stable_steps": 2, **overrides})


def batches(n=8, batch=4, seed=0):
    x = np.random.default_rng(seed).uniform(0, 1, (n, 16, 16, 1)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(x).batch(batch)


def fit(m, epochs, **kwargs):
    m.compile(g_optimizer=m.default_optimizer(), d_optimizer=m.default_optimizer())
    return m.fit(batches(), epochs=epochs, verbose=0, **kwargs)


def test_generator_fade_in_blends_the_level_below_upsampled_with_the_new_block():
    g = model().generator
    z = tf.random.normal((3, 4), seed=1)
    for level in (1, 2):
        below = g(z, level=level - 1).numpy()
        new = g(z, level=level).numpy()
        assert new.shape[1] == 2 * below.shape[1] == 4 * 2 ** level
        np.testing.assert_allclose(g(z, level=level, alpha=0.0), upsample(below), atol=1e-5)
        np.testing.assert_allclose(g(z, level=level, alpha=1.0), new, atol=1e-6)
        np.testing.assert_allclose(g(z, level=level, alpha=0.25), 0.75 * upsample(below) + 0.25 * new, atol=1e-5)


def test_discriminator_fade_in_at_alpha_zero_sees_the_image_downscaled_by_the_level_below():
    d = model().discriminator
    x = tf.random.uniform((4, 16, 16, 1), -1, 1, seed=2)
    np.testing.assert_allclose(d(x, alpha=0.0), d(downsample(x)), atol=1e-5)
    assert not np.allclose(d(x, alpha=1.0), d(downsample(x)), atol=1e-3)
    with pytest.raises(ValueError, match="4x4 up to 16"):
        d(tf.zeros((2, 12, 12, 1)))


def test_minibatch_stddev_adds_the_groups_mean_standard_deviation_as_one_channel():
    x = np.random.default_rng(0).normal(size=(6, 4, 4, 3)).astype(np.float32)
    out = minibatch_stddev(tf.constant(x), group_size=6).numpy()
    assert out.shape == (6, 4, 4, 4)
    np.testing.assert_array_equal(out[..., :3], x)
    expected = np.sqrt(x.var(axis=0) + 1e-8).mean()
    np.testing.assert_allclose(out[..., 3], expected, rtol=1e-5)
    # Groups of 2: image i joins group i mod 3 (the paper's layout).
    out = minibatch_stddev(tf.constant(x), group_size=2).numpy()
    for i in range(6):
        group = x[[i % 3, i % 3 + 3]]
        np.testing.assert_allclose(out[i, ..., 3], np.sqrt(group.var(axis=0) + 1e-8).mean(), rtol=1e-5)
    # A batch that does not divide into groups forms one group.
    out = minibatch_stddev(tf.constant(x[:5]), group_size=2).numpy()
    np.testing.assert_allclose(out[..., 3], np.sqrt(x[:5].var(axis=0) + 1e-8).mean(), rtol=1e-5)


def test_equalised_layers_store_unit_weights_and_scale_them_at_run_time():
    keras.utils.set_random_seed(0)
    conv = EqualizedConv2D(64, 3)
    x = tf.random.normal((2, 8, 8, 32), seed=3)
    y = conv(x)
    kernel = conv.kernel.numpy()
    assert abs(kernel.std() - 1.0) < 0.02, kernel.std()
    he = np.sqrt(2.0) / np.sqrt(3 * 3 * 32)
    np.testing.assert_allclose(y, tf.nn.conv2d(x, kernel * he, 1, "SAME") + conv.bias, atol=1e-4)
    # So the output keeps unit scale: about sqrt(2) for unit inputs, whatever the fan-in.
    assert 1.2 < float(tf.math.reduce_std(y)) < 1.6
    dense = EqualizedDense(8, lr_multiplier=0.01)
    z = tf.random.normal((4, 16), seed=4)
    out = dense(z)
    np.testing.assert_allclose(out, z @ (dense.kernel.numpy() * np.sqrt(2.0) / 4.0 * 0.01), atol=1e-5)
    assert abs(dense.kernel.numpy().std() - 100.0) < 15.0


def test_schedule_levels_and_alpha():
    m = model()
    assert [m.level_at(r) for r in range(15)] == [0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2]
    assert [m.alpha_at(r) for r in (0, 2, 3, 5, 6, 8, 10, 12, 100)] == [1, 0, 0.25, 0.75, 1, 0, 0.5, 1, 1]
    assert m.total_steps() == 14


def test_growth_inside_fit_reaches_the_last_level_and_reports_each_phase():
    m = model(fade_steps=1, stable_steps=1)
    ended = []
    history = fit(m, epochs=3, callbacks=[Growth(on_phase_end=lambda model, level: ended.append(level))])
    assert int(m.rounds.numpy()) == 6 and m.training_level == 2
    assert ended == [0, 1]
    assert np.all(np.isfinite(history.history["d_loss"]))


def test_alpha_is_the_schedules_not_the_gradient_penaltys_mixing_weight():
    m = model()
    # Rounds 2..5 fade level 1 in: logged alpha per epoch is the mean over its two steps.
    history = fit(m, epochs=3)
    assert history.history["alpha"] == pytest.approx([1.0, (0.0 + 0.25) / 2, (0.5 + 0.75) / 2])


def test_resume_mid_fade_restores_level_and_alpha_and_continues_identically(tmp_path):
    whole = model()
    fit(whole, epochs=2)  # 4 rounds: level 1, alpha 0.5 next
    path = tmp_path / "m.keras"
    whole.save(path)
    loaded = keras.saving.load_model(path)
    assert int(loaded.rounds.numpy()) == 4 and loaded.training_level == 1
    assert loaded.alpha_at(4) == 0.5
    keras.utils.set_random_seed(5)
    a = whole.fit(batches(), epochs=1, verbose=0).history["alpha"]
    keras.utils.set_random_seed(5)
    b = loaded.fit(batches(), epochs=1, verbose=0).history["alpha"]
    assert a == b == pytest.approx([(0.5 + 0.75) / 2])
    for x, y in zip(whole.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(x, y, atol=1e-6)


def test_a_trained_model_samples_and_exports_at_its_final_resolution():
    m = model(fade_steps=1, stable_steps=1)
    fit(m, epochs=3)
    assert m.sample(3, seed=0).shape == (3, 16, 16, 1)
    assert m.sample_at_level(2, level=1, seed=0).shape == (2, 8, 8, 1)
    with pytest.raises(ValueError, match="level must be in 0..2"):
        m.sample_at_level(2, level=3)


def test_levels_must_match_the_image_size():
    with pytest.raises(ValueError, match="end at 16x16"):
        zoo.create("progan", **{**TINY, "image_shape": (32, 32, 1)})
    with pytest.raises(ValueError, match="one entry per level"):
        zoo.create("progan", **{**TINY, "d_filters": [8, 6]})
