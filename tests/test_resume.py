"""Interrupted training: killed with SIGKILL, resumed, it ends where an uninterrupted run does."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import zoo
from tests.conftest import TINY_VAE_ARGS, write_pngs
from zoo.callbacks import checkpoints

ZOO = str(Path(sys.executable).parent / "zoo")
TINY = TINY_VAE_ARGS
EPOCHS = 12


@pytest.fixture(scope="module")
def pngs(tmp_path_factory):
    # Enough images that an epoch takes a moment, so the kill lands mid-run.
    return write_pngs(tmp_path_factory.mktemp("pngs"), 160, (8, 8, 1), seed=1)


def command(kind, data, out, extra=()):
    base = [ZOO, kind] + (["vae"] if kind == "train" else [extra[0]])
    rest = list(extra[1:]) if kind == "finetune" else list(extra)
    return base + ["--data", str(data), "--epochs", str(EPOCHS), "--batch-size", "4", "--seed", "3",
                   "--out", str(out)] + rest


def run_and_kill(cmd, checkpoint_dir, after_epoch):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.time() + 300
    target = Path(checkpoint_dir) / f"epoch_{after_epoch:04d}"
    try:
        while not target.exists():
            if proc.poll() is not None or time.time() > deadline:
                raise AssertionError(f"the run ended before epoch {after_epoch}: {proc.stderr.read()[-2000:]}")
            time.sleep(0.005)
        time.sleep(np.random.default_rng().uniform(0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, "the kill did not land: the run had already finished"


def weights(folder):
    return zoo.load(folder).get_weights()


@pytest.mark.parametrize("kind", ["train", "finetune"])
def test_killed_and_resumed_matches_an_uninterrupted_run(kind, pngs, tmp_path):
    extra = TINY
    if kind == "finetune":
        base = tmp_path / "base"
        subprocess.run([ZOO, "train", "vae", "--data", str(pngs), "--epochs", "1", "--batch-size", "4",
                        "--out", str(base), *TINY], check=True, capture_output=True)
        extra = [str(base)]
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    subprocess.run(command(kind, pngs, whole, extra), check=True, capture_output=True)
    run_and_kill(command(kind, pngs, cut, extra), f"{cut}.checkpoints", after_epoch=2)
    assert not cut.exists(), "a killed run must not leave a preset folder"
    done = int(checkpoints(f"{cut}.checkpoints")[-1].name.split("_")[1])
    assert 2 <= done < EPOCHS
    subprocess.run(command(kind, pngs, cut, extra) + ["--resume"], check=True, capture_output=True)
    assert not Path(f"{cut}.checkpoints").exists(), "a finished run keeps no checkpoints"
    for a, b in zip(weights(whole), weights(cut)):
        np.testing.assert_allclose(a, b, atol=1e-6)
