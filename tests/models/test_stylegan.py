"""What is special about the style-based generator: demodulation, truncation, mixing, noise, lazy regularisers."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo.models.gan.stylegan import ModulatedConv2D

TINY = {"image_shape": (16, 16, 1), "latent_dim": 4, "w_dim": 6, "mapping_layers": 2, "g_filters": [8, 6, 4],
        "d_filters": [8, 6, 4], "group_size": 2}


def model(**overrides):
    keras.utils.set_random_seed(0)
    return zoo.create("stylegan", **{**TINY, **overrides})


def batches(n=8, batch=4, seed=0):
    x = np.random.default_rng(seed).uniform(0, 1, (n, 16, 16, 1)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(x).batch(batch)


def fit(m, epochs):
    m.compile(g_optimizer=m.default_optimizer(), d_optimizer=m.default_optimizer())
    return m.fit(batches(), epochs=epochs, verbose=0)


def test_demodulation_gives_unit_variance_outputs_for_unit_variance_inputs_whatever_the_style():
    keras.utils.set_random_seed(0)
    conv = ModulatedConv2D(32, 3, w_dim=8)
    x = tf.random.normal((4, 16, 16, 64), seed=1)
    conv.build(x.shape)
    # Styles far from 1: large and uneven.
    conv.affine.bias.assign(np.random.default_rng(0).uniform(0.1, 20.0, 64).astype("float32"))
    w = tf.random.normal((4, 8), seed=2) * 5.0
    y = conv(x, w).numpy()
    interior = y[:, 1:-1, 1:-1]  # the zero padding lowers the border's variance
    assert abs(interior.var() - 1.0) < 0.1, interior.var()
    per_image = interior.reshape(4, -1).var(axis=1)
    np.testing.assert_allclose(per_image, 1.0, atol=0.15)
    plain = ModulatedConv2D(32, 3, w_dim=8, demodulate=False)
    plain.build(x.shape)
    plain.affine.bias.assign(np.full(64, 5.0, "float32"))
    assert plain(x, tf.zeros((4, 8))).numpy().var() > 10.0  # without it, the style sets the scale


def test_truncation_zero_gives_the_average_ws_image_for_every_code():
    m = model()
    m.generator.w_avg.assign(np.random.default_rng(1).normal(size=6).astype("float32"))
    m.ema_generator.w_avg.assign(m.generator.w_avg)
    images = m.sample(5, seed=3, truncation=0.0)
    for image in images[1:]:
        np.testing.assert_allclose(image, images[0], atol=1e-6)
    np.testing.assert_allclose(images[0], m.synthesize(m.ema_generator.w_avg.numpy()[None])[0], atol=1e-6)
    assert not np.allclose(m.sample(5, seed=3, truncation=1.0)[0], m.sample(5, seed=3, truncation=1.0)[1])
    np.testing.assert_allclose(m.sample(5, seed=3, truncation=1.0), m.sample(5, seed=3), atol=1e-6)
    with pytest.raises(ValueError, match="finite"):
        m.sample(2, seed=0, truncation=float("nan"))


def test_mixing_at_crossover_zero_or_the_last_layer_is_the_pure_sample_of_one_code():
    m = model()
    z_a, z_b = m.latent_codes(3, seed=1), m.latent_codes(3, seed=2)
    np.testing.assert_allclose(m.mix(z_a, z_b, 0), m.generate(z_b), atol=1e-5)
    np.testing.assert_allclose(m.mix(z_a, z_b, m.num_ws), m.generate(z_a), atol=1e-5)
    middle = m.mix(z_a, z_b, 3)
    assert not np.allclose(middle, m.generate(z_a), atol=1e-4) and not np.allclose(middle, m.generate(z_b), atol=1e-4)
    assert m.num_ws == 6
    with pytest.raises(ValueError, match=r"crossover must be in 0..6"):
        m.mix(z_a, z_b, 7)


def test_noise_changes_details_not_the_image_and_the_fixed_noise_is_deterministic():
    m = model()
    fit(m, 1)
    m.ema_generator.set_weights(m.generator.get_weights())
    w = m.map(m.latent_codes(2, seed=0))
    for i, strength in enumerate(m.ema_generator.synthesis.strengths):
        strength.assign(0.3 + 0.1 * i)
    fixed = m.synthesize(w)
    np.testing.assert_array_equal(fixed, m.synthesize(w))
    a, b = m.synthesize(w, noise_seed=1), m.synthesize(w, noise_seed=2)
    np.testing.assert_array_equal(a, m.synthesize(w, noise_seed=1))
    assert np.abs(a - b).mean() > 1e-4
    for strength in m.ema_generator.synthesis.strengths:
        strength.assign(0.0)
    np.testing.assert_allclose(m.synthesize(w, noise_seed=1), m.synthesize(w, noise_seed=2), atol=1e-6)


def test_lazy_regularisers_move_on_their_rounds_and_the_game_counts_rounds():
    m = model(r1_every=4, pl_every=2)
    history = fit(m, 3)  # 6 rounds: R1 on rounds 0 and 4, path length on 0, 2, 4
    assert m.steps_taken() == 6 and int(m.rounds.numpy()) == 6
    assert int(m.d_optimizer.iterations) == 6 + 2 and int(m.g_optimizer.iterations) == 6 + 3
    assert all(np.isfinite(history.history[k]).all() for k in ("r1", "path_length", "d_loss", "g_loss"))
    assert float(m.pl_mean.numpy()) > 0


def test_the_average_w_follows_the_mapping_during_training():
    m = model()
    assert np.all(m.generator.w_avg.numpy() == 0)
    fit(m, 1)
    assert np.any(m.generator.w_avg.numpy() != 0)


def test_training_mixes_two_codes_after_a_crossover():
    m = model(mixing=1.0)
    ws, w = m.mixed_ws(4)
    ws = ws.numpy()
    np.testing.assert_allclose(ws[:, 0], w.numpy(), atol=1e-6)
    assert not np.allclose(ws[:, 0], ws[:, -1])  # the last layer reads the second code
    m = model(mixing=0.0)
    ws, w = m.mixed_ws(4)
    np.testing.assert_allclose(ws.numpy(), np.repeat(w.numpy()[:, None], m.num_ws, axis=1), atol=1e-6)


def test_mapping_and_synthesis_export_separately_and_compose_to_generate(tmp_path):
    m = model()
    report = zoo.export(m, tmp_path, verbose=False)
    assert {"mapping", "synthesis", "generate", "generate_truncated"} <= set(report["onnx"])
    import onnxruntime as ort

    z = m.latent_codes(3, seed=4)
    w = ort.InferenceSession(str(tmp_path / "mapping.onnx")).run(None, {"z": z})[0]
    ws = np.repeat(w[:, None], m.num_ws, axis=1).astype(np.float32)
    images = ort.InferenceSession(str(tmp_path / "synthesis.onnx")).run(None, {"ws": ws})[0]
    np.testing.assert_allclose(images, m.generate(z), atol=1e-4)
