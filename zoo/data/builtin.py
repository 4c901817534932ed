"""The built-in image data sets, served from TFDS records prepared offline.

Every built-in set is prepared once by a TFDS builder into
`$ZOO_CACHE_DIR/tfds/` (default `~/.cache/zoo/tfds/`) from its original
files, found under `data_dir`, or else the `ZOO_DATA_DIR` environment
variable, as `<root>/<raw_subdir>/` (`mnist/`, `fashion-mnist/`,
`att_faces/`, `cifar10/`, `celeba/`), and read back from there. The folder
is handed to TFDS as the download config's `manual_dir`, and the network is
never touched when the files are there.

MNIST and Fashion-MNIST go through the stock TFDS builders: TFDS's download
manager takes a file from `manual_dir` when it is named like the basename of
the URL it would fetch. When no raw folder is found, TFDS downloads the
files itself, which needs the network.

`att_faces`, `cifar10`, `celeba`, `celeba_64` and `celeba_32` go through the zoo's own
builders (`zoo.data.builders`), which read the original zips in place and
decode them with Pillow; they are never downloaded. The records remember the
sha256 of the zips they were made from: records of other files than the
ones found are prepared again, and without the raw files only records of
the published files are served. `info(name)["notes"]` says how each one's
split is defined and what to cite.

    >>> import zoo.data
    >>> ds = zoo.data.load("mnist", split="test", batch_size=64)
    >>> images = next(iter(ds))        # (64, 28, 28, 1) float32 in [0, 1]
"""

import os
import re
import shutil
import socket
import urllib.parse
import warnings

from zoo.checks import check_bool, check_count, check_image_shape, check_optional_seed
from zoo.data.catalog import BUILTIN, LAYOUTS, BuiltinSet, lookup, split_hint, split_ranges, tfds_pieces
from zoo.data.common import cache_dir, convert_batch, exclusive_lock, file_sha256, find_raw_dir, raw_root

__all__ = ["BUILTIN", "BuiltinSet", "load", "as_numpy", "info", "raw_files", "cache_dir"]

# A full-split shuffle buffer is best, but past this size the memory and the
# buffer fill at each epoch start cost more than the extra randomness gives.
_MAX_SHUFFLE_BUFFER = 100_000

# What TFRecord adds to each record: a length and two CRCs.
_TFRECORD_FRAMING = 16

_builders = {}  # (builder name, tfds dir[, raw digests]) -> prepared tfds builder


# --- where things live -----------------------------------------------------


def _raw_dir(spec, data_dir):
    """The folder holding all of `spec`'s original files, or None."""
    return find_raw_dir(raw_root(data_dir), spec.raw_subdir, spec.raw_files)


def _download_and_prepare(builder, raw):
    """Prepares `builder`'s records from the raw folder `raw` (None: TFDS downloads)."""
    import tensorflow_datasets as tfds

    download_dir = cache_dir() / "tfds_downloads" / builder.name
    config = tfds.download.DownloadConfig(
        manual_dir=None if raw is None else str(raw),
        # gs://tfds-data holds prepared copies; never fetch those.
        try_download_gcs=False,
    )
    try:
        builder.download_and_prepare(download_dir=str(download_dir), download_config=config)
    finally:
        # Only the extracted copies of the raw files are left there (about 50 MB
        # for MNIST); complete records, or none, make them of no further use.
        shutil.rmtree(download_dir, ignore_errors=True)


def _prepared_builder(name, spec, data_dir):
    """The stock TFDS builder of `name`, preparing its records first if needed."""
    tfds_dir = cache_dir() / "tfds"
    key = (spec.builder, str(tfds_dir))
    builder = _builders.get(key)
    if builder is not None and builder.is_prepared():
        return builder

    import tensorflow_datasets as tfds

    builder = tfds.builder(spec.tfds_name, data_dir=str(tfds_dir))
    if not builder.is_prepared():
        tfds_dir.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(tfds_dir / f".{spec.tfds_name}.lock"):
            # Another process may have finished while we waited for the lock;
            # a fresh builder reads its dataset_info instead of the code's.
            builder = tfds.builder(spec.tfds_name, data_dir=str(tfds_dir))
            if not builder.is_prepared():
                _prepare(builder, name, spec, data_dir)
    _builders[key] = builder
    return builder


def _prepare(builder, name, spec, data_dir):
    raw = _raw_dir(spec, data_dir)
    if raw is None:
        root = raw_root(data_dir)
        where = (
            "no raw folder is configured (data_dir or ZOO_DATA_DIR)"
            if root is None
            else f"{root / spec.raw_subdir} does not hold all of {', '.join(spec.raw_files)}"
        )
        warnings.warn(
            f"zoo.data: {where}; {name} will be downloaded by TFDS, which needs the network",
            stacklevel=6,  # the caller of load() / as_numpy()
        )
        _check_download_host(builder, name, spec, where)
    _download_and_prepare(builder, raw)


def _check_download_host(builder, name, spec, where):
    """Fails at once, with advice, when the download host cannot be resolved.

    Offline, TFDS would otherwise retry each download with back-off for
    about three minutes before giving up.
    """
    url = getattr(type(builder), "URL", None)
    host = urllib.parse.urlparse(url).hostname if isinstance(url, str) else None
    if not host:
        return
    try:
        socket.getaddrinfo(host, None)
    except OSError as error:
        raise ConnectionError(
            f"zoo.data: {where}, and {name} cannot be downloaded: {host} does not resolve ({error}). "
            f"Put the original files in <root>/{spec.raw_subdir}/ and set ZOO_DATA_DIR=<root> "
            "or pass data_dir=<root>."
        ) from None


# --- the zoo's own builders --------------------------------------------------


def _zoo_builder(name, spec, data_dir):
    """The zoo's TFDS builder of a zip set, its records made from the raw files found.

    Without the raw files, only records made from the published files are
    served. Records made from other files are prepared again; unusable
    ones too, with a warning.
    """
    tfds_dir = cache_dir() / "tfds"
    raw = _raw_dir(spec, data_dir)
    digests = {f: file_sha256(raw / f) for f in spec.raw_files} if raw is not None else dict(spec.raw_files)
    key = (spec.builder, str(tfds_dir), tuple(sorted(digests.items())))
    builder = _builders.get(key)
    if builder is not None and builder.is_prepared() and _check_records(builder, LAYOUTS[spec.builder]) is None:
        return builder

    from zoo.data.builders import BUILDERS

    cls = BUILDERS[spec.builder]
    builder, problem = _open_records(cls, tfds_dir, digests)
    if builder is None:
        if raw is None:
            raise _missing_raw_error(name, spec, data_dir)
        if problem is not None:
            warnings.warn(
                f"zoo.data: the prepared {name} records in {tfds_dir / cls.name} are unusable ({problem}); "
                "they are rebuilt from the raw files",
                stacklevel=6,  # the caller of load() / as_numpy()
            )
        tfds_dir.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(tfds_dir / f".{cls.name}.lock"):
            # Another process may have prepared them while we waited.
            builder, _ = _open_records(cls, tfds_dir, digests)
            if builder is None:
                # Whatever is there (another version of the raw files, or
                # broken records) is removed first: TFDS never overwrites.
                shutil.rmtree(tfds_dir / cls.name / str(cls.VERSION), ignore_errors=True)
                builder = cls(data_dir=str(tfds_dir))
                _download_and_prepare(builder, raw)
    _builders[key] = builder
    return builder


def _open_records(cls, tfds_dir, digests):
    """`(builder, None)` if `cls`'s records are there, whole and made from files with `digests`.

    Otherwise `(None, None)` when they are absent or were made from other
    files, and `(None, why)` when they are there but unusable.
    """
    folder = tfds_dir / cls.name / str(cls.VERSION)
    if not (folder / "dataset_info.json").is_file():
        return None, None  # never prepared, or the preparation did not finish
    try:
        builder = cls(data_dir=str(tfds_dir))
        made_from = builder.info.metadata.get("raw_files")
        problem = _check_records(builder, LAYOUTS[cls.name])
    except Exception as error:  # noqa: BLE001 - TFDS raises assorted types for a bad dataset_info.json
        return None, f"{type(error).__name__}: {error}"
    if problem is not None:
        return None, problem
    if not isinstance(made_from, dict):
        return None, "they do not record the raw files they were made from"
    return (builder, None) if made_from == digests else (None, None)


def _check_records(builder, layout):
    """Why the prepared records cannot be what their dataset_info describes, or None.

    Checks the split sizes against the layout and each split's files
    against the bytes and examples dataset_info counts (a truncated or
    missing shard), without reading the records.
    """
    splits = {name: split.num_examples for name, split in builder.info.splits.items()}
    expected = {name: count for name, (_, count) in layout.tfds_splits.items()}
    if splits != expected:
        return f"their splits are {splits}, expected {expected}"
    if str(builder.info.file_format.value) != "tfrecord":
        return None
    for name, split in builder.info.splits.items():
        size = 0
        for path in split.filepaths:
            try:
                size += os.path.getsize(os.fspath(path))
            except OSError:
                return f"{path} is missing"
        expected_size = int(split.num_bytes) + _TFRECORD_FRAMING * split.num_examples
        if size != expected_size:
            return f"the {name} files hold {size} bytes, expected {expected_size}"
    return None


def _missing_raw_error(name, spec, data_dir):
    root = raw_root(data_dir)
    if root is None:
        where = "no raw folder is configured (data_dir or ZOO_DATA_DIR)"
    else:
        folder = root / spec.raw_subdir
        missing = [f for f in spec.raw_files if not (folder / f).is_file()]
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        where = f"{folder} lacks {missing[0]}{more}"
    files = sorted(spec.raw_files)
    pattern = files[0] if len(files) == 1 else f"{files[0]} ... {files[-1]}"
    fallback = ""
    if spec.builder == "zoo_cifar10_jpeg":
        fallback = " (tfds.load('cifar10') downloads the lossless original instead: a different copy, not used here)"
    return FileNotFoundError(
        f"zoo.data: {where}; {name} is read only from its {len(files)} original zip(s) {pattern}, "
        f"and zoo.data never downloads it{fallback}. "
        f"Put them in <root>/{spec.raw_subdir}/ and set ZOO_DATA_DIR=<root> or pass data_dir=<root>."
    )


# --- splits ----------------------------------------------------------------


def _check_split(name, spec, split, builder=None):
    """Raises ValueError unless `split` is a TFDS split string valid for `name`."""
    hint = split_hint(name, spec)
    if not isinstance(split, str) or not split.strip():
        raise ValueError(f"split must be a non-empty string; {hint}; got {split!r}")
    # Cheap check of the names before TFDS is imported or anything is prepared.
    for part in re.sub(r"\[[^\]]*\]", "", split).split("+"):
        if part.strip() not in spec.splits:
            raise ValueError(f"unknown split {split!r}; {hint}")
    if builder is None:
        return None
    try:
        return builder.info.splits[split].num_examples
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"bad split {split!r} ({error}); {hint}") from None


def _split_dataset(name, split, data_dir, take):
    """(name, spec, uint8 (image, label) dataset of `split`, its size)."""
    key, spec = lookup(name)
    if spec.builder in LAYOUTS:
        ds, size = _zoo_split_dataset(key, spec, split, data_dir, take)
        return key, spec, ds, size
    _check_split(key, spec, split)
    if take is not None:
        take = check_count(take, "take")
    builder = _prepared_builder(key, spec, data_dir)
    size = _check_split(key, spec, split, builder)

    import tensorflow_datasets as tfds

    ds = builder.as_dataset(
        split=split,
        as_supervised=True,
        shuffle_files=False,
        # We cache (after `take`) ourselves; TFDS's auto-cache would hold a second copy.
        read_config=tfds.ReadConfig(try_autocache=False),
    )
    if take is not None:
        ds = ds.take(take)
        size = min(size, take)
    return key, spec, ds, size


def _zoo_split_dataset(name, spec, split, data_dir, take):
    """A zip set's `(image, label)` dataset of `split` (label -1 when unlabelled), and its size.

    The zoo's split (slices, `+`, and `"all"` included) is read by
    `catalog.split_ranges` and turned into runs of the records' own
    `train` and `test` splits, so `"all"` is `"train+test"` in stored order.
    """
    layout = LAYOUTS[spec.builder]
    ranges = split_ranges(name, spec, split)
    if take is not None:
        take = check_count(take, "take")
    pieces = tfds_pieces(layout, ranges, take)
    size = sum(stop - start for _, start, stop in pieces)

    import tensorflow as tf

    if not pieces:
        empty = tf.zeros((0, *layout.shape), tf.uint8), tf.zeros((0,), tf.int64)
        return tf.data.Dataset.from_tensor_slices(empty), 0
    builder = _zoo_builder(name, spec, data_dir)

    import tensorflow_datasets as tfds

    instruction = tfds.core.ReadInstruction(pieces[0][0], from_=pieces[0][1], to=pieces[0][2], unit="abs")
    for part, start, stop in pieces[1:]:
        instruction = instruction + tfds.core.ReadInstruction(part, from_=start, to=stop, unit="abs")
    ds = builder.as_dataset(split=instruction, shuffle_files=False, read_config=tfds.ReadConfig(try_autocache=False))
    unlabelled = tf.constant(-1, tf.int64)
    ds = ds.map(lambda example: (example["image"], example.get("label", unlabelled)))
    return ds, size


# --- conversion --------------------------------------------------------------


def _aspect_box(height, width, target_height, target_width):
    """The centred (top, left, height, width) of the target's aspect ratio."""
    if width * target_height > height * target_width:
        new_width = max(1, round(height * target_width / target_height))
        return 0, (width - new_width) // 2, height, new_width
    new_height = max(1, round(width * target_height / target_width))
    return (height - new_height) // 2, 0, new_height, width


def _to_float(spec, images, image_shape):
    """A uint8 batch as stored -> float32 in [0, 1] at `image_shape` (default: as served).

    MNIST and Fashion-MNIST are stretched to `image_shape`. The zip sets
    have their own crop box cut out first, then, when `image_shape` has
    another aspect ratio, a centred crop to that ratio, so faces are never
    stretched; one resize then makes the final size.
    """
    if spec.builder not in LAYOUTS:
        return convert_batch(images, spec.image_shape, image_shape, 255.0)
    stored = LAYOUTS[spec.builder].shape
    top, left, height, width = spec.crop_box or (0, 0, *stored[:2])
    target = image_shape or spec.image_shape
    dy, dx, height, width = _aspect_box(height, width, target[0], target[1])
    top, left = top + dy, left + dx
    if (top, left, height, width) != (0, 0, *stored[:2]):
        images = images[:, top : top + height, left : left + width, :]
    return convert_batch(images, (height, width, stored[2]), target, 255.0)


# --- public API ------------------------------------------------------------


def info(name):
    """Describes a built-in data set, without preparing or downloading it.

    Args:
        name: A key of `BUILTIN`, e.g. `"mnist"` or `"cifar10"`.

    Returns:
        A dict with `name`, `tfds_name` (the stock TFDS builder, or None for
        a set the zoo's own builder prepares from its zips), `builder` (the
        TFDS builder that prepares it either way, e.g. `"mnist"` or
        `"zoo_cifar10_jpeg"`), `image_shape` (as served), `num_classes` (0
        when unlabelled), `class_names`, `splits` (split -> number of
        examples), `raw_files` (original file names), `homepage`,
        `crop_box` (None, or a dict of `top`, `left`, `height`, `width` in
        the stored image, cut out before resizing to `image_shape`) and
        `notes` (how the split is defined, what the copy is, what to cite;
        empty for MNIST and Fashion-MNIST).

    Raises:
        ValueError: For an unknown name.

    Example:
        >>> info("mnist")["splits"]
        {'train': 60000, 'test': 10000}
    """
    key, spec = lookup(name)
    return {
        "name": key,
        "tfds_name": spec.tfds_name,
        "builder": spec.builder,
        "image_shape": spec.image_shape,
        "num_classes": spec.num_classes,
        "class_names": list(spec.class_names),
        "splits": dict(spec.splits),
        "raw_files": list(spec.raw_files),
        "homepage": spec.homepage,
        "crop_box": None if spec.crop_box is None else dict(zip(("top", "left", "height", "width"), spec.crop_box)),
        "notes": spec.notes,
    }


def raw_files(name, data_dir=None):
    """The sha256 of each original file a built-in data set is made from.

    Meant for provenance in preset metadata.

    Args:
        name: A key of `BUILTIN`.
        data_dir: Root of the raw data (else `$ZOO_DATA_DIR`), as for `load`.

    Returns:
        Original file name -> sha256 hex digest. The files are hashed when
        found locally; otherwise the published checksums are returned, which
        are what TFDS verifies a download against (and, for the zip sets,
        the only raw files whose records are served without them), so either
        way they name the bytes the prepared data was made from.

    Raises:
        ValueError: For an unknown name.

    Example:
        >>> sorted(raw_files("mnist"))[0]
        't10k-images-idx3-ubyte.gz'
    """
    _, spec = lookup(name)
    folder = _raw_dir(spec, data_dir)
    if folder is None:
        return dict(spec.raw_files)
    return {f: file_sha256(folder / f) for f in spec.raw_files}


def load(
    name,
    split="train",
    batch_size=128,
    shuffle=None,
    seed=0,
    data_dir=None,
    with_labels=False,
    image_shape=None,
    drop_remainder=False,
    take=None,
    cache=True,
):
    """A built-in image data set as a batched `tf.data.Dataset`.

    The first call prepares the set's TFDS records under
    `$ZOO_CACHE_DIR/tfds/` from the original files found under `data_dir` /
    `$ZOO_DATA_DIR` (on a busy 2-core machine: MNIST about 20 s, ORL 4 s,
    CIFAR-10 25 s, CelebA 11 s, both splits at once). For MNIST and
    Fashion-MNIST, if the files are not there, TFDS downloads them, which
    needs the network; `att_faces`, `cifar10` and the CelebA sets are
    never downloaded. Later calls reuse what was prepared. Two processes
    preparing at once take turns on a file lock.

    Args:
        name: A key of `BUILTIN`: `"mnist"`, `"fashion_mnist"`,
            `"att_faces"`, `"cifar10"`, `"celeba"`, `"celeba_64"` or `"celeba_32"`.
        split: A TFDS split string: `"train"`, `"test"`, `"train[:10%]"`,
            `"train[:1000]"`, `"train+test"`, ...; `att_faces` and the
            CelebA sets also have `"all"` (see `info(name)["notes"]` for how
            their splits are defined).
        batch_size: Examples per batch, a positive integer.
        shuffle: Shuffle the examples; default True for a split starting with
            `"train"`, False otherwise. The order is reshuffled each epoch.
        seed: Seed of the shuffle (an integer, or None for a random order).
        data_dir: Root of the raw files, holding `mnist/`, `fashion-mnist/`,
            `att_faces/`, `cifar10/` and `celeba/`; default `$ZOO_DATA_DIR`.
        with_labels: Yield `(images, labels)` with int32 labels instead of
            images alone. Refused for the unlabelled CelebA sets.
        image_shape: Optional `(height, width, channels)` to resize to
            (bilinear, antialiased) and to convert 1 <-> 3 channels. The MNIST
            sets are stretched to it; the others are first centre-cropped to
            its aspect ratio, so faces keep their proportions.
        drop_remainder: Drop a last, smaller batch.
        take: Keep only the first `take` examples of the split (before any
            shuffling), e.g. for quick tests.
        cache: Keep the decoded uint8 images in memory after the first pass.

    Returns:
        A `tf.data.Dataset` of float32 `(B, H, W, C)` images in [0, 1], or of
        `(images, labels)` tuples.

    Raises:
        ValueError: For an unknown name, a bad split, a bad argument, or
            labels asked of an unlabelled set.
        FileNotFoundError: For a zip set whose raw files are not found and
            whose records of the published files are not already prepared.

    Example:
        >>> ds = load("fashion_mnist", split="train[:1000]", batch_size=32,
        ...           with_labels=True, image_shape=(32, 32, 3), seed=1)
        >>> images, labels = next(iter(ds))     # (32, 32, 32, 3), (32,)
    """
    if not isinstance(split, str):
        _check_split(*lookup(name), split)  # raises with the list of splits
    batch_size = check_count(batch_size, "batch_size")
    if shuffle is None:
        shuffle = split.strip().startswith("train")
    shuffle = check_bool(shuffle, "shuffle")
    seed = check_optional_seed(seed)
    with_labels = check_bool(with_labels, "with_labels")
    drop_remainder = check_bool(drop_remainder, "drop_remainder")
    cache = check_bool(cache, "cache")
    if image_shape is not None:
        image_shape = check_image_shape(image_shape)
    if with_labels:
        _check_labelled(name)
    return _pipeline(
        name, split, data_dir, take, batch_size, shuffle, seed, with_labels, image_shape, drop_remainder, cache
    )


def _check_labelled(name):
    key, spec = lookup(name)
    if spec.num_classes == 0:
        raise ValueError(f"{key} has no labels (its raw files carry none); pass with_labels=False")


def _pipeline(name, split, data_dir, take, batch_size, shuffle, seed, with_labels, image_shape, drop_remainder, cache):
    _, spec, ds, size = _split_dataset(name, split, data_dir, take)

    import tensorflow as tf

    if cache:
        ds = ds.cache()
    if shuffle and size > 1:
        ds = ds.shuffle(min(size, _MAX_SHUFFLE_BUFFER), seed=seed, reshuffle_each_iteration=True)
    # Batch first: converting whole batches is far cheaper than image by image.
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    def convert(images, labels):
        images = _to_float(spec, images, image_shape)
        return (images, tf.cast(labels, tf.int32)) if with_labels else images

    ds = ds.map(convert, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


def as_numpy(name, split, data_dir=None, with_labels=False, take=None, image_shape=None):
    """A built-in split as one numpy array, in dataset order (no shuffling).

    Args:
        name: A key of `BUILTIN`.
        split: A TFDS split string, as for `load`.
        data_dir: Root of the raw files, as for `load`.
        with_labels: Also return the int32 labels (refused for the CelebA
            sets, which have none).
        take: Keep only the first `take` examples.
        image_shape: Optional `(height, width, channels)`, as for `load`.

    Returns:
        float32 `(N, H, W, C)` images in [0, 1]; with `with_labels`, a tuple
        `(images, labels)` with labels int32 `(N,)`.

    Raises:
        ValueError: For an unknown name, a bad split, a bad argument, or
            labels asked of an unlabelled set.
        FileNotFoundError: As for `load`.

    Example:
        >>> images, labels = as_numpy("mnist", "test", with_labels=True, take=100)
        >>> images.shape, labels.shape
        ((100, 28, 28, 1), (100,))
    """
    import numpy as np

    with_labels = check_bool(with_labels, "with_labels")
    if image_shape is not None:
        image_shape = check_image_shape(image_shape)
    if with_labels:
        _check_labelled(name)
    ds = _pipeline(name, split, data_dir, take, 4096, False, None, True, image_shape, False, False)
    images, labels = [], []
    for x, y in ds.as_numpy_iterator():
        images.append(x)
        labels.append(y)
    _, spec = lookup(name)
    shape = image_shape or spec.image_shape
    images = np.concatenate(images) if images else np.zeros((0, *shape), np.float32)
    labels = np.concatenate(labels) if labels else np.zeros((0,), np.int32)
    return (images, labels) if with_labels else images
