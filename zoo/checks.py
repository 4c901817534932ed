"""Argument checks shared by the models and the data layer (numpy only, no TensorFlow).

Each returns the value in the form the caller works with, or raises a
`ValueError` that names the argument and what was expected, before anything
large is allocated.
"""

import numbers

import numpy as np


def is_int(value):
    """True for an integer that is not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_bool(value, what):
    """Returns `value` if it is True or False, or raises ValueError naming `what`."""
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be True or False, got {value!r}")
    return value


def check_optional_seed(value):
    """An integer seed or None (a data pipeline's shuffle seed), as given."""
    if value is not None and not is_int(value):
        raise ValueError(f"seed must be an integer or None, got {value!r}")
    return None if value is None else int(value)


def check_image_shape(value, what="image_shape"):
    """(height, width, channels) as a tuple of positive ints with 1 or 3 channels."""
    try:
        items = tuple(value)
    except TypeError:
        items = None
    if items is None or len(items) != 3 or not all(is_int(v) and v > 0 for v in items) or items[2] not in (1, 3):
        raise ValueError(
            f"{what} must be (height, width, channels) with positive integers and 1 or 3 channels, got {value!r}"
        )
    return tuple(int(v) for v in items)


def check_images(x, image_shape, name="x"):
    """Checks a batch of images against the public convention.

    Args:
        x: array-like, shape (batch, height, width, channels), float in [0, 1]
            (uint8 in [0, 255] is accepted and scaled).
        image_shape: the expected (height, width, channels).
        name: the argument's name, for the error message.

    Returns:
        A float32 numpy array.
    """
    expected = f"float32 images of shape (batch, {', '.join(map(str, image_shape))}) in [0, 1]"
    try:
        arr = np.asarray(x)
    except Exception as err:  # ragged lists, objects
        raise ValueError(f"{name} must be {expected}; could not read it as an array ({err})") from None
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 255.0
    elif arr.dtype.kind not in "fiub":
        raise ValueError(f"{name} must be {expected}, got dtype {arr.dtype}")
    if arr.ndim == 3 and tuple(arr.shape) == tuple(image_shape):
        raise ValueError(f"{name} must be {expected}; got one image of shape {arr.shape}: add a batch axis")
    if arr.ndim != 4 or tuple(arr.shape[1:]) != tuple(image_shape):
        raise ValueError(f"{name} must be {expected}, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must be {expected}, got an empty batch")
    arr = arr.astype(np.float32, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be {expected}; it holds NaN or inf")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < -1e-6 or hi > 1 + 1e-6:
        raise ValueError(f"{name} must be {expected}; its values span [{lo:.4g}, {hi:.4g}]")
    return np.clip(arr, 0.0, 1.0)


def check_count(n, name="n"):
    """Returns `n` as a positive int, or raises ValueError naming it."""
    if not is_int(n) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def check_seed(seed):
    """Returns a seed as a non-negative int (None picks one at random)."""
    if seed is None:
        return int(np.random.default_rng().integers(0, 2**31 - 1))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**31:
        raise ValueError(f"seed must be an integer in [0, 2**31), got {seed!r}")
    return int(seed)


def check_class_labels(labels, num_classes, n=None, owner="the model"):
    """Class labels as int32 (n,): one int for all n, or one per item, each in [0, num_classes).

    Conditional models call it from their `check_labels`.
    """
    expected = f"class labels: one int, or {n if n is not None else 'one per image'} ints in [0, {num_classes})"
    if labels is None:
        raise ValueError(f"{owner} is conditional: give labels= ({expected})")
    arr = np.asarray(labels)
    if arr.dtype.kind not in "iu" or arr.ndim > 1:
        raise ValueError(f"labels must be {expected}, got {labels!r}")
    if arr.ndim == 0:
        arr = np.full(n if n is not None else 1, arr)
    if (n is not None and len(arr) != n) or not len(arr) or arr.min() < 0 or arr.max() >= num_classes:
        raise ValueError(f"labels must be {expected}, got {labels!r}")
    return arr.astype(np.int32)


def check_codes(z, dim, name="z"):
    """Returns latent codes as a float32 (batch, dim) numpy array, or raises ValueError."""
    expected = f"float latent codes of shape (batch, {dim})"
    try:
        arr = np.asarray(z)
    except Exception as err:
        raise ValueError(f"{name} must be {expected}; could not read it as an array ({err})") from None
    if arr.dtype.kind not in "fiu" or arr.ndim != 2 or arr.shape[1] != dim or arr.shape[0] == 0:
        raise ValueError(f"{name} must be {expected}, got shape {arr.shape} and dtype {arr.dtype}")
    arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be {expected}; it holds NaN or inf")
    return arr
