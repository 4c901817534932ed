"""Built-in sets read straight from their original zip archives.

The AT&T/ORL faces (PGM), a JPEG copy of CIFAR-10 and the first 10,000
CelebA faces are not files any stock TFDS builder prepares, so they are read
here with `zipfile`, in place: nothing is extracted. Decoding 60,000 JPEGs
takes a while, so the decoded uint8 images are kept under
`$ZOO_CACHE_DIR/arrays/` as `.npy` files named by a digest of the raw
files' sha256. A changed raw file therefore gets a new cache instead of
being served a stale one, and the cache is still served when the raw files
are gone, provided it was made from the published files.

Each set is stored in blocks (CIFAR-10 and CelebA: their train and test
parts; ORL: one), decoded and cached separately, so that reading only the
test split decodes only its images.

`zoo.data.load` and friends call in here; nothing in this module is public.
"""

import dataclasses
import hashlib
import os
import re
import warnings
import zipfile

import numpy as np

from zoo.data.builtin import (
    _check_positive_int,
    _convert_batch,
    _exclusive_lock,
    _find_raw_dir,
    _raw_root,
    _sha256,
    _split_hint,
    cache_dir,
)
from zoo.data.folder import _tf_message
from zoo.data.netpbm import NetpbmError, decode_netpbm

# Part of every cache name: bump it whenever decoding or the stored order
# changes, so caches written by older code are not read as current.
_FORMAT = 1

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


@dataclasses.dataclass(frozen=True)
class _Layout:
    """How one set's images lie in its zips and in the stored array.

    Attributes:
        pattern: Matches the names of the image members (other members,
            e.g. a README, are ignored).
        shape: `(H, W, C)` of every stored image.
        splits: Split name -> `(first stored index, count)`.
        blocks: Block name -> `(first stored index, count)`: disjoint, in
            order, covering every stored index; each is cached on its own.
        place: Member-name match -> `(stored index, label)`; raises
            ValueError for a member that fits no slot.
        member_name: Stored index -> the member expected there (for errors).
        codec: `"pgm"` or `"jpeg"`.
    """

    pattern: re.Pattern
    shape: tuple
    splits: dict
    blocks: dict
    place: object
    member_name: object
    codec: str


# --- AT&T / ORL faces --------------------------------------------------------
# Stored image-major (index = (image - 1) * 40 + person - 1) so that images
# 1-8 of everyone form one block ("train"), images 9-10 the next ("test"),
# and any prefix of a split covers all 40 people evenly.

_ORL_PEOPLE, _ORL_IMAGES = 40, 10


def _orl_place(match):
    person, image = int(match[1]), int(match[2])
    if not (1 <= person <= _ORL_PEOPLE and 1 <= image <= _ORL_IMAGES):
        raise ValueError(f"expected people s1..s{_ORL_PEOPLE} and images 1..{_ORL_IMAGES}.pgm")
    return (image - 1) * _ORL_PEOPLE + person - 1, person - 1


def _orl_member(index):
    return f"att_faces/s{index % _ORL_PEOPLE + 1}/{index // _ORL_PEOPLE + 1}.pgm"


# --- CIFAR-10 (JPEG copy) ----------------------------------------------------
# The files are numbered per class, so the original batch order is lost.
# Class-major order would make "train[:1000]" all aeroplanes; stored instead
# interleaved (index = offset + number * 10 + class), so every prefix of a
# split is class-balanced, as MNIST's nearly is.

_CIFAR_SPLITS = {"train": (0, 50000), "test": (50000, 10000)}


def _cifar_place(match):
    split, cls, number = match[1], match[2], int(match[3])
    if cls not in CIFAR10_CLASSES:
        raise ValueError(f"unexpected class folder {cls!r}; expected the CIFAR-10 classes {', '.join(CIFAR10_CLASSES)}")
    offset, count = _CIFAR_SPLITS[split]
    per_class = count // len(CIFAR10_CLASSES)
    if number >= per_class:
        raise ValueError(f"expected image numbers 0000..{per_class - 1:04d} in each {split} class")
    label = CIFAR10_CLASSES.index(cls)
    return offset + number * len(CIFAR10_CLASSES) + label, label


def _cifar_member(index):
    split = "train" if index < _CIFAR_SPLITS["test"][0] else "test"
    number, label = divmod(index - _CIFAR_SPLITS[split][0], len(CIFAR10_CLASSES))
    return f"{split}/{CIFAR10_CLASSES[label]}/{number:04d}.jpg"


# --- CelebA, first 10,000 aligned faces --------------------------------------

_CELEBA_COUNT = 10000


def _celeba_place(match):
    number = int(match[1])
    if not 1 <= number <= _CELEBA_COUNT:
        raise ValueError(f"expected images 000001..{_CELEBA_COUNT:06d}.jpg")
    return number - 1, -1  # unlabelled: -1 is never handed out, see builtin.load


def _celeba_member(index):
    return f"celebA/{index + 1:06d}.jpg"


LAYOUTS = {
    "orl_pgm": _Layout(
        pattern=re.compile(r"att_faces/s(\d+)/(\d+)\.pgm"),
        shape=(112, 92, 1),
        splits={"train": (0, 320), "test": (320, 80), "all": (0, 400)},
        blocks={"all": (0, 400)},  # 400 PGMs decode in a blink
        place=_orl_place,
        member_name=_orl_member,
        codec="pgm",
    ),
    "cifar10_jpg": _Layout(
        pattern=re.compile(r"(train|test)/([^/]+)/(\d+)\.jpg"),
        shape=(32, 32, 3),
        splits=_CIFAR_SPLITS,
        blocks=_CIFAR_SPLITS,
        place=_cifar_place,
        member_name=_cifar_member,
        codec="jpeg",
    ),
    "celeba_jpg": _Layout(
        pattern=re.compile(r"celebA/(\d+)\.jpg"),
        shape=(109, 89, 3),
        splits={"train": (0, 9000), "test": (9000, 1000), "all": (0, 10000)},
        blocks={"train": (0, 9000), "test": (9000, 1000)},
        place=_celeba_place,
        member_name=_celeba_member,
        codec="jpeg",
    ),
}


# --- split strings -----------------------------------------------------------

_PART_RE = re.compile(r"(?P<name>[\w-]+)(?:\[(?P<lo>[^:\[\]]*):(?P<hi>[^:\[\]]*)\])?")
_BOUND_RE = re.compile(r"(?P<value>-?\d+(?:\.\d*)?)(?P<percent>%?)")


def split_ranges(name, spec, split):
    """`split` -> a list of `(split name, start, stop)`, read as TFDS reads it.

    Accepted: `"train"`, `"train[:1000]"`, `"train[10%:20%]"`, `"test[-5:]"`
    and `+`-joined parts. Percentages round to the closest example, as in
    TFDS; a bound past the split's size is an error rather than clipped.
    """
    hint = _split_hint(name, spec)
    if not isinstance(split, str) or not split.strip():
        raise ValueError(f"split must be a non-empty string; {hint}; got {split!r}")
    ranges = []
    for part in split.split("+"):
        match = _PART_RE.fullmatch(part.strip())
        if match is None:
            raise ValueError(f"bad split {split!r} ({part.strip()!r} is neither name nor name[start:stop]); {hint}")
        if match["name"] not in spec.splits:
            raise ValueError(f"unknown split {split!r}; {hint}")
        size = spec.splits[match["name"]]
        if match["lo"] is None:
            ranges.append((match["name"], 0, size))
            continue
        texts = [match["lo"].strip(), match["hi"].strip()]
        bounds = [_BOUND_RE.fullmatch(t) if t else None for t in texts]
        if not any(texts) or any(t and b is None for t, b in zip(texts, bounds)):
            raise ValueError(f"bad slice in split {split!r}: expected [start:stop] of integers or percentages; {hint}")
        percent = any(b is not None and b["percent"] for b in bounds)
        values = []
        for text, bound in zip(texts, bounds):
            if bound is None:
                values.append(None)
            elif percent:
                values.append(int(round(float(bound["value"]) * size / 100.0)))
            elif "." in bound["value"]:
                raise ValueError(f"bad slice in split {split!r}: {text!r} is not an integer; {hint}")
            else:
                values.append(int(bound["value"]))
        if any(v is not None and abs(v) > size for v in values):
            raise ValueError(f"slice in split {split!r} is out of range: {match['name']} has {size} examples; {hint}")
        start, stop = [default if v is None else v + size if v < 0 else v for v, default in zip(values, (0, size))]
        ranges.append((match["name"], start, max(start, stop)))
    return ranges


def _split_indices(spec, split, name):
    layout = LAYOUTS[spec.reader]
    parts = [np.arange(start, stop) + layout.splits[part][0] for part, start, stop in split_ranges(name, spec, split)]
    return np.concatenate(parts) if parts else np.zeros((0,), np.int64)


# --- decoding the zips -------------------------------------------------------


def _decode_member(layout, data):
    if layout.codec == "pgm":
        image, maxval = decode_netpbm(data)
        if maxval != 255:
            raise ValueError(f"expected 8-bit grey (maxval 255), got maxval {maxval}")
        return image

    import tensorflow as tf

    # INTEGER_ACCURATE is libjpeg's own default IDCT: the pixels then match
    # what other decoders (e.g. PIL) give, where TF's faster default differs
    # by a few levels.
    return tf.io.decode_jpeg(data, channels=layout.shape[-1], dct_method="INTEGER_ACCURATE").numpy()


def _read_zips(name, spec, raw, block):
    """Decodes the images of one block of the set's zips into (uint8 images, int32 labels)."""
    import tensorflow as tf

    layout = LAYOUTS[spec.reader]
    first, total = layout.blocks[block]
    images = np.zeros((total, *layout.shape), np.uint8)
    labels = np.full((total,), -1, np.int32)
    filled = np.zeros((total,), bool)
    for zip_name in spec.raw_files:
        path = raw / zip_name
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise ValueError(f"zoo.data: cannot read {name} archive {path}: {error}") from None
        with archive:
            for member in archive.infolist():
                match = layout.pattern.fullmatch(member.filename)
                if member.is_dir() or match is None:
                    continue
                where = f"{path}:{member.filename}"
                try:
                    index, label = layout.place(match)
                except ValueError as error:
                    raise ValueError(f"zoo.data: unexpected {name} member {where}: {error}") from None
                index -= first
                if not 0 <= index < total:
                    continue  # another block's
                if filled[index]:
                    raise ValueError(f"zoo.data: {name} member {where} appears twice in the archives")
                try:
                    image = _decode_member(layout, archive.read(member))
                except tf.errors.OpError as error:
                    raise ValueError(f"zoo.data: cannot decode {name} image {where}: {_tf_message(error)}") from None
                except (NetpbmError, ValueError, zipfile.BadZipFile, OSError) as error:
                    raise ValueError(f"zoo.data: cannot decode {name} image {where}: {error}") from None
                if image.shape != layout.shape:
                    raise ValueError(
                        f"zoo.data: {name} image {where} is {image.shape}, expected {layout.shape} (H, W, C)"
                    )
                images[index], labels[index], filled[index] = image, label, True
    if not filled.all():
        missing = np.flatnonzero(~filled)
        part = "" if len(layout.blocks) == 1 else f" {block}"
        raise ValueError(
            f"zoo.data: the {name} archives in {raw} lack {len(missing)} of the {total}{part} images, "
            f"e.g. {layout.member_name(first + int(missing[0]))}"
        )
    return images, labels


# --- the cache ---------------------------------------------------------------


def _cache_paths(reader, block, digests):
    """(images .npy, labels .npy) of the block's cache made from files with `digests`."""
    key = hashlib.sha256(f"zoo.data.archives format {_FORMAT}\n{reader}\n".encode())
    for file_name in sorted(digests):
        key.update(f"{file_name} {digests[file_name]}\n".encode())
    stem = f"{reader}-{block}-{key.hexdigest()[:20]}"
    folder = cache_dir() / "arrays"
    return folder / f"{stem}.images.npy", folder / f"{stem}.labels.npy"


def _read_cache(name, spec, block, paths, warn=True):
    """The cached (images, labels), memory-mapped, or None if absent or unusable."""
    if not all(p.is_file() for p in paths):
        return None
    layout = LAYOUTS[spec.reader]
    try:
        images = np.load(paths[0], mmap_mode="r", allow_pickle=False)
        labels = np.load(paths[1], mmap_mode="r", allow_pickle=False)
        total = layout.blocks[block][1]
        if images.dtype != np.uint8 or images.shape != (total, *layout.shape):
            raise ValueError(f"images are {images.dtype} {images.shape}, expected uint8 {(total, *layout.shape)}")
        if labels.dtype != np.int32 or labels.shape != (total,):
            raise ValueError(f"labels are {labels.dtype} {labels.shape}, expected int32 {(total,)}")
        low, high = (int(labels.min()), int(labels.max())) if total else (0, 0)
        if low < -1 or high >= max(spec.num_classes, 1):
            raise ValueError(f"labels run from {low} to {high}, outside -1..{spec.num_classes - 1}")
    except (ValueError, OSError, EOFError) as error:
        if warn:
            warnings.warn(
                f"zoo.data: the cached {name} arrays {paths[0]} are unusable ({error}); "
                "they are rebuilt from the raw files",
                stacklevel=8,  # the caller of load() / as_numpy()
            )
        return None
    return images, labels


def _save_atomically(path, array):
    # A reader (or a kill mid-write) never sees a partial file: write aside,
    # then rename over the final name in one step.
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as handle:
            np.save(handle, array, allow_pickle=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


def _remove_stale(reader, block, keep):
    # Caches made from an earlier version of the raw files will not be
    # served again (their key no longer matches), and each can be 300 MB.
    for path in keep[0].parent.glob(f"{reader}-{block}-*.npy"):
        if path not in keep:
            try:
                path.unlink()
            except OSError:
                pass


def _missing_raw_error(name, spec, data_dir):
    root = _raw_root(data_dir)
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
    if spec.reader == "cifar10_jpg":
        fallback = " (tfds.load('cifar10') downloads the lossless original instead: a different copy, not used here)"
    return FileNotFoundError(
        f"zoo.data: {where}; {name} is read only from its {len(files)} original zip(s) {pattern}, "
        f"and zoo.data never downloads it{fallback}. "
        f"Put them in <root>/{spec.raw_subdir}/ and set ZOO_DATA_DIR=<root> or pass data_dir=<root>."
    )


def stored_block(name, spec, data_dir, block):
    """One block's decoded (uint8 images, int32 labels), from the cache or the zips.

    Images are in stored order (see `LAYOUTS`) and memory-mapped when they
    come from the cache.
    """
    raw = _find_raw_dir(spec, data_dir)
    # Without the raw files only a cache of the published files can be vouched for.
    digests = {f: _sha256(raw / f) for f in spec.raw_files} if raw is not None else dict(spec.raw_files)
    paths = _cache_paths(spec.reader, block, digests)
    arrays = _read_cache(name, spec, block, paths)
    if arrays is not None:
        return arrays
    if raw is None:
        raise _missing_raw_error(name, spec, data_dir)
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(paths[0].parent / f".{spec.reader}.lock"):
        # Another process may have written it while we waited.
        arrays = _read_cache(name, spec, block, paths, warn=False)
        if arrays is not None:
            return arrays
        images, labels = _read_zips(name, spec, raw, block)
        _save_atomically(paths[1], labels)
        _save_atomically(paths[0], images)
        _remove_stale(spec.reader, block, paths)
    return images, labels


def _gather(name, spec, data_dir, indices):
    """(images, labels) at these stored indices, reading only the blocks they touch."""
    layout = LAYOUTS[spec.reader]
    images = np.zeros((len(indices), *layout.shape), np.uint8)
    labels = np.zeros((len(indices),), np.int32)
    for block, (first, count) in layout.blocks.items():
        inside = (indices >= first) & (indices < first + count)
        if inside.any():
            block_images, block_labels = stored_block(name, spec, data_dir, block)
            # Fancy indexing copies just these examples out of the memory map.
            images[inside] = block_images[indices[inside] - first]
            labels[inside] = block_labels[indices[inside] - first]
    return images, labels


# --- into tf.data ------------------------------------------------------------


def split_dataset(name, spec, split, data_dir, take):
    """A uint8 `(image, label)` `tf.data.Dataset` of `split`, and its size."""
    indices = _split_indices(spec, split, name)
    if take is not None:
        indices = indices[: _check_positive_int(take, "take")]
    images, labels = _gather(name, spec, data_dir, indices)

    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((images, labels)), len(indices)


def _aspect_box(height, width, target_height, target_width):
    """The centred (top, left, height, width) of the target's aspect ratio."""
    if width * target_height > height * target_width:
        new_width = max(1, round(height * target_width / target_height))
        return 0, (width - new_width) // 2, height, new_width
    new_height = max(1, round(width * target_height / target_width))
    return (height - new_height) // 2, 0, new_height, width


def convert_batch(spec, images, image_shape):
    """A uint8 batch in stored shape -> float32 in [0, 1] at `image_shape`.

    The set's own crop box comes first, then, when `image_shape` has another
    aspect ratio, a centred crop to that ratio, so faces are never stretched;
    one resize then makes the final size.
    """
    stored = LAYOUTS[spec.reader].shape
    top, left, height, width = spec.crop_box or (0, 0, *stored[:2])
    target = image_shape or spec.image_shape
    dy, dx, height, width = _aspect_box(height, width, target[0], target[1])
    top, left = top + dy, left + dx
    if (top, left, height, width) != (0, 0, *stored[:2]):
        images = images[:, top : top + height, left : left + width, :]
    return _convert_batch(images, (height, width, stored[2]), target, 255.0)
