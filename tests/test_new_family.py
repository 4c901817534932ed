"""A new family needs its own folder, its presets and its tiny config, and nothing else in zoo/.

The toy family in tests/new_family/toy_family (a game of three players with a
lazy regulariser, and an exact-likelihood flow) is placed among `zoo.models`
at run time, as a family folder would be, and is then found, built, trained,
saved, loaded, measured and exported by the shared machinery alone.
"""

import json
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
import zoo.models
from zoo import pretrained, registry
from zoo.capabilities import ExactLikelihood, Translator, capabilities

FAMILY = str(Path(__file__).parent / "new_family")
TINY = {"toy_cycle": {"image_shape": (4, 4, 1)}, "toy_flow": {"image_shape": (4, 4, 1)}}


@pytest.fixture(autouse=True)
def toy_family():
    zoo.models.__path__.append(FAMILY)
    registry.forget_catalogue()
    yield
    zoo.models.__path__.remove(FAMILY)
    registry.forget_catalogue()


def unpaired(n=8, batch=4):
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 0.5, (n, 4, 4, 1)).astype("float32")
    b = rng.uniform(0.5, 1, (n, 4, 4, 1)).astype("float32")
    return tf.data.Dataset.from_tensor_slices((a, b)).batch(batch)


def images(n=8):
    return np.random.default_rng(1).uniform(0, 1, (n, 4, 4, 1)).astype("float32")


def test_the_registry_finds_the_family_without_importing_it():
    assert {"toy_cycle", "toy_flow", "toy_flow_noise"} <= set(zoo.list_models("toy*"))
    assert registry.get_preset("toy_flow_noise")["arch"] == "toy_flow"


def test_a_game_of_three_players_and_a_lazy_regulariser_trains_with_one_optimizer_each():
    model = zoo.create("toy_cycle", **TINY["toy_cycle"])
    assert capabilities(model) == ["Translator"]
    assert model.optimizer_names == ("d_a_optimizer", "d_b_optimizer", "g_optimizer")
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    before = {name: [w.numpy().copy() for w in getattr(model, name).weights] for name in ("g_ab", "d_a", "d_b")}
    logs = model.fit(unpaired(), epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in logs.values())
    for name, weights in before.items():
        assert any(not np.array_equal(a, b.numpy()) for a, b in zip(weights, getattr(model, name).weights)), name
    # Two rounds: d_a stepped once a round, and its lazy R1 on round 0 only (every 2 rounds).
    assert int(model.d_a_optimizer.iterations) == 3
    assert int(model.d_b_optimizer.iterations) == int(model.g_optimizer.iterations) == 2


@pytest.mark.parametrize("every, lazy_rounds", [(1, 6), (2, 3), (3, 2), (16, 1)])
def test_the_lazy_player_runs_on_its_rounds_only(every, lazy_rounds):
    model = zoo.create("toy_cycle", **TINY["toy_cycle"], r1_every=every)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(unpaired(n=16), epochs=1, verbose=0)
    model.fit(unpaired(n=8), epochs=1, verbose=0)  # rounds 0..5, over two fits
    assert int(model.d_a_optimizer.iterations) == 6 + lazy_rounds
    assert int(model.g_optimizer.iterations) == 6


def test_the_game_saves_loads_translates_and_exports(tmp_path):
    model = zoo.create("toy_cycle", **TINY["toy_cycle"])
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(unpaired(), epochs=1, verbose=0)
    pretrained.save(model, tmp_path / "cycle", {"preset": "cycle"})
    loaded = zoo.load(tmp_path / "cycle")
    x = images()
    for direction in model.directions:
        np.testing.assert_array_equal(loaded.translate(x, direction), model.translate(x, direction))
    with pytest.raises(ValueError, match="direction must be one of"):
        model.translate(x, "a_to_c")
    report = zoo.export(loaded, tmp_path / "export", verbose=False)
    assert set(report["onnx"]) == {"translate_a2b", "translate_b2a"}
    assert max(e for errs in report.values() for e in errs.values()) <= 1e-5


def test_the_game_compiles_from_its_saved_config_with_every_optimizer(tmp_path):
    model = zoo.create("toy_cycle", **TINY["toy_cycle"])
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(unpaired(), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert [int(o.iterations) for o in loaded.optimizers()] == [int(o.iterations) for o in model.optimizers()]


def test_an_exact_likelihood_model_trains_measures_and_exports(tmp_path):
    model = zoo.create("toy_flow", **TINY["toy_flow"])
    assert isinstance(model, ExactLikelihood) and not isinstance(model, Translator)
    model.compile(optimizer=keras.optimizers.Adam(0.1))
    x = images(64)
    before = model.log_prob(x).mean()
    model.fit(tf.data.Dataset.from_tensor_slices(x).batch(16), epochs=3, verbose=0)
    after = model.log_prob(x).mean()
    assert after > before, "maximum likelihood did not raise the likelihood"
    # bits/dim of 8-bit images: -log p(x) / (D log 2) + 8, for a density over [0, 1]^D.
    np.testing.assert_allclose(model.bits_per_dim(x), -model.log_prob(x) / (16 * np.log(2)) + 8, rtol=1e-5)
    pretrained.save(model, tmp_path / "flow", {"preset": "flow"})
    loaded = zoo.load(tmp_path / "flow")
    np.testing.assert_array_equal(loaded.log_prob(x), model.log_prob(x))
    np.testing.assert_array_equal(loaded.sample(3, seed=4), model.sample(3, seed=4))
    report = zoo.export(loaded, tmp_path / "export", verbose=False)
    assert set(report["saved_model"]) == {"log_prob", "sample"} and set(report["onnx"]) == {"log_prob"}
    config = json.loads((tmp_path / "flow" / "config.json").read_text())
    assert config["config"]["image_shape"] == [4, 4, 1]


def test_the_flow_is_measured_by_its_capabilities(monkeypatch):
    import zoo.data
    from zoo.metrics import evaluate

    model = zoo.create("toy_flow", **TINY["toy_flow"])
    monkeypatch.setattr(zoo.data, "BUILTIN", {"noise": type("Set", (), {"num_classes": 0})()})
    monkeypatch.setattr(zoo.data, "as_numpy", lambda *a, **k: images(32))
    monkeypatch.setattr(evaluate, "load_evaluator", lambda dataset: None)
    figures = evaluate.evaluate(model, "noise")
    assert set(figures) == {"nll_exact", "bits_per_dim"}
    assert figures["bits_per_dim"]["unit"] == "bits/dim"
