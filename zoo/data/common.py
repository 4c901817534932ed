"""What the modules of `zoo.data` share: where files live, a lock, hashing, conversion.

Nothing here imports TensorFlow at import time; `convert_batch` and
`tf_message` work on TensorFlow values, so only their callers' callers
import it.
"""

import contextlib
import os
import pathlib

from zoo.io import sha256

__all__ = ["cache_dir", "convert_batch", "exclusive_lock", "file_sha256", "find_raw_dir", "raw_root", "tf_message"]

_sha256_memo = {}  # (path, size, mtime_ns) -> hex digest


def cache_dir():
    """The folder where `zoo.data` keeps what it prepares.

    Returns:
        `$ZOO_CACHE_DIR` if set, else `~/.cache/zoo`, as a `pathlib.Path`
        (not created here). Prepared TFDS records go in its `tfds/`.

    Example:
        >>> records = cache_dir() / "tfds"     # e.g. ~/.cache/zoo/tfds
    """
    root = os.environ.get("ZOO_CACHE_DIR") or os.path.join("~", ".cache", "zoo")
    return pathlib.Path(root).expanduser()


def raw_root(data_dir):
    """`data_dir`, else `$ZOO_DATA_DIR`, as a path; None when neither is set."""
    root = data_dir if data_dir is not None else (os.environ.get("ZOO_DATA_DIR") or None)
    return None if root is None else pathlib.Path(root).expanduser()


def find_raw_dir(root, subdir, files):
    """The folder holding all of `files`: `root/subdir`, or `root` itself; None if neither.

    The root itself is accepted too, for a user who points at the set's folder.
    """
    if root is None:
        return None
    root = pathlib.Path(root).expanduser()
    for folder in (root / subdir, root):
        if all((folder / f).is_file() for f in files):
            return folder
    return None


def file_sha256(path):
    """The sha256 hex digest of a file, computed once per (path, size, mtime)."""
    path = pathlib.Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _sha256_memo:
        _sha256_memo[key] = sha256(path)
    return _sha256_memo[key]


@contextlib.contextmanager
def exclusive_lock(path):
    """Holds an exclusive advisory lock on `path` (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: TFDS's own incomplete-dir rename is all we get.
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def convert_batch(images, source_shape, image_shape, scale):
    """Integer NHWC batch -> float32 in [0, 1], resized and re-channelled."""
    import tensorflow as tf

    x = tf.cast(images, tf.float32) * (1.0 / scale)
    if image_shape is None:
        return x
    height, width, channels = image_shape
    # Drop channels before resizing and add them after: less work either way.
    if channels == 1 and source_shape[-1] == 3:
        x = tf.image.rgb_to_grayscale(x)
    if (height, width) != tuple(source_shape[:2]):
        x = tf.image.resize(x, (height, width), method="bilinear", antialias=True)
        x = tf.clip_by_value(x, 0.0, 1.0)
    if channels == 3 and source_shape[-1] == 1:
        x = tf.image.grayscale_to_rgb(x)
    return x


def tf_message(error):
    """The first line of a TensorFlow error's own message, without its graph prefix."""
    # TF's eager messages start with "{{function_node ...}} "; keep the rest.
    text = getattr(error, "message", None) or str(error)
    if text.startswith("{{") and "}} " in text:
        text = text.split("}} ", 1)[1]
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
