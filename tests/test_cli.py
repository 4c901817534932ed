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
