"""The built-in image data sets (MNIST, Fashion-MNIST), through TFDS.

The stock TFDS builders do the work. What this module adds is where their
input comes from: TFDS's download manager takes a file from the
`manual_dir` of its download config when the file is named like the basename
of the URL it would fetch, so pointing `manual_dir` at a folder holding the
four original `*-idx?-ubyte.gz` files prepares the set with no network at
all. That folder is found under `data_dir`, or else the `ZOO_DATA_DIR`
environment variable, as `<root>/mnist/` and `<root>/fashion-mnist/`.

The prepared TFDS records live under `$ZOO_CACHE_DIR/tfds/` (default
`~/.cache/zoo/tfds/`); they are made once and reused. When no raw folder is
found, TFDS downloads the files itself, which needs the network.

    >>> import zoo.data
    >>> ds = zoo.data.load("mnist", split="test", batch_size=64)
    >>> images = next(iter(ds))        # (64, 28, 28, 1) float32 in [0, 1]
"""

import contextlib
import dataclasses
import hashlib
import numbers
import os
import pathlib
import re
import shutil
import socket
import urllib.parse
import warnings

__all__ = ["BUILTIN", "BuiltinSet", "load", "as_numpy", "info", "raw_files", "cache_dir"]


@dataclasses.dataclass(frozen=True)
class BuiltinSet:
    """What `zoo.data` knows about one built-in data set.

    Attributes:
        tfds_name: The stock TFDS builder that prepares it.
        image_shape: `(height, width, channels)` of its images.
        num_classes: Number of label classes.
        class_names: The label names, index order.
        raw_subdir: Sub-folder of the raw-data root holding the original files.
        raw_files: Original file name -> sha256 of the published file (the
            checksums TFDS itself verifies these files against).
        splits: Split name -> number of examples.
        homepage: Where the data set is described.
    """

    tfds_name: str
    image_shape: tuple
    num_classes: int
    class_names: tuple
    raw_subdir: str
    raw_files: dict
    splits: dict
    homepage: str


_MNIST_SPLITS = {"train": 60000, "test": 10000}

#: Name -> `BuiltinSet` of every data set that `load` accepts.
BUILTIN = {
    "mnist": BuiltinSet(
        tfds_name="mnist",
        image_shape=(28, 28, 1),
        num_classes=10,
        class_names=tuple(str(d) for d in range(10)),
        raw_subdir="mnist",
        raw_files={
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
        splits=_MNIST_SPLITS,
        homepage="http://yann.lecun.com/exdb/mnist/",
    ),
    "fashion_mnist": BuiltinSet(
        tfds_name="fashion_mnist",
        image_shape=(28, 28, 1),
        num_classes=10,
        class_names=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        raw_subdir="fashion-mnist",
        raw_files={
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
        splits=_MNIST_SPLITS,
        homepage="https://github.com/zalandoresearch/fashion-mnist",
    ),
}

# A full-split shuffle buffer is best, but past this size the memory and the
# buffer fill at each epoch start cost more than the extra randomness gives.
_MAX_SHUFFLE_BUFFER = 100_000

_builders = {}  # (name, tfds dir) -> prepared tfds builder
_sha256_memo = {}  # (path, size, mtime_ns) -> hex digest


# --- argument checks, shared with zoo.data.folder -------------------------


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_positive_int(value, what):
    if not _is_int(value) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


def _check_bool(value, what):
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be True or False, got {value!r}")
    return value


def _check_seed(value):
    if value is not None and not _is_int(value):
        raise ValueError(f"seed must be an integer or None, got {value!r}")
    return None if value is None else int(value)


def _check_image_shape(value, what="image_shape"):
    try:
        items = tuple(value)
    except TypeError:
        items = None
    if items is None or len(items) != 3 or not all(_is_int(v) and v > 0 for v in items) or items[2] not in (1, 3):
        raise ValueError(
            f"{what} must be (height, width, channels) with positive integers and 1 or 3 channels, got {value!r}"
        )
    return tuple(int(v) for v in items)


def _convert_batch(images, source_shape, image_shape, scale):
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


# --- where things live -----------------------------------------------------


def _spec(name):
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else name
    if key not in BUILTIN:
        raise ValueError(f"unknown data set {name!r}; known names: {', '.join(sorted(BUILTIN))}")
    return key, BUILTIN[key]


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


def _raw_root(data_dir):
    root = data_dir if data_dir is not None else (os.environ.get("ZOO_DATA_DIR") or None)
    return None if root is None else pathlib.Path(root).expanduser()


def _find_raw_dir(spec, data_dir):
    """The folder holding all of `spec`'s original files, or None."""
    root = _raw_root(data_dir)
    if root is None:
        return None
    # The root itself is accepted too, for a user who points at the set's folder.
    for folder in (root / spec.raw_subdir, root):
        if all((folder / f).is_file() for f in spec.raw_files):
            return folder
    return None


@contextlib.contextmanager
def _exclusive_lock(path):
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


def _prepared_builder(name, spec, data_dir):
    """The TFDS builder of `name`, preparing its records first if needed."""
    tfds_dir = cache_dir() / "tfds"
    key = (name, str(tfds_dir))
    builder = _builders.get(key)
    if builder is not None and builder.is_prepared():
        return builder

    import tensorflow_datasets as tfds

    builder = tfds.builder(spec.tfds_name, data_dir=str(tfds_dir))
    if not builder.is_prepared():
        tfds_dir.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(tfds_dir / f".{spec.tfds_name}.lock"):
            # Another process may have finished while we waited for the lock;
            # a fresh builder reads its dataset_info instead of the code's.
            builder = tfds.builder(spec.tfds_name, data_dir=str(tfds_dir))
            if not builder.is_prepared():
                _prepare(builder, name, spec, data_dir, tfds)
    _builders[key] = builder
    return builder


def _prepare(builder, name, spec, data_dir, tfds):
    raw = _find_raw_dir(spec, data_dir)
    if raw is None:
        root = _raw_root(data_dir)
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
    download_dir = cache_dir() / "tfds_downloads" / spec.tfds_name
    config = tfds.download.DownloadConfig(
        manual_dir=None if raw is None else str(raw),
        # gs://tfds-data holds prepared copies; never fetch those.
        try_download_gcs=False,
    )
    builder.download_and_prepare(download_dir=str(download_dir), download_config=config)
    # Only the extracted copies of the raw files are left there (about 50 MB
    # for MNIST); the records are complete, so they are of no further use.
    shutil.rmtree(download_dir, ignore_errors=True)


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


def _check_split(name, spec, split, builder=None):
    """Raises ValueError unless `split` is a TFDS split string valid for `name`."""
    hint = (
        f"valid splits of {name}: {', '.join(spec.splits)}, "
        "optionally sliced or joined as in 'train[:10%]', 'train[:1000]' or 'train+test'"
    )
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


# --- public API ------------------------------------------------------------


def info(name):
    """Describes a built-in data set, without preparing or downloading it.

    Args:
        name: A key of `BUILTIN`, e.g. `"mnist"` or `"fashion_mnist"`.

    Returns:
        A dict with `name`, `tfds_name`, `image_shape`, `num_classes`,
        `class_names`, `splits` (split -> number of examples), `raw_files`
        (original file names) and `homepage`.

    Raises:
        ValueError: For an unknown name.

    Example:
        >>> info("mnist")["splits"]
        {'train': 60000, 'test': 10000}
    """
    key, spec = _spec(name)
    return {
        "name": key,
        "tfds_name": spec.tfds_name,
        "image_shape": spec.image_shape,
        "num_classes": spec.num_classes,
        "class_names": list(spec.class_names),
        "splits": dict(spec.splits),
        "raw_files": list(spec.raw_files),
        "homepage": spec.homepage,
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
        are what TFDS verifies a download against, so either way they name
        the bytes the prepared records were made from.

    Raises:
        ValueError: For an unknown name.

    Example:
        >>> sorted(raw_files("mnist"))[0]
        't10k-images-idx3-ubyte.gz'
    """
    _, spec = _spec(name)
    folder = _find_raw_dir(spec, data_dir)
    if folder is None:
        return dict(spec.raw_files)
    return {f: _sha256(folder / f) for f in spec.raw_files}


def _sha256(path):
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _sha256_memo:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        _sha256_memo[key] = digest.hexdigest()
    return _sha256_memo[key]


def _split_dataset(name, split, data_dir, take):
    """(prepared builder, uint8 (image, label) dataset of `split`, its size)."""
    key, spec = _spec(name)
    _check_split(key, spec, split)
    if take is not None:
        take = _check_positive_int(take, "take")
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

    The first call for a set prepares its TFDS records under
    `$ZOO_CACHE_DIR/tfds/` (about 20 s for MNIST on 2 cores), from the
    original files found under `data_dir` / `$ZOO_DATA_DIR`; if they are not
    there, TFDS downloads them, which needs the network. Later calls reuse
    the records. Two processes preparing at once take turns on a file lock.

    Args:
        name: A key of `BUILTIN`: `"mnist"` or `"fashion_mnist"`.
        split: A TFDS split string: `"train"`, `"test"`, `"train[:10%]"`,
            `"train[:1000]"`, `"train+test"`, ...
        batch_size: Examples per batch, a positive integer.
        shuffle: Shuffle the examples; default True for a split starting with
            `"train"`, False otherwise. The order is reshuffled each epoch.
        seed: Seed of the shuffle (an integer, or None for a random order).
        data_dir: Root of the raw files, holding `mnist/` and
            `fashion-mnist/`; default `$ZOO_DATA_DIR`.
        with_labels: Yield `(images, labels)` with int32 labels instead of
            images alone.
        image_shape: Optional `(height, width, channels)` to resize to
            (bilinear, antialiased; no aspect-ratio care, the sets are square)
            and to convert 1 <-> 3 channels.
        drop_remainder: Drop a last, smaller batch.
        take: Keep only the first `take` examples of the split (before any
            shuffling), e.g. for quick tests.
        cache: Keep the decoded uint8 images in memory after the first pass.

    Returns:
        A `tf.data.Dataset` of float32 `(B, H, W, C)` images in [0, 1], or of
        `(images, labels)` tuples.

    Raises:
        ValueError: For an unknown name, a bad split, or a bad argument.

    Example:
        >>> ds = load("fashion_mnist", split="train[:1000]", batch_size=32,
        ...           with_labels=True, image_shape=(32, 32, 3), seed=1)
        >>> images, labels = next(iter(ds))     # (32, 32, 32, 3), (32,)
    """
    if not isinstance(split, str):
        _check_split(*_spec(name), split)  # raises with the list of splits
    batch_size = _check_positive_int(batch_size, "batch_size")
    if shuffle is None:
        shuffle = split.strip().startswith("train")
    shuffle = _check_bool(shuffle, "shuffle")
    seed = _check_seed(seed)
    with_labels = _check_bool(with_labels, "with_labels")
    drop_remainder = _check_bool(drop_remainder, "drop_remainder")
    cache = _check_bool(cache, "cache")
    if image_shape is not None:
        image_shape = _check_image_shape(image_shape)
    return _pipeline(
        name, split, data_dir, take, batch_size, shuffle, seed, with_labels, image_shape, drop_remainder, cache
    )


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
        images = _convert_batch(images, spec.image_shape, image_shape, 255.0)
        return (images, tf.cast(labels, tf.int32)) if with_labels else images

    ds = ds.map(convert, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


def as_numpy(name, split, data_dir=None, with_labels=False, take=None, image_shape=None):
    """A built-in split as one numpy array, in dataset order (no shuffling).

    Args:
        name: A key of `BUILTIN`.
        split: A TFDS split string, as for `load`.
        data_dir: Root of the raw files, as for `load`.
        with_labels: Also return the int32 labels.
        take: Keep only the first `take` examples.
        image_shape: Optional `(height, width, channels)`, as for `load`.

    Returns:
        float32 `(N, H, W, C)` images in [0, 1]; with `with_labels`, a tuple
        `(images, labels)` with labels int32 `(N,)`.

    Raises:
        ValueError: For an unknown name, a bad split, or a bad argument.

    Example:
        >>> images, labels = as_numpy("mnist", "test", with_labels=True, take=100)
        >>> images.shape, labels.shape
        ((100, 28, 28, 1), (100,))
    """
    import numpy as np

    with_labels = _check_bool(with_labels, "with_labels")
    if image_shape is not None:
        image_shape = _check_image_shape(image_shape)
    ds = _pipeline(name, split, data_dir, take, 4096, False, None, True, image_shape, False, False)
    images, labels = [], []
    for x, y in ds.as_numpy_iterator():
        images.append(x)
        labels.append(y)
    _, spec = _spec(name)
    shape = image_shape or spec.image_shape
    images = np.concatenate(images) if images else np.zeros((0, *shape), np.float32)
    labels = np.concatenate(labels) if labels else np.zeros((0,), np.int32)
    return (images, labels) if with_labels else images
