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
