"""Callbacks for zoo models: checkpoint/resume, a NaN guard, a per-epoch sample grid."""

import json
import math
import re
import shutil
import time
from pathlib import Path

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
                self.model.diverged = True
                return


class SampleGrid(keras.callbacks.Callback):
    """Writes a fixed-seed sample grid after every epoch (`<folder>/epoch_NNN.png`).

    `draw(model, n, seed)` makes the images when `model.sample` would not show
    the training (a growing GAN draws at the level it trains).
    """

    def __init__(self, folder, n=64, seed=0, draw=None):
        super().__init__()
        self.folder, self.n, self.seed, self.draw = folder, n, seed, draw

    def on_epoch_end(self, epoch, logs=None):
        from zoo.io import save_grid

        images = (self.draw(self.model, self.n, self.seed) if self.draw is not None
                  else self.model.sample(self.n, seed=self.seed))
        save_grid(images, f"{self.folder}/epoch_{epoch + 1:03d}.png")


class Checkpoint(keras.callbacks.Callback):
    """Saves the whole training state after every epoch, atomically, keeping the last `keep`.

    The state is `model.save_weights`: the weights, every optimizer's slots and
    iteration count, and every seed generator's state (`GenerativeModel`
    saves those), so a resumed run continues exactly. Each checkpoint is a
    folder `epoch_NNNN/` renamed into place when complete; an epoch that
    diverged (see `NaNGuard`) is not saved, so the last good one stays.

    Each checkpoint's `progress.json` also holds the training wall time so far,
    counting the runs it was resumed from, so a resumed run can report the
    whole run's time.

    Args:
        folder: where the `epoch_NNNN/` folders go.
        keep: how many to keep.
        wall_before: seconds of training before this run (from `progress`).
    """

    def __init__(self, folder, keep=2, wall_before=0.0):
        super().__init__()
        self.folder, self.keep = Path(folder), int(keep)
        self.wall_before = float(wall_before)
        self.began = time.time()

    def on_train_begin(self, logs=None):
        self.began = time.time()

    def on_epoch_end(self, epoch, logs=None):
        from zoo.io import atomic_dir

        if getattr(self.model, "diverged", False):
            return
        if any(not math.isfinite(float(v)) for v in (logs or {}).values()):
            return
        with atomic_dir(self.folder / f"epoch_{epoch + 1:04d}") as tmp:
            self.model.save_weights(tmp / "state.weights.h5")
            wall = self.wall_before + time.time() - self.began
            (tmp / "progress.json").write_text(json.dumps({"epochs_done": epoch + 1, "wall_time_s": wall}))
        for old in checkpoints(self.folder)[: -self.keep]:
            shutil.rmtree(old, ignore_errors=True)


def checkpoints(folder):
    """Complete checkpoint folders under `folder`, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if re.fullmatch(r"epoch_\d{4}", p.name) and
                  (p / "progress.json").is_file())


def progress(folder):
    """The latest checkpoint's progress: `{"epochs_done": N, "wall_time_s": seconds}`; zeros if none.

    Checkpoints written before the wall time was recorded report it as None.
    """
    found = checkpoints(folder)
    if not found:
        return {"epochs_done": 0, "wall_time_s": 0.0}
    return {"wall_time_s": None, **json.loads((found[-1] / "progress.json").read_text())}


def restore(model, folder):
    """Loads the latest checkpoint into a built, compiled model; returns the epochs it had done (0 if none)."""
    found = checkpoints(folder)
    if not found:
        return 0
    model.build_all()
    model.load_weights(found[-1] / "state.weights.h5")
    return progress(folder)["epochs_done"]
