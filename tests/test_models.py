"""One suite over every registered architecture, each in a tiny configuration."""

import json

import keras
import numpy as np
import pytest

import zoo
from zoo import pretrained
from zoo.capabilities import (
    Autoencoder, Classifier, Conditional, ExactLikelihood, LikelihoodBound, Sampler, Scorer, Translator,
    capabilities,
)
from zoo.models.gan.gan import AdversarialGenerator
from zoo.registry import architectures

# A tiny configuration per architecture; a new architecture must add one.
TINY = {
    "vae": {"image_shape": (8, 8, 1), "latent_dim": 2, "filters": [4], "hidden": 8},
    "beta_vae": {"image_shape": (8, 8, 1), "latent_dim": 2, "filters": [4], "hidden": 8, "capacity": 5.0},
    "cvae": {"image_shape": (8, 8, 1), "latent_dim": 2, "filters": [4], "hidden": 8, "num_classes": 3},
    "wae": {"image_shape": (8, 8, 1), "latent_dim": 2, "filters": [4], "hidden": 8},
    "ae": {"image_shape": (8, 8, 1), "latent_dim": 2, "hidden": [6]},
    "stacked_ae": {"image_shape": (8, 8, 1), "latent_dim": 3, "hidden": [6]},
    "sparse_ae": {"image_shape": (8, 8, 1), "latent_dim": 80, "l1": 1e-2},
    "conv_ae": {"image_shape": (8, 8, 1), "latent_dim": 2, "filters": [4]},
    "denoising_ae": {"image_shape": (8, 8, 1), "latent_dim": 2, "filters": [4]},
    "swap_ae": {"image_shape": (8, 8, 1), "latent_dim": 2, "filters": [4], "identities": 2},
    "evaluator": {"image_shape": (8, 8, 1), "num_classes": 3, "filters": [4], "features": 6, "augment_flip": True},
    "pca": {"image_shape": (8, 8, 1), "n_components": 3},
    "gmm": {"image_shape": (8, 8, 1), "n_components": 2, "pca_dim": 3},
    "kde": {"image_shape": (8, 8, 1), "pca_dim": 3, "max_points": 5},
    "gan": {"image_shape": (8, 8, 1), "latent_dim": 3, "g_hidden": [6], "d_hidden": [6]},
    "dcgan": {"image_shape": (8, 8, 1), "latent_dim": 3, "g_filters": [6, 4], "d_filters": [4, 6]},
    "cgan": {"image_shape": (8, 8, 1), "latent_dim": 3, "g_filters": [6, 4], "d_filters": [4, 6], "num_classes": 3},
    "wgan_gp": {"image_shape": (8, 8, 1), "latent_dim": 3, "g_filters": [6, 4], "d_filters": [4, 6],
                "augment": "color,translation,cutout"},
    "progan": {"image_shape": (8, 8, 1), "latent_dim": 3, "g_filters": [6, 4], "d_filters": [6, 4], "fade_steps": 1,
               "stable_steps": 1, "group_size": 2},
    "stylegan": {"image_shape": (8, 8, 1), "latent_dim": 3, "w_dim": 4, "mapping_layers": 2, "g_filters": [6, 4],
                 "d_filters": [6, 4], "r1_every": 2, "pl_every": 2, "group_size": 2},
    "ddpm": {"image_shape": (8, 8, 1), "num_classes": 3, "widths": [4, 8], "blocks": 1, "timesteps": 20,
             "sample_steps": 2, "guidance": 2.0},
    "pix2pix": {"image_shape": (8, 8, 3), "filters": [4, 8, 8], "d_filters": [4, 8], "task": "grey"},
    "cycle_gan": {"image_shape": (8, 8, 3), "filters": 4, "res_blocks": 1, "d_filters": [4, 8], "task": "grey"},
    "real_nvp": {"image_shape": (8, 8, 1), "levels": 2, "steps": 1, "hidden": 4, "blocks": 1},
    "glow": {"image_shape": (8, 8, 1), "levels": 2, "steps": 1, "hidden": 4},
}

ARCHS = sorted(architectures())
# The methods that take images, by the capability (or family) that brings them.
IMAGE_METHODS = {
    Autoencoder: ("encode", "reconstruct", "score"),
    LikelihoodBound: ("elbo", "log_prob"),
    ExactLikelihood: ("log_prob", "bits_per_dim"),
    Classifier: ("features", "classify"),
    AdversarialGenerator: ("realness",),
    Translator: ("translate",),
    Scorer: ("score",),
}
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def tiny(arch):
    return zoo.create(arch, **TINY[arch])


def images(model, n=4, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, *model.image_shape)).astype("float32")


def batches(model, n=8, batch=4):
    import tensorflow as tf

    data = images(model, n)
    if model.needs_labels:
        data = (data, np.arange(n) % 2)
    return tf.data.Dataset.from_tensor_slices(data).batch(batch)


def needs(model, capability):
    if not isinstance(model, capability):
        pytest.skip(f"{type(model).__name__} is not a {capability.__name__}")


def needs_gradient_training(model):
    # The classical baselines are fitted in closed form by fit_data() (their
    # fit() refuses); tests/models/test_classical.py covers their fit and save/load.
    if not getattr(model, "trains_by_gradient", True):
        pytest.skip(f"{type(model).__name__} is fitted by fit_data(), not by gradient steps")


def test_every_architecture_has_a_tiny_config():
    assert set(ARCHS) == set(TINY), "add a tiny config for each registered architecture"


@pytest.mark.parametrize("arch", ARCHS)
def test_build_and_call(arch):
    model = tiny(arch)
    assert model.built
    out = np.asarray(model(images(model)))
    assert out.shape[0] == 4
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("arch", ARCHS)
def test_config_round_trip(arch):
    model = tiny(arch)
    config = model.get_config()
    json.dumps(config)  # plain data only
    again = type(model).from_config(config)
    assert again.get_config() == config
    assert [w.shape for w in again.weights] == [w.shape for w in model.weights]


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("arch", ARCHS)
def test_one_finite_fit_step(arch, precision):
    keras.mixed_precision.set_global_policy(precision)
    model = tiny(arch)
    needs_gradient_training(model)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(batches(model), epochs=1, verbose=0)
    # Under float16 the dynamic loss scale starts high and skips the steps that
    # overflow while it halves; it must recover within a few epochs.
    for _ in range(5):
        if precision != "mixed_float16" or all(int(o.iterations) for o in model.optimizers()):
            break
        history = model.fit(batches(model), epochs=1, verbose=0)
    for name, values in history.history.items():
        assert np.isfinite(values[-1]), f"{name} is not finite under {precision}"
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights())), "no weight changed"
    # Every player's optimizer scales its loss under float16, and only then.
    for optimizer in model.optimizers():
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) == (precision == "mixed_float16")


@pytest.mark.parametrize("arch", ARCHS)
def test_preset_folder_save_load_equality(arch, tmp_path):
    model = tiny(arch)
    needs_gradient_training(model)
    model.compile(optimizer="adam")
    model.fit(batches(model), epochs=1, verbose=0)
    pretrained.save(model, tmp_path / "p", {"preset": "p"})
    loaded = zoo.load(tmp_path / "p")
    x = images(model)
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("arch", ARCHS)
def test_keras_file_restores_optimizer_state(arch, tmp_path):
    model = tiny(arch)
    needs_gradient_training(model)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(batches(model), epochs=2, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert len(loaded.optimizers()) == len(model.optimizers()) >= 1
    # One step (a game's round) a batch; a discriminator may step d_steps times, a lazy regulariser more.
    assert loaded.steps_taken() == model.steps_taken() == 4
    for mine, theirs in zip(model.optimizers(), loaded.optimizers()):
        assert len(mine.variables) == len(theirs.variables)
        for a, b in zip(theirs.variables, mine.variables):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # Training continues identically from the restored state.
    keras.utils.set_random_seed(3)
    model.fit(batches(model), epochs=1, verbose=0)
    keras.utils.set_random_seed(3)
    loaded.fit(batches(model), epochs=1, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("arch", ARCHS)
def test_saved_model_and_onnx_parity(arch, tmp_path):
    model = tiny(arch)
    report = zoo.export(model, tmp_path, verbose=False)
    assert set(report["saved_model"]) == set(model.inference_functions())
    assert report["onnx"], "nothing was exported to ONNX"
    for fmt, errors in report.items():
        for name, err in errors.items():
            assert err <= model.export_atol <= 1e-3, (fmt, name, err)
    stored = json.loads((tmp_path / "parity.json").read_text())
    assert stored["max_abs_error"] == report


@pytest.mark.parametrize("arch", ARCHS)
def test_bfloat16_model_exports_float32(arch, tmp_path):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = tiny(arch)
    report = zoo.export(model, tmp_path, formats=("onnx",), verbose=False)
    import onnx

    for name in report["onnx"]:
        graph = onnx.load(tmp_path / f"{name}.onnx").graph
        types = {init.data_type for init in graph.initializer}
        assert onnx.TensorProto.BFLOAT16 not in types


@pytest.mark.parametrize("arch", ARCHS)
def test_sample_is_seeded_and_in_range(arch):
    model = tiny(arch)
    needs(model, Sampler)
    a, b = model.sample(5, seed=1), model.sample(5, seed=1)
    assert a.shape == (5, *model.image_shape) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, model.sample(5, seed=2))
    assert a.min() >= 0 and a.max() <= 1


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize(
    "bad, match",
    [
        (lambda s: np.zeros((2, s[0], s[1], s[2] + 1), np.float32), "shape"),
        (lambda s: np.zeros(s, np.float32), "batch axis"),
        (lambda s: np.full((2, *s), 2.0, np.float32), r"\[0, 1\]"),
        (lambda s: np.full((2, *s), np.nan, np.float32), "NaN"),
        (lambda s: np.zeros((0, *s), np.float32), "empty"),
        (lambda s: np.array([["a"]]), "dtype"),
    ],
)
def test_bad_images_name_what_was_expected(arch, bad, match):
    model = tiny(arch)
    methods = [m for capability, names in IMAGE_METHODS.items() if isinstance(model, capability) for m in names]
    assert methods, "the model takes images somewhere"
    for method in methods:
        with pytest.raises(ValueError, match=match):
            getattr(model, method)(bad(model.image_shape))


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("n", [0, -1, 2.5, True, "3"])
def test_bad_sample_counts(arch, n):
    model = tiny(arch)
    needs(model, Sampler)
    with pytest.raises(ValueError, match="positive integer"):
        model.sample(n, seed=0)


@pytest.mark.parametrize("arch", ARCHS)
def test_unconditional_model_refuses_labels(arch):
    model = tiny(arch)
    needs(model, Sampler)
    if isinstance(model, Conditional):
        pytest.skip("conditional")
    with pytest.raises(ValueError, match="unconditional"):
        model.sample(2, seed=0, labels=[1, 2])


@pytest.mark.parametrize("arch", ARCHS)
def test_every_architecture_declares_what_it_can_do(arch):
    assert capabilities(architectures()[arch]), f"{arch} declares no capability"


def test_capabilities_are_declared_not_switched_off():
    # The WAE's encoder is deterministic: it is an autoencoder that samples, with no likelihood bound.
    wae = architectures()["wae"]
    assert capabilities(wae) == ["Autoencoder", "Generator", "Sampler", "Scorer"]
    assert not issubclass(wae, LikelihoodBound)
    assert issubclass(architectures()["vae"], LikelihoodBound)
    assert not issubclass(architectures()["dcgan"], Autoencoder)
    assert issubclass(architectures()["cgan"], Conditional) and issubclass(architectures()["cvae"], Conditional)


@pytest.mark.parametrize("arch", ARCHS)
def test_no_model_writes_its_own_config(arch):
    # The configuration is recorded from the constructor, once, in the base.
    cls = architectures()[arch]
    writers = [c.__name__ for c in cls.__mro__ if "get_config" in vars(c) and c.__module__.startswith("zoo.models")]
    assert not writers, f"{arch}: {writers} write get_config by hand"


def test_onnx_parity_feeds_each_input_by_its_name_not_its_position(tmp_path):
    import onnx
    import tensorflow as tf
    from onnx import TensorProto, helper

    from zoo.exporters import ExportParityError, check_onnx, example_inputs

    # A graph of a - b whose inputs are declared in the other order: fed by position, the check would
    # compare b - a with the reference a - b and fail.
    graph = helper.make_graph(
        [helper.make_node("Sub", ["a", "b"], ["out"])], "sub",
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, [None, 3]) for name in ("b", "a")],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [None, 3])])
    path = tmp_path / "sub.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    specs = [tf.TensorSpec((None, 3), tf.float32, name="a"), tf.TensorSpec((None, 3), tf.float32, name="b")]
    a, b = example_inputs(specs)
    assert check_onnx(path, specs, a - b) < 1e-6
    with pytest.raises(ExportParityError, match=r"takes inputs \['b', 'a'\]"):
        check_onnx(path, [specs[0], tf.TensorSpec((None, 3), tf.float32, name="c")], a - b)
