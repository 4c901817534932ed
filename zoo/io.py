"""Files written so that nothing the user had is lost or half-written.

Every writer goes to a temporary name beside the target and renames it into
place (`os.replace` is atomic on one file system): a kill mid-write leaves the
previous version intact.
"""

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`; renames it onto `path` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Keep the full suffix: some writers check it (Keras wants `.weights.h5`).
    suffix = "".join(path.suffixes)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{suffix}", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private; give it the permissions a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_bytes(path, data):
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_json(path, obj):
    write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


@contextlib.contextmanager
def atomic_dir(path):
    """Yields a temporary folder; on success it replaces the folder `path`.

    The old folder is moved aside before the new one is renamed in, then removed:
    at every moment one complete version exists on disk. Two writers of one
    folder take turns at the swap (a lock file beside it); the last one wins.
    """
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        with open(_lock_path(path), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            old = None
            if path.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
                os.rmdir(old)
                os.replace(path, old)
            os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _lock_path(path):
    # Kept out of the user's folder: one lock file per target path, in the temp dir.
    folder = Path(tempfile.gettempdir()) / "zoo-locks"
    folder.mkdir(exist_ok=True)
    return folder / (hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:32] + ".lock")


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def image_grid(images, nrow=None):
    """Tiles a batch (N, H, W, C) in [0, 1] into one uint8 image with a 2-pixel gap."""
    import numpy as np

    images = np.asarray(images, dtype=np.float32)
    n, h, w, c = images.shape
    nrow = nrow or int(np.ceil(np.sqrt(n)))
    ncol = int(np.ceil(n / nrow))
    pad = 2
    grid = np.ones((ncol * (h + pad) + pad, nrow * (w + pad) + pad, c), np.float32)
    for i, img in enumerate(images):
        r, k = divmod(i, nrow)
        grid[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + k * (w + pad) : pad + k * (w + pad) + w] = img
    return (np.clip(grid, 0, 1) * 255 + 0.5).astype(np.uint8)


def save_grid(images, path, nrow=None):
    """Writes a PNG sample grid of images in [0, 1]."""
    import tensorflow as tf

    write_bytes(path, tf.io.encode_png(image_grid(images, nrow)).numpy())
