"""One worker of a MultiWorkerMirroredStrategy cluster described by TF_CONFIG.

Usage: TF_CONFIG=... python multi_worker_toy.py OUT.npz

Trains ToyAE on `_common.toy_images()` and saves the weights before
(`init_i`) and after (`final_i`) training and the replica count.
"""

import sys

import _common
from zoo.distribute import get_strategy

# The strategy starts this worker's gRPC server, which TF allows only before
# any other op has initialised the runtime.
strategy = get_strategy("multi_worker")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from toys import ToyAE  # noqa: E402


def dataset():
    # Both workers build the same dataset. DATA sharding makes each keep its
    # own half of every global batch of 8, so the pair trains on exactly the
    # batches one device would; AUTO would try FILE first and, with no files
    # behind from_tensor_slices, fall back to DATA with a warning.
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return tf.data.Dataset.from_tensor_slices(_common.toy_images()).batch(_common.BATCH).with_options(options)


def build(cls):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = cls()
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))
        model.build_all()
    return model


model = build(ToyAE)
init = model.get_weights()
model.fit(dataset(), epochs=_common.EPOCHS, verbose=0)

_common.save_weights(sys.argv[1], init=init, final=model.get_weights(),
                     replicas=strategy.num_replicas_in_sync)
