"""The instruments of what autoencoders are for give the known answers, and can fail.

Outlier AUROC, the few-label study, the denoising baselines and the plots.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

from zoo import plots
from zoo.metrics import (
    add_noise,
    auroc,
    classifier_from_encoder,
    few_label_study,
    few_labels,
    fine_tune_classifier,
    logistic_regression,
    median_filter,
)
from zoo.metrics.probe import fit_logistic_regression

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# --- auroc -------------------------------------------------------------------


def brute_force_auroc(inl, out):
    pairs = [(o > i) + 0.5 * (o == i) for i in inl for o in out]
    return float(np.mean(pairs))


def test_auroc_known_answers():
    assert auroc([0.1, 0.2, 0.3], [0.5, 0.9]) == 1.0
    assert auroc([0.5, 0.9], [0.1, 0.2, 0.3]) == 0.0
    x = np.random.default_rng(0).normal(size=50)
    assert auroc(x, x) == 0.5
    assert auroc(np.ones(7), np.ones(3)) == 0.5


def test_auroc_matches_pair_counting_with_ties():
    rng = np.random.default_rng(1)
    for _ in range(5):
        # Few distinct values: many ties within and across the two sets.
        inl, out = rng.integers(0, 6, rng.integers(1, 40)), rng.integers(1, 8, rng.integers(1, 40))
        assert auroc(inl, out) == pytest.approx(brute_force_auroc(inl, out), abs=1e-12)


def test_auroc_is_the_mann_whitney_statistic_on_continuous_scores():
    rng = np.random.default_rng(2)
    inl, out = rng.normal(size=300), rng.normal(0.5, 1.0, 200)
    assert auroc(inl, out) == pytest.approx(brute_force_auroc(inl, out), abs=1e-12)
    assert auroc([0.1, 0.2], [0.2, 0.3]) == 0.875  # the docstring's example: one tie counts half
    assert auroc(inl, out) == pytest.approx(1 - auroc(out, inl), abs=1e-12)


def test_auroc_refuses_bad_scores():
    with pytest.raises(ValueError, match="non-empty 1-D"):
        auroc([], [1.0])
    with pytest.raises(ValueError, match="scores_out.*1-D"):
        auroc([1.0], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        auroc([1.0, np.nan], [1.0])
    with pytest.raises(ValueError, match="NaN or inf"):
        auroc([1.0], [np.inf])


# --- few labels and logistic regression --------------------------------------


def test_few_labels_is_balanced_and_deterministic():
    y = np.random.default_rng(0).integers(0, 4, 200)
    x = np.zeros((200, 3))
    idx = few_labels(x, y, 5, seed=3)
    assert len(idx) == 20 and len(set(idx.tolist())) == 20
    assert np.bincount(y[idx]).tolist() == [5, 5, 5, 5]
    np.testing.assert_array_equal(idx, few_labels(x, y, 5, seed=3))
    assert not np.array_equal(idx, few_labels(x, y, 5, seed=4))
    with pytest.raises(ValueError, match="fewer than per_class"):
        few_labels(x, y, 150)
    with pytest.raises(ValueError, match="labels for 5 examples"):
        few_labels(x[:5], y, 1)


def blobs(n, k=3, dim=5, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).normal(0, 4, (k, dim))
    y = rng.integers(0, k, n)
    return centres[y] + rng.normal(size=(n, dim)), y


def test_logistic_regression_separates_blobs_and_not_random_labels():
    xtr, ytr = blobs(300, seed=1)
    xte, yte = blobs(500, seed=2)
    assert logistic_regression(xtr, ytr, xte, yte) > 0.9
    rng = np.random.default_rng(3)
    noise_tr, noise_te = rng.normal(size=(500, 20)), rng.normal(size=(2000, 20))
    chance = logistic_regression(noise_tr, rng.integers(0, 10, 500), noise_te, rng.integers(0, 10, 2000))
    assert 0.06 < chance < 0.14


def test_logistic_regression_reaches_the_minimum_of_its_stated_objective():
    # mean cross-entropy + l2/2 ||W||^2 on standardised features, bias unpenalised: its gradient vanishes there.
    x, y = blobs(120, k=3, dim=4, seed=5)
    x = x + np.random.default_rng(6).normal(0, 3, x.shape)  # overlapping classes: the penalty matters
    l2 = 0.05
    model = fit_logistic_regression(x, y, l2=l2, tol=1e-10)
    z = model[0].transform(x)
    head = model[-1]
    logits = z @ head.coef_.T + head.intercept_
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    err = (p - np.eye(3)[y]) / len(x)
    np.testing.assert_allclose(z.T @ err + l2 * head.coef_.T, 0, atol=1e-7)
    np.testing.assert_allclose(err.sum(0), 0, atol=1e-7)
    # A stronger penalty gives smaller weights: l2 is per example, as documented.
    assert np.linalg.norm(fit_logistic_regression(x, y, l2=10 * l2)[-1].coef_) < np.linalg.norm(head.coef_)


def test_logistic_regression_says_when_it_ran_out_of_iterations():
    xtr, ytr = blobs(200, seed=1)
    with pytest.warns(RuntimeWarning, match="max_iter=1 "):
        logistic_regression(xtr, ytr, xtr, ytr, max_iter=1)
    # One class: nothing to fit, that class is the answer.
    assert logistic_regression(xtr, np.zeros(200, int), xtr, np.zeros(200, int)) == 1.0


def test_logistic_regression_takes_images_and_refuses_mismatches():
    xtr, ytr = blobs(100, dim=4)
    images = xtr.reshape(100, 2, 2, 1)
    assert logistic_regression(images, ytr, images, ytr) == logistic_regression(xtr, ytr, xtr, ytr)
    with pytest.raises(ValueError, match="differ in size"):
        logistic_regression(xtr, ytr, xtr[:, :3], ytr)
    with pytest.raises(ValueError, match="labels for 100"):
        logistic_regression(xtr, ytr[:50], xtr, ytr)
    with pytest.raises(ValueError, match="int class labels"):
        logistic_regression(xtr, ytr.astype(float), xtr, ytr)


# --- fine-tuning ---------------------------------------------------------------


def tiny_encoder(outputs=1):
    import keras

    keras.utils.set_random_seed(7)
    images = keras.Input((8, 8, 1))
    h = keras.layers.Dense(8, activation="relu")(keras.layers.Flatten()(images))
    code = keras.layers.Dense(3)(h)
    return keras.Model(images, code if outputs == 1 else [code, keras.layers.Dense(3)(h)])


def tiny_images(n, seed=0):
    # Class 1 is the brighter half of the image: learnable in a few steps.
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.uniform(0, 0.5, (n, 8, 8, 1)).astype(np.float32)
    x[y == 1, :4] += 0.5
    return x, y


def test_fine_tuning_leaves_the_encoder_alone_and_repeats():
    encoder = tiny_encoder()
    before = [w.copy() for w in encoder.get_weights()]
    x, y = tiny_images(32)
    runs = [fine_tune_classifier(encoder, x, y, x, y, 2, epochs=2, batch_size=16, shift=1, seed=s)
            for s in (0, 0)]
    for w, b in zip(encoder.get_weights(), before):
        np.testing.assert_array_equal(w, b)
    assert runs[0] == runs[1] and 0 <= runs[0] <= 1


def test_from_scratch_is_the_same_network_with_fresh_weights():
    encoder = tiny_encoder()
    tuned = classifier_from_encoder(encoder, 4)
    fresh = classifier_from_encoder(encoder, 4, from_scratch=True)
    n = len(encoder.get_weights())
    assert [w.shape for w in fresh.get_weights()[:n]] == [w.shape for w in encoder.get_weights()]
    for w, e in zip(tuned.get_weights()[:n], encoder.get_weights()):
        np.testing.assert_array_equal(w, e)
    kernels = [(f, e) for f, e in zip(fresh.get_weights()[:n], encoder.get_weights()) if f.ndim == 2]
    assert kernels and all(not np.array_equal(f, e) for f, e in kernels)
    assert tuned.output_shape == (None, 4) and tuned.get_layer("head").units == 4


def test_classifier_takes_a_vae_encoders_mean_and_refuses_what_it_cannot_build():
    import keras

    clf = classifier_from_encoder(tiny_encoder(outputs=2), 2)
    assert clf.predict(np.zeros((2, 8, 8, 1), np.float32), verbose=0).shape == (2, 2)
    with pytest.raises(ValueError, match="input shape"):
        classifier_from_encoder(keras.Sequential([keras.layers.Dense(2)]), 2)
    images = keras.Input((8, 8, 1))
    spatial = keras.Model(images, keras.layers.Conv2D(2, 3)(images))
    with pytest.raises(ValueError, match=r"codes \(N, d\)"):
        classifier_from_encoder(spatial, 2)


def test_few_label_study_gives_four_accuracies_and_leaves_the_encoder_alone():
    encoder = tiny_encoder()
    before = [w.copy() for w in encoder.get_weights()]
    x, y = tiny_images(60, seed=1)
    xt, yt = tiny_images(40, seed=2)
    result = few_label_study(encoder, x, y, xt, yt, per_class=10, seed=0, epochs=2, batch_size=10)
    assert set(result) == {"probe_accuracy", "finetune_accuracy", "scratch_accuracy", "pixels_logreg_accuracy"}
    assert all(isinstance(v, float) and 0 <= v <= 1 for v in result.values())
    # The pixels tell the classes apart by brightness: logistic regression finds it.
    assert result["pixels_logreg_accuracy"] > 0.9
    for w, b in zip(encoder.get_weights(), before):
        np.testing.assert_array_equal(w, b)


# --- denoising baselines --------------------------------------------------------


def brute_force_median(images, size, mode):
    r = size // 2
    padded = np.pad(images, ((0, 0), (r, r), (r, r), (0, 0)), mode=mode)
    out = np.empty_like(images)
    n, h, w, c = images.shape
    for i in range(n):
        for y in range(h):
            for x in range(w):
                for ch in range(c):
                    out[i, y, x, ch] = np.median(padded[i, y : y + size, x : x + size, ch])
    return out


def test_median_filter_removes_isolated_salt_exactly():
    clean = np.full((2, 9, 9, 1), 0.3, np.float32)
    noisy = clean.copy()
    for y, x in [(0, 0), (4, 4), (8, 2), (2, 7)]:
        noisy[:, y, x] = 1.0
    for mode in ("reflect", "edge"):
        np.testing.assert_array_equal(median_filter(noisy, mode=mode), clean)


def test_median_filter_matches_a_per_pixel_median():
    images = np.random.default_rng(0).uniform(size=(3, 6, 7, 2)).astype(np.float32)
    for size, mode in [(3, "reflect"), (5, "edge"), (1, "reflect"), (5, "reflect"), (7, "edge")]:
        got = median_filter(images, size=size, mode=mode)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, brute_force_median(images, size, mode))


def test_median_filter_refuses_bad_arguments():
    with pytest.raises(ValueError, match="odd positive"):
        median_filter(np.zeros((1, 4, 4, 1)), size=2)
    with pytest.raises(ValueError, match="NHWC"):
        median_filter(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="mode"):
        median_filter(np.zeros((1, 4, 4, 1)), mode="wrap")


def test_add_noise_is_deterministic_and_respects_its_level():
    grey = np.full((4, 10, 10, 3), 0.5, np.float32)
    for kind, level in [("gaussian", 0.1), ("masking", 0.3), ("salt_pepper", 0.2)]:
        a = add_noise(grey, kind, level, seed=1)
        np.testing.assert_array_equal(a, add_noise(grey, kind, level, seed=1))
        assert not np.array_equal(a, add_noise(grey, kind, level, seed=2))
        assert a.dtype == np.float32 and a.shape == grey.shape and 0 <= a.min() and a.max() <= 1
    assert np.all(grey == 0.5)
    assert np.std(add_noise(grey, "gaussian", 0.1, seed=0) - grey) == pytest.approx(0.1, rel=0.05)
    masked = add_noise(grey, "masking", 0.3, seed=0)
    # Exactly 30 of the 100 pixels of each image, every channel of each.
    assert (masked == 0).all(axis=3).sum(axis=(1, 2)).tolist() == [30] * 4
    assert np.array_equal(masked == 0, np.repeat((masked == 0).all(axis=3, keepdims=True), 3, axis=3))
    salted = add_noise(grey, "salt_pepper", 0.2, seed=0)
    hit = salted[..., 0] != 0.5
    assert hit.sum(axis=(1, 2)).tolist() == [20] * 4
    assert set(np.unique(salted[hit[..., None].repeat(3, axis=3)]).tolist()) == {0.0, 1.0}


def test_add_noise_refuses_bad_arguments():
    x = np.zeros((1, 4, 4, 1), np.float32)
    with pytest.raises(ValueError, match="kind"):
        add_noise(x, "speckle", 0.1)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        add_noise(x, "masking", 1.5)
    with pytest.raises(ValueError, match=">= 0"):
        add_noise(x, "gaussian", -0.1)
    with pytest.raises(ValueError, match="floats"):
        add_noise(np.zeros((1, 4, 4, 1), np.uint8), "gaussian", 0.1)


# --- plots -------------------------------------------------------------------


def leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_plots_write_png_files(tmp_path):
    rng = np.random.default_rng(0)
    out = plots.latent_map(rng.normal(size=(50, 2)), rng.integers(0, 3, 50), ["a", "b", "c"],
                           tmp_path / "latent.png", title="codes")
    assert out == tmp_path / "latent.png" and out.read_bytes()[:8] == PNG_MAGIC
    curves = {"autoencoder": ([2, 8, 32], [0.05, 0.02, 0.01]), "PCA": ([2, 8, 32], [0.06, 0.03, 0.015])}
    out = plots.curve_plot(curves, tmp_path / "sub" / "mse.png", "code size", "MSE", logx=True)
    assert out.read_bytes()[:8] == PNG_MAGIC and out.stat().st_size > 1000
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "sub") == []


def test_plots_refuse_bad_input_and_write_nothing(tmp_path):
    target = tmp_path / "latent.png"
    labels = np.zeros(10, int)
    for codes, labs, match in [(np.zeros((10, 3)), labels, r"\(N, 2\)"), (np.zeros(10), labels, r"\(N, 2\)"),
                               (np.zeros((10, 2)), labels[:5], "one per code"),
                               (np.zeros((10, 2)), labels + 5, r"in \[0, 2\)")]:
        with pytest.raises(ValueError, match=match):
            plots.latent_map(codes, labs, ["a", "b"], target)
    with pytest.raises(ValueError, match=".png"):
        plots.latent_map(np.zeros((10, 2)), labels, ["a"], tmp_path / "latent.jpg")
    with pytest.raises(ValueError, match="equally long"):
        plots.curve_plot({"a": ([1, 2], [1])}, tmp_path / "c.png", "x", "y")
    with pytest.raises(ValueError, match="logarithmic"):
        plots.curve_plot({"a": ([0, 1], [1, 2])}, tmp_path / "c.png", "x", "y", logx=True)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    target = tmp_path / "mse.png"
    target.write_bytes(b"previous")

    def half_written(self, fname, **kwargs):
        open(fname, "wb").write(PNG_MAGIC)
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", half_written)
    with pytest.raises(OSError, match="disk full"):
        plots.curve_plot({"a": ([1, 2], [1, 2])}, target, "x", "y")
    assert target.read_bytes() == b"previous" and leftovers(tmp_path) == []


def test_importing_the_metrics_and_plots_imports_no_tensorflow_or_matplotlib():
    code = ("import sys, zoo.metrics, zoo.plots; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.strip() == "[]"
