"""Tests of zoo.data.load / as_numpy / info / raw_files on MNIST and Fashion-MNIST.

They need the original files under $ZOO_DATA_DIR (skipped otherwise) and
never the network: see the `prepared_builtin` fixture in conftest.py.
"""

import hashlib
import threading
import time

import numpy as np
import pytest

import zoo.data
from zoo.data import builtin, common


def _batches(ds):
    return [b.numpy() if not isinstance(b, tuple) else tuple(t.numpy() for t in b) for b in ds]


# --- no data needed ----------------------------------------------------------


def test_info_is_static_and_complete():
    for name in ("mnist", "fashion_mnist"):
        meta = zoo.data.info(name)
        assert meta["image_shape"] == (28, 28, 1)
        assert meta["num_classes"] == 10 == len(meta["class_names"])
        assert meta["splits"] == {"train": 60000, "test": 10000}
    assert zoo.data.info("Fashion-MNIST")["name"] == "fashion_mnist"
    assert set(zoo.data.BUILTIN) >= {"mnist", "fashion_mnist"}


@pytest.mark.parametrize("call", [zoo.data.load, zoo.data.info, zoo.data.raw_files])
def test_unknown_name_lists_known_names(call):
    with pytest.raises(ValueError, match="unknown data set 'cifar11'.*fashion_mnist, mnist"):
        call("cifar11")


def test_raw_files_falls_back_to_published_checksums(tmp_path):
    assert zoo.data.raw_files("mnist", data_dir=tmp_path) == builtin.BUILTIN["mnist"].raw_files


def test_raw_files_hashes_local_copy(tmp_path):
    # A fake set: raw_files only hashes, it does not check content.
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    for i, name in enumerate(builtin.BUILTIN["fashion_mnist"].raw_files):
        (folder / name).write_bytes(bytes([i]) * 10)
    got = zoo.data.raw_files("fashion_mnist", data_dir=tmp_path)
    assert got == {n: hashlib.sha256(bytes([i]) * 10).hexdigest() for i, n in enumerate(got)}


def test_prepare_lock_makes_others_wait(tmp_path):
    # flock locks belong to open files, so two threads contend as two processes do.
    lock, events, held = tmp_path / ".mnist.lock", [], threading.Event()

    def first():
        with common.exclusive_lock(lock):
            events.append("first in")
            held.set()
            time.sleep(0.3)
            events.append("first out")

    def second():
        held.wait()
        with common.exclusive_lock(lock):
            events.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert events == ["first in", "first out", "second in"]


def find_raw_dir(spec, data_dir):
    return common.find_raw_dir(common.raw_root(data_dir), spec.raw_subdir, spec.raw_files)


def test_raw_dir_lookup(tmp_path, monkeypatch):
    spec = builtin.BUILTIN["mnist"]
    monkeypatch.delenv("ZOO_DATA_DIR", raising=False)
    assert find_raw_dir(spec, None) is None
    assert find_raw_dir(spec, tmp_path) is None
    (tmp_path / "mnist").mkdir()
    for name in spec.raw_files:
        (tmp_path / "mnist" / name).write_bytes(b"")
    assert find_raw_dir(spec, tmp_path) == tmp_path / "mnist"
    monkeypatch.setenv("ZOO_DATA_DIR", str(tmp_path))
    assert find_raw_dir(spec, None) == tmp_path / "mnist"
    # Pointing straight at the set's own folder works too.
    assert find_raw_dir(spec, tmp_path / "mnist") == tmp_path / "mnist"


def test_offline_without_raw_files_fails_fast(tmp_path, monkeypatch, network_guard):
    monkeypatch.setenv("ZOO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(builtin, "_builders", {})
    (tmp_path / "raw").mkdir()
    start = time.monotonic()
    with pytest.warns(UserWarning, match="needs the network"):
        with pytest.raises(ConnectionError, match="ZOO_DATA_DIR"):
            zoo.data.load("mnist", split="test", data_dir=tmp_path / "raw")
    assert time.monotonic() - start < 30
    # Only the name lookup was tried, no connection.
    assert len(network_guard.attempts) == 1


# --- the real sets, prepared once per session --------------------------------


def test_prepared_offline_once(zoo_env):
    assert zoo_env["attempts"] == [], "preparing touched the network"
    tfds_dir = zoo_env["cache"] / "tfds"
    assert (tfds_dir / "mnist").is_dir() and (tfds_dir / "fashion_mnist").is_dir()
    # One prepared copy, no temp dirs or extracted downloads left behind.
    assert [p.name for p in (tfds_dir / "mnist").iterdir()] == ["3.0.1"]
    assert not (zoo_env["cache"] / "tfds_downloads" / "mnist").exists()


def test_later_loads_reuse_the_records(zoo_env, monkeypatch):
    def no_prepare(*args, **kwargs):
        raise AssertionError("prepared again")

    monkeypatch.setattr(builtin, "_prepare", no_prepare)
    monkeypatch.setattr(builtin, "_builders", {})
    assert next(iter(zoo.data.load("mnist", split="test", batch_size=4))).shape == (4, 28, 28, 1)


def test_raw_files_match_shipped_sums(zoo_env):
    sums = zoo_env["data_dir"] / "SHA256SUMS"
    got = zoo.data.raw_files("mnist")
    assert set(got) == set(builtin.BUILTIN["mnist"].raw_files)
    assert got == builtin.BUILTIN["mnist"].raw_files  # the files are the published ones
    if sums.is_file():
        listed = dict(line.split()[::-1] for line in sums.read_text().splitlines() if line.strip())
        assert all(listed[f"mnist/{f}"] == h for f, h in got.items())


def test_test_split_as_numpy(zoo_env):
    images, labels = zoo.data.as_numpy("mnist", "test", with_labels=True)
    assert images.shape == (10000, 28, 28, 1) and images.dtype == np.float32
    assert images.min() == 0.0 and images.max() == 1.0
    assert labels.shape == (10000,) and labels.dtype == np.int32
    assert set(np.unique(labels)) == set(range(10))
    # Pixel values are exactly k / 255.
    np.testing.assert_allclose(images[:50] * 255, np.round(images[:50] * 255), atol=1e-4)


def test_load_test_split_batches(zoo_env):
    ds = zoo.data.load("mnist", split="test", batch_size=3000, drop_remainder=True)
    sizes = [b.shape[0] for b in ds]
    assert sizes == [3000, 3000, 3000]
    assert ds.element_spec.shape.as_list() == [3000, 28, 28, 1]
    ds = zoo.data.load("mnist", split="test", batch_size=3000, take=7000)
    assert [b.shape[0] for b in ds] == [3000, 3000, 1000]
    assert ds.element_spec.shape.as_list() == [None, 28, 28, 1]


def test_take_labels_and_dtypes(zoo_env):
    ds = zoo.data.load("mnist", split="train", batch_size=32, take=100, with_labels=True)
    batches = _batches(ds)
    assert [x.shape[0] for x, _ in batches] == [32, 32, 32, 4]
    x, y = batches[0]
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    assert y.dtype == np.int32 and y.shape == (32,) and 0 <= y.min() and y.max() <= 9


def test_take_keeps_the_first_examples(zoo_env):
    first = zoo.data.as_numpy("mnist", "test", take=64)
    ds = zoo.data.load("mnist", split="test", batch_size=64, take=64)
    np.testing.assert_array_equal(next(iter(ds)).numpy(), first)
    shuffled = next(iter(zoo.data.load("mnist", split="test", batch_size=64, take=64, shuffle=True, seed=5)))
    # The same 64 examples (shuffling comes after take), in another order.
    key = lambda a: sorted(a.reshape(len(a), -1).sum(axis=1).round(3).tolist())  # noqa: E731
    assert key(shuffled.numpy()) == key(first)
    assert not np.array_equal(shuffled.numpy(), first)


def test_shuffle_is_seeded_and_reshuffles(zoo_env):
    def epochs(seed):
        ds = zoo.data.load("mnist", split="train", batch_size=200, take=200, seed=seed, with_labels=True)
        return [batch[1].numpy() for batch in ds], [batch[1].numpy() for batch in ds]

    a1, a2 = epochs(7)
    b1, b2 = epochs(7)
    c1, _ = epochs(8)
    np.testing.assert_array_equal(a1[0], b1[0])
    np.testing.assert_array_equal(a2[0], b2[0])
    assert not np.array_equal(a1[0], a2[0]), "no reshuffle between epochs"
    assert not np.array_equal(a1[0], c1[0]), "seed ignored"


def test_shuffle_defaults(zoo_env):
    plain = zoo.data.as_numpy("mnist", "train", take=128)
    train = next(iter(zoo.data.load("mnist", split="train[:128]", batch_size=128)))
    test = next(iter(zoo.data.load("mnist", split="test", batch_size=128, take=128)))
    assert not np.array_equal(train.numpy(), plain), "train split should shuffle by default"
    np.testing.assert_array_equal(test.numpy(), zoo.data.as_numpy("mnist", "test", take=128))


def test_split_slicing(zoo_env):
    assert zoo.data.as_numpy("mnist", "test[:1%]").shape == (100, 28, 28, 1)
    assert zoo.data.as_numpy("mnist", "test[:10]+test[-5:]").shape[0] == 15


def test_resize_to_rgb(zoo_env):
    ds = zoo.data.load("mnist", split="test", batch_size=16, take=16, image_shape=(32, 32, 3))
    x = next(iter(ds)).numpy()
    assert x.shape == (16, 32, 32, 3) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() > 0.9
    np.testing.assert_array_equal(x[..., 0], x[..., 2])
    small = zoo.data.as_numpy("mnist", "test", take=4, image_shape=(14, 14, 1))
    assert small.shape == (4, 14, 14, 1)


@pytest.mark.parametrize("split", ["validation", "trian", "train[", "train[:200%]", "", 3])
def test_bad_split_names_valid_ones(zoo_env, split):
    with pytest.raises(ValueError, match="train, test"):
        zoo.data.load("mnist", split=split)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"batch_size": 2.5}, "batch_size must be a positive integer"),
        ({"batch_size": True}, "batch_size must be a positive integer"),
        ({"take": 0}, "take must be a positive integer"),
        ({"image_shape": (32, 32, 2)}, r"image_shape must be \(height, width, channels\)"),
        ({"image_shape": (32, 32)}, r"image_shape must be \(height, width, channels\)"),
        ({"image_shape": (0, 32, 3)}, r"image_shape must be \(height, width, channels\)"),
        ({"shuffle": "yes"}, "shuffle must be True or False"),
        ({"with_labels": 1}, "with_labels must be True or False"),
        ({"seed": 1.5}, "seed must be an integer"),
    ],
)
def test_bad_arguments(zoo_env, kwargs, match):
    with pytest.raises(ValueError, match=match):
        zoo.data.load("mnist", split="test", **kwargs)


def test_fashion_mnist(zoo_env):
    images, labels = zoo.data.as_numpy("fashion_mnist", "test", with_labels=True, take=500)
    assert images.shape == (500, 28, 28, 1) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert set(np.unique(labels)) == set(range(10))
    x, y = next(iter(zoo.data.load("fashion_mnist", split="train", batch_size=8, take=8, with_labels=True)))
    assert x.shape == (8, 28, 28, 1) and y.dtype.name == "int32"
    # Clothes are much brighter on average than digits: not MNIST by mistake.
    assert images.mean() > zoo.data.as_numpy("mnist", "test", take=500).mean() + 0.1
