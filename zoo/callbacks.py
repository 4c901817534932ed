"""Callbacks for zoo models: a per-epoch sample grid and a NaN guard."""

import math

import keras


class NaNGuard(keras.callbacks.Callback):
    """Stops training when any tracked loss turns NaN or inf, naming the step.

    Unlike `keras.callbacks.TerminateOnNaN` it says which loss and which step,
    and it records them in `self.failure` for the caller to report.
    """

    def __init__(self):
        super().__init__()
        self.step = 0
        self.failure = None

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        for name, value in (logs or {}).items():
            value = float(value)
            if not math.isfinite(value):
                self.failure = f"training diverged: {name} = {value} at step {self.step} (epoch batch {batch})"
                print(self.failure)
                self.model.stop_training = True
                return


class SampleGrid(keras.callbacks.Callback):
    """Writes a fixed-seed sample grid after every epoch (`<folder>/epoch_NNN.png`)."""

    def __init__(self, folder, n=64, seed=0):
        super().__init__()
        self.folder, self.n, self.seed = folder, n, seed

    def on_epoch_end(self, epoch, logs=None):
        from zoo.io import save_grid

        save_grid(self.model.sample(self.n, seed=self.seed), f"{self.folder}/epoch_{epoch + 1:03d}.png")
