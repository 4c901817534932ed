"""What is special about the flows: exact inverses, log-determinants, the likelihood's closed form, actnorm.

The shared suite (tests/test_models.py) covers building, fitting under each
precision, saving, loading and exporting; here tiny flows (8x8 or 4x4 grey)
are checked against numerically computed Jacobians and closed forms.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import pretrained
from zoo.capabilities import Autoencoder, capabilities
from zoo.models.flow.layers import (ActNorm, AffineCoupling, InvertibleConv1x1, LearnedPrior, Preprocess, SplitPrior,
                                   Squeeze)

TINY = {
    "real_nvp": {"image_shape": (8, 8, 1), "levels": 2, "steps": 2, "hidden": 4, "blocks": 1},
    "glow": {"image_shape": (8, 8, 1), "levels": 2, "steps": 2, "hidden": 4},
}
ARCHS = sorted(TINY)


def images(n=6, shape=(8, 8, 1), seed=0, eight_bit=False):
    x = np.random.default_rng(seed).uniform(0, 1, (n, *shape)).astype("float32")
    return np.round(x * 255) / np.float32(255) if eight_bit else x


def randomise(model, scale=0.3, seed=0):
    """Random coupling networks and priors, and actnorm set from data: a flow far from the identity."""
    rng, prior_rng = np.random.default_rng(seed), np.random.default_rng(seed + 100)
    for layer in model.flow_layers:
        if isinstance(layer, AffineCoupling):
            for w in layer.net.weights:
                w.assign(rng.normal(0, scale, w.shape).astype("float32"))
        if isinstance(layer, (SplitPrior, LearnedPrior)):
            for w in layer.trainable_weights:
                w.assign(prior_rng.normal(0, scale / 3, w.shape).astype("float32"))
    model.initialize(images(32, model.image_shape, seed=seed + 1))
    return model


def flow(arch, **overrides):
    return zoo.create(arch, **{**TINY[arch], **overrides})


# ---- inverses and log-determinants ------------------------------------------


@pytest.mark.parametrize("arch", ARCHS)
def test_decode_inverts_encode(arch):
    model = randomise(flow(arch))
    x = images(8)
    z = model.encode(x)
    assert z.shape == (8, model.latent_dim) == (8, 64) and z.dtype == np.float32
    np.testing.assert_allclose(model.decode(z), x, atol=1e-4)
    # And the other way round from codes of the prior, before decode clips to [0, 1].
    codes = tf.constant(model.latent_codes(4, seed=3))
    again = model.flatten(model.flow_forward(model.flow_inverse(model.unflatten(codes)))[0])
    np.testing.assert_allclose(again.numpy(), codes.numpy(), atol=1e-3)


def test_an_inverse_that_would_overflow_saturates_and_is_counted():
    model = flow("glow")
    # Scales of sigmoid(-60 + 2) / sigmoid(2), about 1e-26: dividing by them overflows float32 at once.
    for layer in model.flow_layers:
        if isinstance(layer, AffineCoupling):
            bias = layer.net.get_layer(f"{layer.net.name}_conv_out").bias
            bias.assign(np.full(bias.shape, -60.0, dtype="float32"))
    samples = model.sample(4, seed=0)
    assert np.isfinite(samples).all() and samples.min() >= 0 and samples.max() <= 1
    assert model.overflow_share(4, seed=0) == 1.0
    # Saturation is back on after counting, and an untouched flow never overflows.
    assert all(layer.saturate for layer in model.flow_layers if isinstance(layer, AffineCoupling))
    assert flow("glow").overflow_share(4, seed=0) == 0.0


def perturbed(layer, shape, seed=0):
    """`layer` built on `shape` with every weight random (a coupling's network too)."""
    layer.build(shape)
    rng = np.random.default_rng(seed)
    for w in layer.trainable_weights:
        w.assign(rng.normal(0, 0.3, w.shape).astype("float32") + (np.asarray(w) if "lower" in w.path else 0))
    return layer


LAYERS = {
    "preprocess_shift": lambda: Preprocess("shift"),
    "preprocess_logit": lambda: Preprocess("logit", alpha=0.05),
    "squeeze": lambda: Squeeze(),
    "actnorm": lambda: ActNorm(),
    "conv1x1": lambda: InvertibleConv1x1(seed=3),
    "checkerboard_0_tanh": lambda: AffineCoupling("checkerboard", 0, "tanh", hidden=4, blocks=1),
    "checkerboard_1_sigmoid": lambda: AffineCoupling("checkerboard", 1, "sigmoid", hidden=4),
    "channel_0_sigmoid": lambda: AffineCoupling("channel", 0, "sigmoid", hidden=4),
    "channel_1_tanh": lambda: AffineCoupling("channel", 1, "tanh", hidden=4, blocks=1),
    "split_prior": lambda: SplitPrior(),
    "learned_prior": lambda: LearnedPrior(),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_each_layer_log_det_is_log_abs_det_of_its_jacobian(name):
    shape = (1, 4, 4, 3)
    layer = perturbed(LAYERS[name](), shape)
    x = tf.constant(np.random.default_rng(1).uniform(0.05, 0.95, shape).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y, log_det = layer.forward(x)
        flat = tf.reshape(y, [-1])
    jacobian = tape.jacobian(flat, x).numpy().reshape(flat.shape[0], -1)
    sign, expected = np.linalg.slogdet(jacobian.astype(np.float64))
    assert sign != 0
    assert log_det.dtype == tf.float64 and log_det.shape == (1,)
    np.testing.assert_allclose(float(log_det[0]), expected, atol=2e-4)
    np.testing.assert_allclose(layer.inverse(y).numpy(), x.numpy(), atol=1e-5)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_each_layer_round_trips_through_its_config_in_safe_mode(name):
    layer = LAYERS[name]()
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer), safe_mode=True)
    assert type(again) is type(layer) and again.get_config() == layer.get_config()


@pytest.mark.parametrize("arch", ARCHS)
def test_the_density_is_the_gaussian_of_the_code_times_the_whole_jacobian(arch):
    # The whole map from pixels y to the flattened code, preprocessing and factored-out levels included.
    model = randomise(flow(arch, image_shape=(4, 4, 1), levels=2, steps=1), seed=2)
    y = tf.constant(model.dequantise(images(1, (4, 4, 1), seed=5)))
    with tf.GradientTape() as tape:
        tape.watch(y)
        v, _ = model.preprocess.forward(y)
        z = model.flatten(model.flow_forward(v)[0])[0]
    jacobian = tape.jacobian(z, y).numpy().reshape(16, 16).astype(np.float64)
    z = z.numpy().astype(np.float64)
    expected = -0.5 * np.sum(z**2 + math.log(2 * math.pi)) + np.linalg.slogdet(jacobian)[1]
    np.testing.assert_allclose(float(model.log_density(y)[0]), expected, atol=2e-3)


# ---- the likelihood's closed form --------------------------------------------


def identity_bits_per_dim(arch, x, alpha=0.05):
    """Bits/dim of an untrained flow: a volume-preserving map of the preprocessed bin centres.

    Untrained, the couplings are the identity, actnorm too, the squeezes and
    splits permute, and Glow's 1x1 convolutions rotate: |z| = |v| and the
    flow's log-determinant is 0. So log p(y) = sum log N(v; 0, 1) + the
    preprocessing's log-determinant, with y = (255 x + 1/2) / 256 and
    v = y - 1/2 (Glow) or v = logit(s), s = alpha + (1 - 2 alpha) y (RealNVP,
    log|dv/dy| = log(1 - 2 alpha) - log s - log(1 - s)).
    """
    y = (255.0 * x.astype(np.float64) + 0.5) / 256.0
    if arch == "glow":
        v, log_det = y - 0.5, 0.0
    else:
        s = alpha + (1 - 2 * alpha) * y
        v = np.log(s) - np.log1p(-s)
        log_det = math.log(1 - 2 * alpha) - np.log(s) - np.log1p(-s)
    log_p = np.sum((-0.5 * (v**2 + math.log(2 * math.pi)) + log_det).reshape(len(x), -1), axis=1)
    dims = x[0].size
    return (-log_p + dims * math.log(256)) / (dims * math.log(2))


@pytest.mark.parametrize("arch", ARCHS)
def test_bits_per_dim_of_an_untrained_flow_is_the_closed_form(arch):
    model = flow(arch)
    x = images(500, eight_bit=True)
    got = model.bits_per_dim(x)
    np.testing.assert_allclose(got, identity_bits_per_dim(arch, x), rtol=1e-6)
    # log_prob is the density over [0, 1]^D: bits_per_dim adds the D log 256 of the 8-bit bins.
    np.testing.assert_allclose(model.log_prob(x), (8 - got) * 64 * math.log(2), rtol=1e-6)
    if arch == "glow":
        # Uniform 8-bit noise: E (y - 1/2)^2 over the 256 bin centres is (256^2 - 1) / (12 * 256^2), so the
        # expected figure is (that / 2 + log(2 pi) / 2 + log 256) / log 2 = 9.3859 bits/dim.
        expected = ((256**2 - 1) / (12 * 256**2) / 2 + 0.5 * math.log(2 * math.pi) + math.log(256)) / math.log(2)
        assert got.mean() == pytest.approx(expected, abs=2e-3)


@pytest.mark.parametrize("arch", ARCHS)
def test_the_dequantised_figure_is_seeded_and_near_the_bin_centres(arch):
    model = randomise(flow(arch))
    x = images(20, eight_bit=True)
    a, b = model.bits_per_dim_dequantised(x, seed=0), model.bits_per_dim_dequantised(x, seed=0)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, model.bits_per_dim_dequantised(x, seed=1))
    assert a.mean() == pytest.approx(model.bits_per_dim(x).mean(), rel=0.05)


def test_the_loss_is_bits_per_dim_of_the_batch():
    model = randomise(flow("glow"))
    x = images(6, eight_bit=True)
    loss = model.compute_losses(tf.constant(x), training=False)["loss"]
    assert float(loss) == pytest.approx(model.bits_per_dim(x).mean(), rel=1e-5)


# ---- sampling at a temperature -------------------------------------------------


@pytest.mark.parametrize("arch", ARCHS)
def test_temperature_scales_the_latent(arch):
    model = flow(arch)
    z = model.latent_codes(5, seed=4)
    for t in (0.05, 0.7, 1.0):
        np.testing.assert_allclose(model.sample(5, seed=4, temperature=t), model.decode(z * t), atol=1e-6)
        np.testing.assert_allclose(model.decode(z, temperature=t), model.decode(z * t), atol=1e-6)
        exported = model.inference_functions()["decode"][0](tf.constant(z), tf.constant(t))
        np.testing.assert_allclose(exported.numpy(), model.decode(z * t), atol=1e-6)
    # Untrained, small codes decode inside [0, 1] unclipped, and encode back to the scaled code.
    np.testing.assert_allclose(model.encode(model.sample(5, seed=4, temperature=0.05)), 0.05 * z, atol=1e-4)
    with pytest.raises(ValueError, match="temperature"):
        model.sample(2, seed=0, temperature=-1.0)


# ---- actnorm's data-dependent initialisation ------------------------------------


def actnorm_outputs(model, x):
    outputs = []
    v, _ = model.preprocess.forward(model.dequantise(tf.constant(x)))
    model.flow_forward(v, visit=lambda layer, h: outputs.append(h.numpy()) if isinstance(layer, ActNorm) else None)
    return outputs


def test_actnorm_initialisation_whitens_the_init_batch():
    model = flow("glow")
    assert not model.initialized
    x = images(64)
    model.initialize(x)
    assert model.initialized
    outputs = actnorm_outputs(model, x)
    assert len(outputs) == len(model.actnorms()) == 4
    for h in outputs:
        np.testing.assert_allclose(h.mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
        np.testing.assert_allclose(h.var(axis=(0, 1, 2)), 1.0, rtol=1e-3)


def actnorm_weights(model):
    return [np.asarray(w) for a in model.actnorms() for w in (a.bias, a.log_scale)]


def fit_without_moving(model, x):
    """One epoch at learning rate 0: only a data-dependent initialisation can change a weight."""
    model.compile(optimizer=keras.optimizers.SGD(0.0))
    model.fit(tf.data.Dataset.from_tensor_slices(x).batch(4), epochs=1, verbose=0)


def test_actnorm_is_initialised_by_the_first_training_batch_and_never_again_after_load(tmp_path):
    fresh = flow("glow")
    fit_without_moving(fresh, images(8, seed=1))
    assert fresh.initialized
    assert any(np.abs(w).max() > 0.1 for w in actnorm_weights(fresh))

    model = flow("glow").initialize(images(64, seed=2))
    pretrained.save(model, tmp_path / "p", {"preset": "p"})
    loaded = zoo.load(tmp_path / "p")
    assert loaded.initialized
    before = actnorm_weights(loaded)
    fit_without_moving(loaded, 0.5 * images(8, seed=3))  # other statistics: a re-run would move the weights
    for a, b in zip(before, actnorm_weights(loaded)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("arch", ARCHS)
def test_save_load_round_trip_gives_identical_log_prob(arch, tmp_path):
    model = flow(arch)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(tf.data.Dataset.from_tensor_slices(images(8)).batch(4), epochs=1, verbose=0)
    pretrained.save(model, tmp_path / "p", {"preset": "p"})
    loaded = zoo.load(tmp_path / "p")
    x = images(5, seed=9)
    np.testing.assert_array_equal(loaded.log_prob(x), model.log_prob(x))
    np.testing.assert_array_equal(loaded.encode(x), model.encode(x))
    np.testing.assert_array_equal(loaded.sample(3, seed=1, temperature=0.7), model.sample(3, seed=1, temperature=0.7))


# ---- precision, capabilities, configuration --------------------------------------


def test_flow_math_stays_float32_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = randomise(flow("glow"))
    for layer in model.flow_layers:
        assert layer.compute_dtype == "float32", layer.name
    coupling = next(layer for layer in model.flow_layers if isinstance(layer, AffineCoupling))
    assert coupling.net.layers[1].compute_dtype == "bfloat16"  # the network's hidden convs
    assert coupling.net.layers[-1].compute_dtype == "float32"  # its raw scale and shift
    x = images(4)
    log_p = model.log_prob(x)
    assert log_p.dtype == np.float64 and np.all(np.isfinite(log_p))
    np.testing.assert_allclose(model.decode(model.encode(x)), x, atol=1e-4)


def test_a_flow_is_a_generator_with_an_exact_likelihood_not_an_autoencoder():
    for arch in ARCHS:
        model = flow(arch)
        assert capabilities(model) == ["ExactLikelihood", "Generator", "Sampler", "Scorer"]
        assert not isinstance(model, Autoencoder)
        assert set(model.inference_functions()) == {"log_prob", "encode", "decode", "sample"}
        np.testing.assert_allclose(model.score(images(3)), -model.log_prob(images(3)))


def test_structure_and_bad_configs():
    glow = zoo.create("glow", image_shape=(28, 28, 1), levels=2, steps=1, hidden=4)
    assert glow.latent_shapes == ((14, 14, 2), (7, 7, 8))
    nvp = zoo.create("real_nvp", image_shape=(28, 28, 1), levels=3, steps=1, hidden=4)
    assert nvp.latent_shapes == ((14, 14, 2), (7, 7, 4), (7, 7, 4))
    assert glow.latent_dim == nvp.latent_dim == 784
    # Glow's prior is learned (a split prior per factor-out, one per value at the top); RealNVP's is fixed.
    assert [type(layer) for layer in glow.flow_layers if isinstance(layer, (SplitPrior, LearnedPrior))] == [
        SplitPrior, LearnedPrior]
    assert not any(isinstance(layer, (SplitPrior, LearnedPrior)) for layer in nvp.flow_layers)
    fixed = zoo.create("glow", image_shape=(28, 28, 1), levels=2, steps=1, hidden=4, learned_prior=False)
    assert not any(isinstance(layer, (SplitPrior, LearnedPrior)) for layer in fixed.flow_layers)
    with pytest.raises(ValueError, match="multiples of 8"):
        zoo.create("glow", image_shape=(28, 28, 1), levels=3)
    with pytest.raises(ValueError, match="preprocessing"):
        zoo.create("glow", image_shape=(8, 8, 1), preprocessing="log")
    with pytest.raises(ValueError, match="alpha"):
        zoo.create("real_nvp", image_shape=(8, 8, 1), alpha=0.0)
