"""The `zoo` command, run as a user would, on tiny models and a tiny image folder."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

import zoo
from tests.conftest import TINY_VAE_ARGS, write_pngs
from zoo.cli import main
from zoo.pretrained import exported_presets

# The console script installed beside this interpreter (the venv need not be on PATH).
ZOO = str(Path(sys.executable).parent / "zoo")
TINY = TINY_VAE_ARGS


@pytest.fixture(scope="module")
def pngs(tmp_path_factory):
    return write_pngs(tmp_path_factory.mktemp("pngs"), 12, (10, 12, 1), seed=0)


@pytest.fixture(scope="module")
def trained(pngs, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "tiny_vae"
    assert main(["train", "vae", "--data", str(pngs), "--epochs", "1", "--batch-size", "4",
                 "--out", str(out), *TINY]) == 0
    return out


def test_console_script_help_and_list():
    out = subprocess.run([ZOO, "--help"], capture_output=True, text=True, check=True).stdout
    assert "example:" in out
    for command in ("list", "info", "sample", "reconstruct", "train", "finetune", "export"):
        sub = subprocess.run([ZOO, command, "--help"], capture_output=True, text=True, check=True).stdout
        assert "example: zoo " + command in sub
    listed = subprocess.run([ZOO, "list", "vae*"], capture_output=True, text=True, check=True).stdout.split()
    assert "vae" in listed and "vae_mnist" in listed


def test_train_writes_a_loadable_preset_folder(trained):
    meta = json.loads((trained / "metadata.json").read_text())
    assert meta["architecture"] == "vae" and meta["recipe"]["epochs"] == 1
    assert {"model.onnx", "samples.png", "MODEL_CARD.md"} <= set(meta["files"])
    assert zoo.load(trained).sample(3, seed=0).shape == (3, 8, 8, 1)


def test_sample_from_a_folder(trained, tmp_path, capsys):
    assert main(["sample", str(trained), "-n", "16", "--seed", "0", "--out", str(tmp_path / "g.png")]) == 0
    grid = tf.io.decode_png((tmp_path / "g.png").read_bytes()).numpy()
    assert grid.shape == (4 * 10 + 2, 4 * 10 + 2, 1)
    assert "16 samples" in capsys.readouterr().out


def test_finetune_then_load_and_sample(trained, pngs, tmp_path):
    out = tmp_path / "ft"
    assert main(["finetune", str(trained), "--data", str(pngs), "--epochs", "1", "--batch-size", "4",
                 "--out", str(out)]) == 0
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["recipe"]["base_preset"] == "tiny_vae"
    before, after = zoo.load(trained), zoo.load(out)
    assert any(not np.array_equal(a, b) for a, b in zip(before.get_weights(), after.get_weights()))
    assert main(["sample", str(out), "-n", "4", "--out", str(tmp_path / "ft.png")]) == 0


def test_export_prints_parity(trained, tmp_path, capsys):
    assert main(["export", str(trained), "--out", str(tmp_path / "exp")]) == 0
    out = capsys.readouterr().out
    assert "max abs error vs Keras" in out and "largest difference from Keras" in out
    assert (tmp_path / "exp" / "saved_model" / "saved_model.pb").is_file()
    assert (tmp_path / "exp" / "decode.onnx").is_file()


def test_reconstruct_a_folder(trained, pngs, tmp_path, capsys):
    assert main(["reconstruct", str(trained), "--data", str(pngs), "-n", "4", "--out", str(tmp_path / "r.png")]) == 0
    assert "MSE" in capsys.readouterr().out


def test_info_prints_the_measured_figures(trained, capsys):
    assert main(["info", str(trained)]) == 0
    assert "train_loss" in capsys.readouterr().out


def test_unknown_name_is_a_clear_error(capsys):
    assert main(["sample", "vae_mnsit", "--out", "x.png"]) == 2
    assert "Did you mean" in capsys.readouterr().err


@pytest.mark.parametrize("name", [p for p in exported_presets() if p == "vae_mnist"])
def test_sample_a_committed_preset_by_name(name, tmp_path):
    result = subprocess.run([ZOO, "sample", name, "-n", "64", "--seed", "0", "--out", str(tmp_path / "grid.png")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert tf.io.decode_png((tmp_path / "grid.png").read_bytes()).shape == (8 * 30 + 2, 8 * 30 + 2, 1)


def run_python(code):
    """Runs `code` in a fresh interpreter (as a user's shell would), returning its completed process."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_list_and_info_answer_without_tensorflow():
    from zoo.registry import architecture_names, presets

    result = run_python(
        "import sys\n"
        "from zoo.cli import main\n"
        "assert main(['list']) == 0\n"
        "assert main(['info', 'vae']) == 0\n"
        "assert main(['info', 'vae_mnist' if 'vae_mnist' in __import__('zoo').list_models(pretrained=True) "
        "else 'vae']) == 0\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "False False"
    for name in [*architecture_names(), *presets(), *exported_presets()]:
        assert name in lines, f"zoo list does not print {name}"
    assert "architecture vae: zoo.models.vae.vae.VAE" in lines and "Convolutional VAE." in lines


def test_sample_refuses_an_absurd_count_before_loading_and_writes_nothing(trained, tmp_path):
    out = tmp_path / "grid.png"
    result = run_python(
        "import sys\n"
        "from zoo.cli import main\n"
        f"code = main(['sample', {str(trained)!r}, '-n', '100000000', '--out', {str(out)!r}])\n"
        "print(code, 'tensorflow' in sys.modules)\n"
    )
    assert result.stdout.split() == ["2", "False"], result.stderr
    assert "sample at most" in result.stderr and "100000000" in result.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", [p for p in exported_presets() if p == "vae_mnist"])
def test_sample_refuses_the_issues_count_for_a_committed_preset(name, tmp_path, capsys):
    assert main(["sample", name, "-n", "100000000", "--out", str(tmp_path / "grid.png")]) == 2
    err = capsys.readouterr().err
    assert "28, 28, 1" in err and "sample at most" in err
    assert not list(tmp_path.iterdir())


def test_sample_of_a_model_that_cannot_sample_names_the_capability(tmp_path):
    from zoo import pretrained

    folder = tmp_path / "tiny_ae"
    pretrained.save(zoo.create("ae", image_shape=(8, 8, 1), latent_dim=2, hidden=[4]), folder,
                    {"preset": "tiny_ae", "dataset": {"name": "mnist"}})
    with pytest.raises(SystemExit, match="has no Sampler capability"):
        main(["sample", str(folder), "--out", str(tmp_path / "g.png")])
    with pytest.raises(SystemExit, match="traverse"):
        main(["traverse", str(folder), "--out", str(tmp_path / "t.png")])
    assert not (tmp_path / "g.png").exists()


def fake_figures(count):
    """Stands in for `zoo.metrics.evaluate.evaluate`: one figure, measured on `count` images."""
    from zoo.metrics.evaluate import metric

    def evaluate(model, dataset, n=10000, metrics=None, **kwargs):
        return {"recon_mse": metric(0.5, "mse", "test", count, "stand-in", False)}

    return evaluate


def test_eval_prints_only_unless_asked_to_record_and_never_quietly_with_fewer_samples(trained, tmp_path,
                                                                                       monkeypatch, capsys):
    import shutil

    import zoo.metrics.evaluate

    folder = tmp_path / "preset"
    shutil.copytree(trained, folder)
    read = lambda: json.loads((folder / "metadata.json").read_text())["metrics"]  # noqa: E731
    before = read()
    monkeypatch.setattr(zoo.metrics.evaluate, "evaluate", fake_figures(10000))
    assert main(["eval", str(folder), "--data", "mnist"]) == 0
    assert "--record" in capsys.readouterr().out
    assert read() == before, "zoo eval wrote figures it was not asked to record"
    assert main(["eval", str(folder), "--data", "mnist", "--record"]) == 0
    assert read()["recon_mse"]["n"] == 10000

    monkeypatch.setattr(zoo.metrics.evaluate, "evaluate", fake_figures(2000))
    assert main(["eval", str(folder), "--data", "mnist", "--n", "2000", "--record"]) == 2
    out, err = capsys.readouterr()
    assert "recon_mse" in out, "the figures measured are printed even when not recorded"
    assert "recon_mse" in err and "10,000" in err and "2,000" in err and "--allow-fewer" in err
    assert read()["recon_mse"]["n"] == 10000
    assert main(["eval", str(folder), "--data", "mnist", "--n", "2000", "--record", "--allow-fewer"]) == 0
    assert read()["recon_mse"]["n"] == 2000
    zoo.load(folder)  # checksums still agree


def test_export_refuses_a_preset_folder_and_a_folder_it_did_not_write(trained, tmp_path, capsys):
    import shutil

    preset = tmp_path / "preset"
    shutil.copytree(trained, preset)
    files = sorted(p.name for p in preset.iterdir())
    assert main(["export", str(preset), "--out", str(preset)]) == 2
    err = capsys.readouterr().err
    assert str(preset) in err and "metadata.json" in err and "preset folder" in err
    assert sorted(p.name for p in preset.iterdir()) == files

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    assert main(["export", str(preset), "--out", str(mine)]) == 2
    err = capsys.readouterr().err
    assert str(mine) in err and "notes.txt" in err
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_export_writes_over_an_earlier_export(trained, tmp_path):
    out = tmp_path / "exp"
    assert main(["export", str(trained), "--out", str(out), "--formats", "onnx"]) == 0
    onnx_files = json.loads((out / "parity.json").read_text())["files"]
    assert onnx_files and all(name.endswith(".onnx") for name in onnx_files)
    # A second export of another format keeps the first one's files, and parity.json lists them all.
    assert main(["export", str(trained), "--out", str(out), "--formats", "saved_model"]) == 0
    listed = json.loads((out / "parity.json").read_text())["files"]
    assert listed == sorted([*onnx_files, "saved_model"])
    assert sorted(p.name for p in out.iterdir()) == sorted([*listed, "parity.json"])
    assert main(["export", str(trained), "--out", str(out), "--formats", "onnx"]) == 0


def test_train_takes_a_builtin_sets_image_shape():
    from zoo.uses import training_image_shape

    assert training_image_shape("vae", "cifar10", {})[0] == (32, 32, 3)
    assert training_image_shape("vae", "mnist", {})[0] == (28, 28, 1)
    assert training_image_shape("vae", "mnist", {"image_shape": [8, 8, 1]})[0] == (8, 8, 1)
    assert training_image_shape("vae", "some/folder", {})[0] is None  # the architecture's default


def test_sample_refuses_an_option_the_model_does_not_take_and_writes_nothing(trained, tmp_path, capsys):
    out = tmp_path / "g.png"
    assert main(["sample", str(trained), "-n", "4", "--temperature", "0.7", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "samples without temperature" in err and "it takes no sampling options" in err
    assert not out.exists()


# ---- translation: zoo train on two folders, zoo translate, one direction exported alone ----

def tiny_settings(arch):
    """`--set` arguments of an architecture's tiny configuration (tests/test_models.py)."""
    from tests.test_models import TINY as TINY_CONFIGS

    return [arg for key, value in TINY_CONFIGS[arch].items() for arg in ("--set", f"{key}={json.dumps(value)}")]


def write_rgb(folder, names, seed):
    """Random 8x8 RGB images under `folder`, in the format each name's ending says; returns their pixels."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (len(names), 8, 8, 3), dtype=np.uint8)
    for name, x in zip(names, pixels):
        Image.fromarray(x).save(folder / name)
    return pixels


@pytest.fixture(scope="module")
def two_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("pairs")
    names = [f"{i:02d}.png" for i in range(8)]
    write_rgb(root / "sketches", names, seed=1)
    write_rgb(root / "photos", names[:4] + [n.replace(".png", ".bmp") for n in names[4:]], seed=2)
    return root / "sketches", root / "photos"


@pytest.fixture(scope="module")
def translators(two_folders, tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    a, b = (str(f) for f in two_folders)
    common = ["--epochs", "1", "--batch-size", "4"]
    assert main(["train", "pix2pix", "--data-a", a, "--data-b", b, "--paired", "--out", str(runs / "p2p"), *common,
                 *tiny_settings("pix2pix")]) == 0
    assert main(["train", "cycle_gan", "--data-a", a, "--data-b", b, "--out", str(runs / "cyc"), *common,
                 *tiny_settings("cycle_gan")]) == 0
    return runs / "p2p", runs / "cyc"


def test_train_pix2pix_on_paired_folders_and_cycle_gan_on_unpaired_ones(translators, two_folders):
    p2p, cyc = translators
    for folder, arch, how in ((p2p, "pix2pix", "paired by file name"), (cyc, "cycle_gan", "unpaired")):
        meta = json.loads((folder / "metadata.json").read_text())
        assert meta["architecture"] == arch and meta["recipe"]["epochs"] == 1
        assert meta["training"]["steps"] == 2  # 8 images (pairs) in batches of 4, one epoch
        assert how in meta["dataset"]["name"] and str(two_folders[0]) in meta["dataset"]["name"]
        assert meta["onnx"]["function"] == "translate_a2b"
    assert zoo.load(cyc).directions == ("a2b", "b2a")


def test_train_refuses_a_wrong_combination_of_data_flags(two_folders, tmp_path, capsys):
    a, b = (str(f) for f in two_folders)
    out = str(tmp_path / "run")
    cases = [
        (["pix2pix", "--data-a", a], "--data-a needs --data-b"),
        (["pix2pix", "--data-b", b], "--data-b needs --data-a"),
        (["pix2pix", "--data", a, "--data-a", a, "--data-b", b], "not both"),
        (["pix2pix"], "nothing to train on"),
        (["pix2pix", "--data", a, "--paired"], "--paired applies to two folders"),
        (["pix2pix", "--data-a", a, "--data-b", b], "pix2pix learns from pairs: add --paired"),
        (["cycle_gan", "--data-a", a, "--data-b", b, "--paired"], "cycle_gan learns from unpaired images"),
        (["pix2pix", "--data-a", a, "--data-b", str(tmp_path / "nowhere"), "--paired"], "not a folder"),
        (["pix2pix", "--data", a], "pix2pix learns from two sides: give --data-a and --data-b"),
        (["cycle_gan", "--data", a], "--set task="),
    ]
    for args, message in cases:
        assert main(["train", *args, "--out", out]) == 2, args
        assert message in capsys.readouterr().err, args
    with pytest.raises(SystemExit, match="vae has no Translator capability"):
        main(["train", "vae", "--data-a", a, "--data-b", b, "--out", out])
    assert not (tmp_path / "run").exists()


def test_train_pix2pix_on_one_folder_with_a_task(two_folders, tmp_path):
    out = tmp_path / "edges"
    settings = tiny_settings("pix2pix")
    assert "task=\"grey\"" in settings  # the task makes each image's source
    assert main(["train", "pix2pix", "--data", str(two_folders[1]), "--out", str(out), "--epochs", "1",
                 "--batch-size", "4", *settings]) == 0
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["training"]["steps"] == 2 and meta["dataset"]["name"] == str(two_folders[1])


def test_train_pix2pix_names_the_files_without_a_partner(two_folders, tmp_path, capsys):
    import shutil

    photos = tmp_path / "photos"
    shutil.copytree(two_folders[1], photos)
    (photos / "03.png").unlink()
    (photos / "extra.png").write_bytes((photos / "00.png").read_bytes())
    assert main(["train", "pix2pix", "--data-a", str(two_folders[0]), "--data-b", str(photos), "--paired",
                 "--out", str(tmp_path / "run"), "--epochs", "1", *tiny_settings("pix2pix")]) == 2
    err = capsys.readouterr().err
    assert "03.png" in err and "extra.png" in err and "without a partner" in err
    assert not (tmp_path / "run").exists()


def read_back(path):
    from PIL import Image

    with Image.open(path) as image:
        return image.format, np.asarray(image.convert("RGB"), np.float32) / 255.0


def test_translate_one_image_into_one_file(translators, two_folders, tmp_path, capsys):
    _, cyc = translators
    source = two_folders[0] / "03.png"
    model = zoo.load(cyc)
    x = zoo.data.read_image(source, model.image_shape)[None]
    for direction in ("a2b", "b2a"):
        out = tmp_path / f"{direction}.png"
        assert main(["translate", str(cyc), "--input", str(source), "--out", str(out), "--direction", direction]) == 0
        fmt, got = read_back(out)
        assert fmt == "PNG" and got.shape == (8, 8, 3)
        np.testing.assert_allclose(got, model.translate(x, direction)[0], atol=0.5 / 255 + 1e-6)
    assert not np.array_equal(read_back(tmp_path / "a2b.png")[1], read_back(tmp_path / "b2a.png")[1])
    assert main(["translate", str(cyc), "--input", str(source), "--out", str(tmp_path / "x.jpg")]) == 0
    assert read_back(tmp_path / "x.jpg")[0] == "JPEG"
    capsys.readouterr()
    for out, message in ((tmp_path / "nowhere" / "x.png", "does not exist"), (tmp_path, "is a folder"),
                         (tmp_path / "x.xyz", "cannot tell the image format"), (source, "is the input image")):
        assert main(["translate", str(cyc), "--input", str(source), "--out", str(out)]) == 2
        assert message in capsys.readouterr().err
    assert main(["translate", str(cyc), "--input", str(source), "--out", str(tmp_path / "y.png"),
                 "--direction", "a_to_b"]) == 2
    assert "['a2b', 'b2a']" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a2b.png", "b2a.png", "x.jpg"]


def test_translate_a_folder_keeps_the_names_and_reports_a_corrupt_file(translators, two_folders, tmp_path, capsys):
    import shutil

    p2p, _ = translators
    folder = tmp_path / "in"
    shutil.copytree(two_folders[1], folder)  # 00-03.png, 04-07.bmp
    (folder / "deeper").mkdir()
    shutil.copy(two_folders[0] / "00.png", folder / "deeper" / "inner.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    (folder / "notes.txt").write_text("not an image")
    out = tmp_path / "out"
    assert main(["translate", str(p2p), "--input", str(folder), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "broken.png" in captured.err and "1 file(s)" in captured.err
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    inputs = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                    if p.is_file() and p.name not in ("broken.png", "notes.txt"))
    assert written == inputs and "deeper/inner.png" in written
    model = zoo.load(p2p)
    for name in ("01.png", "05.bmp", "deeper/inner.png"):
        fmt, got = read_back(out / name)
        assert fmt == {"png": "PNG", "bmp": "BMP"}[name.rsplit(".", 1)[1]]
        x = zoo.data.read_image(folder / name, model.image_shape)[None]
        np.testing.assert_allclose(got, model.translate(x)[0], atol=0.5 / 255 + 1e-6)
    # No temporary file is left behind.
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]

    # --make-sources: the preset's task (grey) makes each source first.
    made = tmp_path / "made"
    assert main(["translate", str(p2p), "--input", str(folder), "--out", str(made), "--make-sources"]) == 0
    x = zoo.data.read_image(folder / "01.png", model.image_shape)[None]
    np.testing.assert_allclose(read_back(made / "01.png")[1], model.translate(model.task_source(x))[0],
                               atol=0.5 / 255 + 1e-6)
    assert not np.allclose(read_back(made / "01.png")[1], read_back(out / "01.png")[1], atol=2 / 255)

    capsys.readouterr()
    assert main(["translate", str(p2p), "--input", str(folder), "--out", str(folder)]) == 2
    assert "is the input folder" in capsys.readouterr().err
    assert main(["translate", str(p2p), "--input", str(folder), "--out", str(folder / "sub")]) == 2
    assert "inside the input folder" in capsys.readouterr().err
    assert main(["translate", str(p2p), "--input", str(folder), "--out", str(tmp_path / "o"),
                 "--direction", "b2a"]) == 2
    assert "['a2b']" in capsys.readouterr().err


def test_translate_a_folder_of_only_unreadable_files_fails_naming_them(translators, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"junk")
    (folder / "b.jpg").write_bytes(b"")
    assert main(["translate", str(translators[1]), "--input", str(folder), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "a.png" in err and "b.jpg" in err and "none of the 2" in err
    assert not (tmp_path / "out").exists()


def test_translate_grid_and_one_direction_exported_alone(translators, two_folders, tmp_path, capsys):
    import onnxruntime as ort

    _, cyc = translators
    grid = tmp_path / "grid.png"
    assert main(["translate", str(cyc), "--grid", "--input", str(two_folders[0]), "-n", "4", "--direction", "b2a",
                 "--out", str(grid)]) == 0
    assert tf.io.decode_png(grid.read_bytes()).shape == (2 * 10 + 2, 4 * 10 + 2, 3)
    assert "4 images b2a" in capsys.readouterr().out
    assert main(["export", str(cyc), "--out", str(tmp_path / "b2a"), "--functions", "translate_b2a"]) == 0
    assert sorted(p.name for p in (tmp_path / "b2a").glob("*.onnx")) == ["translate_b2a.onnx"]
    model = zoo.load(cyc)
    x = zoo.data.read_image(two_folders[0] / "02.png", model.image_shape)[None]
    session = ort.InferenceSession(str(tmp_path / "b2a" / "translate_b2a.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {session.get_inputs()[0].name: x})[0], model.translate(x, "b2a"),
                               atol=1e-4)
    loaded = tf.saved_model.load(str(tmp_path / "b2a" / "saved_model"))
    assert set(loaded.signatures) == {"translate_b2a"}


def test_export_checks_parity_at_the_models_own_tolerance_unless_told(trained, tmp_path, monkeypatch, capsys):
    import zoo.exporters

    seen = []
    monkeypatch.setattr(zoo.exporters, "export", lambda model, out, **kw: seen.append(kw["atol"]) or {"onnx": {}})
    monkeypatch.setattr(type(zoo.load(trained)), "export_atol", 5e-3)
    assert main(["export", str(trained), "--out", str(tmp_path / "a"), "--formats", "onnx"]) == 0
    assert "(limit 0.005)" in capsys.readouterr().out
    assert main(["export", str(trained), "--out", str(tmp_path / "b"), "--formats", "onnx", "--atol", "1e-6"]) == 0
    assert seen == [5e-3, 1e-6]
