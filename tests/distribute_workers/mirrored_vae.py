"""Trains a tiny VAE under MirroredStrategy on two logical CPUs.

Usage: python mirrored_vae.py OUT.json

Writes the replica count and the Keras history.
"""

import json
import sys

import _common  # noqa: F401
from zoo.distribute import get_strategy, split_cpu

devices = split_cpu(2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

import zoo  # noqa: E402

TINY = {"image_shape": (8, 8, 1), "latent_dim": 2, "filters": [4], "hidden": 8}

strategy = get_strategy("mirrored", devices=devices)
with strategy.scope():
    model = zoo.create("vae", **TINY)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
images = np.random.default_rng(0).uniform(0, 1, (32, 8, 8, 1)).astype("float32")
history = model.fit(images, batch_size=8, epochs=2, verbose=0)
with open(sys.argv[1], "w") as f:
    json.dump({"replicas": strategy.num_replicas_in_sync,
               "history": {k: [float(v) for v in vs] for k, vs in history.history.items()}}, f)
