"""Recipes of the classical baselines: `pca_*`, `gmm_*` and `kde_*` on MNIST and Fashion-MNIST.

Each is fitted on the train split in closed form (PCA) or by EM (the mixture),
or by storing codes and choosing a bandwidth on held-out codes (the KDE), then
measured on the test split with the instruments of the neural presets
(`zoo.metrics.evaluate.evaluate`): the reconstruction error for PCA, FID
(domain), KID and precision/recall of 10,000 samples for the samplers.

A baseline's card compares it with a still simpler one, measured the same way:
PCA with the mean training image (no components at all), the mixture and the
KDE with a single full-covariance Gaussian in the same PCA space.
"""

import time

import numpy as np

from training.vae_mnist import LICENCES

SINGLE_GAUSSIAN_ITERATIONS = 2  # EM with one component is exact after its first M-step


def fit_model(entry, recipe, train_x):
    """Creates the preset's model and fits it on `train_x`; returns (model, wall seconds).

    With a `select` grid in the recipe, the size (and the KDE's bandwidth) is
    chosen by held-out likelihood over pixels, as for the cards' baselines; a
    choice that differs from the preset's recorded `config` is said, and the
    chosen model is the one packaged.
    """
    import zoo
    from zoo.models.classical.classical import GMM, KDE

    arch, grid, seed = entry["arch"], recipe.get("select"), recipe["seed"]
    began = time.time()
    if arch == "gmm" and grid:
        candidates = [(k, d) for k in grid["n_components"] for d in grid["pca_dim"]]
        model = GMM.selected(train_x, candidates, seed=seed, iterations=recipe["iterations"], reg=recipe["reg"])
    elif arch == "kde" and grid:
        model = KDE.selected(train_x, grid["pca_dim"], grid["bandwidth"],
                             max_points=entry["config"]["max_points"], seed=seed)
    else:
        model = zoo.create(arch, **entry["config"])
        options = {"gmm": {"iterations": recipe.get("iterations", 50), "seed": seed, "reg": recipe.get("reg", 1e-4)},
                   "kde": {"seed": seed, "bandwidths": recipe.get("bandwidths", (0.1, 0.2, 0.3, 0.5, 0.7, 1.0))},
                   "pca": {}}[arch]
        model.fit_data(train_x, **options)
    wall = time.time() - began
    differs = {k: (v, model.get_config()[k]) for k, v in entry["config"].items()
               if k != "image_shape" and model.get_config()[k] != v}
    if differs:
        print(f"the held-out selection chose {', '.join(f'{k}={b} (the preset records {a})' for k, (a, b) in differs.items())}: "
              "the chosen model is packaged; update CHOSEN in zoo/models/classical/classical_presets.py")
    return model, wall


def selection_text(selection, *names):
    """'50 components x 80 PCA dims (681.9 nats/image held out), the best of 16: ...' for a card."""
    ranked = sorted(selection["candidates"], key=lambda c: -c["held_out_nats"])

    def setting(c):
        return ", ".join(f"{c[k]:g} {label}" for k, label in names)

    others = "; ".join(f"{setting(c)}: {c['held_out_nats']:.1f}" for c in ranked[1:6])
    # A choice at the end of a grid says the grid may have stopped too soon.
    edges = [label for k, label in names
             if ranked[0][k] == max(c[k] for c in ranked) and len({c[k] for c in ranked}) > 1]
    edge = (f" The choice is the grid's largest {' and '.join(edges)}: a larger one might hold out better still."
            if edges else "")
    return (f"{setting(ranked[0])} ({ranked[0]['held_out_nats']:.1f} nats/image, "
            f"{ranked[0]['bits_per_dim']:.3f} bits/dim on the held-out {selection['held_out']}, fitted on "
            f"{selection['fit_images']:,} other training images), the best of {len(ranked)} settings; the next: "
            f"{others}.{edge}")


def pca_figures(model, dataset, train_x, test_x, data_dir=None):
    from zoo.metrics.core import mse
    from zoo.metrics.evaluate import evaluate, metric, outlier_figures

    figures = evaluate(model, dataset, data_dir=data_dir)
    figures["recon_mse"]["versus"] = ["baseline_mean_image_recon_mse"]
    mean = np.broadcast_to(train_x.mean(axis=0, dtype=np.float64), test_x.shape)
    figures["baseline_mean_image_recon_mse"] = metric(
        mse(mean, test_x), "mse", "test", len(test_x), "every image replaced by the mean training image",
        False, baseline=True)
    # The autoencoders' outlier figure, by PCA's own reconstruction error; the
    # PCA baseline it names would be this very figure.
    figures.update(outlier_figures(model, dataset, data_dir=data_dir))
    figures["outlier_auroc"].pop("versus", None)
    return figures


def sampler_figures(model, dataset, train_x, test_x, data_dir=None, n=10000, seed=0):
    import zoo
    from zoo.metrics.evaluate import SAMPLE_METRICS, evaluate, load_evaluator, sample_figures

    figures = evaluate(model, dataset, n=n, data_dir=data_dir, seed=seed)
    for name in ("fid_domain", "kid_domain"):
        figures[name]["versus"] = [f"baseline_gaussian_{name}"]
    gaussian = zoo.create("gmm", image_shape=model.image_shape, n_components=1, pca_dim=model.pca_dim)
    gaussian.fit_data(train_x, iterations=SINGLE_GAUSSIAN_ITERATIONS, seed=seed)
    found = sample_figures(gaussian.sample(n, seed=seed), test_x, load_evaluator(dataset), dataset, baseline=True)
    for key in SAMPLE_METRICS:
        found[key]["evaluator"] = f"one full-covariance Gaussian in the same {model.pca_dim}-d PCA space: " + (
            found[key]["evaluator"])
        figures[f"baseline_gaussian_{key}"] = found[key]
    return figures


def fit_note(arch, dataset, model):
    info = model.fit_info
    if arch == "pca":
        return (f"Exact principal components of the train split (eigendecomposition of the pixel covariance); "
                f"the {model.n_components} components explain {info['explained_variance_ratio']:.1%} of its "
                f"variance. {model.n_components} is the code size of vae_{dataset}, whose card shows this same "
                "fit as `baseline_pca_recon_mse`.")
    if arch == "gmm":
        chosen = ("" if "selection" not in info else "Size chosen by held-out likelihood over pixels: "
                  + selection_text(info["selection"], ("n_components", "components"), ("pca_dim", "PCA dims"))
                  + " ")
        return (f"{chosen}EM (scikit-learn) for {model.n_components} full-covariance Gaussians on the train split's "
                f"first {model.pca_dim} principal components, at most {info['iterations']} iterations from a "
                f"k-means start (seed {info['seed']}); the settings of vae_{dataset}'s `baseline_gmm_*` figures.")
    if "selection" in info:
        chosen = ("PCA size and bandwidth chosen by held-out likelihood over pixels: "
                  + selection_text(info["selection"], ("pca_dim", "PCA dims"), ("bandwidth", "code stds")) + " ")
        return (f"{chosen}{model.max_points} random training codes in a {model.pca_dim}-d PCA space; kernel "
                f"bandwidth {info['bandwidth']:.4g} ({info['bandwidth_in_code_stds']:g} times the codes' mean "
                f"standard deviation); the settings of vae_{dataset}'s `baseline_kde_*` figures.")
    return (f"{model.max_points} random training codes in a {model.pca_dim}-d PCA space; kernel bandwidth "
            f"{info['bandwidth']:.4g} ({info['bandwidth_in_code_stds']:g} times the codes' mean standard "
            "deviation), the best of the recipe's candidates by log-likelihood on 1000 held-out training "
            f"codes; the settings of vae_{dataset}'s `baseline_kde_*` figures.")


def limits(arch, model):
    if arch == "pca":
        return ("A linear code: the best one of its size under squared error, hence blur wherever a stroke "
                "could be in several places. It has no prior to sample from.")
    if arch == "gmm":
        return (f"Samples are blurry combinations of {model.pca_dim} principal components, clipped to [0, 1]. The "
                f"density is over the {model.pca_dim}-d code, so `score` and `code_log_density` are not "
                "likelihoods of images and are not comparable with a VAE's nats (the held-out figures above are "
                "over pixels: the code's density times an isotropic Gaussian on the residual). `model.onnx` is "
                "`decode` (code -> image): sampling uses stateless random ops, which ONNX lacks; it is in the "
                "SavedModel export.")
    return ("Samples are stored training codes plus Gaussian noise, decoded: near the training set by "
            f"construction (a KDE memorises). The density is over the {model.pca_dim}-d code, not over images. "
            "`model.onnx` is `decode`; sampling is in the SavedModel export.")


WHY = {
    "pca": ("A classical baseline the autoencoders and VAEs must beat at the same code size, measured with "
            "their instruments (`recon_mse`, and `outlier_auroc` against the other 28x28 grey set)."),
    "gmm": ("A classical baseline the neural samplers must beat, measured with their instruments "
            "(evaluator_{dataset} features for FID (domain), KID and precision/recall)."),
}
WHY["kde"] = WHY["gmm"]


def notes_for(entry, model):
    dataset, arch = entry["dataset"], entry["arch"]
    return {"Fit": fit_note(arch, dataset, model), "Limits": limits(arch, model),
            "Why it is here": WHY[arch].format(dataset=dataset),
            "Licence": LICENCES[dataset]}


def run(out=None, epochs=None, data_dir=None, resume=False, preset=None):
    import zoo
    from training.common import first_per_class, interleave, print_metrics, start
    from zoo.exporters.preset import package

    if preset is None:
        raise ValueError("training.classical holds several recipes: pass preset= (e.g. 'pca_mnist')")
    if epochs is not None or resume:
        print(f"{preset} is fitted in closed form or by EM in one pass: --epochs and --resume do not apply")
    entry, recipe = start(preset)
    dataset = entry["dataset"]
    train_x = zoo.data.as_numpy(dataset, "train", data_dir=data_dir)
    test_x, test_y = zoo.data.as_numpy(dataset, "test", data_dir=data_dir, with_labels=True)
    model, wall = fit_model(entry, recipe, train_x)
    print(f"fitted {preset} in {wall:.1f} s: {model.get_config()}, "
          f"{ {k: v for k, v in model.fit_info.items() if k != 'selection'} }")

    if entry["arch"] == "pca":
        metrics = pca_figures(model, dataset, train_x, test_x, data_dir)
        shown = test_x[first_per_class(test_y, per_class=3)]
        # Rows alternate: ten test images, one per class, then their reconstructions.
        images = {"reconstructions.png": (interleave(shown, model.reconstruct(shown), 10), 10)}
    else:
        metrics = sampler_figures(model, dataset, train_x, test_x, data_dir, seed=recipe["seed"])
        if "selection" in model.fit_info:
            metrics["fid_domain"]["selection"] = model.fit_info["selection"]
        images = {"samples.png": (model.sample(64, seed=0), 8)}
    print_metrics(metrics)
    return package(model, out, entry, recipe, metrics, wall, 0, zoo.data.raw_files(dataset, data_dir),
                   images, notes_for(entry, model))
