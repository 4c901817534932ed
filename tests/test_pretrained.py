"""Preset folders: checksums before deserializing, safe mode, and the committed presets."""

import json
import shutil

import numpy as np
import pytest

import zoo
from tests.conftest import data_dir_or_skip
from zoo import pretrained
from zoo.io import sha256
from zoo.pretrained import PresetError, exported_presets, verify

TINY = {"image_shape": (8, 8, 1), "latent_dim": 2, "filters": [4], "hidden": 8}


@pytest.fixture
def folder(tmp_path):
    model = zoo.create("vae", **TINY)
    pretrained.save(model, tmp_path / "tiny", {"preset": "tiny"})
    return tmp_path / "tiny"


def rewrite_metadata(folder, change):
    meta = json.loads((folder / "metadata.json").read_text())
    change(meta)
    (folder / "metadata.json").write_text(json.dumps(meta))


def test_a_saved_folder_loads(folder):
    assert zoo.load(folder).sample(2, seed=0).shape == (2, 8, 8, 1)


def test_a_changed_weights_file_is_refused_before_loading(folder):
    path = folder / "model.weights.h5"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(PresetError, match="model.weights.h5 does not match its checksum"):
        zoo.load(folder)


def test_a_truncated_file_is_refused(folder):
    path = folder / "config.json"
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(PresetError, match="config.json does not match"):
        zoo.load(folder)


def test_a_missing_file_is_refused(folder):
    (folder / "model.weights.h5").unlink()
    with pytest.raises(PresetError, match="model.weights.h5 is missing"):
        zoo.load(folder)


def test_a_path_outside_the_folder_is_refused(folder, tmp_path):
    (tmp_path / "outside.txt").write_text("x")
    rewrite_metadata(folder, lambda m: m["files"].update({"../outside.txt": sha256(tmp_path / "outside.txt")}))
    with pytest.raises(PresetError, match="not a file inside the folder"):
        zoo.load(folder)


def test_metadata_without_checksums_is_refused(folder):
    rewrite_metadata(folder, lambda m: m.pop("files"))
    with pytest.raises(PresetError, match="sha256"):
        zoo.load(folder)


def _inject_layer(folder, layer):
    config = json.loads((folder / "config.json").read_text())
    config["config"]["injected"] = layer
    (folder / "config.json").write_text(json.dumps(config))
    # Re-sign, so that it is safe mode, not the checksum, that must refuse it.
    rewrite_metadata(folder, lambda m: m["files"].update({"config.json": sha256(folder / "config.json")}))


def test_a_lambda_layer_is_refused_in_safe_mode(folder):
    import keras

    layer = keras.saving.serialize_keras_object(keras.layers.Lambda(lambda x: x * 2))
    config = json.loads((folder / "config.json").read_text())
    config["class_name"], config["module"], config["registered_name"] = "Lambda", "keras.layers", None
    config["config"] = layer["config"]
    (folder / "config.json").write_text(json.dumps(config))
    rewrite_metadata(folder, lambda m: m["files"].update({"config.json": sha256(folder / "config.json")}))
    with pytest.raises(PresetError):
        zoo.load(folder)


def test_an_unknown_class_is_refused(folder):
    config = json.loads((folder / "config.json").read_text())
    config["registered_name"] = "zoo>NoSuchModel"
    config["class_name"] = "NoSuchModel"
    (folder / "config.json").write_text(json.dumps(config))
    rewrite_metadata(folder, lambda m: m["files"].update({"config.json": sha256(folder / "config.json")}))
    with pytest.raises(PresetError, match="refused in safe mode"):
        zoo.load(folder)


def test_rewriting_a_folder_keeps_the_old_version_until_the_new_one_is_complete(folder):
    model = zoo.create("vae", **TINY)
    before = verify(folder)

    def crash(path):
        raise KeyboardInterrupt("killed mid-write")

    with pytest.raises(KeyboardInterrupt):
        pretrained.save(model, folder, {"preset": "tiny"}, extra={"samples.png": crash})
    assert verify(folder) == before
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")], "temporary folders left behind"


# ---- committed presets --------------------------------------------------

PRESETS = exported_presets()


@pytest.mark.parametrize("name", PRESETS)
def test_committed_preset_verifies_loads_and_samples(name):
    meta = verify(pretrained.exports_dir() / name)
    assert {"config.json", "model.weights.h5", "model.onnx", "samples.png", "MODEL_CARD.md"} <= set(meta["files"])
    model = zoo.load(name)
    x = model.sample(8, seed=0)
    assert x.shape == (8, *model.image_shape) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_array_equal(x, model.sample(8, seed=0))


@pytest.mark.parametrize("name", [p for p in PRESETS if p.startswith("vae_")])
def test_committed_vae_figures_recompute(name):
    meta = pretrained.read_metadata(pretrained.exports_dir() / name)
    dataset = meta["dataset"]["name"]
    data_dir_or_skip(dataset)
    model = zoo.load(name)
    test_x = zoo.data.as_numpy(dataset, "test")
    stored = meta["metrics"]
    rec = model.reconstruct(test_x)
    assert float(np.mean((rec - test_x) ** 2)) == pytest.approx(stored["recon_mse"]["value"], rel=1e-3)
    assert float(model.elbo(test_x).mean()) == pytest.approx(stored["elbo"]["value"], rel=1e-3)
    # The neural model must beat its classical baselines on its own data.
    assert stored["recon_mse"]["value"] < stored["baseline_pca_recon_mse"]["value"]
    assert stored["nll_iwae"]["value"] < stored["baseline_mixture_nll_test1000"]["value"]
