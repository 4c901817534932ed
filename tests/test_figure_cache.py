"""The baselines' figures are measured once per set of inputs and kept on disk, whole or not at all."""

import json

import pytest

from tests.conftest import data_dir_or_skip
from zoo.metrics import evaluate
from zoo.metrics.evaluate import cached_figures, metric


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ZOO_FIGURE_CACHE", raising=False)
    return tmp_path / "figures"


class Measure:
    def __init__(self, value=1.5):
        self.calls, self.value = 0, value

    def __call__(self):
        self.calls += 1
        return {"gmm_fid_domain": metric(self.value, "", "test", 10, "gmm: FID", False, True)}


def test_a_second_call_with_the_same_inputs_reads_the_first_measurement(cache):
    measure = Measure()
    first = cached_figures("baselines", {"dataset": "mnist", "n": 10}, measure)
    second = cached_figures("baselines", {"n": 10, "dataset": "mnist"}, measure)
    assert measure.calls == 1
    assert first == second and second["gmm_fid_domain"]["value"] == 1.5
    assert len(list(cache.glob("baselines-*.json"))) == 1


def test_other_inputs_are_measured_afresh(cache):
    measure = Measure()
    cached_figures("baselines", {"dataset": "mnist", "n": 10}, measure)
    cached_figures("baselines", {"dataset": "mnist", "n": 20}, measure)
    cached_figures("vae", {"dataset": "mnist", "n": 10}, measure)
    assert measure.calls == 3


def test_the_cache_can_be_switched_off(cache, monkeypatch):
    monkeypatch.setenv("ZOO_FIGURE_CACHE", "0")
    measure = Measure()
    for _ in range(2):
        cached_figures("baselines", {"n": 10}, measure)
    assert measure.calls == 2 and not cache.exists()


def test_an_unreadable_entry_is_measured_again_and_replaced(cache):
    cached_figures("baselines", {"n": 10}, Measure(1.5))
    (entry,) = cache.glob("*.json")
    entry.write_text('{"key": {"n": 10}, "figures": {"gmm_fid')  # cut off mid-write
    measure = Measure(2.5)
    assert cached_figures("baselines", {"n": 10}, measure)["gmm_fid_domain"]["value"] == 2.5
    assert measure.calls == 1
    assert json.loads(entry.read_text())["figures"]["gmm_fid_domain"]["value"] == 2.5


def test_an_entry_of_the_wrong_shape_is_measured_again(cache):
    cached_figures("baselines", {"n": 10}, Measure(1.5))
    (entry,) = cache.glob("*.json")
    entry.write_text("[1, 2, 3]")
    assert cached_figures("baselines", {"n": 10}, Measure(2.5))["gmm_fid_domain"]["value"] == 2.5


def test_a_failed_measurement_leaves_no_entry(cache):
    def fails():
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        cached_figures("baselines", {"n": 10}, fails)
    assert not cache.exists() or not any(cache.iterdir())


def test_baselines_measure_once_per_inputs(cache, monkeypatch):
    measure = Measure()
    calls = []
    monkeypatch.setattr(evaluate, "measuring_inputs", lambda dataset, data_dir=None: {"code": "abc"})
    monkeypatch.setattr(evaluate, "measure_baselines", lambda *a, **k: calls.append(k) or measure())
    for _ in range(2):
        evaluate.baselines("mnist", n=10)
    evaluate.baselines("mnist", n=10, seed=1)
    assert measure.calls == 2 and [k["seed"] for k in calls] == [0, 1]


def test_the_inputs_name_the_data_the_code_and_the_libraries():
    data_dir = data_dir_or_skip("mnist")
    inputs = evaluate.measuring_inputs("mnist", data_dir)
    assert "t10k-images-idx3-ubyte.gz" in inputs["data"]
    assert len(inputs["code"]) == 64 and "numpy" in inputs["versions"]
    assert inputs == evaluate.measuring_inputs("mnist", data_dir)
