"""A run whose loss turns NaN stops, names the step, and keeps its last good checkpoint."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.toys import ToyAE
from training.common import fit
from zoo.callbacks import checkpoints, restore


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
