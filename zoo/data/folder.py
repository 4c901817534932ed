"""A folder of the user's own images as a `tf.data.Dataset`.

Every image under the folder (recursively; PNG, JPEG, BMP and Netpbm, 8 or
16 bits, grey, grey+alpha, RGB or RGBA) is decoded once, when the dataset is
built (PNG, JPEG and BMP by TensorFlow, Netpbm by Pillow), so that a bad
file is reported by name up front rather than as an opaque error
mid-training. User folders are small enough for that; the decoded images
are kept in memory at 8 bits (16 when any source has more).

    >>> import zoo.data
    >>> ds = zoo.data.image_folder("my_faces/", image_shape=(64, 64, 3))
    >>> images = next(iter(ds))        # (32, 64, 64, 3) float32 in [0, 1]

Nothing in the folder is ever written, moved or deleted.
"""

import concurrent.futures
import io
import os
import pathlib
import warnings

import numpy as np

from zoo.checks import check_bool, check_count, check_image_shape, check_optional_seed
from zoo.data.common import convert_batch, tf_message

__all__ = ["IMAGE_EXTENSIONS", "ImageSkippedWarning", "image_files", "image_folder", "folder_classes", "read_image",
           "read_images", "stack_images"]

#: File name endings taken as images (compared case-insensitively).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".pnm")

# ITU-R BT.601 luma, the weights tf.image.rgb_to_grayscale uses too.
_LUMA = np.array([0.2989, 0.5870, 0.1140], np.float32)
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_NETPBM_MAGICS = (b"P1", b"P2", b"P3", b"P4", b"P5", b"P6")


class ImageSkippedWarning(UserWarning):
    """An image file of a folder could not be read and was left out."""


class FolderNotFoundError(FileNotFoundError, ValueError):
    """The image folder does not exist (catchable as either base class)."""


class _BadImage(Exception):
    """Why one file could not be used; turned into a warning or a ValueError."""


def _extensions_text():
    return ", ".join(IMAGE_EXTENSIONS)


def _report(on_error, where, reason, stacklevel):
    if on_error == "raise":
        raise ValueError(f"cannot read image {where}: {reason}")
    # stacklevel points the warning at the user's call of image_folder.
    warnings.warn(f"zoo.data.image_folder: skipping {where}: {reason}", ImageSkippedWarning, stacklevel=stacklevel)


def _walk(root, on_error, quiet=False):
    """Image files under `root` (sorted), the count of other files, the bad entries as (path, reason).

    Symlinked folders are followed, but each real folder, named by
    (st_dev, st_ino), is read once only, so a link back up the tree ends the
    walk there instead of going round for ever.
    """
    images, others, problems = [], 0, []
    seen = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            stat = os.stat(folder)
            ident = (stat.st_dev, stat.st_ino)
            if ident in seen:
                continue
            seen.add(ident)
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as error:
            problems.append((folder, f"cannot list the folder ({error.strerror or error})"))
            continue
        subfolders = []
        for entry in entries:
            is_image = entry.name.lower().endswith(IMAGE_EXTENSIONS)
            try:
                # Both follow symlinks; FIFOs, sockets and devices are neither,
                # and are never opened (reading a FIFO could block for ever).
                if entry.is_dir():
                    subfolders.append(entry.path)
                elif entry.is_file():
                    if is_image:
                        images.append(pathlib.Path(entry.path))
                    else:
                        others += 1
                elif is_image:
                    problems.append((entry.path, "not a regular file (a broken symlink?)"))
            except OSError as error:  # e.g. a symlink that points at itself
                if is_image:
                    problems.append((entry.path, f"cannot stat it ({error.strerror or error})"))
        # Reversed so that the stack pops sub-folders in name order.
        stack.extend(reversed(subfolders))
    if not quiet:
        for where, reason in problems:
            _report(on_error, where, reason, stacklevel=4)
    images.sort(key=lambda p: p.relative_to(root).parts)
    return images, others, problems


def _layout(root, images):
    """(class folder names, images lying directly in root)."""
    direct, classes = [], set()
    for path in images:
        parts = path.relative_to(root).parts
        if len(parts) == 1:
            direct.append(path)
        else:
            classes.add(parts[0])
    return sorted(classes), direct


def _check_folder(path):
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a folder path (str or os.PathLike), got {path!r}")
    root = pathlib.Path(path).expanduser()
    if not root.exists():
        raise FolderNotFoundError(f"image folder {root} does not exist")
    if not root.is_dir():
        raise ValueError(f"image folder {root} is not a folder")
    return root


def folder_classes(path):
    """The class names `image_folder(path, ..., with_labels=True)` would use.

    Labels are indices into this list: the sorted names of the direct
    sub-folders of `path` that hold images (at any depth below them).

    Args:
        path: The image folder.

    Returns:
        The sorted class folder names, or `[]` when `path` does not have a
        class layout (some image lies directly in it, or it has no images).

    Raises:
        FileNotFoundError: (also a `ValueError`) if `path` does not exist.

    Example:
        >>> folder_classes("pets/")       # pets/cat/*.png, pets/dog/*.jpg
        ['cat', 'dog']
    """
    root = _check_folder(path)
    images, _, _ = _walk(root, "skip", quiet=True)
    classes, direct = _layout(root, images)
    return [] if direct else classes


def _read_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


def _is_netpbm(data):
    """A `P1`..`P6` magic number followed by whitespace or a comment."""
    head = bytes(data[:3])
    return len(head) == 3 and head[:2] in _NETPBM_MAGICS and head[2:] in (b" ", b"\t", b"\n", b"\v", b"\f", b"\r", b"#")


def _decode_netpbm(data):
    """Netpbm bytes -> (image, maxval), decoded with Pillow.

    Pillow rescales samples to 8 bits (maxval 255, or 1 for a bitmap) or,
    for a greymap deeper than 8 bits, to 16 (65535). It reads a 16-bit
    pixmap at 8 bits only, so a raw one (`P6`) has its samples read here,
    after the header Pillow parsed; a plain 16-bit pixmap (`P3`) stays at 8.
    """
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=["PPM"]) as image:
            # The tile (decoder, box, raster offset, args) is gone once loaded.
            tile = image.tile[0] if image.tile else None
            if image.mode == "RGB" and tile is not None and tile[0] == "ppm" and tile[3][1] > 255:
                return _raw_16bit_pixmap(data, image.size, tile[2], tile[3][1])
            image.load()
            if image.mode == "1":
                return np.asarray(image, np.uint8)[..., None], 1
            if image.mode == "I":
                return np.asarray(image).astype(np.uint16)[..., None], 65535
            pixels = np.asarray(image, np.uint8)
            return (pixels[..., None] if pixels.ndim == 2 else pixels), 255
    except (OSError, ValueError, SyntaxError) as error:
        raise _BadImage(f"corrupt Netpbm image ({error})") from None


def _raw_16bit_pixmap(data, size, offset, maxval):
    width, height = size
    count = width * height * 3
    if len(data) - offset < 2 * count:
        raise _BadImage(f"corrupt Netpbm image (raster is truncated: {len(data) - offset} of {2 * count} bytes)")
    samples = np.frombuffer(data, ">u2", count=count, offset=offset)
    if int(samples.max()) > maxval:
        raise _BadImage(f"corrupt Netpbm image (a sample value {int(samples.max())} exceeds maxval {maxval})")
    return samples.astype(np.uint16).reshape(height, width, 3), maxval


def _decode(data):
    """File bytes -> ((H, W, C) integer array, maxval), by content, not name."""
    if not data:
        raise _BadImage("the file is empty")
    if _is_netpbm(data):
        return _decode_netpbm(data)

    import tensorflow as tf

    try:
        if data.startswith(_PNG_MAGIC):
            # Byte 24 is the IHDR bit depth; only 16 needs the wider decode.
            sixteen = len(data) > 24 and data[24] == 16
            image = tf.io.decode_png(data, channels=0, dtype=tf.uint16 if sixteen else tf.uint8)
            return image.numpy(), 65535 if sixteen else 255
        if data.startswith(b"\xff\xd8\xff"):
            return tf.io.decode_jpeg(data, channels=0).numpy(), 255
        if data.startswith(b"BM"):
            return tf.io.decode_bmp(data, channels=0).numpy(), 255
    except tf.errors.OpError as error:
        raise _BadImage(f"corrupt image ({tf_message(error)})") from None
    raise _BadImage("not a PNG, JPEG, BMP or Netpbm image (unrecognised content)")


def _to_channels(x, channels):
    if x.ndim == 2:
        x = x[..., None]
    have = x.shape[-1]
    if have in (2, 4):  # alpha is dropped, not composited over any background
        x = x[..., : have - 1]
        have -= 1
    if have not in (1, 3):
        raise _BadImage(f"unsupported number of channels ({x.shape[-1]})")
    if channels == 1 and have == 3:
        x = (x @ _LUMA)[..., None]
    elif channels == 3 and have == 1:
        x = np.repeat(x, 3, axis=-1)
    return x


def _fit(x, height, width):
    """Scale so the image covers (height, width) keeping its aspect, then centre-crop."""
    h, w = x.shape[:2]
    scale = max(height / h, width / w)
    new_h, new_w = max(height, round(h * scale)), max(width, round(w * scale))
    if (new_h, new_w) != (h, w):
        import tensorflow as tf

        x = tf.image.resize(x, (new_h, new_w), method="bilinear", antialias=True).numpy()
    top, left = (new_h - height) // 2, (new_w - width) // 2
    return x[top : top + height, left : left + width]


def _load_one(path, image_shape):
    """(image quantized to uint8/uint16, None) or (None, reason) for one file."""
    try:
        data = _read_bytes(path)
    except OSError as error:
        return None, f"cannot open it ({error.strerror or error})"
    try:
        pixels, maxval = _decode(data)
        if pixels.ndim not in (2, 3) or 0 in pixels.shape[:2]:
            raise _BadImage(f"unexpected image shape {pixels.shape}")
        x = pixels.astype(np.float32) * (1.0 / maxval)
        x = _to_channels(x, image_shape[2])
        x = np.clip(_fit(x, image_shape[0], image_shape[1]), 0.0, 1.0)
    except _BadImage as error:
        return None, str(error)
    # Kept quantized to save memory: 8 bits unless the source had more.
    if maxval <= 255:
        return np.round(x * 255.0).astype(np.uint8), None
    return np.round(x * 65535.0).astype(np.uint16), None


def image_folder(
    path,
    image_shape,
    batch_size=32,
    shuffle=True,
    seed=0,
    with_labels=None,
    on_error="skip",
    drop_remainder=False,
):
    """The images under a folder as a batched `tf.data.Dataset`.

    Files ending in one of `IMAGE_EXTENSIONS` (any case) are taken from
    `path` and all folders below it, symlinked ones included, in sorted path
    order. Each is decoded by its content, converted to `image_shape[-1]`
    channels (alpha dropped, grey repeated to RGB, RGB to grey by luma),
    scaled to [0, 1] (16-bit by 1/65535), resized keeping its aspect ratio
    until it covers `(height, width)`, and centre-cropped to it.

    Args:
        path: The folder.
        image_shape: `(height, width, channels)` of the output, channels 1 or 3.
        batch_size: Images per batch, a positive integer.
        shuffle: Shuffle the images, reshuffled each epoch.
        seed: Seed of the shuffle (an integer, or None for a random order).
        with_labels: Yield `(images, labels)`, labels int32 indices into
            `folder_classes(path)`. None: only when the images sit in 2 or
            more class sub-folders and none lies directly in `path`. True:
            require that layout (one class folder is enough). False: no labels.
        on_error: What to do with a file that cannot be read or decoded:
            `"skip"` it with an `ImageSkippedWarning` naming it, or `"raise"`
            a `ValueError` naming it.
        drop_remainder: Drop a last, smaller batch.

    Returns:
        A `tf.data.Dataset` of float32 `(B, height, width, channels)` images
        in [0, 1], or of `(images, labels)` tuples.

    Raises:
        FileNotFoundError: (also a `ValueError`) if `path` does not exist.
        ValueError: If `path` is empty, holds no image files, none of its
            images can be read, its layout does not fit `with_labels=True`,
            a file is bad and `on_error="raise"`, or an argument is bad.

    Example:
        >>> ds = image_folder("pets/", image_shape=(64, 64, 3), batch_size=16,
        ...                   with_labels=True)
        >>> images, labels = next(iter(ds))   # (16, 64, 64, 3), (16,)
    """
    image_shape = check_image_shape(image_shape)
    batch_size = check_count(batch_size, "batch_size")
    shuffle = check_bool(shuffle, "shuffle")
    seed = check_optional_seed(seed)
    drop_remainder = check_bool(drop_remainder, "drop_remainder")
    if with_labels is not None:
        with_labels = check_bool(with_labels, "with_labels")
    if on_error not in ("skip", "raise"):
        raise ValueError(f"on_error must be 'skip' or 'raise', got {on_error!r}")
    root = _check_folder(path)

    files, others, unlisted = _walk(root, on_error)
    if not files:
        _no_images(root, others, len(unlisted))

    classes, direct = _layout(root, files)
    if with_labels is None:
        with_labels = not direct and len(classes) >= 2
    elif with_labels and direct:
        raise ValueError(
            f"with_labels=True needs every image of {root} inside a class sub-folder, but "
            f"{len(direct)} lie directly in it (e.g. {direct[0].name})"
        )

    results = read_images(files, image_shape)

    class_index = {name: i for i, name in enumerate(classes)}
    images, labels, first_problem = [], [], None
    for file, (image, reason) in zip(files, results):
        if image is None:
            first_problem = first_problem or f"{file}: {reason}"
            _report(on_error, file, reason, stacklevel=3)
            continue
        images.append(image)
        if with_labels:
            labels.append(class_index[file.relative_to(root).parts[0]])
    if not images:
        raise ValueError(f"none of the {len(files)} image file(s) in {root} could be read; first: {first_problem}")

    return _dataset(images, labels if with_labels else None, image_shape, batch_size, shuffle, seed, drop_remainder)


def _no_images(root, others, unlisted):
    """Raises the ValueError that says why a folder gave no image files."""
    if not others and not unlisted:
        raise ValueError(f"image folder {root} is empty: it holds no files at all")
    if not others:
        raise ValueError(
            f"image folder {root} holds no images that could be listed: "
            f"{unlisted} unreadable folder(s) or entry(ies)"
        )
    raise ValueError(
        f"image folder {root} holds no images: {others} file(s), none ending in one of "
        f"{_extensions_text()} (case-insensitive)"
    )


def image_files(path):
    """The image files under a folder, in the order `image_folder` reads them, and the entries it could not list.

    Nothing is decoded: this is the listing `image_folder` starts from
    (recursive, symlinks followed once, `IMAGE_EXTENSIONS` in any case).

    Args:
        path: The folder.

    Returns:
        `(files, problems)`: the image files as `pathlib.Path`s under `path`,
        and `(path, reason)` for each folder or image entry that could not be listed.

    Raises:
        FileNotFoundError: (also a `ValueError`) if `path` does not exist.
        ValueError: If `path` is not a folder or holds no image files.

    Example:
        >>> files, problems = image_files("photos/")
        >>> [f.name for f in files][:2]
        ['cat.jpg', 'dog.png']
    """
    root = _check_folder(path)
    files, others, problems = _walk(root, "skip", quiet=True)
    if not files:
        _no_images(root, others, len(problems))
    return files, problems


def read_images(files, image_shape):
    """Decodes image files as `image_folder` does, a few at a time in threads.

    Each file is decoded by its content, converted to `image_shape`'s
    channels, scaled to [0, 1], resized to cover `(height, width)` keeping
    its aspect ratio, centre-cropped, and kept quantized (8 bits, or 16 when
    the file had more), as `image_folder` keeps it.

    Args:
        files: Paths of image files.
        image_shape: `(height, width, channels)`, channels 1 or 3.

    Returns:
        A list, in the order of `files`, of `(image, None)` (a uint8 or uint16
        `image_shape` array; `stack_images` scales a list of them) or
        `(None, reason)` for a file that cannot be used.
    """
    image_shape = check_image_shape(image_shape)
    workers = max(1, min(8, os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda f: _load_one(f, image_shape), files))


def read_image(path, image_shape):
    """One image file read as `image_folder` reads it: float32 `image_shape` in [0, 1].

    Raises:
        ValueError: naming the file and why it cannot be used (missing,
            unreadable, corrupt, not an image, an unsupported channel count).

    Example:
        >>> x = read_image("cat.jpg", (64, 64, 3))     # (64, 64, 3) float32
    """
    image, reason = read_images([path], image_shape)[0]
    if image is None:
        raise ValueError(f"cannot read image {path}: {reason}")
    return image.astype(np.float32) * np.float32(1.0 / (255.0 if image.dtype == np.uint8 else 65535.0))


def stack_images(images):
    """Quantized images from `read_images` as one array, and the scale that maps it to [0, 1].

    Returns:
        `(array, scale)`: uint8 with scale 255, or, when any image has 16 bits,
        all of them widened to uint16 (exactly: 255 * 257 == 65535) with scale 65535.
    """
    if any(image.dtype == np.uint16 for image in images):
        # Widening 8 -> 16 bits by 257 is exact: 255 * 257 == 65535.
        images = [image.astype(np.uint16) * (257 if image.dtype == np.uint8 else 1) for image in images]
        return np.stack(images), 65535.0
    return np.stack(images), 255.0


def _dataset(images, labels, image_shape, batch_size, shuffle, seed, drop_remainder):
    import tensorflow as tf

    array, scale = stack_images(images)
    del images
    if labels is None:
        ds = tf.data.Dataset.from_tensor_slices(array)
    else:
        ds = tf.data.Dataset.from_tensor_slices((array, np.asarray(labels, np.int32)))
    if shuffle and len(array) > 1:
        ds = ds.shuffle(len(array), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    # Images are already at image_shape; this only casts and scales.
    def convert(x, y=None):
        x = convert_batch(x, image_shape, None, scale)
        return x if y is None else (x, y)

    ds = ds.map(convert, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)
