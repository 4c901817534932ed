"""Tests of the built-in sets read from zips: att_faces, cifar10, celeba, celeba_64.

The records, split and error logic is tested on a synthetic ORL archive
built in tmp_path (no data needed); the builders themselves in
test_builders.py. The real sets need their zips under $ZOO_DATA_DIR
(skipped otherwise). Each is prepared once per session (CIFAR-10, the
longest, takes about 25 s on a busy 2-core machine), into a throw-away
cache, or into $ZOO_TEST_CACHE_DIR when set, which keeps them.
"""

import collections
import hashlib
import json
import os
import pathlib
import time
import warnings
import zipfile

import numpy as np
import pytest

import zoo.data
from zoo.data import builtin, catalog, common

ZIP_SETS = ("att_faces", "cifar10", "celeba", "celeba_64")


def _batches(ds):
    return [b.numpy() if not isinstance(b, tuple) else tuple(t.numpy() for t in b) for b in ds]


def pgm(pixels):
    """A raw 8-bit PGM of a (H, W, 1) uint8 array."""
    height, width, _ = pixels.shape
    return f"P5\n{width} {height}\n255\n".encode() + pixels.tobytes()


def find_raw_dir(spec, data_dir):
    return common.find_raw_dir(common.raw_root(data_dir), spec.raw_subdir, spec.raw_files)


# --- no data needed ----------------------------------------------------------


def test_info_of_the_zip_sets():
    expected = {
        "att_faces": ((112, 92, 1), 40, {"train": 320, "test": 80, "all": 400}),
        "cifar10": ((32, 32, 3), 10, {"train": 50000, "test": 10000}),
        "celeba": ((109, 89, 3), 0, {"train": 9000, "test": 1000, "all": 10000}),
        "celeba_64": ((64, 64, 3), 0, {"train": 9000, "test": 1000, "all": 10000}),
    }
    for name, (shape, classes, splits) in expected.items():
        meta = zoo.data.info(name)
        assert meta["name"] == name and meta["tfds_name"] is None
        assert meta["builder"] == builtin.BUILTIN[name].builder and meta["builder"].startswith("zoo_")
        assert meta["image_shape"] == shape and meta["splits"] == splits
        assert meta["num_classes"] == classes == len(meta["class_names"])
        assert meta["notes"] and meta["raw_files"] == list(builtin.BUILTIN[name].raw_files)
    assert zoo.data.info("cifar10")["class_names"] == [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]  # fmt: skip
    assert "JPEG" in zoo.data.info("cifar10")["notes"] and "lossy" in zoo.data.info("cifar10")["notes"]
    assert zoo.data.info("att_faces")["class_names"][:2] == ["s1", "s2"]
    assert zoo.data.info("celeba_64")["crop_box"] == {"top": 19, "left": 9, "height": 70, "width": 70}
    assert zoo.data.info("celeba")["crop_box"] is None and zoo.data.info("mnist")["crop_box"] is None
    assert zoo.data.info("CelebA-64")["name"] == "celeba_64"
    assert zoo.data.info("celeba")["builder"] == zoo.data.info("celeba_64")["builder"]  # one set of records
    assert zoo.data.info("mnist")["builder"] == "mnist"


def test_layouts_agree_with_the_specs():
    for name in ZIP_SETS:
        spec = builtin.BUILTIN[name]
        layout = catalog.LAYOUTS[spec.builder]
        assert {k: n for k, (_, n) in layout.splits.items()} == spec.splits
        top, left, height, width = spec.crop_box or (0, 0, *layout.shape[:2])
        assert top + height <= layout.shape[0] and left + width <= layout.shape[1]
        # The TFDS splits tile the stored indices; every zoo split lies within them.
        ends = [(first, first + count) for first, count in layout.tfds_splits.values()]
        assert ends[0][0] == 0 and all(a[1] == b[0] for a, b in zip(ends, ends[1:]))
        total = ends[-1][1]
        assert total == layout.size
        assert all(first + count <= total for first, count in layout.splits.values())
        # Every slot names the member expected there, and that name maps back to it.
        for index in (0, 1, total - 1):
            match = layout.pattern.fullmatch(layout.member_name(index))
            assert layout.place(match)[0] == index


@pytest.mark.parametrize(
    "split, expected",
    [
        ("train", [("train", 0, 9000)]),
        (" test ", [("test", 0, 1000)]),
        ("all", [("all", 0, 10000)]),
        ("train[:1000]", [("train", 0, 1000)]),
        ("train[10%:20%]", [("train", 900, 1800)]),
        ("test[:0.5%]", [("test", 0, 5)]),
        ("test[-5:]", [("test", 995, 1000)]),
        ("test[:-1%]", [("test", 0, 990)]),
        ("train[100:50]", [("train", 100, 100)]),
        ("train[:10] + test[-2:]", [("train", 0, 10), ("test", 998, 1000)]),
    ],
)
def test_split_strings_read_as_tfds_does(split, expected):
    assert catalog.split_ranges("celeba", builtin.BUILTIN["celeba"], split) == expected


@pytest.mark.parametrize(
    "ranges, take, expected",
    [
        ([("all", 0, 10000)], None, [("train", 0, 9000), ("test", 0, 1000)]),
        ([("all", 8990, 9010)], None, [("train", 8990, 9000), ("test", 0, 10)]),
        ([("test", 0, 1000)], None, [("test", 0, 1000)]),
        ([("train", 100, 100)], None, []),
        ([("all", 8990, 9010)], 15, [("train", 8990, 9000), ("test", 0, 5)]),
        ([("train", 0, 10), ("test", 998, 1000)], 11, [("train", 0, 10), ("test", 998, 999)]),
        ([("test", 0, 5), ("train", 0, 5)], 5, [("test", 0, 5)]),
    ],
)
def test_zoo_splits_become_runs_of_the_records(ranges, take, expected):
    assert catalog.tfds_pieces(catalog.LAYOUTS["zoo_celeba_first10k"], ranges, take) == expected


@pytest.mark.parametrize(
    "split", ["validation", "trian", "train[", "train[:]", "train[5]", "train[:1.5]", "train[:200%]", "test[:1001]",
              "train[a:b]", "train+", "", 3, None]
)  # fmt: skip
def test_bad_split_names_valid_ones(split):
    with pytest.raises(ValueError, match="valid splits of att_faces: train, test, all"):
        zoo.data.load("att_faces", split=split)


@pytest.mark.parametrize("name", ["celeba", "celeba_64"])
def test_labels_refused_for_celeba(name):
    # Refused before any data is looked for.
    with pytest.raises(ValueError, match=f"{name} has no labels.*with_labels=False"):
        zoo.data.load(name, with_labels=True, data_dir="/nonexistent")
    with pytest.raises(ValueError, match=f"{name} has no labels"):
        zoo.data.as_numpy(name, "test", with_labels=True, data_dir="/nonexistent")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"take": 0}, "take must be a positive integer"),
        ({"image_shape": (32, 32, 2)}, r"image_shape must be \(height, width, channels\)"),
        ({"shuffle": "yes"}, "shuffle must be True or False"),
        ({"seed": 1.5}, "seed must be an integer"),
    ],
)
def test_bad_arguments(kwargs, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        zoo.data.load("cifar10", split="test", data_dir=tmp_path, **kwargs)


@pytest.mark.parametrize("name, folder", [("att_faces", "att_faces"), ("cifar10", "cifar10"), ("celeba_64", "celeba")])
def test_missing_raw_folder_names_it(name, folder, tmp_path, monkeypatch, network_guard):
    monkeypatch.setenv("ZOO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ZOO_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match=r"no raw folder is configured \(data_dir or ZOO_DATA_DIR\)"):
        zoo.data.load(name, split="test")
    with pytest.raises(FileNotFoundError) as caught:
        zoo.data.as_numpy(name, "test", data_dir=tmp_path / "raw")
    text = str(caught.value)
    first = sorted(builtin.BUILTIN[name].raw_files)[0]
    assert str(tmp_path / "raw" / folder) in text and first in text
    assert "ZOO_DATA_DIR=<root>" in text and "never downloads" in text
    assert ("tfds.load('cifar10')" in text) == (name == "cifar10")
    assert network_guard.attempts == []


def test_aspect_box():
    assert builtin._aspect_box(112, 92, 64, 64) == (10, 0, 92, 92)
    assert builtin._aspect_box(109, 89, 32, 32) == (10, 0, 89, 89)
    assert builtin._aspect_box(70, 70, 64, 64) == (0, 0, 70, 70)
    assert builtin._aspect_box(32, 32, 16, 32) == (8, 0, 16, 32)
    assert builtin._aspect_box(112, 92, 112, 46) == (0, 23, 112, 46)


# --- a synthetic ORL archive ---------------------------------------------------


def write_orl(root, seed=0, leave_out=()):
    """The ORL layout with random faces; pixel (0, 0) holds the person, (0, 1) the image number."""
    folder = root / "att_faces"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    members = []
    for person in range(1, 41):
        for image in range(1, 11):
            name = f"att_faces/s{person}/{image}.pgm"
            if name in leave_out:
                continue
            pixels = rng.integers(0, 256, (112, 92, 1), dtype=np.uint8)
            pixels[0, 0, 0], pixels[0, 1, 0] = person, image
            members.append((name, pgm(pixels)))
    members.sort()
    # Split over the two zips at an arbitrary point, as the real copy is.
    for zip_name, part in zip(builtin.BUILTIN["att_faces"].raw_files, (members[:349], members[349:])):
        with zipfile.ZipFile(folder / zip_name, "w", zipfile.ZIP_STORED) as archive:
            for name, data in part:
                archive.writestr(name, data)
    with zipfile.ZipFile(folder / "att_faces-orl-pgm-01.zip", "a") as archive:
        archive.writestr("att_faces/README", b"not an image")
    return folder


@pytest.fixture
def orl(tmp_path, monkeypatch, network_guard):
    """A synthetic ORL raw root and an empty cache, with the network refused.

    Yields `raw` (the raw root), `tfds` (the records' root) and `records`
    (the folder of the prepared att_faces records).
    """
    raw = tmp_path / "raw"
    write_orl(raw)
    cache = tmp_path / "cache"
    monkeypatch.setenv("ZOO_CACHE_DIR", str(cache))
    monkeypatch.setenv("ZOO_DATA_DIR", str(raw))
    monkeypatch.setattr(builtin, "_builders", {})
    yield {"raw": raw, "tfds": cache / "tfds", "records": cache / "tfds" / "zoo_att_faces" / "1.0.0"}
    assert network_guard.attempts == []


def new_process(monkeypatch):
    """Forgets the builders this process opened, as a new process would not know them."""
    monkeypatch.setattr(builtin, "_builders", {})


def made_from(records):
    return json.loads((records / "metadata.json").read_text())["raw_files"]


def no_preparing(*args, **kwargs):
    raise AssertionError("prepared again")


def _markers(images):
    pixels = np.round(images[:, 0, :2, 0] * 255).astype(int)
    return pixels[:, 0], pixels[:, 1]  # person, image number


def test_orl_order_labels_and_splits(orl):
    images, labels = zoo.data.as_numpy("att_faces", "all", with_labels=True)
    assert images.shape == (400, 112, 92, 1) and images.dtype == np.float32
    assert labels.dtype == np.int32 and 0.0 <= images.min() and images.max() <= 1.0
    person, number = _markers(images)
    np.testing.assert_array_equal(person, np.arange(400) % 40 + 1)  # image-major
    np.testing.assert_array_equal(number, np.arange(400) // 40 + 1)
    np.testing.assert_array_equal(labels, person - 1)
    train, train_labels = zoo.data.as_numpy("att_faces", "train", with_labels=True)
    test = zoo.data.as_numpy("att_faces", "test")
    assert set(_markers(train)[1]) == set(range(1, 9)) and set(_markers(test)[1]) == {9, 10}
    np.testing.assert_array_equal(np.concatenate([train, test]), images)
    np.testing.assert_array_equal(train_labels, labels[:320])
    # Exactly k / 255, no resampling at the native shape.
    np.testing.assert_allclose(images[:20] * 255, np.round(images[:20] * 255), atol=1e-4)
    # The README member was ignored; the records and a lock file are all that is written.
    assert sorted(p.name for p in orl["tfds"].iterdir()) == [".zoo_att_faces.lock", "zoo_att_faces"]
    assert [p.name for p in (orl["tfds"] / "zoo_att_faces").iterdir()] == ["1.0.0"]
    assert not (orl["tfds"].parent / "tfds_downloads" / "zoo_att_faces").exists()


def test_all_reads_across_the_two_record_splits(orl, monkeypatch):
    test = zoo.data.as_numpy("att_faces", "test")
    both = zoo.data.as_numpy("att_faces", "all[310:330]")
    np.testing.assert_array_equal(both[10:], test[:10])
    np.testing.assert_array_equal(_markers(both)[1], [8] * 10 + [9] * 10)
    # Both record splits were prepared at once: reading train prepares nothing.
    monkeypatch.setattr(builtin, "_download_and_prepare", no_preparing)
    new_process(monkeypatch)
    assert zoo.data.as_numpy("att_faces", "train[:3]").shape == (3, 112, 92, 1)
    # An empty slice reads nothing at all.
    assert zoo.data.as_numpy("att_faces", "train[5:5]").shape == (0, 112, 92, 1)


def test_orl_batches_take_and_shuffle(orl):
    ds = zoo.data.load("att_faces", split="train", batch_size=100, with_labels=True, seed=3)
    batches = _batches(ds)
    assert [x.shape for x, _ in batches] == [(100, 112, 92, 1)] * 3 + [(20, 112, 92, 1)]
    assert ds.element_spec[0].shape.as_list() == [None, 112, 92, 1]
    again = _batches(zoo.data.load("att_faces", split="train", batch_size=100, with_labels=True, seed=3))
    other = _batches(zoo.data.load("att_faces", split="train", batch_size=100, with_labels=True, seed=4))
    np.testing.assert_array_equal(batches[0][1], again[0][1])
    assert not np.array_equal(batches[0][1], other[0][1]), "seed ignored"
    assert sorted(np.concatenate([y for _, y in batches]).tolist()) == sorted(list(range(40)) * 8)
    # take keeps the first examples, before the (default-off) test shuffle.
    first = zoo.data.as_numpy("att_faces", "test", take=7)
    np.testing.assert_array_equal(next(iter(zoo.data.load("att_faces", split="test", take=7))).numpy(), first)
    np.testing.assert_array_equal(first, zoo.data.as_numpy("att_faces", "test[:7]"))


def test_orl_resized_keeps_the_aspect(orl):
    square = zoo.data.as_numpy("att_faces", "test", take=3, image_shape=(92, 92, 3))
    assert square.shape == (3, 92, 92, 3) and square.dtype == np.float32
    native = zoo.data.as_numpy("att_faces", "test", take=3)
    # The centred 92x92 box (rows 10..101) at its own size: a crop, not a stretch.
    np.testing.assert_allclose(square[..., :1], native[:, 10:102], atol=1e-6)
    np.testing.assert_array_equal(square[..., 0], square[..., 2])
    small = zoo.data.as_numpy("att_faces", "test", take=3, image_shape=(56, 46, 1))
    assert small.shape == (3, 56, 46, 1) and 0.0 <= small.min() and small.max() <= 1.0


def test_cache_is_reused(orl, monkeypatch):
    first = zoo.data.as_numpy("att_faces", "test")
    monkeypatch.setattr(builtin, "_download_and_prepare", no_preparing)
    new_process(monkeypatch)
    np.testing.assert_array_equal(zoo.data.as_numpy("att_faces", "test"), first)
    # Served without the raw files only when they were the published ones; these are not.
    monkeypatch.delenv("ZOO_DATA_DIR")
    with pytest.raises(FileNotFoundError, match="no raw folder is configured"):
        zoo.data.as_numpy("att_faces", "test")


def _shard(records, split):
    return next(records.glob(f"zoo_att_faces-{split}.tfrecord-*"))


@pytest.mark.parametrize(
    "damage", ["truncate", "garbage", "shard missing", "bad metadata", "metadata missing", "info missing"]
)
def test_broken_cache_is_rebuilt(orl, damage, monkeypatch):
    first = zoo.data.as_numpy("att_faces", "all", with_labels=True)
    records = orl["records"]
    if damage == "truncate":
        shard = _shard(records, "train")
        shard.write_bytes(shard.read_bytes()[:100_000])
    elif damage == "garbage":
        (records / "dataset_info.json").write_bytes(b"not json at all")
    elif damage == "shard missing":
        _shard(records, "test").unlink()
    elif damage == "bad metadata":
        (records / "metadata.json").write_text("{")
    elif damage == "metadata missing":
        (records / "metadata.json").unlink()
    else:
        (records / "dataset_info.json").unlink()
    new_process(monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = zoo.data.as_numpy("att_faces", "all", with_labels=True)
    ours = [w for w in caught if "zoo.data" in str(w.message)]
    if damage == "info missing":
        assert ours == []  # records TFDS never finished are simply absent
    else:
        assert len(ours) == 1 and "unusable" in str(ours[0].message) and "rebuilt" in str(ours[0].message)
        assert str(orl["tfds"] / "zoo_att_faces") in str(ours[0].message)
        assert ours[0].filename == __file__  # the warning points at the caller
    np.testing.assert_array_equal(again[0], first[0])
    np.testing.assert_array_equal(again[1], first[1])
    assert made_from(records) == zoo.data.raw_files("att_faces")


def test_broken_cache_is_noticed_within_a_process(orl):
    first = zoo.data.as_numpy("att_faces", "test")
    shard = _shard(orl["records"], "test")
    shard.write_bytes(shard.read_bytes()[:1000])
    with pytest.warns(UserWarning, match="unusable"):
        np.testing.assert_array_equal(zoo.data.as_numpy("att_faces", "test"), first)


def test_changed_raw_file_is_not_served_stale(orl):
    before = zoo.data.as_numpy("att_faces", "test", take=4)
    old = made_from(orl["records"])
    time.sleep(0.05)  # a new mtime, so the digest memo does not vouch for the old bytes
    write_orl(orl["raw"], seed=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        after = zoo.data.as_numpy("att_faces", "test", take=4)
    assert not [w for w in caught if "zoo.data" in str(w.message)], "new raw files are no damage"
    assert not np.array_equal(before, after)
    np.testing.assert_array_equal(_markers(before)[0], _markers(after)[0])
    new = made_from(orl["records"])
    assert new == zoo.data.raw_files("att_faces") and not set(new.values()) & set(old.values())
    # The superseded records were replaced, not kept beside the new ones.
    assert [p.name for p in (orl["tfds"] / "zoo_att_faces").iterdir()] == ["1.0.0"]


def test_cache_write_is_atomic(orl, monkeypatch):
    from zoo.data import builders

    real_png, written = builders._png, []

    def dying_png(pixels):
        if len(written) == 100:
            raise OSError(28, "No space left on device")
        written.append(1)
        return real_png(pixels)

    monkeypatch.setattr(builders, "_png", dying_png)
    with pytest.raises(OSError, match="No space left"):
        zoo.data.as_numpy("att_faces", "test")
    left = [p.name for p in (orl["tfds"] / "zoo_att_faces").iterdir()]
    assert left == [], f"a partial preparation was left behind: {left}"
    assert not (orl["tfds"].parent / "tfds_downloads" / "zoo_att_faces").exists()
    monkeypatch.setattr(builders, "_png", real_png)
    assert zoo.data.as_numpy("att_faces", "test").shape == (80, 112, 92, 1)


def test_incomplete_archive_names_the_missing_image(tmp_path, monkeypatch):
    write_orl(tmp_path, leave_out={"att_faces/s7/3.pgm"})
    monkeypatch.setenv("ZOO_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(ValueError, match=r"lack 1 of the 400 images, e\.g\. att_faces/s7/3\.pgm"):
        zoo.data.as_numpy("att_faces", "test", data_dir=tmp_path)


def test_bad_member_is_named(tmp_path, monkeypatch):
    folder = write_orl(tmp_path)
    monkeypatch.setenv("ZOO_CACHE_DIR", str(tmp_path / "cache"))
    with zipfile.ZipFile(folder / "att_faces-orl-pgm-01.zip", "a") as archive:
        archive.writestr("att_faces/s41/1.pgm", b"P5\n1 1\n255\n\0")
    with pytest.raises(ValueError, match=r"unexpected att_faces member .*att_faces/s41/1\.pgm.*s1\.\.s40"):
        zoo.data.as_numpy("att_faces", "test", data_dir=tmp_path)
    write_orl(tmp_path)
    with zipfile.ZipFile(folder / "att_faces-orl-pgm-01.zip", "a") as archive:
        archive.writestr("att_faces/s1/1.pgm", b"P5\n92 112\n255\n\0")  # a second, truncated s1/1
    with pytest.raises(ValueError, match=r"att_faces/s1/1\.pgm"):
        zoo.data.as_numpy("att_faces", "test", data_dir=tmp_path)


def test_raw_files_of_a_local_copy(orl):
    got = zoo.data.raw_files("att_faces")
    for name, digest in got.items():
        assert digest == hashlib.sha256((orl["raw"] / "att_faces" / name).read_bytes()).hexdigest()
    assert zoo.data.raw_files("att_faces", data_dir=orl["raw"].parent / "nowhere") == builtin.BUILTIN[
        "att_faces"
    ].raw_files
    # The records remember the files they were made from.
    zoo.data.as_numpy("att_faces", "test", take=1)
    assert made_from(orl["records"]) == got


# --- the real sets -------------------------------------------------------------


@pytest.fixture(scope="session")
def real_sets(tmp_path_factory):
    """The zip sets found under ZOO_DATA_DIR, each prepared once.

    Yields `cache`, `data_dir`, `present` (names of the sets whose files are
    all there) and `seconds` (builder -> time its first preparation took).
    """
    root = os.environ.get("ZOO_DATA_DIR")
    if not root:
        pytest.skip("ZOO_DATA_DIR is not set: no offline copy of the zip sets")
    root = pathlib.Path(root)
    kept = os.environ.get("ZOO_TEST_CACHE_DIR")
    cache = pathlib.Path(kept) if kept else tmp_path_factory.mktemp("zoo_cache")
    present, seconds = [], {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ZOO_CACHE_DIR", str(cache))
        for name in ZIP_SETS:
            spec = builtin.BUILTIN[name]
            if find_raw_dir(spec, root) is None:
                continue
            present.append(name)
            if spec.builder not in seconds:
                start = time.monotonic()
                zoo.data.as_numpy(name, "test", data_dir=root, take=1)
                seconds[spec.builder] = time.monotonic() - start
    yield {"cache": cache, "data_dir": root, "present": present, "seconds": seconds}


@pytest.fixture
def real(real_sets, monkeypatch, network_guard):
    """Points zoo.data at the session cache and raw root, with the network refused."""
    monkeypatch.setenv("ZOO_CACHE_DIR", str(real_sets["cache"]))
    monkeypatch.setenv("ZOO_DATA_DIR", str(real_sets["data_dir"]))

    def need(*names):
        for name in names:
            if name not in real_sets["present"]:
                pytest.skip(f"ZOO_DATA_DIR={real_sets['data_dir']} lacks the {name} zips")

    yield need
    assert network_guard.attempts == []


def test_real_att_faces(real):
    real("att_faces")
    images, labels = zoo.data.as_numpy("att_faces", "all", with_labels=True)
    assert images.shape == (400, 112, 92, 1) and images.dtype == np.float32
    assert 0.0 <= images.min() < 0.1 and 0.9 < images.max() <= 1.0
    np.testing.assert_array_equal(labels, np.arange(400) % 40)
    assert zoo.data.as_numpy("att_faces", "train").shape[0] == 320
    np.testing.assert_array_equal(zoo.data.as_numpy("att_faces", "test"), images[320:])
    # Pixel for pixel what the PGM in the zip holds: s1/9.pgm is test example 0.
    raw = find_raw_dir(builtin.BUILTIN["att_faces"], None)
    with zipfile.ZipFile(raw / "att_faces-orl-pgm-00.zip") as archive:
        data = archive.read("att_faces/s1/9.pgm")
    # Raw 8-bit (after a comment line), so the raster is the last 112 * 92 bytes.
    assert data.startswith(b"P5\n") and b"\n92 112\n255\n" in data[: len(data) - 112 * 92]
    pixels = np.frombuffer(data[-112 * 92 :], np.uint8).reshape(112, 92, 1)
    np.testing.assert_array_equal(np.round(images[320] * 255).astype(np.uint8), pixels)


def test_real_member_counts_match_info(real, real_sets):
    # Counted from the zip listings: decoding the train blocks would take too long here.
    for name in real_sets["present"]:
        spec = builtin.BUILTIN[name]
        layout = catalog.LAYOUTS[spec.builder]
        raw = find_raw_dir(spec, None)
        counts = collections.Counter()
        for zip_name in spec.raw_files:
            with zipfile.ZipFile(raw / zip_name) as archive:
                for member in archive.namelist():
                    match = layout.pattern.fullmatch(member)
                    if match:
                        index, label = layout.place(match)
                        split = next(s for s, (f, n) in layout.tfds_splits.items() if f <= index < f + n)
                        counts[split, label] += 1
        if name == "cifar10":
            assert counts == {**{("train", k): 5000 for k in range(10)}, **{("test", k): 1000 for k in range(10)}}
        elif name == "att_faces":
            assert counts == {**{("train", k): 8 for k in range(40)}, **{("test", k): 2 for k in range(40)}}
        else:
            assert counts == {("train", -1): 9000, ("test", -1): 1000}


def test_real_cifar10(real):
    real("cifar10")
    images, labels = zoo.data.as_numpy("cifar10", "test", with_labels=True)
    assert images.shape == (10000, 32, 32, 3) and images.dtype == np.float32
    assert images.min() == 0.0 and images.max() == 1.0
    np.testing.assert_array_equal(labels, np.arange(10000) % 10)
    # Slices are class-balanced; the interleaved order is documented.
    _, few = zoo.data.as_numpy("cifar10", "test[:1%]", with_labels=True)
    assert np.bincount(few).tolist() == [10] * 10
    # The JPEG in the zip, decoded the same way: test/cat/0000.jpg is test example 3.
    raw = find_raw_dir(builtin.BUILTIN["cifar10"], None)
    with zipfile.ZipFile(raw / "cifar10-jpg-test-00.zip") as archive:
        jpeg = archive.read("test/cat/0000.jpg")
    import tensorflow as tf

    pixels = tf.io.decode_jpeg(jpeg, channels=3, dct_method="INTEGER_ACCURATE").numpy()
    np.testing.assert_array_equal(np.round(images[3] * 255).astype(np.uint8), pixels)
    x, y = next(iter(zoo.data.load("cifar10", split="test", batch_size=64, with_labels=True, shuffle=True)))
    assert x.shape == (64, 32, 32, 3) and x.dtype.name == "float32" and y.dtype.name == "int32"
    assert 0 <= int(y.numpy().min()) and int(y.numpy().max()) <= 9
    assert zoo.data.as_numpy("cifar10", "test[:10]", image_shape=(64, 64, 1)).shape == (10, 64, 64, 1)


def test_real_celeba(real):
    real("celeba", "celeba_64")
    test = zoo.data.as_numpy("celeba", "test")
    assert test.shape == (1000, 109, 89, 3) and test.dtype == np.float32
    assert 0.0 <= test.min() and test.max() <= 1.0
    np.testing.assert_array_equal(zoo.data.as_numpy("celeba", "all[9000:9004]"), test[:4])
    faces = zoo.data.as_numpy("celeba_64", "test", take=16)
    assert faces.shape == (16, 64, 64, 3) and 0.0 <= faces.min() and faces.max() <= 1.0
    import tensorflow as tf

    # The documented box: rows 19..88, columns 9..78, then one resize.
    box = tf.image.resize(test[:16, 19:89, 9:79], (64, 64), method="bilinear", antialias=True)
    np.testing.assert_allclose(faces, np.clip(box.numpy(), 0.0, 1.0), atol=1e-6)
    assert zoo.data.as_numpy("celeba_64", "test", take=2, image_shape=(32, 32, 1)).shape == (2, 32, 32, 1)
    batch = next(iter(zoo.data.load("celeba_64", split="test", batch_size=8, shuffle=True)))
    assert batch.shape == (8, 64, 64, 3)  # images alone: there are no labels


def test_real_split_determinism(real):
    real("att_faces", "celeba")
    first = zoo.data.as_numpy("celeba", "test", take=50)
    np.testing.assert_array_equal(first, zoo.data.as_numpy("celeba", "test[:50]"))
    a = _batches(zoo.data.load("att_faces", split="train", batch_size=320, seed=11, with_labels=True))
    b = _batches(zoo.data.load("att_faces", split="train", batch_size=320, seed=11, with_labels=True))
    np.testing.assert_array_equal(a[0][0], b[0][0])
    np.testing.assert_array_equal(a[0][1], b[0][1])


def test_real_raw_files_and_cache_without_them(real, real_sets, tmp_path):
    real("att_faces")
    sums = real_sets["data_dir"] / "SHA256SUMS"
    listed = {}
    if sums.is_file():
        listed = dict(line.split()[::-1] for line in sums.read_text().splitlines() if line.strip())
    for name in real_sets["present"]:
        spec = builtin.BUILTIN[name]
        got = zoo.data.raw_files(name)
        assert got == spec.raw_files, f"{name}: the local copy differs from the published one"
        if listed:
            assert all(listed[f"{spec.raw_subdir}/{f}"] == h for f, h in got.items())
    # A cache made from the published files is served with the raw files gone.
    (tmp_path / "empty").mkdir()
    expected = zoo.data.as_numpy("att_faces", "test", take=5)
    served = zoo.data.as_numpy("att_faces", "test", take=5, data_dir=tmp_path / "empty")
    np.testing.assert_array_equal(served, expected)


@pytest.mark.parametrize("name", ["cifar10", "celeba"])
def test_real_jpegs_decode_as_tf_integer_accurate(real, name):
    # Every test image in the records is what TF's accurate-IDCT decoder gives,
    # the decoder the committed models were measured on, whatever Pillow's version.
    real(name)
    spec = builtin.BUILTIN[name]
    layout = catalog.LAYOUTS[spec.builder]
    images = np.round(zoo.data.as_numpy(name, "test") * 255).astype(np.uint8)
    import tensorflow as tf

    first, seen = layout.splits["test"][0], 0
    raw = find_raw_dir(spec, None)
    for zip_name in spec.raw_files:
        with zipfile.ZipFile(raw / zip_name) as archive:
            for member in archive.namelist():
                match = layout.pattern.fullmatch(member)
                index = layout.place(match)[0] - first if match else -1
                if 0 <= index < len(images):
                    pixels = tf.io.decode_jpeg(archive.read(member), channels=3, dct_method="INTEGER_ACCURATE")
                    np.testing.assert_array_equal(images[index], pixels.numpy(), err_msg=member)
                    seen += 1
    assert seen == len(images)


def test_real_prepare_times(real_sets, capsys):
    # Not an assertion of speed (the machine is shared); printed for the log.
    with capsys.disabled():
        for builder, seconds in real_sets["seconds"].items():
            print(f"\n  first preparation of {builder}: {seconds:.1f} s")
