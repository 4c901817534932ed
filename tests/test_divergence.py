"""A run whose loss turns NaN stops, names the step, and keeps its last good checkpoint."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.toys import ToyAE
from zoo.trainer import fit
from zoo.callbacks import checkpoints, progress, restore


class PoisonAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            weight = self.model.net.get_layer("dec").kernel
            weight.assign(np.full(weight.shape, np.nan, np.float32))


def test_nan_stops_with_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    model = ToyAE()
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    x = np.random.default_rng(0).uniform(0, 1, (16, 4, 4, 1)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(x).batch(4)
    with pytest.raises(RuntimeError, match=r"loss = nan at step 9 .*last good checkpoint"):
        fit(model, data, {"epochs": 5}, callbacks=[PoisonAtEpoch(2)], checkpoint_dir=tmp_path, verbose=0)
    assert [p.name for p in checkpoints(tmp_path)] == ["epoch_0001", "epoch_0002"]
    fresh = ToyAE()
    fresh.compile(optimizer=keras.optimizers.SGD(0.1))
    assert restore(fresh, tmp_path) == 2
    assert all(np.all(np.isfinite(w)) for w in fresh.get_weights())


def test_a_resumed_run_reports_the_whole_runs_wall_time(tmp_path):
    x = np.random.default_rng(0).uniform(0, 1, (16, 4, 4, 1)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(x).batch(4)
    model = ToyAE()
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    _, first_wall, _ = fit(model, data, {"epochs": 2}, checkpoint_dir=tmp_path, verbose=0)
    recorded = progress(tmp_path)
    assert recorded["epochs_done"] == 2 and 0 < recorded["wall_time_s"] <= first_wall
    # Pretend the first part took 1,000 s: the resumed run must count it.
    last = checkpoints(tmp_path)[-1] / "progress.json"
    last.write_text(json.dumps({"epochs_done": 2, "wall_time_s": 1000.0}))
    resumed = ToyAE()
    resumed.compile(optimizer=keras.optimizers.SGD(0.1))
    recipe = {"epochs": 3}
    _, wall, _ = fit(resumed, data, recipe, checkpoint_dir=tmp_path, resume=True, verbose=0)
    assert recipe["resumed_after_epoch"] == 2
    assert 1000.0 < wall < 1000.0 + 600
    assert progress(tmp_path)["wall_time_s"] > 1000.0


def test_a_checkpoint_without_a_wall_time_still_resumes(tmp_path):
    x = np.random.default_rng(0).uniform(0, 1, (16, 4, 4, 1)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(x).batch(4)
    model = ToyAE()
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    fit(model, data, {"epochs": 1}, checkpoint_dir=tmp_path, verbose=0)
    (checkpoints(tmp_path)[-1] / "progress.json").write_text(json.dumps({"epochs_done": 1}))
    assert progress(tmp_path) == {"epochs_done": 1, "wall_time_s": None}
    resumed = ToyAE()
    resumed.compile(optimizer=keras.optimizers.SGD(0.1))
    _, wall, _ = fit(resumed, data, {"epochs": 2}, checkpoint_dir=tmp_path, resume=True, verbose=0)
    assert 0 < wall < 600
