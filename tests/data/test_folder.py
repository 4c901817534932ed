"""Tests of zoo.data.image_folder and folder_classes, Netpbm (read by Pillow) included.

Every folder is built in tmp_path from images encoded here (TF's PNG and
JPEG encoders, hand-written BMP and Netpbm bytes).
"""

import hashlib
import os
import struct
import threading
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zoo.data
from zoo.data import folder as folder_module

LUMA = np.array([0.2989, 0.5870, 0.1140])


# --- writers ---------------------------------------------------------------


def png(array):
    import tensorflow as tf

    return tf.io.encode_png(np.asarray(array)).numpy()


def jpeg(array):
    import tensorflow as tf

    return tf.io.encode_jpeg(np.asarray(array, np.uint8), quality=95).numpy()


def bmp(array):
    """A 24-bit uncompressed BMP: bottom-up rows of BGR, padded to 4 bytes."""
    array = np.asarray(array, np.uint8)
    height, width, _ = array.shape
    pad = (-width * 3) % 4
    rows = b"".join(row[:, ::-1].tobytes() + b"\0" * pad for row in array[::-1])
    header = struct.pack("<2sIHHI", b"BM", 54 + len(rows), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(rows), 2835, 2835, 0, 0)
    return header + info + rows


def encode_netpbm(image, maxval=None, plain=False):
    """PGM (1 channel) or PPM (3 channels) bytes, raw (P5/P6) or plain (P2/P3)."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if maxval is None:
        maxval = 255 if image.dtype == np.uint8 else 65535
    height, width, channels = image.shape
    magic = {(1, True): "P2", (3, True): "P3", (1, False): "P5", (3, False): "P6"}[(channels, bool(plain))]
    header = f"{magic}\n{width} {height}\n{int(maxval)}\n".encode("ascii")
    if plain:
        rows = image.reshape(height, width * channels)
        return header + "".join(" ".join(map(str, row)) + "\n" for row in rows.tolist()).encode("ascii")
    return header + image.astype(np.uint8 if maxval <= 255 else ">u2").tobytes()


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def rng_image(seed, shape, high=256, dtype=np.uint8):
    return np.random.default_rng(seed).integers(0, high, shape).astype(dtype)


def smooth_image(shape):
    """A gentle gradient, which JPEG keeps nearly exactly."""
    h, w, c = shape
    y, x = np.mgrid[0:h, 0:w]
    base = (40 + 150 * (x + y) / (h + w)).astype(np.uint8)
    return np.repeat(base[..., None], c, axis=-1)


def snapshot(root):
    """Every entry under root with its mode, size, mtime and content hash."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st_ = os.lstat(path)
            digest = None
            if os.path.isfile(path) and not os.path.islink(path) and os.access(path, os.R_OK):
                digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
            state[os.path.relpath(path, root)] = (st_.st_mode, st_.st_size, st_.st_mtime_ns, digest)
    return state


def collect(ds):
    images, labels = [], []
    for batch in ds:
        if isinstance(batch, tuple):
            images.append(batch[0].numpy())
            labels.append(batch[1].numpy())
        else:
            images.append(batch.numpy())
    return np.concatenate(images), (np.concatenate(labels) if labels else None)


# --- formats ---------------------------------------------------------------


@pytest.fixture
def format_folder(tmp_path):
    """One file per format and layout, all 6x5, with the expected [0, 1] RGB."""
    shape = (6, 5)
    root = tmp_path / "formats"
    expected = {}

    def add(name, data, rgb):
        write(root / name, data)
        expected[name] = np.asarray(rgb, np.float64)

    grey = rng_image(1, shape + (1,))
    rgb = rng_image(2, shape + (3,))
    rgba = rng_image(3, shape + (4,))
    grey_alpha = rng_image(4, shape + (2,))
    rgb16 = rng_image(5, shape + (3,), 65536, np.uint16)
    grey16 = rng_image(6, shape + (1,), 65536, np.uint16)
    add("a_grey8.png", png(grey), np.repeat(grey, 3, -1) / 255)
    add("b_rgb8.PNG", png(rgb), rgb / 255)
    add("c_rgba8.png", png(rgba), rgba[..., :3] / 255)
    add("d_grey_alpha8.png", png(grey_alpha), np.repeat(grey_alpha[..., :1], 3, -1) / 255)
    add("e_rgb16.png", png(rgb16), rgb16 / 65535)
    add("f_grey16.png", png(grey16), np.repeat(grey16, 3, -1) / 65535)
    add("g_rgb.bmp", bmp(rgb), rgb / 255)
    p5 = rng_image(7, shape, 200)
    add("h_raw.pgm", b"P5\n# made by hand\n5 6\n199\n" + p5.tobytes(), np.repeat(p5[..., None], 3, -1) / 199)
    p2 = rng_image(8, shape, 16)
    text = "\n".join(" ".join(map(str, row)) for row in p2)
    add("i_plain.pgm", f"P2 5 6 15\n# a comment\n{text}\n".encode(), np.repeat(p2[..., None], 3, -1) / 15)
    p6 = rng_image(9, shape + (3,), 65536, np.uint16)
    add("j_raw16.ppm", b"P6\n5 6\n65535\n" + p6.astype(">u2").tobytes(), p6 / 65535)
    add("k_plain.pnm", encode_netpbm(rgb, plain=True), rgb / 255)
    smooth = smooth_image(shape + (3,))
    add("l_photo.jpg", jpeg(smooth), smooth / 255)
    add("m_photo.JPEG", jpeg(smooth), smooth / 255)
    return root, shape, expected


def tolerance_for(name):
    if "jp" in name.lower():
        return 8 / 255  # JPEG is lossy
    if name.startswith(("h_", "i_")):
        return 0.5 / 255 + 1e-6  # maxval 199 / 15, kept at 8 bits
    return 1e-6


def test_every_format_decodes_exactly(format_folder):
    root, (h, w), expected = format_folder
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing here may be skipped
        ds = zoo.data.image_folder(root, image_shape=(h, w, 3), batch_size=4, shuffle=False)
    assert ds.element_spec.shape.as_list() == [None, h, w, 3]
    images, labels = collect(ds)
    assert labels is None
    assert images.dtype == np.float32 and images.shape == (len(expected), h, w, 3)
    for image, (name, want) in zip(images, sorted(expected.items(), key=lambda kv: kv[0].lower())):
        # Same size, so no resampling: exact but for JPEG's loss and 8-bit storage.
        np.testing.assert_allclose(image, want, atol=tolerance_for(name), err_msg=name)


def test_rgb_to_grey_uses_luma(format_folder):
    root, (h, w), expected = format_folder
    images, _ = collect(zoo.data.image_folder(root, image_shape=(h, w, 1), shuffle=False))
    assert images.shape == (len(expected), h, w, 1)
    for image, (name, want) in zip(images, sorted(expected.items(), key=lambda kv: kv[0].lower())):
        tolerance = max(tolerance_for(name), 0.5 / 255 + 1e-6)  # luma is rounded to 8 bits
        np.testing.assert_allclose(image[..., 0], want @ LUMA, atol=tolerance, err_msg=name)


def test_mixed_sizes_resize_and_centre_crop(tmp_path):
    root = tmp_path / "sizes"
    for i, shape in enumerate([(5, 7), (40, 10), (16, 16), (3, 90), (64, 48)]):
        write(root / f"{i}.png", png(rng_image(i, shape + (3,))))
    # Wide image: black left and right bands, white middle. Covering 8x8
    # shrinks it to 8x16, and the centre crop keeps only the white; squashing
    # it to 8x8 instead would keep black at the sides.
    wide = np.zeros((32, 64, 1), np.uint8)
    wide[:, 12:52] = 255
    write(root / "wide.pgm", encode_netpbm(wide))
    ds = zoo.data.image_folder(root, image_shape=(8, 8, 3), batch_size=3, shuffle=False)
    images, _ = collect(ds)
    assert images.shape == (6, 8, 8, 3)
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert images[-1].min() > 0.98, "aspect ratio not kept or not centre-cropped"
    # A non-square target covers the same way.
    tall, _ = collect(zoo.data.image_folder(root, image_shape=(12, 4, 1), shuffle=False))
    assert tall.shape == (6, 12, 4, 1)


def test_sixteen_bit_precision_is_kept(tmp_path):
    write(tmp_path / "deep.png", png(np.full((4, 4, 1), 1000, np.uint16)))
    write(tmp_path / "shallow.png", png(np.full((4, 4, 1), 128, np.uint8)))
    images, _ = collect(zoo.data.image_folder(tmp_path, image_shape=(2, 2, 1), shuffle=False))
    np.testing.assert_allclose(images[0], 1000 / 65535, atol=1e-7)
    np.testing.assert_allclose(images[1], 128 / 255, atol=1e-7)


# --- layout and labels ------------------------------------------------------


def test_nested_folders_without_labels(tmp_path):
    write(tmp_path / "top.png", png(np.full((4, 4, 1), 10, np.uint8)))
    write(tmp_path / "a" / "b" / "c" / "deep.png", png(np.full((4, 4, 1), 20, np.uint8)))
    write(tmp_path / "a" / "mid.jpg", jpeg(np.full((4, 4, 3), 30, np.uint8)))
    write(tmp_path / "a" / "notes.txt", b"not an image, silently ignored")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = zoo.data.image_folder(tmp_path, image_shape=(4, 4, 1), shuffle=False)
    images, labels = collect(ds)
    assert labels is None and images.shape == (3, 4, 4, 1)
    # Sorted by path: a/b/c/deep.png, a/mid.jpg, top.png.
    np.testing.assert_allclose(images[:, 0, 0, 0] * 255, [20, 30, 10], atol=2)
    assert zoo.data.folder_classes(tmp_path) == []
    with pytest.raises(ValueError, match=f"with_labels=True.*{tmp_path}.*top.png"):
        zoo.data.image_folder(tmp_path, image_shape=(4, 4, 1), with_labels=True)


def test_class_folders_give_labels(tmp_path):
    for i in range(3):
        write(tmp_path / "cat" / f"{i}.png", png(np.full((5, 5, 3), 50, np.uint8)))
    for i in range(4):
        write(tmp_path / "dog" / f"{i}.jpg", jpeg(np.full((6, 4, 3), 200, np.uint8)))
    write(tmp_path / "dog" / "puppies" / "p.pgm", encode_netpbm(np.full((3, 3), 200, np.uint8)))
    (tmp_path / "empty_class").mkdir()
    assert zoo.data.folder_classes(tmp_path) == ["cat", "dog"]
    ds = zoo.data.image_folder(tmp_path, image_shape=(4, 4, 3), batch_size=3, seed=1)
    assert isinstance(ds.element_spec, tuple)
    images, labels = collect(ds)
    assert labels.dtype == np.int32 and sorted(labels.tolist()) == [0] * 3 + [1] * 5
    # Each label goes with its own image (shuffled together).
    np.testing.assert_allclose(images.mean(axis=(1, 2, 3)), np.where(labels == 0, 50, 200) / 255, atol=3 / 255)
    unlabelled, none = collect(zoo.data.image_folder(tmp_path, image_shape=(4, 4, 3), with_labels=False))
    assert none is None and unlabelled.shape == (8, 4, 4, 3)


def test_one_class_folder_labels_only_on_request(tmp_path):
    write(tmp_path / "only" / "x.png", png(np.zeros((4, 4, 1), np.uint8)))
    write(tmp_path / "only" / "y.png", png(np.zeros((4, 4, 1), np.uint8)))
    _, labels = collect(zoo.data.image_folder(tmp_path, image_shape=(4, 4, 1)))
    assert labels is None
    _, labels = collect(zoo.data.image_folder(tmp_path, image_shape=(4, 4, 1), with_labels=True))
    assert labels.tolist() == [0, 0]


def test_shuffle_seeded_reshuffled_and_drop_remainder(tmp_path):
    for i in range(20):
        write(tmp_path / f"{i:02d}.pgm", encode_netpbm(np.full((2, 2), i * 10, np.uint8)))

    def order(ds):
        return [tuple(np.round(b.numpy()[:, 0, 0, 0] * 25.5).astype(int)) for b in ds]

    def build(**kw):
        return zoo.data.image_folder(tmp_path, image_shape=(2, 2, 1), batch_size=20, **kw)

    a, b, other = build(seed=3), build(seed=3), build(seed=4)
    first, second = order(a), order(a)
    assert first == order(b) and second == order(b)
    assert first != second, "no reshuffle between epochs"
    assert first != order(other)
    assert sorted(first[0]) == list(range(20))
    assert order(build(shuffle=False)) == [tuple(range(20))]
    dropped = zoo.data.image_folder(tmp_path, image_shape=(2, 2, 1), batch_size=6, drop_remainder=True)
    assert [x.shape[0] for x in dropped] == [6, 6, 6]
    assert dropped.element_spec.shape.as_list() == [6, 2, 2, 1]


# --- bad files --------------------------------------------------------------


@pytest.fixture
def folder_with_bad_files(tmp_path):
    write(tmp_path / "good1.png", png(np.zeros((4, 4, 3), np.uint8)))
    write(tmp_path / "good2.pgm", encode_netpbm(np.zeros((4, 4), np.uint8)))
    bad = {
        "corrupt.png": b"\x89PNG\r\n\x1a\n" + b"garbage" * 10,
        "text.jpg": b"this is not a jpeg",
        "empty.bmp": b"",
        "short.pgm": b"P5\n4 4\n255\n" + b"\0" * 5,
        "bad_header.ppm": b"P6\nfour 4\n255\n",
    }
    for name, data in bad.items():
        write(tmp_path / name, data)
    write(tmp_path / "readme.txt", b"ignored: not an image extension")
    return tmp_path, sorted(bad)


def test_bad_files_are_skipped_with_one_warning_each(folder_with_bad_files):
    root, bad = folder_with_bad_files
    with pytest.warns(zoo.data.ImageSkippedWarning) as record:
        ds = zoo.data.image_folder(root, image_shape=(4, 4, 3))
    messages = [str(w.message) for w in record if issubclass(w.category, zoo.data.ImageSkippedWarning)]
    assert len(messages) == len(bad)
    for name in bad:
        assert sum(str(root / name) in m for m in messages) == 1, name
    assert not any("readme.txt" in m for m in messages)
    assert sum(b.shape[0] for b in ds) == 2


def test_bad_file_raises_on_request(folder_with_bad_files):
    root, bad = folder_with_bad_files
    with pytest.raises(ValueError, match=f"cannot read image {root / 'bad_header.ppm'}"):
        zoo.data.image_folder(root, image_shape=(4, 4, 3), on_error="raise")


def test_all_bad_files(tmp_path):
    write(tmp_path / "a.png", b"nope")
    write(tmp_path / "b.jpg", b"nope")
    with pytest.warns(zoo.data.ImageSkippedWarning):
        with pytest.raises(ValueError, match=f"none of the 2 image file.* in {tmp_path} could be read"):
            zoo.data.image_folder(tmp_path, image_shape=(4, 4, 3))


def test_unreadable_file_chmod(tmp_path):
    write(tmp_path / "ok.png", png(np.zeros((4, 4, 1), np.uint8)))
    locked = write(tmp_path / "locked.png", png(np.zeros((4, 4, 1), np.uint8)))
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root (or similar): a mode-000 file is still readable")
        with pytest.warns(zoo.data.ImageSkippedWarning, match="locked.png"):
            ds = zoo.data.image_folder(tmp_path, image_shape=(4, 4, 1))
        assert sum(b.shape[0] for b in ds) == 1
        with pytest.raises(ValueError, match="locked.png"):
            zoo.data.image_folder(tmp_path, image_shape=(4, 4, 1), on_error="raise")
    finally:
        locked.chmod(0o644)


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    # The same path as above, also where root can read everything.
    write(tmp_path / "ok.png", png(np.zeros((4, 4, 1), np.uint8)))
    write(tmp_path / "locked.png", png(np.zeros((4, 4, 1), np.uint8)))
    real_read = folder_module._read_bytes

    def read(path):
        if path.name == "locked.png":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(folder_module, "_read_bytes", read)
    with pytest.warns(zoo.data.ImageSkippedWarning, match="locked.png: cannot open it .Permission denied"):
        ds = zoo.data.image_folder(tmp_path, image_shape=(4, 4, 1))
    assert sum(b.shape[0] for b in ds) == 1
    with pytest.raises(ValueError, match="locked.png"):
        zoo.data.image_folder(tmp_path, image_shape=(4, 4, 1), on_error="raise")


def test_unlistable_subfolder(tmp_path, monkeypatch):
    write(tmp_path / "ok.png", png(np.zeros((4, 4, 1), np.uint8)))
    write(tmp_path / "secret" / "hidden.png", png(np.zeros((4, 4, 1), np.uint8)))
    real_scandir = os.scandir

    def scandir(path):
        if os.path.basename(path) == "secret":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.warns(zoo.data.ImageSkippedWarning, match="secret: cannot list the folder"):
        ds = zoo.data.image_folder(tmp_path, image_shape=(4, 4, 1))
    assert sum(b.shape[0] for b in ds) == 1
    with pytest.raises(ValueError, match="secret"):
        zoo.data.image_folder(tmp_path, image_shape=(4, 4, 1), on_error="raise")


def test_symlink_loops_end(tmp_path):
    root = tmp_path / "root"
    write(root / "a" / "img.png", png(np.zeros((4, 4, 1), np.uint8)))
    write(root / "b" / "img.png", png(np.zeros((4, 4, 1), np.uint8)))
    os.symlink(root, root / "a" / "up")  # back to the top
    os.symlink(root / "a", root / "b" / "side")  # across, then up again
    os.symlink("self", root / "self")  # a link to itself
    os.symlink("missing", root / "dangling.png")
    result = {}

    def run():
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            result["ds"] = zoo.data.image_folder(root, image_shape=(4, 4, 1), with_labels=False)
        result["warnings"] = [str(w.message) for w in record]

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "image_folder did not finish: symlink loop?"
    # Each real folder once: a/img.png and b/img.png.
    assert sum(b.shape[0] for b in result["ds"]) == 2
    assert any("dangling.png" in m for m in result["warnings"])


def test_folder_left_unchanged(format_folder, folder_with_bad_files):
    for root in (format_folder[0], folder_with_bad_files[0]):
        before = snapshot(root)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for ds in (
                zoo.data.image_folder(root, image_shape=(3, 3, 1)),
                zoo.data.image_folder(root, image_shape=(9, 7, 3), with_labels=False),
            ):
                collect(ds)
            zoo.data.folder_classes(root)
        assert snapshot(root) == before


# --- bad folders and arguments ----------------------------------------------


def test_missing_folder(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match=str(missing)):
        zoo.data.image_folder(missing, image_shape=(8, 8, 3))
    with pytest.raises(ValueError, match=str(missing)):  # the same error, seen as a ValueError
        zoo.data.image_folder(missing, image_shape=(8, 8, 3))
    file = write(tmp_path / "x.png", png(np.zeros((2, 2, 1), np.uint8)))
    with pytest.raises(ValueError, match=f"{file} is not a folder"):
        zoo.data.image_folder(file, image_shape=(8, 8, 3))


def test_empty_folder(tmp_path):
    (tmp_path / "sub" / "subsub").mkdir(parents=True)
    with pytest.raises(ValueError, match=f"{tmp_path} is empty"):
        zoo.data.image_folder(tmp_path, image_shape=(8, 8, 3))


def test_folder_without_images(tmp_path):
    write(tmp_path / "notes.txt", b"hello")
    write(tmp_path / "deeper" / "data.csv", b"1,2,3")
    write(tmp_path / "deeper" / "photo.gif", b"GIF89a")
    with pytest.raises(ValueError, match=f"{tmp_path} holds no images.*3 file.*\\.png.*\\.pnm"):
        zoo.data.image_folder(tmp_path, image_shape=(8, 8, 3))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"image_shape": (8, 8)}, r"image_shape must be \(height, width, channels\)"),
        ({"image_shape": (8, 8, 4)}, "1 or 3 channels"),
        ({"image_shape": (8, -1, 3)}, "positive integers"),
        ({"image_shape": (8.0, 8, 3)}, "positive integers"),
        ({"image_shape": "8x8"}, r"image_shape must be"),
        ({"image_shape": (8, 8, 3), "batch_size": 0}, "batch_size must be a positive integer"),
        ({"image_shape": (8, 8, 3), "on_error": "ignore"}, "on_error must be 'skip' or 'raise'"),
        ({"image_shape": (8, 8, 3), "with_labels": "auto"}, "with_labels must be True or False"),
        ({"image_shape": (8, 8, 3), "shuffle": None}, "shuffle must be True or False"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, match):
    write(tmp_path / "x.png", png(np.zeros((2, 2, 1), np.uint8)))
    with pytest.raises(ValueError, match=match):
        zoo.data.image_folder(tmp_path, **kwargs)


# --- Netpbm, read by Pillow ------------------------------------------------


def decode(data):
    """(image in [0, 1] as float64, dtype kept) of one file's bytes, as image_folder reads it."""
    pixels, maxval = folder_module._decode(data)
    return pixels.astype(np.float64) / maxval, pixels.dtype


@pytest.mark.parametrize(
    "data, expected, dtype",
    [
        # Comments in the header and in a plain raster.
        (b"P2\n# comment\n3 2 # trailing\n9\n0 1 2\n# mid-raster\n7 8 9\n", [[0, 1, 2], [7, 8, 9]], 9),
        # 16 bits are kept: 258 is not rounded to a multiple of 257.
        (b"P5 2 1 65535\n" + struct.pack(">HH", 258, 65535), [[258, 65535]], 65535),
        # Raw raster bytes that look like whitespace or '#' are pixels.
        (b"P5\n3 1\n255\n\n# ", [[10, 35, 32]], 255),
        # Bitmaps: 1 is black in the file, white out of it.
        (b"P1\n3 2\n010\n1 1 0", [[1, 0, 1], [0, 0, 1]], 1),
        (b"P4\n10 2\n" + bytes([0b10000000, 0b01000000, 0b11111111, 0b11000000]),
         [[0, 1, 1, 1, 1, 1, 1, 1, 1, 0], [0] * 10], 1),
    ],
)  # fmt: skip
def test_netpbm_greymaps_by_hand(data, expected, dtype):
    image, kind = decode(data)
    assert image.shape == (len(expected), len(expected[0]), 1)
    assert kind == (np.uint16 if dtype > 255 else np.uint8)
    # 8-bit greymaps come back rescaled to 255: within half a level of value / maxval.
    np.testing.assert_allclose(image[..., 0], np.array(expected) / dtype, atol=0.5 / 255 if dtype <= 255 else 1e-9)


def test_netpbm_pixmaps_by_hand():
    image, _ = decode(b"P3 1 1 255 10 20 30")
    assert image.shape == (1, 1, 3)
    np.testing.assert_allclose(image.ravel() * 255, [10, 20, 30])
    # A raw 16-bit pixmap keeps its 16 bits (Pillow alone would keep 8).
    image, kind = decode(b"P6\n1 2\n1000\n" + struct.pack(">6H", 1, 2, 3, 1000, 500, 999))
    assert kind == np.uint16
    np.testing.assert_allclose(image.ravel(), np.array([1, 2, 3, 1000, 500, 999]) / 1000)


BROKEN_NETPBM = {
    "magic.pgm": b"P9\n1 1\n255\n\0",
    "truncated.pgm": b"P5\n2 2\n255\n\0\0\0",
    "plain_truncated.pgm": b"P2\n2 1\n10\n5",
    "over_maxval.pgm": b"P2\n1 1\n10\n11",
    "zero_size.pgm": b"P5\n0 1\n255\n",
    "big_maxval.pgm": b"P5\n1 1\n70000\n\0",
    "no_raster.pgm": b"P5\n1 1\n255",
    "bad_width.ppm": b"P6\nx 1\n255\n",
    "not_decimal.pgm": b"P2\n2 1\n10\n1 a",
    "raw16_over_maxval.ppm": b"P6\n1 1\n1000\n" + struct.pack(">HHH", 1, 2, 1001),
    "raw16_truncated.ppm": b"P6\n2 1\n1000\n" + struct.pack(">HHH", 1, 2, 3),
}


@pytest.mark.parametrize("name", sorted(BROKEN_NETPBM))
def test_broken_netpbm_is_named(tmp_path, name):
    write(tmp_path / "good.pgm", encode_netpbm(np.zeros((4, 4), np.uint8)))
    write(tmp_path / name, BROKEN_NETPBM[name])
    with pytest.warns(zoo.data.ImageSkippedWarning, match=f"skipping {tmp_path / name}: "):
        ds = zoo.data.image_folder(tmp_path, image_shape=(4, 4, 1))
    assert sum(b.shape[0] for b in ds) == 1
    with pytest.raises(ValueError, match=f"cannot read image {tmp_path / name}: (corrupt Netpbm|not a PNG)"):
        zoo.data.image_folder(tmp_path, image_shape=(4, 4, 1), on_error="raise")


@settings(max_examples=40, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 5), st.integers(1, 5), st.sampled_from([1, 3])),
    maxval=st.sampled_from([1, 15, 255, 256, 4095, 65535]),
    plain=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_netpbm_round_trip(shape, maxval, plain, seed):
    dtype = np.uint8 if maxval <= 255 else np.uint16
    image = np.random.default_rng(seed).integers(0, maxval + 1, shape).astype(dtype)
    decoded, _ = decode(encode_netpbm(image, maxval=maxval, plain=plain))
    assert decoded.shape == shape
    # Kept at 16 bits: greymaps deeper than 8 bits, and raw pixmaps; the rest at 8.
    sixteen = maxval > 255 and (shape[-1] == 1 or not plain)
    np.testing.assert_allclose(decoded, image / maxval, atol=(0.5 / 65535 if sixteen else 0.5 / 255) + 1e-9)
