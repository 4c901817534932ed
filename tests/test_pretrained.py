"""Preset folders: checksums before deserializing, safe mode, and the committed presets."""

import json
import shutil

import numpy as np
import pytest

import zoo
from tests.conftest import data_dir_or_skip
from zoo import pretrained
from zoo.capabilities import Classifier, Sampler, Translator
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
    leftovers = [p for p in folder.parent.iterdir() if p.name.endswith((".tmp", ".old"))]
    assert not leftovers, "temporary folders left behind"


# ---- committed presets --------------------------------------------------

PRESETS = exported_presets()


@pytest.mark.parametrize("name", PRESETS)
def test_committed_preset_verifies_loads_and_samples(name):
    meta = verify(pretrained.exports_dir() / name)
    assert {"config.json", "model.weights.h5", "model.onnx", "MODEL_CARD.md"} <= set(meta["files"])
    model = zoo.load(name)
    if isinstance(model, Classifier):
        assert model.classify(np.zeros((2, *model.image_shape), np.float32)).shape == (2,)
        return
    if isinstance(model, Translator):
        x = np.random.default_rng(0).uniform(0, 1, (3, *model.image_shape)).astype(np.float32)
        for direction in model.directions:
            out = model.translate(x, direction)
            assert out.shape == x.shape and 0.0 <= out.min() and out.max() <= 1.0
            np.testing.assert_array_equal(out, model.translate(x, direction))
        assert any(f.endswith(".png") for f in meta["files"])  # example translations
        return
    if not isinstance(model, Sampler):
        x = np.random.default_rng(0).uniform(0, 1, (3, *model.image_shape)).astype(np.float32)
        labels = [0, 1, 0] if model.needs_labels else None
        rebuilt = model.reconstruct(x, labels=labels)
        assert rebuilt.shape == x.shape and 0.0 <= rebuilt.min() and rebuilt.max() <= 1.0
        assert "reconstructions.png" in meta["files"]
        return
    assert "samples.png" in meta["files"]
    x = model.sample(8, seed=0)
    assert x.shape == (8, *model.image_shape) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_array_equal(x, model.sample(8, seed=0))


# Figures recomputed exactly as stored (same seed, same sample count); the
# IWAE bound is left out for time (100 decoder passes per image). A
# translator's are deterministic: its paired figures, its cycle errors.
RECOMPUTED = ("elbo", "recon_mse", "accuracy", "fid_domain", "kid_domain", "precision", "recall",
              "l1", "psnr", "ssim", "sharpness", "cycle_l1_a", "cycle_l1_b")


@pytest.mark.parametrize("name", PRESETS)
def test_committed_figures_recompute(name):
    from zoo.metrics.evaluate import evaluate

    meta = pretrained.read_metadata(pretrained.exports_dir() / name)
    dataset = meta["dataset"]["name"]
    data_dir_or_skip(dataset)
    stored = {k: m for k, m in meta["metrics"].items() if k in RECOMPUTED}
    if not stored:
        pytest.skip(f"{name} stores none of {RECOMPUTED}")
    n = next((m["n"] for k, m in stored.items() if k == "fid_domain"), 10000)
    model = zoo.load(name)
    small = [k for k in meta["metrics"] if k.startswith("fid_domain_ddim_") and "_n" in k.removeprefix("fid_domain_")]
    if small:
        # A diffusion preset's 10,000 card samples take about 15 minutes here: recompute its sampling
        # table's smallest row instead (the default sampler, seed 2, on a few hundred samples).
        return recompute_sampler_row(model, dataset, meta["metrics"], small[0])
    again = evaluate(model, dataset, n=n, metrics=list(stored))
    if "outlier_auroc" in meta["metrics"]:
        from zoo.metrics.evaluate import outlier_figures

        stored["outlier_auroc"] = meta["metrics"]["outlier_auroc"]
        again["outlier_auroc"] = outlier_figures(model, dataset)["outlier_auroc"]
    assert set(again) == set(stored)
    for key, m in stored.items():
        assert again[key]["value"] == pytest.approx(m["value"], rel=1e-3, abs=1e-6), key


def recompute_sampler_row(model, dataset, metrics, key):
    from training.diffusion import SEEDS
    from zoo.metrics.evaluate import load_evaluator, sample_figures

    row = key.removeprefix("fid_domain_")  # ddim_25_n200
    steps, n = (int(part) for part in row.removeprefix("ddim_").split("_n"))
    images = model.sample(n, seed=SEEDS["table"], sampler="ddim", steps=steps)
    test_x = zoo.data.as_numpy(dataset, "test")
    found = sample_figures(images, test_x, load_evaluator(dataset), dataset)
    for name in ("fid_domain", "kid_domain"):
        assert found[name]["value"] == pytest.approx(metrics[f"{name}_{row}"]["value"], rel=1e-3, abs=1e-6), name


@pytest.mark.parametrize("name", [p for p in PRESETS if not p.startswith("evaluator_")])
def test_committed_card_says_plainly_how_it_compares_with_its_baselines(name):
    from zoo.cards import comparisons, format_metric

    folder = pretrained.exports_dir() / name
    metrics = pretrained.read_metadata(folder)["metrics"]
    card = (folder / "MODEL_CARD.md").read_text()
    found = comparisons(metrics)
    assert found, "no baseline to compare with"
    for ours, theirs, beats in found:
        verdict = "beats" if beats else "**does not beat**"
        assert f"`{ours}` {format_metric(metrics[ours])} {verdict} `{theirs}`" in card


@pytest.mark.parametrize("name", [p for p in PRESETS if p.startswith("evaluator_")])
def test_evaluator_separates_real_from_noise(name):
    from zoo.metrics.distances import frechet_distance

    meta = pretrained.read_metadata(pretrained.exports_dir() / name)
    data_dir_or_skip(meta["dataset"]["name"])
    evaluator = zoo.load(name)
    test_x = zoo.data.as_numpy(meta["dataset"]["name"], "test")
    train_x = zoo.data.as_numpy(meta["dataset"]["name"], "train", take=2000)
    noise = np.random.default_rng(0).uniform(0, 1, (2000, *evaluator.image_shape)).astype(np.float32)
    real = evaluator.features(test_x[:2000])
    same = frechet_distance(real, evaluator.features(train_x))
    assert same < 0.01 * frechet_distance(real, evaluator.features(noise))


def test_an_interrupted_export_leaves_the_previous_one_intact(tmp_path, monkeypatch):
    import zoo.exporters as exporters

    model = zoo.create("vae", **TINY)
    zoo.export(model, tmp_path, verbose=False)
    before = {p.relative_to(tmp_path): sha256(p) for p in tmp_path.rglob("*") if p.is_file()}

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed mid-conversion")

    monkeypatch.setattr("tf2onnx.convert.from_function", killed)
    with pytest.raises(KeyboardInterrupt):
        exporters.export(zoo.create("vae", **TINY), tmp_path, verbose=False)
    after = {p.relative_to(tmp_path): sha256(p) for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before, "an interrupted export changed the previous one"


@pytest.fixture
def preset_copy(tmp_path):
    # A committed preset's metadata carries everything its card shows.
    shutil.copytree(pretrained.exports_dir() / "pca_mnist", tmp_path / "pca_mnist")
    return tmp_path / "pca_mnist"


def test_update_metrics_adds_an_image_the_card_shows_and_the_checksums_cover(preset_copy):
    grid = np.zeros((4, 28, 28, 1), np.float32)
    pretrained.update_metrics(preset_copy, {}, notes={"A study": "figures"}, images={"study.png": (grid, 2)})
    meta = verify(preset_copy)
    assert "study.png" in meta["files"] and (preset_copy / "study.png").exists()
    card = (preset_copy / "MODEL_CARD.md").read_text()
    assert "study.png" in card and "## A study" in card
    # Written again, the image is replaced, not duplicated.
    pretrained.update_metrics(preset_copy, {}, images={"study.png": (np.ones((2, 28, 28, 1), np.float32), 2)})
    assert verify(preset_copy)["files"]["study.png"] != meta["files"]["study.png"]
    assert card.count("study.png") == (preset_copy / "MODEL_CARD.md").read_text().count("study.png")


@pytest.mark.parametrize("name", ["../study.png", "study.jpg", ".hidden.png"])
def test_update_metrics_refuses_an_image_name_outside_the_folder_or_not_png(preset_copy, name):
    before = verify(preset_copy)
    with pytest.raises(ValueError, match="figure.png"):
        pretrained.update_metrics(preset_copy, {}, images={name: (np.zeros((1, 28, 28, 1), np.float32), 1)})
    assert verify(preset_copy) == before
