"""Trains ToyAE on one device, then under MirroredStrategy on two logical CPUs.

Usage: python mirrored_toy.py OUT.npz

Saves, for `single` and `mirrored`, the weights before training (`*_init_i`),
after the first step (`*_step1_i`) and at the end (`*_final_i`), and each
run's replica count.
"""

import sys

import _common
from zoo.distribute import get_strategy, split_cpu

devices = split_cpu(2)

import keras  # noqa: E402

from toys import ToyAE  # noqa: E402


class FirstStep(keras.callbacks.Callback):
    """Keeps the weights after the first step: one step's update is the raw gradient times lr."""

    def on_train_batch_end(self, batch, logs=None):
        if not hasattr(self, "weights"):
            self.weights = self.model.get_weights()


def train(strategy, images):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = ToyAE()
        # Plain SGD: the update is linear in the gradient, so a replica count
        # that is wrongly summed shows up as a scaled update.
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))
        model.build_all()
    init = model.get_weights()
    first = FirstStep()
    model.fit(images, batch_size=_common.BATCH, epochs=_common.EPOCHS, shuffle=False,
              verbose=0, callbacks=[first])
    return {"init": init, "step1": first.weights, "final": model.get_weights(),
            "replicas": strategy.num_replicas_in_sync}


images = _common.toy_images()
runs = {}
for name, strategy in (("single", get_strategy("default")),
                       ("mirrored", get_strategy("mirrored", devices=devices))):
    for key, value in train(strategy, images).items():
        runs[f"{name}_{key}"] = value
_common.save_weights(sys.argv[1], **runs)
