"""The figures of translation models: the paired figures against values computed independently, and what
`evaluate`, `card_figures` and `zoo eval` measure of a pix2pix and a CycleGAN (tiny untrained models, data
sets replaced by a few random images)."""

import json

import numpy as np
import pytest

import zoo
from zoo.metrics import evaluate, translation
from zoo.metrics.figures import NotMeasurable
from zoo.models.translation import tasks

PIX2PIX = {"image_shape": (16, 16, 3), "filters": [8, 8, 8, 8], "d_filters": [8, 8]}
CYCLE = {"image_shape": (16, 16, 3), "filters": 4, "res_blocks": 1, "d_filters": [4, 8], "pool_size": 2}
CLASSES = ["cat", "dog", "bird"]


def images(n, seed=0, low=0.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, (n, 16, 16, 3)).astype(np.float32)


def fake_data(monkeypatch, n=6):
    """`zoo.data.as_numpy` of any set: `n` random test images (labelled in turn cat, dog, bird), and no Inception.

    Returns the splits served, in order.
    """
    import zoo.data

    served = []
    split_images = {"test": images(n, seed=1), "train": images(n, seed=2)}

    def as_numpy(dataset, split, data_dir=None, with_labels=False, take=None):
        served.append(split)
        x = split_images[split]
        return (x, np.arange(len(x)) % len(CLASSES)) if with_labels else x

    monkeypatch.setattr(zoo.data, "as_numpy", as_numpy)
    monkeypatch.setattr(zoo.data, "info", lambda dataset: {"class_names": CLASSES})
    monkeypatch.setattr(translation, "inception_applies", lambda dataset: False)
    return split_images, served


# ---- the paired figures --------------------------------------------------------

def test_l1_and_psnr_are_those_of_known_errors():
    targets = images(4, low=0.2, high=0.8)
    # Every pixel off by exactly 0.1, half up, half down: L1 0.1, MSE 0.01, PSNR 10 log10(1 / 0.01) = 20 dB.
    signs = np.where(np.random.default_rng(3).uniform(size=targets.shape) < 0.5, -1.0, 1.0).astype(np.float32)
    figures = translation.paired_figures(targets + 0.1 * signs, targets, "noise")
    assert figures["l1"]["value"] == pytest.approx(0.1, rel=1e-5)
    assert figures["psnr"]["value"] == pytest.approx(20.0, abs=1e-3)
    darker = translation.paired_figures(targets - 0.25, targets, "darker")
    assert darker["l1"]["value"] == pytest.approx(0.25, rel=1e-5)
    assert darker["psnr"]["value"] == pytest.approx(10 * np.log10(1 / 0.0625), abs=1e-4)
    with pytest.raises(ValueError, match="flat"):
        translation.paired_figures(targets, np.full_like(targets, 0.5), "flat")
    assert {k: (v["n"], v["split"], v["higher_is_better"]) for k, v in figures.items()} == {
        "l1": (4, "test", False), "psnr": (4, "test", True), "ssim": (4, "test", True),
        "sharpness": (4, "test", True)}
    assert figures["l1"]["evaluator"].startswith("noise: ")


def test_ssim_is_1_for_identical_images_and_the_luminance_term_for_flat_ones():
    x = images(3)
    assert translation.ssim(x, x) == pytest.approx(1.0, abs=1e-6)
    assert translation.ssim(x, images(3, seed=9)) < 0.2
    # Two flat images: no variance, so SSIM is the luminance term (2 m1 m2 + C1) / (m1^2 + m2^2 + C1), C1 = 0.01^2
    # (to float32 rounding of the Gaussian window's sums).
    a, b = np.full((2, 16, 16, 3), 0.2, np.float32), np.full((2, 16, 16, 3), 0.6, np.float32)
    c1 = 0.01 ** 2
    assert translation.ssim(a, b) == pytest.approx((2 * 0.2 * 0.6 + c1) / (0.2 ** 2 + 0.6 ** 2 + c1), abs=3e-4)


def test_sharpness_is_the_ratio_of_edge_strengths():
    x = images(4)
    figures = translation.paired_figures(x, x, "identity")
    assert figures["sharpness"]["value"] == pytest.approx(1.0)
    # Luma, blur and the Sobel magnitude are linear in the contrast and blind to an offset.
    assert translation.paired_figures(0.5 * x + 0.25, x, "halved")["sharpness"]["value"] == pytest.approx(0.5, rel=1e-4)
    assert translation.sharpness(np.full((2, 16, 16, 3), 0.7, np.float32)) == pytest.approx(0.0, abs=1e-6)
    # The same detector as the edges task: its mean Sobel magnitude.
    assert translation.sharpness(x) == pytest.approx(float(np.mean(tasks.edge_strength(x))), rel=1e-6)


def test_paired_figures_name_their_prefix_and_comparisons():
    x = images(2)
    figures = translation.paired_figures(x, x, "base", baseline=True, prefix="baseline_x_",
                                         versus=("baseline_y_",))
    assert set(figures) == {f"baseline_x_{k}" for k in translation.PAIRED_METRICS}
    assert all(m["baseline"] for m in figures.values())
    assert figures["baseline_x_ssim"]["versus"] == ["baseline_y_ssim"]
    assert figures["baseline_x_sharpness"]["detail"] is True


# ---- evaluate and card_figures of a pix2pix ------------------------------------------

def test_evaluate_measures_a_pix2pix_on_sources_its_task_makes_from_the_test_images(monkeypatch):
    splits, served = fake_data(monkeypatch)
    model = zoo.create("pix2pix", **PIX2PIX, task="edges")
    figures = evaluate.evaluate(model, "celeba_64")
    assert set(figures) == set(translation.PAIRED_METRICS)
    assert served == ["test"]
    test = splits["test"]
    translated = model.translate(tasks.apply("edges", test))
    assert figures["l1"]["value"] == pytest.approx(float(np.mean(np.abs(translated - test))), rel=1e-5)
    assert figures["ssim"]["value"] == pytest.approx(translation.ssim(translated, test), rel=1e-5)
    assert figures["l1"]["n"] == 6 and figures["l1"]["evaluator"].startswith("pix2pix: ")
    assert "versus" not in figures["l1"], "a model without a preset names no baseline"
    # --n takes the first n test images; --metrics keeps the named figures.
    assert evaluate.evaluate(model, "celeba_64", n=4)["psnr"]["n"] == 4
    assert set(evaluate.evaluate(model, "celeba_64", metrics=("ssim",))) == {"ssim"}


def test_a_pix2pix_card_compares_with_its_recipes_baselines_and_adds_no_sampling_ones(monkeypatch):
    fake_data(monkeypatch)

    def no_sampling_baselines(*args, **kwargs):
        raise AssertionError("sampling baselines measured for a translator")

    monkeypatch.setattr(evaluate, "baselines", no_sampling_baselines)
    monkeypatch.setattr(evaluate, "vae_figures", no_sampling_baselines)
    model = zoo.create("pix2pix", **PIX2PIX, task="grey")
    model.preset_metadata = {"preset": "tiny", "recipe": {"baseline": "l1_only"}}
    figures = evaluate.card_figures(model, "celeba_64")
    assert set(figures) == {*translation.PAIRED_METRICS, *(f"baseline_grey_input_{k}"
                                                          for k in translation.PAIRED_METRICS)}
    assert figures["l1"]["versus"] == ["baseline_l1_only_l1", "baseline_grey_input_l1"]
    # The grey input is as sharp as the target by construction: sharpness is compared with the L1 baseline only.
    assert figures["sharpness"]["versus"] == ["baseline_l1_only_sharpness"]
    assert figures["baseline_grey_input_sharpness"]["value"] == pytest.approx(1.0, abs=1e-4)
    assert set(evaluate.evaluate(model, "celeba_64")) == set(translation.PAIRED_METRICS)


def test_a_pix2pix_without_a_task_says_what_its_figures_need(monkeypatch):
    _, served = fake_data(monkeypatch)
    with pytest.raises(NotMeasurable, match="no task"):
        evaluate.evaluate(zoo.create("pix2pix", **PIX2PIX), "celeba_64")
    assert served == []


# ---- a CycleGAN ---------------------------------------------------------------------

class MeanColour:
    """An evaluator whose features are each image's mean colour, and which calls every image a dog."""

    def features(self, x):
        return np.asarray(x, np.float64).mean(axis=(1, 2))

    def classify(self, x):
        return np.full(len(x), CLASSES.index("dog"))


def test_evaluate_measures_a_cycle_gan_both_ways_between_the_recorded_domains(monkeypatch):
    splits, _ = fake_data(monkeypatch, n=24)
    monkeypatch.setattr(translation, "load_evaluator", lambda dataset: MeanColour())
    model = zoo.create("cycle_gan", **CYCLE)
    model.preset_metadata = {"preset": "tiny", "recipe": {"domain_a": "cat", "domain_b": "dog"}}
    figures = evaluate.evaluate(model, "cifar10")
    per_direction = ("fid_domain", "kid_domain", "class_rate")
    assert set(figures) == {"cycle_l1_a", "cycle_l1_b", *(f"{k}_{d}" for k in per_direction for d in ("a2b", "b2a"))}
    cats, dogs = splits["test"][0::3], splits["test"][1::3]
    assert figures["cycle_l1_a"]["value"] == pytest.approx(float(np.mean(np.abs(model.cycle(cats) - cats))), rel=1e-5)
    assert figures["cycle_l1_b"]["value"] == pytest.approx(
        float(np.mean(np.abs(model.cycle(dogs, "b2a") - dogs))), rel=1e-5)
    assert (figures["cycle_l1_a"]["n"], figures["cycle_l1_a"]["split"]) == (8, "test (cat)")
    assert (figures["class_rate_a2b"]["value"], figures["class_rate_b2a"]["value"]) == (1.0, 0.0)
    assert figures["fid_domain_a2b"]["versus"] == ["baseline_identity_fid_domain_a2b"]
    card = evaluate.card_figures(model, "cifar10")
    assert set(card) - set(figures) == {f"baseline_identity_{k}_{d}" for k in per_direction for d in ("a2b", "b2a")}
    # Domains given by the caller win over the preset's.
    swapped = translation.translation_figures(model, "cifar10", domains=("dog", "cat"), metrics=("cycle_l1_a",))
    assert swapped["cycle_l1_a"]["split"] == "test (dog)"


def test_a_cycle_gan_without_domains_names_what_is_missing(monkeypatch, tmp_path):
    from zoo import pretrained
    from zoo.cli import main

    _, served = fake_data(monkeypatch)
    model = zoo.create("cycle_gan", **CYCLE)
    with pytest.raises(NotMeasurable, match="domain_a and domain_b"):
        evaluate.evaluate(model, "cifar10")
    with pytest.raises(NotMeasurable, match="domain_a and domain_b"):
        evaluate.card_figures(model, "cifar10")
    pretrained.save(model, tmp_path / "cyc", {"preset": "cyc", "dataset": {"name": "cifar10"}})
    with pytest.raises(SystemExit, match="cyc translates both ways.*domain_a and domain_b, two class names of cifar10"):
        main(["eval", str(tmp_path / "cyc")])
    assert served == []


# ---- zoo eval --------------------------------------------------------------------------

def test_zoo_eval_prints_and_records_a_pix2pix_s_figures_never_with_fewer_samples(monkeypatch, tmp_path, capsys):
    from zoo import pretrained
    from zoo.cli import main

    fake_data(monkeypatch)
    folder = tmp_path / "p2p"
    pretrained.save(zoo.create("pix2pix", **PIX2PIX, task="edges"), folder,
                    {"preset": "p2p", "dataset": {"name": "celeba_64"}, "recipe": {"baseline": "l1_only"}})
    # A figure of the recipe's unshipped baseline, which no eval can measure again.
    pretrained.update_metrics(folder, {"baseline_l1_only_l1": evaluate.metric(0.1, "", "test", 6, "L1 only", False,
                                                                              baseline=True)})
    read = lambda: json.loads((folder / "metadata.json").read_text())["metrics"]  # noqa: E731

    assert main(["eval", str(folder)]) == 0
    out = capsys.readouterr().out
    for name in translation.PAIRED_METRICS:
        assert f"\n{name} " in f"\n{out}"
    assert "pix2pix: SSIM to the target" in out and "n=6" in out
    assert set(read()) == {"baseline_l1_only_l1"}, "printed only"

    assert main(["eval", str(folder), "--baselines", "--record"]) == 0
    recorded = read()
    assert set(recorded) == {"baseline_l1_only_l1", *translation.PAIRED_METRICS}, "a full re-measure dropped figures"
    assert recorded["l1"]["versus"] == ["baseline_l1_only_l1"] and recorded["l1"]["n"] == 6
    assert "baseline_l1_only_l1" in (folder / "MODEL_CARD.md").read_text()

    assert main(["eval", str(folder), "--n", "4", "--record"]) == 2
    err = capsys.readouterr().err
    assert "ssim" in err and "--allow-fewer" in err
    assert read()["ssim"]["n"] == 6
    zoo.load(folder)  # checksums still agree
