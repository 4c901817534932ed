"""Tests of the zoo's own TFDS builders (zoo.data.builders) on fake zips made in tmp_path.

Each builder is prepared through TFDS's own `download_and_prepare` with a
`manual_dir`, as `zoo.data` does, with the network refused. The ORL builder
gets the whole synthetic set (400 small PGMs); the CIFAR-10 and CelebA
builders get a tiny layout of the same shapes and names (30 and 9 images),
so that no test decodes thousands of JPEGs.
"""

import dataclasses
import hashlib
import zipfile

import numpy as np
import pytest

from zoo.data import catalog

CLASSES = catalog.CIFAR10_CLASSES


@pytest.fixture(scope="module")
def tfds():
    import tensorflow_datasets

    return tensorflow_datasets


@pytest.fixture(scope="module")
def builders():
    from zoo.data import builders

    return builders


def prepare(tfds, cls, manual_dir, tfds_dir):
    builder = cls(data_dir=str(tfds_dir))
    config = tfds.download.DownloadConfig(manual_dir=None if manual_dir is None else str(manual_dir),
                                          try_download_gcs=False)  # fmt: skip
    builder.download_and_prepare(download_dir=str(tfds_dir.parent / "downloads"), download_config=config)
    return builder


def examples(tfds, builder, split):
    return list(tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False)))


def pgm(pixels):
    height, width, _ = pixels.shape
    return f"P5\n{width} {height}\n255\n".encode() + pixels.tobytes()


def jpeg(pixels, **kwargs):
    import tensorflow as tf

    return tf.io.encode_jpeg(pixels, **kwargs).numpy()


def tf_decode(data):
    import tensorflow as tf

    return tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_ACCURATE").numpy()


def photo(seed, shape):
    """Smooth colour with some noise: enough detail for the IDCT and upsampling to matter."""
    rng = np.random.default_rng(seed)
    h, w, c = shape
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    base = np.stack([np.sin(6 * x + k + seed) * np.cos(5 * y - k) for k in range(c)], axis=-1)
    return np.clip(127 + 90 * base + rng.normal(0, 25, shape), 0, 255).astype(np.uint8)


def write_zips(folder, zip_names, members):
    """Spreads `members` (name -> bytes) over the named zips, as the real copies are split."""
    folder.mkdir(parents=True, exist_ok=True)
    items = sorted(members.items())
    per_zip = -(-len(items) // len(zip_names))
    for k, zip_name in enumerate(zip_names):
        with zipfile.ZipFile(folder / zip_name, "w", zipfile.ZIP_STORED) as archive:
            for name, data in items[k * per_zip : (k + 1) * per_zip]:
                archive.writestr(name, data)
    return folder


def write_orl(root):
    """The ORL zips; pixel (0, 0) holds the person, (0, 1) the image number."""
    rng = np.random.default_rng(0)
    members = {}
    for person in range(1, 41):
        for image in range(1, 11):
            pixels = rng.integers(0, 256, (112, 92, 1), dtype=np.uint8)
            pixels[0, 0, 0], pixels[0, 1, 0] = person, image
            members[f"att_faces/s{person}/{image}.pgm"] = pgm(pixels)
    members["att_faces/README"] = b"not an image"
    return write_zips(root / "att_faces", list(catalog.BUILTIN["att_faces"].raw_files), members)


# --- tiny layouts of the JPEG sets -----------------------------------------------


def _tiny_cifar_place(splits):
    def place(match):
        split, cls, number = match[1], match[2], int(match[3])
        first, count = splits[split]
        if cls not in CLASSES or number >= count // len(CLASSES):
            raise ValueError("outside the tiny layout")
        return first + number * len(CLASSES) + CLASSES.index(cls), CLASSES.index(cls)

    return place


@pytest.fixture
def tiny_cifar(tmp_path, monkeypatch):
    """A CIFAR-10 raw root of 2 train and 1 test image per class; yields (root, {stored index: jpeg})."""
    splits = {"train": (0, 20), "test": (20, 10)}
    layout = dataclasses.replace(
        catalog.LAYOUTS["zoo_cifar10_jpeg"],
        splits=splits,
        tfds_splits=splits,
        place=_tiny_cifar_place(splits),
        member_name=lambda index: f"index {index}",
    )
    monkeypatch.setitem(catalog.LAYOUTS, "zoo_cifar10_jpeg", layout)
    members, by_index = {}, {}
    for split, (first, count) in splits.items():
        for number in range(count // 10):
            for label, cls in enumerate(CLASSES):
                # 4:2:0 chroma, as the real copy: upsampling must match too.
                data = jpeg(photo(first + number * 10 + label, (32, 32, 3)), quality=75)
                members[f"{split}/{cls}/{number:04d}.jpg"] = data
                by_index[first + number * 10 + label] = data
    root = tmp_path / "raw"
    write_zips(root / "cifar10", list(catalog.BUILTIN["cifar10"].raw_files), members)
    return root, by_index


@pytest.fixture
def tiny_celeba(tmp_path, monkeypatch):
    """A CelebA raw root of 9 faces (6 train, 3 test); yields (root, {stored index: jpeg})."""
    layout = dataclasses.replace(
        catalog.LAYOUTS["zoo_celeba_first10k"],
        splits={"train": (0, 6), "test": (6, 3), "all": (0, 9)},
        tfds_splits={"train": (0, 6), "test": (6, 3)},
        place=lambda match: (int(match[1]) - 1, -1),
        member_name=lambda index: f"celebA/{index + 1:06d}.jpg",
    )
    monkeypatch.setitem(catalog.LAYOUTS, "zoo_celeba_first10k", layout)
    by_index = {i: jpeg(photo(100 + i, (109, 89, 3)), quality=90) for i in range(9)}
    members = {f"celebA/{i + 1:06d}.jpg": data for i, data in by_index.items()}
    root = tmp_path / "raw"
    write_zips(root / "celeba", list(catalog.BUILTIN["celeba"].raw_files), members)
    return root, by_index


# --- the builders ---------------------------------------------------------------


def test_builders_are_registered_tfds_builders(tfds, builders, tmp_path):
    assert set(builders.BUILDERS) == set(catalog.LAYOUTS)
    assert {spec.builder for spec in catalog.BUILTIN.values() if spec.tfds_name is None} == set(catalog.LAYOUTS)
    for name, cls in builders.BUILDERS.items():
        assert issubclass(cls, tfds.core.GeneratorBasedBuilder) and cls.name == name
        builder = tfds.builder(name, data_dir=str(tmp_path))
        assert isinstance(builder, cls) and not builder.is_prepared()
        assert builder.info.features["image"].shape == catalog.LAYOUTS[name].shape
        assert builder.info.disable_shuffling  # records keep the stored order
        assert builder.MANUAL_DOWNLOAD_INSTRUCTIONS and builder.info.citation


@pytest.mark.parametrize("point_at", ["root", "set folder"])
def test_att_faces_builder_prepares_from_manual_dir(tfds, builders, tmp_path, network_guard, point_at):
    folder = write_orl(tmp_path / "raw")
    manual_dir = tmp_path / "raw" if point_at == "root" else folder
    builder = prepare(tfds, builders.ZooAttFaces, manual_dir, tmp_path / "tfds")
    assert builder.is_prepared() and network_guard.attempts == []
    assert {k: s.num_examples for k, s in builder.info.splits.items()} == {"train": 320, "test": 80}
    assert builder.info.features["label"].names == [f"s{k}" for k in range(1, 41)]
    assert builder.info.supervised_keys == ("image", "label")
    made_from = builder.info.metadata["raw_files"]
    assert made_from == {f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in sorted(made_from)}
    assert list(made_from) == list(catalog.BUILTIN["att_faces"].raw_files)
    test = examples(tfds, builder, "test")
    assert len(test) == 80 and all(e["image"].shape == (112, 92, 1) and e["image"].dtype == np.uint8 for e in test)
    # Image-major: test example i is person i % 40, image 9 then 10; labels are people.
    assert [e["image"][0, 0, 0] for e in test] == [i % 40 + 1 for i in range(80)]
    assert [e["image"][0, 1, 0] for e in test] == [9] * 40 + [10] * 40
    assert [e["label"] for e in test] == [i % 40 for i in range(80)]
    # Pixel for pixel the PGM: test example 0 is s1/9.pgm.
    with zipfile.ZipFile(folder / "att_faces-orl-pgm-00.zip") as archive:
        data = archive.read("att_faces/s1/9.pgm")
    np.testing.assert_array_equal(test[0]["image"], np.frombuffer(data[-112 * 92 :], np.uint8).reshape(112, 92, 1))
    # Nothing but the records is written where they go.
    names = sorted(p.name for p in (tmp_path / "tfds" / "zoo_att_faces" / "1.0.0").iterdir())
    assert [n for n in names if "incomplete" in n or "tmp" in n] == []


def test_cifar10_builder_on_a_tiny_copy(tfds, builders, tmp_path, network_guard, tiny_cifar):
    root, by_index = tiny_cifar
    builder = prepare(tfds, builders.ZooCifar10Jpeg, root, tmp_path / "tfds")
    assert {k: s.num_examples for k, s in builder.info.splits.items()} == {"train": 20, "test": 10}
    assert builder.info.features["label"].names == list(CLASSES)
    for split, first in (("train", 0), ("test", 20)):
        got = examples(tfds, builder, split)
        # Class-interleaved: example i of a split is class i % 10.
        assert [e["label"] for e in got] == [i % 10 for i in range(len(got))]
        for i, e in enumerate(got):
            assert e["image"].shape == (32, 32, 3) and e["image"].dtype == np.uint8
            # What TF's accurate IDCT decodes, to the bit.
            np.testing.assert_array_equal(e["image"], tf_decode(by_index[first + i]))
    assert network_guard.attempts == []


def test_celeba_builder_on_a_tiny_copy(tfds, builders, tmp_path, network_guard, tiny_celeba):
    root, by_index = tiny_celeba
    builder = prepare(tfds, builders.ZooCelebaFirst10k, root / "celeba", tmp_path / "tfds")
    assert {k: s.num_examples for k, s in builder.info.splits.items()} == {"train": 6, "test": 3}
    assert set(builder.info.features) == {"image"} and builder.info.supervised_keys is None  # unlabelled
    got = examples(tfds, builder, "train") + examples(tfds, builder, "test")
    assert [e["image"].shape for e in got] == [(109, 89, 3)] * 9
    for i, e in enumerate(got):  # file-number order
        np.testing.assert_array_equal(e["image"], tf_decode(by_index[i]))
    assert network_guard.attempts == []


def test_missing_raw_file_names_the_folder_and_file(tfds, builders, tmp_path, network_guard):
    folder = write_orl(tmp_path / "raw")
    (folder / "att_faces-orl-pgm-01.zip").unlink()
    with pytest.raises(FileNotFoundError) as caught:
        prepare(tfds, builders.ZooAttFaces, tmp_path / "raw", tmp_path / "tfds")
    text = str(caught.value)
    assert f"{folder} lacks att_faces-orl-pgm-01.zip" in text and "never downloads" in text
    assert "<manual_dir>/att_faces/" in text
    # Nothing half-made is left to be taken for records.
    assert not builders.ZooAttFaces(data_dir=str(tmp_path / "tfds")).is_prepared()
    assert not list((tmp_path / "tfds" / "zoo_att_faces").glob("incomplete*"))
    assert network_guard.attempts == []


def test_no_manual_dir_is_a_clear_error(tfds, builders, tmp_path, network_guard):
    with pytest.raises(FileNotFoundError, match=r"zoo_att_faces needs .*manual_dir=<root>.*<root>/att_faces/"):
        prepare(tfds, builders.ZooAttFaces, None, tmp_path / "tfds")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="manual_dir"):
        prepare(tfds, builders.ZooAttFaces, tmp_path / "empty", tmp_path / "tfds")
    assert network_guard.attempts == []


def test_unreadable_zip_is_named(tfds, builders, tmp_path):
    folder = write_orl(tmp_path / "raw")
    (folder / "att_faces-orl-pgm-00.zip").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=f"cannot read att_faces archive {folder / 'att_faces-orl-pgm-00.zip'}"):
        prepare(tfds, builders.ZooAttFaces, tmp_path / "raw", tmp_path / "tfds")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"quality": 75},  # 4:2:0 chroma, like the real copies
        {"quality": 95, "chroma_downsampling": False},  # 4:4:4
        {"quality": 50, "progressive": True},
        {"quality": 85, "format": "grayscale"},  # grey JPEG served as RGB
    ],
)
def test_decode_image_matches_tf_integer_accurate(builders, kwargs):
    pixels = photo(7, (37, 29, 3))
    if kwargs.get("format") == "grayscale":
        pixels = pixels[..., :1]
    data = jpeg(pixels, **kwargs)
    np.testing.assert_array_equal(builders.decode_image("jpeg", data, (37, 29, 3)), tf_decode(data))


def test_decode_image_refuses_the_wrong_kind(builders):
    with pytest.raises(ValueError, match="8-bit grey"):
        builders.decode_image("pgm", b"P5\n1 1\n65535\n\0\0", (1, 1, 1))
    with pytest.raises(OSError):
        builders.decode_image("jpeg", pgm(np.zeros((2, 2, 1), np.uint8)), (2, 2, 3))
    with pytest.raises(OSError, match="truncated"):
        builders.decode_image("pgm", b"P5\n4 4\n255\n\0", (4, 4, 1))
