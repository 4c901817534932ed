"""Files written so that nothing the user had is lost or half-written.

Every writer goes to a temporary name beside the target and renames it into
place (`os.replace` is atomic on one file system): a kill mid-write leaves the
previous version intact.
"""

import contextlib
import hashlib
import json
import math
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


# A grid is refused beyond this many bytes (8-bit pixels), or beyond this many pixels a side
# (libpng's default limit for reading; few viewers open more): it could not be used if it were written.
MAX_GRID_BYTES = 2**31
MAX_GRID_SIDE = 1_000_000


def grid_shape(image_shape, n, nrow=None, pad=2):
    """`(height, width, channels)` of the grid of `n` images that `image_grid` tiles, or a ValueError if absurd."""
    h, w, c = (int(d) for d in image_shape)
    n = int(n)
    nrow = int(nrow or math.ceil(math.sqrt(n)))
    if n < 1 or nrow < 1:
        raise ValueError(f"a grid needs at least one image and one image per row, got {n} images, {nrow} per row")
    ncol = math.ceil(n / nrow)
    shape = (ncol * (h + pad) + pad, nrow * (w + pad) + pad, c)
    size = math.prod(shape)
    if size > MAX_GRID_BYTES or max(shape[:2]) > MAX_GRID_SIDE:
        raise ValueError(f"a grid of {n} images of {h}x{w}x{c}, {nrow} per row, would be {shape[1]}x{shape[0]} "
                         f"pixels ({size / 2**30:.1f} GiB); grids are limited to {MAX_GRID_BYTES / 2**30:.0f} GiB "
                         f"and {MAX_GRID_SIDE:,} pixels a side: write fewer images")
    return shape


def image_grid(images, nrow=None):
    """Tiles a batch (N, H, W, C) in [0, 1] into one uint8 image with a 2-pixel gap.

    Raises:
        ValueError: the batch is not (N, H, W, C), or the grid would be absurdly
            large (`MAX_GRID_BYTES`, `MAX_GRID_SIDE`); checked before anything is allocated.
    """
    import numpy as np

    shape = np.shape(images)
    if len(shape) != 4:
        raise ValueError(f"a grid takes a batch of images (N, H, W, C), got shape {shape}")
    n, h, w, c = shape
    nrow = nrow or int(np.ceil(np.sqrt(n)))
    grid_shape((h, w, c), n, nrow)
    ncol = int(np.ceil(n / nrow))
    pad = 2
    # Each tile is rounded to 8 bits as it is placed: the grid is never held as float32.
    grid = np.full((ncol * (h + pad) + pad, nrow * (w + pad) + pad, c), 255, np.uint8)
    for i in range(n):
        r, k = divmod(i, nrow)
        tile = np.asarray(images[i], dtype=np.float32)
        grid[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + k * (w + pad) : pad + k * (w + pad) + w] = (
            np.clip(tile, 0, 1) * 255 + 0.5).astype(np.uint8)
    return grid


def save_grid(images, path, nrow=None):
    """Writes a PNG sample grid of images in [0, 1]."""
    import tensorflow as tf

    write_bytes(path, tf.io.encode_png(image_grid(images, nrow)).numpy())
