"""Choosing a `tf.distribute` strategy by name.

Keras' `keras.distribution` API does nothing on the TensorFlow backend, so the
zoo uses `tf.distribute` directly: build and compile the model inside
`strategy.scope()`, then `fit` as usual.
"""

STRATEGIES = (None, "default", "mirrored", "multi_worker")


def get_strategy(name=None, devices=None):
    """Returns a `tf.distribute.Strategy`.

    Args:
        name: `None` or `"default"` (one device), `"mirrored"` (every local GPU,
            or `devices`), `"multi_worker"` (`MultiWorkerMirroredStrategy`,
            configured by the `TF_CONFIG` environment variable).
        devices: optional device names for `"mirrored"`, e.g. two logical CPUs.

    Example:
        >>> strategy = get_strategy("mirrored", devices=["/cpu:0", "/cpu:1"])
        >>> with strategy.scope():
        ...     model = zoo.create("vae")
    """
    import tensorflow as tf

    if name not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {name!r}")
    if name in (None, "default"):
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices=devices)
    return tf.distribute.MultiWorkerMirroredStrategy()


def split_cpu(n=2):
    """Splits the first physical CPU into `n` logical devices (before TF starts).

    Lets a one-machine test or benchmark exercise `MirroredStrategy`.
    """
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
    return [f"/cpu:{i}" for i in range(n)]
