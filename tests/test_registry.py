import re

import pytest

import zoo
from zoo.registry import architectures, get_architecture, presets


def test_list_models_filters_with_fnmatch():
    names = zoo.list_models()
    assert "vae" in names and "vae_mnist" in names
    assert zoo.list_models("vae*") == sorted(n for n in names if n.startswith("vae"))
    assert zoo.list_models("no_such_*") == []


def test_pretrained_lists_only_presets_with_artifacts(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_EXPORTS_DIR", str(tmp_path))
    assert zoo.list_models(pretrained=True) == []
    (tmp_path / "vae_mnist").mkdir()
    (tmp_path / "vae_mnist" / "metadata.json").write_text("{}")
    assert zoo.list_models("*mnist", pretrained=True) == ["vae_mnist"]


def test_unknown_architecture_lists_the_closest_names():
    with pytest.raises(ValueError, match="Did you mean: vae"):
        zoo.create("vea")


def test_unknown_preset_lists_the_closest_names():
    with pytest.raises(ValueError, match="vae_mnist"):
        zoo.load("vae_mnsit")


def test_create_returns_a_built_untrained_model():
    model = zoo.create("vae", image_shape=(8, 8, 1), latent_dim=2, filters=[4], hidden=0)
    assert model.built and model.latent_dim == 2


def test_bad_config_is_a_clear_error():
    with pytest.raises(ValueError, match="multiples of 4"):
        zoo.create("vae", image_shape=(6, 6, 1), filters=[4, 8])
    with pytest.raises(ValueError, match="channels"):
        zoo.create("vae", image_shape=(8, 8, 2))


def test_every_preset_names_a_registered_architecture_and_a_valid_config():
    for name, entry in presets().items():
        assert entry["arch"] in architectures(), name
        get_architecture(entry["arch"])(**entry["config"])
        # The architecture's name, an optional variant tag (ae2d: a 2-D code), then the data.
        assert re.match(rf"{entry['arch']}[0-9a-z]*_", name), name
