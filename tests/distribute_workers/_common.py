"""Shared by the worker scripts, which run as `python <script>` in a fresh process.

Importing this module imports no TensorFlow: each script must still get to
configure devices (or start its multi-worker server) before TF initialises.
"""

import os
import sys

import numpy as np

# The scripts import `toys` from tests/, which pytest puts on the path for the
# test files but nothing does for a child process.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Each worker and the test that checks it must train on the very same images.
BATCH = 8
STEPS_PER_EPOCH = 2
EPOCHS = 2


def toy_images(shape=(4, 4, 1)):
    n = BATCH * STEPS_PER_EPOCH
    return np.random.default_rng(0).uniform(0, 1, (n, *shape)).astype("float32")


def save_weights(path, **runs):
    """Saves lists of arrays as `<run>_<i>` entries of one npz."""
    arrays = {}
    for run, value in runs.items():
        if isinstance(value, (list, tuple)):
            arrays.update({f"{run}_{i}": np.asarray(w) for i, w in enumerate(value)})
        else:
            arrays[run] = np.asarray(value)
    np.savez(path, **arrays)
