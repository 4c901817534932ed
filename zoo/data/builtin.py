"""The built-in image data sets.

MNIST and Fashion-MNIST go through the stock TFDS builders. What this module
adds is where their input comes from: TFDS's download manager takes a file
from the `manual_dir` of its download config when the file is named like the
basename of the URL it would fetch, so pointing `manual_dir` at a folder
holding the four original `*-idx?-ubyte.gz` files prepares the set with no
network at all. That folder is found under `data_dir`, or else the
`ZOO_DATA_DIR` environment variable, as `<root>/mnist/` and
`<root>/fashion-mnist/`. The prepared TFDS records live under
`$ZOO_CACHE_DIR/tfds/` (default `~/.cache/zoo/tfds/`); they are made once and
reused. When no raw folder is found, TFDS downloads the files itself, which
needs the network.

`att_faces`, `cifar10`, `celeba` and `celeba_64` are read from their
original zips under `<root>/att_faces/`, `<root>/cifar10/` and
`<root>/celeba/` by `zoo.data.archives` (no TFDS builder prepares those
files), and the decoded images are cached under `$ZOO_CACHE_DIR/arrays/`.
They are never downloaded. `info(name)["notes"]` says how each one's split
is defined and what to cite.

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
        tfds_name: The stock TFDS builder that prepares it, or None for a set
            read from its zips.
        image_shape: `(height, width, channels)` of its images, as served.
        num_classes: Number of label classes; 0 for an unlabelled set.
        class_names: The label names, index order.
        raw_subdir: Sub-folder of the raw-data root holding the original files.
        raw_files: Original file name -> sha256 of the published file (the
            checksums TFDS itself verifies MNIST's files against; for the
            zip sets, those of the copy in the project's offline data).
        splits: Split name -> number of examples.
        homepage: Where the data set is described.
        reader: `"tfds"`, or the `zoo.data.archives.LAYOUTS` key of the zip
            reader.
        crop_box: `(top, left, height, width)` in the stored image that is
            cut out and resized to `image_shape`, or None for the whole image.
        notes: How the split is defined, what the copy is, what to cite.
    """

    tfds_name: str
    image_shape: tuple
    num_classes: int
    class_names: tuple
    raw_subdir: str
    raw_files: dict
    splits: dict
    homepage: str
    reader: str = "tfds"
    crop_box: tuple = None
    notes: str = ""


_ATT_FACES_ZIPS = {
    "att_faces-orl-pgm-00.zip": "353f69ba771ec2136b8c669a9b2af127cbe4fe28247f045e1c11b7f39ecdc6f5",
    "att_faces-orl-pgm-01.zip": "027ea12316a7191b21eb6bb012fe30956ecd4c5334529ca5b7b827ec7ffa254a",
}
_CIFAR10_ZIPS = {
    "cifar10-jpg-train-00.zip": "4c90ef31d7c762a47f9749375013e2ff71ca7a0f5c7356e7cd7375004ba362ee",
    "cifar10-jpg-train-01.zip": "9d67fba1470a227da9d85d2fb355d055975b35e0e48c35f0e8c46c9779298239",
    "cifar10-jpg-train-02.zip": "44c73faf4d53376a0aa9cfa2386a83cb142d560c938b5ea9f0df6cb210eac00e",
    "cifar10-jpg-train-03.zip": "f08147ad6aa56c3f84f6c0ac8d2abee95bd94bd69685b2aeca26918e91fa99ef",
    "cifar10-jpg-train-04.zip": "fc9b4e04a1830676a2d676f09b87da89b6161f86db1a3edc304d5445a3020aec",
    "cifar10-jpg-train-05.zip": "77f87ba8bf06a450f2c3666c5a9258a8616276966eed64fa4fc17fd1d1cb1546",
    "cifar10-jpg-train-06.zip": "77cf9993e71ece901312f0717f0c19b9335c71a3d55a0bdb7fa1620d35ad83d4",
    "cifar10-jpg-train-07.zip": "dd105000923fba682429bdf553f1a1966de2a4a065cad2a22caf245418b11a8c",
    "cifar10-jpg-train-08.zip": "2dac35bd8013411516a2050877f1a5f4078fbcf8600fd1348bd56dbf1972ab69",
    "cifar10-jpg-train-09.zip": "9694944b31e04565a40ce2fe844719a39fdbb4fbcd62e0f7e0f96b47ec2f7fa7",
    "cifar10-jpg-train-10.zip": "5bcbd76e388f200ed49dfde9467e95d572c677f68a092a761b702ff48f3409b8",
    "cifar10-jpg-train-11.zip": "fa3b3fce5a675d4067011de4bc3cb2371c1d7ddb4bb9153d9b488713e57282e9",
    "cifar10-jpg-train-12.zip": "864dd48f4d090ea48efff7b722a7833a17d9ed6e6027392c9cf90e777160f2f8",
    "cifar10-jpg-train-13.zip": "6dc95d13903db169ea5ed169656761a0621524dcc6dab4cfe073d455233bfae0",
    "cifar10-jpg-train-14.zip": "5304fa5f8a5f8f310aabf5fb1617c3e7c39cf597a5922534829d1e3fce1132b8",
    "cifar10-jpg-test-00.zip": "c1b761dcdb197b19e73fc0e667c163520725328909974e43555448fc2572012f",
    "cifar10-jpg-test-01.zip": "3016e9e837a87f4eb07c4bdb51b6dae90f2c7fb9730727b1fb95dca64b548607",
    "cifar10-jpg-test-02.zip": "d6fc56e77b04402875e0ab231b15ab4e6c9a71043b561addcd16230c3800708f",
}
_CELEBA_ZIPS = {
    "celebA-first10k-89x109-jpg-00.zip": "da42440b0f7f56c676256c3a83115edf2ee5b04b5b02351f0e4f66a1b4100707",
    "celebA-first10k-89x109-jpg-01.zip": "2166dfea947a611de35b08964216a4145437f1896ba00980cf97a1d729982ae2",
    "celebA-first10k-89x109-jpg-02.zip": "680f7ad90a29867539f4b170ee28dcc49956131920eee5117e77d8e138ea2788",
    "celebA-first10k-89x109-jpg-03.zip": "b06f935d9317b2c4a60a623fee3154eed0f4664a00e83ea49b225394aa4390db",
    "celebA-first10k-89x109-jpg-04.zip": "c8db612da389f8b3c00df413b2881db30e4e819bdfe4d56c7aa9a5d47eaa82ad",
    "celebA-first10k-89x109-jpg-05.zip": "ad923cd16d5d9a899bb0a651b3c78679433ef4569ade831940357abfe3cb2b38",
    "celebA-first10k-89x109-jpg-06.zip": "c381aa82e902ae14836c7753c0b44af1c6264e0dda093533587131206b6fd580",
    "celebA-first10k-89x109-jpg-07.zip": "9bf83f2ac01c3e7d00eb585d521d7e8106d4aa4f6da98208d6e85bb1db01ae7b",
}
_CELEBA_SPLITS = {"train": 9000, "test": 1000, "all": 10000}
_CELEBA_NOTES = (
    "The first 10,000 aligned-and-cropped CelebA faces (000001.jpg-010000.jpg), halved to 89x109 "
    "and JPEG-encoded; no attribute file, so no labels (with_labels=True is refused). CelebA licence: "
    "non-commercial research only; say so in any model card trained on it. No official split applies "
    "(all 10,000 lie in CelebA's own training partition): here 'train' is 000001-009000, 'test' "
    "009001-010000 and 'all' the 10,000, in file-number order."
)
# The common 140x140 centre crop of the 178x218 originals (top 39, left 19)
# at half scale: it keeps the whole face, chin included, and a little hair.
_CELEBA_FACE_BOX = (19, 9, 70, 70)

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
    "att_faces": BuiltinSet(
        tfds_name=None,
        image_shape=(112, 92, 1),
        num_classes=40,
        class_names=tuple(f"s{k}" for k in range(1, 41)),
        raw_subdir="att_faces",
        raw_files=_ATT_FACES_ZIPS,
        splits={"train": 320, "test": 80, "all": 400},
        homepage="https://www.cl.cam.ac.uk/research/dtg/attarchive/facedatabase.html",
        reader="orl_pgm",
        notes=(
            "The AT&T (ORL) face database: 40 people x 10 images, 92 wide x 112 high, 8-bit grey. "
            "Acknowledge AT&T Laboratories Cambridge. Labels are people: s1 -> 0 ... s40 -> 39. "
            "No official split: here 'train' is images 1-8 of every person (320), 'test' images "
            "9-10 (80), 'all' the 400. Examples run image-major (example i of a split is person "
            "i % 40), so 'all' equals 'train+test' and any prefix covers the 40 people evenly."
        ),
    ),
    "cifar10": BuiltinSet(
        tfds_name=None,
        image_shape=(32, 32, 3),
        num_classes=10,
        class_names=(
            "airplane",
            "automobile",
            "bird",
            "cat",
            "deer",
            "dog",
            "frog",
            "horse",
            "ship",
            "truck",
        ),
        raw_subdir="cifar10",
        raw_files=_CIFAR10_ZIPS,
        splits={"train": 50000, "test": 10000},
        homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
        reader="cifar10_jpg",
        notes=(
            "CIFAR-10 (Krizhevsky, 2009; cite the tech report), the official 50k/10k split, from a "
            "public copy that re-encoded every image as JPEG (lossy, about 920 bytes an image): "
            "quality figures on it are not exactly comparable with figures on the original lossless "
            "batches; say so wherever one is reported. The original batch order is not recoverable "
            "from the files; examples run class-interleaved instead (example i of a split is class "
            "i % 10), so any prefix is class-balanced."
        ),
    ),
    "celeba": BuiltinSet(
        tfds_name=None,
        image_shape=(109, 89, 3),
        num_classes=0,
        class_names=(),
        raw_subdir="celeba",
        raw_files=_CELEBA_ZIPS,
        splits=_CELEBA_SPLITS,
        homepage="https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
        reader="celeba_jpg",
        notes=_CELEBA_NOTES + " Served whole, at 109 high x 89 wide.",
    ),
    "celeba_64": BuiltinSet(
        tfds_name=None,
        image_shape=(64, 64, 3),
        num_classes=0,
        class_names=(),
        raw_subdir="celeba",
        raw_files=_CELEBA_ZIPS,
        splits=_CELEBA_SPLITS,
        homepage="https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
        reader="celeba_jpg",
        crop_box=_CELEBA_FACE_BOX,
        notes=_CELEBA_NOTES
        + " Served as the usual 64x64 face crop: the 70x70 box at top 19, left 9 of the 89x109 image "
        "(the 140x140 centre crop of the 178x218 originals, at half scale), resized to 64x64 "
        "(bilinear, antialiased). Shares its cache with 'celeba'.",
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


def _split_hint(name, spec):
    return (
        f"valid splits of {name}: {', '.join(spec.splits)}, "
        "optionally sliced or joined as in 'train[:10%]', 'train[:1000]' or 'train+test'"
    )


def _check_split(name, spec, split, builder=None):
    """Raises ValueError unless `split` is a TFDS split string valid for `name`."""
    hint = _split_hint(name, spec)
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
        name: A key of `BUILTIN`, e.g. `"mnist"` or `"cifar10"`.

    Returns:
        A dict with `name`, `tfds_name` (None for a set read from its zips),
        `image_shape` (as served), `num_classes` (0 when unlabelled),
        `class_names`, `splits` (split -> number of examples), `raw_files`
        (original file names), `homepage`, `crop_box` (None, or a dict of
        `top`, `left`, `height`, `width` in the stored image, cut out before
        resizing to `image_shape`) and `notes` (how the split is defined,
        what the copy is, what to cite; empty for MNIST and Fashion-MNIST).

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
        the only raw files whose cache is served without them), so either
        way they name the bytes the prepared data was made from.

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
    """(name, spec, uint8 (image, label) dataset of `split`, its size)."""
    key, spec = _spec(name)
    if spec.reader != "tfds":
        from zoo.data import archives

        ds, size = archives.split_dataset(key, spec, split, data_dir, take)
        return key, spec, ds, size
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

    MNIST and Fashion-MNIST: the first call prepares their TFDS records under
    `$ZOO_CACHE_DIR/tfds/` (about 20 s for MNIST on 2 cores), from the
    original files found under `data_dir` / `$ZOO_DATA_DIR`; if they are not
    there, TFDS downloads them, which needs the network. `att_faces`,
    `cifar10`, `celeba` and `celeba_64`: the first call decodes the part of
    their zips the split needs (train or test) into `$ZOO_CACHE_DIR/arrays/`
    (on a busy 2-core machine: ORL 0.1 s; CIFAR-10 train 14 s, test 3-8 s;
    CelebA train 6 s, test 0.4 s); they are never downloaded. Later calls
    reuse what was prepared. Two processes preparing at once take turns on
    a file lock.

    Args:
        name: A key of `BUILTIN`: `"mnist"`, `"fashion_mnist"`,
            `"att_faces"`, `"cifar10"`, `"celeba"` or `"celeba_64"`.
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
        cache: Keep the decoded uint8 images in memory after the first pass
            (the zip sets are held in memory whatever it says).

    Returns:
        A `tf.data.Dataset` of float32 `(B, H, W, C)` images in [0, 1], or of
        `(images, labels)` tuples.

    Raises:
        ValueError: For an unknown name, a bad split, a bad argument, or
            labels asked of an unlabelled set.
        FileNotFoundError: For a zip set whose raw files are not found and
            not already cached.

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
    if with_labels:
        _check_labelled(name)
    return _pipeline(
        name, split, data_dir, take, batch_size, shuffle, seed, with_labels, image_shape, drop_remainder, cache
    )


def _check_labelled(name):
    key, spec = _spec(name)
    if spec.num_classes == 0:
        raise ValueError(f"{key} has no labels (its raw files carry none); pass with_labels=False")


def _pipeline(name, split, data_dir, take, batch_size, shuffle, seed, with_labels, image_shape, drop_remainder, cache):
    _, spec, ds, size = _split_dataset(name, split, data_dir, take)

    import tensorflow as tf

    if cache and spec.reader == "tfds":  # zip sets come out of memory already
        ds = ds.cache()
    if shuffle and size > 1:
        ds = ds.shuffle(min(size, _MAX_SHUFFLE_BUFFER), seed=seed, reshuffle_each_iteration=True)
    # Batch first: converting whole batches is far cheaper than image by image.
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    if spec.reader == "tfds":
        to_float = lambda images: _convert_batch(images, spec.image_shape, image_shape, 255.0)  # noqa: E731
    else:
        from zoo.data import archives

        to_float = lambda images: archives.convert_batch(spec, images, image_shape)  # noqa: E731

    def convert(images, labels):
        images = to_float(images)
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

    with_labels = _check_bool(with_labels, "with_labels")
    if image_shape is not None:
        image_shape = _check_image_shape(image_shape)
    if with_labels:
        _check_labelled(name)
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
