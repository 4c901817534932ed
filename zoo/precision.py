"""Choosing the dtype policy, and float32 clones of a model for export.

`"auto"` means `mixed_float16` on a GPU and `float32` on a CPU. bfloat16 is
never picked for the user: on these CPUs it is faster for matmuls, but it
costs precision in the loss, so it is a choice to make and measure (see
`benchmarks/`).
"""

import contextlib

POLICIES = ("auto", "float32", "mixed_float16", "mixed_bfloat16")


def resolve(precision="auto"):
    """Returns the concrete policy name for `precision`.

    Args:
        precision: one of `POLICIES`.

    Example:
        >>> resolve("float32")
        'float32'
    """
    if precision not in POLICIES:
        raise ValueError(f"precision must be one of {POLICIES}, got {precision!r}")
    if precision != "auto":
        return precision
    import tensorflow as tf

    return "mixed_float16" if tf.config.list_physical_devices("GPU") else "float32"


def set_policy(precision="auto"):
    """Sets Keras' global dtype policy and returns its name."""
    import keras

    name = resolve(precision)
    keras.mixed_precision.set_global_policy(name)
    return name


@contextlib.contextmanager
def policy_scope(precision):
    """Sets the global policy inside the block and restores the old one after."""
    import keras

    old = keras.mixed_precision.global_policy().name
    try:
        yield set_policy(precision)
    finally:
        keras.mixed_precision.set_global_policy(old)


def float32_clone(model):
    """Rebuilds `model` from its config under float32 and copies its weights.

    Exports always use such a clone: ONNX Runtime refuses bfloat16 graphs, and a
    deployed model should not depend on the policy it was trained under.

    Args:
        model: a built zoo model.

    Returns:
        A built model of the same class, every variable float32.
    """
    with policy_scope("float32"):
        clone = model.__class__.from_config(model.get_config())
        clone.build_all()
    weights = model.get_weights()
    clone.set_weights([w.astype("float32") if w.dtype.kind == "f" else w for w in weights])
    return clone
