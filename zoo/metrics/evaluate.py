"""The figures on a card, computed the same way for every preset.

`evaluate(model, dataset)` measures what the model's capabilities allow:

- `elbo`, `nll_iwae` (models with a likelihood bound),
- `recon_mse` (models that reconstruct),
- `fid_domain`, `kid_domain`, `precision`, `recall` (models that sample, when
  the data set has an evaluator preset),
- `accuracy` (classifiers),
- `class_accuracy` (conditional models: the evaluator's verdict on their samples),
- translators: `l1`, `psnr`, `ssim`, `sharpness` (a one-way model with a
  task), or the cycle error and FID/KID (domain) of each direction between
  two classes (a two-way model), by `zoo.metrics.translation`.

`baselines(dataset, ...)` measures the classical models on the same data with
the same instruments (`zoo.metrics.figures`). Every figure records its
evaluator, sample count and reference split.
"""

import math

import numpy as np

from zoo.capabilities import (
    Autoencoder, Classifier, Conditional, Denoiser, ExactLikelihood, LikelihoodBound, Sampler, SparseCode, Translator,
)
from zoo.metrics.core import mse
from zoo.metrics.figures import (
    INCEPTION_N, cached_figures, inception_applies, inception_figures, load_evaluator, measuring_inputs, metric,
    preset_digest, real_inception_features, sample_figures,
)
from zoo.metrics.translation import translation_figures

SAMPLE_METRICS = ("fid_domain", "kid_domain", "precision", "recall")
INCEPTION_METRICS = ("fid_inception", "kid_inception", "precision_inception", "recall_inception")
IWAE_K, IWAE_N = 100, 1000


def evaluate(model, dataset, n=10000, metrics=None, data_dir=None, seed=0):
    """Measures a model on a built-in data set's test split.

    Args:
        model: a zoo model.
        dataset: a built-in data set name.
        n: number of samples for the sample-quality figures (a translator's:
            at most this many test images, `translation_figures`).
        metrics: optional names to compute (default: all that apply).
        data_dir: folder of the raw data sets (default `$ZOO_DATA_DIR`).
        seed: sampling seed.

    Returns:
        `{name: metric}`.

    Example:
        >>> evaluate(zoo.load("vae_mnist"), "mnist", n=2000)["fid_domain"]["value"]
    """
    import zoo.data

    if isinstance(model, Translator):
        # A translator is measured by its outputs against real images; none of the figures below apply.
        return translation_figures(model, dataset, n=n, metrics=metrics, data_dir=data_dir)
    want = (lambda name: metrics is None or name in metrics)
    labelled = bool(zoo.data.BUILTIN[dataset].num_classes)
    test_x, test_y = (zoo.data.as_numpy(dataset, "test", data_dir=data_dir, with_labels=True) if labelled
                      else (zoo.data.as_numpy(dataset, "test", data_dir=data_dir), None))
    out = {}
    # A conditional model is scored given each test image's true label.
    conditional = isinstance(model, Conditional)
    y = test_y if conditional else None
    given = ", given the true label" if conditional else ""
    bound = isinstance(model, LikelihoodBound)
    likelihood = model.likelihood.capitalize() if bound else ""
    if bound and want("elbo"):
        out["elbo"] = metric(model.elbo(test_x, labels=y).mean(), "nats", "test", len(test_x),
                             f"single-sample ELBO, {likelihood} likelihood{given}", True)
    if bound and want("nll_iwae"):
        nll = -model.log_prob(test_x[:IWAE_N], k=IWAE_K, labels=None if y is None else y[:IWAE_N])
        out["nll_iwae"] = metric(nll.mean(), "nats", f"test[:{IWAE_N}]", IWAE_N,
                                 f"IWAE bound, k={IWAE_K}, {likelihood} likelihood{given}", False)
    if bound and likelihood == "Bernoulli" and want("nll_iwae_binarized"):
        # The published NLLs are of binary images: each pixel drawn from its grey level, seed 0.
        binary = (np.random.default_rng(0).uniform(size=test_x[:IWAE_N].shape) < test_x[:IWAE_N])
        nll = -model.log_prob(binary.astype(np.float32), k=IWAE_K, labels=None if y is None else y[:IWAE_N])
        out["nll_iwae_binarized"] = metric(
            nll.mean(), "nats", f"test[:{IWAE_N}], binarized", IWAE_N,
            f"IWAE bound, k={IWAE_K}, on test images binarized by sampling each pixel from its grey level "
            f"(seed 0){given}", False, detail=True)
    if isinstance(model, ExactLikelihood) and want("nll_exact"):
        nll = -model.log_prob(test_x, labels=y)
        out["nll_exact"] = metric(nll.mean(), "nats", "test", len(test_x),
                                  f"exact log-likelihood of the images as a density over [0, 1]^D{given}", False)
    if isinstance(model, ExactLikelihood) and want("bits_per_dim"):
        out["bits_per_dim"] = metric(
            model.bits_per_dim(test_x, labels=y).mean(), "bits/dim", "test", len(test_x),
            f"exact NLL of the 8-bit images, (-log p + D log 256) / (D log 2) with p the density over [0, 1]^D at "
            f"the images (a flow's: at each pixel's bin centre){given}", False,
            versus=("baseline_gmm_bits_per_dim", "baseline_kde_bits_per_dim"))
    if isinstance(model, Autoencoder) and want("recon_mse"):
        out["recon_mse"] = metric(mse(model.reconstruct(test_x, labels=y), test_x), "mse", "test", len(test_x),
                                  "reconstruction through the mean code, pixels in [0, 1]", False)
    if isinstance(model, Classifier) and want("accuracy"):
        out["accuracy"] = metric((model.classify(test_x) == test_y).mean(), "ratio", "test", len(test_x),
                                 "argmax of the logits", True)
    if isinstance(model, Sampler) and any(want(m) for m in (*SAMPLE_METRICS, "class_accuracy")):
        evaluator = load_evaluator(dataset)
        if evaluator is not None:
            samples = model.sample(n, seed=seed)
            figures = sample_figures(samples, test_x, evaluator, dataset)
            out.update({k: v for k, v in figures.items() if want(k)})
            if conditional and want("class_accuracy"):
                out["class_accuracy"] = class_accuracy(model, evaluator, dataset, n=n, seed=seed)
    if isinstance(model, Sampler) and any(want(m) for m in INCEPTION_METRICS) and inception_applies(dataset):
        samples = model.sample(min(n, INCEPTION_N), seed=seed)
        figures = inception_figures(samples, real_inception_features(dataset, data_dir=data_dir))
        out.update({k: v for k, v in figures.items() if want(k)})
    return out


def class_accuracy(model, evaluator, dataset, n=10000, seed=0):
    """How often the evaluator calls a conditional sample the class it was drawn for (classes in turn)."""
    labels = np.arange(n) % evaluator.num_classes
    samples = model.sample(n, seed=seed, labels=labels)
    accuracy = float(np.mean(evaluator.classify(samples) == labels))
    return metric(accuracy, "ratio", "samples", n, f"evaluator_{dataset}'s argmax on {n} samples, "
                  f"{n // evaluator.num_classes} per class", True)


def baselines(dataset, code_size=None, n=10000, data_dir=None, seed=0, likelihood=True, pixel_density=False):
    """The classical baselines' figures on a data set, with the same instruments.

    - PCA with `code_size` components: reconstruction MSE (when given).
    - A full-covariance Gaussian mixture and a kernel density estimate in a
      PCA space, each with the settings of the best held-out likelihood over
      pixels on the train split (`select_gaussian_mixture`: components x PCA
      size; `select_kernel_density`: PCA size x bandwidth), and a mixture of
      Bernoulli products: sample FID (domain), KID, precision/recall; the
      Bernoulli mixture also its exact test NLL (with `likelihood`: beside a
      model that has one). The GMM's and KDE's figures name the chosen
      settings, and their FIDs carry every candidate's held-out score
      (`selection`).
    - With `pixel_density` (beside a model with an exact likelihood): the
      GMM's and KDE's test bits per dimension as densities over pixels (the
      code's density times an isotropic Gaussian on the residual, the density
      they were chosen by), on the same 8-bit convention as a flow's.

    Kept on disk by `cached_figures`, keyed by all of its inputs.
    """
    key = {"dataset": dataset, "code_size": code_size, "n": n, "seed": seed, "likelihood": likelihood,
           **({"pixel_density": True} if pixel_density else {}), **measuring_inputs(dataset, data_dir)}
    return cached_figures("baselines", key, lambda: measure_baselines(
        dataset, code_size=code_size, n=n, data_dir=data_dir, seed=seed, likelihood=likelihood,
        pixel_density=pixel_density))


def measure_baselines(dataset, code_size=None, n=10000, data_dir=None, seed=0, likelihood=True,
                      pixel_density=False):
    """`baselines` without the cache."""
    import zoo.data
    from zoo.metrics.classical import (PCA, BernoulliMixture, bits_per_dim, select_gaussian_mixture,
                                       select_kernel_density)

    train_x = zoo.data.as_numpy(dataset, "train", data_dir=data_dir)
    test_x = zoo.data.as_numpy(dataset, "test", data_dir=data_dir)
    shape = train_x.shape[1:]
    flat = train_x.reshape(len(train_x), -1)
    out = {}
    if code_size:
        pca = PCA(code_size).fit(flat)
        out["pca_recon_mse"] = metric(mse(pca.reconstruct(test_x), test_x), "mse", "test", len(test_x),
                                      f"PCA with {code_size} components, fitted on train", False, True)
    if likelihood:
        mixture = BernoulliMixture(50, seed=seed).fit(flat)
        nll = -mixture.log_prob(test_x.reshape(len(test_x), -1))
        out["bernoulli_mixture_nll"] = metric(nll.mean(), "nats", "test", len(test_x),
                                              "mixture of 50 Bernoulli products (EM on train), exact", False, True)
        out["bernoulli_mixture_nll_test1000"] = metric(
            nll[:IWAE_N].mean(), "nats", f"test[:{IWAE_N}]", IWAE_N,
            "the same mixture on the IWAE bound's images", False, True)
    evaluator = load_evaluator(dataset)
    inception = inception_applies(dataset)
    if evaluator is not None or inception:
        gmm = select_gaussian_mixture(flat, seed=seed)
        kde = select_kernel_density(flat, seed=seed)

        def among(selection, *names):
            # "among 16 settings: 10, 20, 50, 100 components x 20, 40, 50, 80 PCA dims"
            grids = [", ".join(f"{v:g}" for v in sorted({c[k] for c in selection["candidates"]})) + f" {label}"
                     for k, label in names]
            held = selection["chosen"]["held_out_nats"]
            return (f"chosen by held-out likelihood over pixels ({held:.1f} nats/image on "
                    f"{selection['held_out']}) among {len(selection['candidates'])} settings: "
                    + " x ".join(grids))

        samplers = {
            "gmm": (gmm, f"{gmm.n_components} full-covariance Gaussians in a {gmm.pca_dim}-d PCA space, "
                         + among(gmm.selection_, ("n_components", "components"), ("pca_dim", "PCA dims"))),
            "kde": (kde, f"Gaussian KDE over {len(kde.points_)} training codes in a {kde.pca_dim}-d PCA space, "
                         f"bandwidth {kde.selection_['chosen']['bandwidth']:g} code stds, "
                         + among(kde.selection_, ("pca_dim", "PCA dims"), ("bandwidth", "bandwidths"))),
        }
        for name, (model, how) in samplers.items():
            samples = np.clip(model.sample(n, seed=seed).reshape(n, *shape), 0, 1).astype(np.float32)
            figures = sample_figures(samples, test_x, evaluator, dataset, baseline=True) if evaluator else {}
            if inception:
                figures.update(inception_figures(samples[:INCEPTION_N], real_inception_features(
                    dataset, data_dir=data_dir), baseline=True))
            for key, value in figures.items():
                value["evaluator"] = f"{name}: {how}; " + value["evaluator"]
                if key.startswith("fid"):
                    value["selection"] = model.selection_
                out[f"{name}_{key}"] = value
            if pixel_density:
                # Fitted on the grid x = k / 255: over y = (255 x + 1/2) / 256, the flows' bin centres, the
                # density is p(x) (256/255)^D, so both figures count the same 8-bit bins.
                dims = flat.shape[1]
                nats = model.pixel_log_density(test_x.reshape(len(test_x), -1)) + dims * math.log(256 / 255)
                out[f"{name}_bits_per_dim"] = metric(
                    bits_per_dim(nats, dims).mean(), "bits/dim", "test", len(test_x),
                    f"{name}: {how}; as a density over pixels (the code's times an isotropic Gaussian on the "
                    "residual), at the 8-bit bins' centres: (-log p(y) + D log 256) / (D log 2)", False, True)
    if inception:
        # Two sets of real images at the same n: the figure a perfect model would get.
        train = zoo.data.as_numpy(dataset, "train", data_dir=data_dir, take=INCEPTION_N)
        floor = inception_figures(train, real_inception_features(dataset, data_dir=data_dir), baseline=True,
                                  what=f"real train[:{INCEPTION_N}] images")
        out["real_fid_inception"] = floor["fid_inception"]
        out["real_kid_inception"] = floor["kid_inception"]
    return out


def card_figures(model, dataset, n=10000, metrics=None, data_dir=None, seed=0):
    """Everything a preset's card shows: its own figures (or `metrics` of them), then the baselines'.

    What is measured follows from the model's capabilities: a `Sampler` gets
    `evaluate` and the sampling baselines (a GMM and a KDE, and the VAE of the
    data set beside a sampler that cannot encode); an `Autoencoder` that does
    not sample gets `autoencoder_figures`; a `Translator` gets its figures
    with its own baselines (the untranslated images, the grey input, the
    real-vs-real floor: `translation_figures`); any other model (a
    classifier) gets its own figures from `evaluate`. Sampling baselines
    would mean nothing beside those.
    """
    if isinstance(model, Translator):
        return translation_figures(model, dataset, n=n, metrics=metrics, data_dir=data_dir, baselines=True)
    if not isinstance(model, Sampler):
        figures = (autoencoder_figures(model, dataset, data_dir=data_dir) if isinstance(model, Autoencoder)
                   else evaluate(model, dataset, n=n, metrics=metrics, data_dir=data_dir, seed=seed))
        return {k: v for k, v in figures.items()
                if metrics is None or k in metrics or k.removeprefix("baseline_") in metrics}
    figures = evaluate(model, dataset, n=n, metrics=metrics, data_dir=data_dir, seed=seed)
    # PCA at the same code size only means something beside a model that reconstructs.
    code_size = model.latent_dim if isinstance(model, Autoencoder) else None
    # The Bernoulli mixture's exact likelihood is comparable with a Bernoulli-likelihood bound only.
    found = baselines(dataset, code_size=code_size, n=n, data_dir=data_dir, seed=seed,
                      likelihood=isinstance(model, LikelihoodBound) and model.likelihood == "bernoulli",
                      pixel_density=isinstance(model, ExactLikelihood))
    if not isinstance(model, Autoencoder):
        found.update(vae_figures(dataset, n=n, data_dir=data_dir, seed=seed))
    found.update(compared_figures(model, dataset, n=n, data_dir=data_dir, seed=seed))
    figures.update({f"baseline_{k}": v for k, v in found.items()})
    return figures


# The VAE a generator without an encoder is shown beside, in order of preference.
VAE_PRESETS = ("vae_{}", "beta_vae_{}")


def vae_figures(dataset, n=10000, data_dir=None, seed=0):
    """The sample figures of the data set's VAE preset, measured afresh, as `vae_*`.

    A generator without an encoder (a GAN) is shown beside the VAE of its data
    as well as beside the classical baselines: `vae_<dataset>`, else
    `beta_vae_<dataset>` (the CelebA one); none when neither is exported.
    """
    from zoo.pretrained import exported_presets

    found = [p.format(dataset) for p in VAE_PRESETS if p.format(dataset) in exported_presets()]
    return preset_figures(found[0], "vae", dataset, n=n, data_dir=data_dir, seed=seed) if found else {}


def preset_figures(name, label, dataset, n=10000, data_dir=None, seed=0):
    """The sample figures of exported preset `name`, measured afresh with the same instruments, as `<label>_*`."""
    from zoo.pretrained import load

    def measure():
        figures = evaluate(load(name), dataset, n=n, metrics=(*SAMPLE_METRICS, *INCEPTION_METRICS),
                           data_dir=data_dir, seed=seed)
        out = {}
        for key, value in figures.items():
            value.update(baseline=True, evaluator=f"{name}: " + value["evaluator"])
            out[f"{label}_{key}"] = value
        return out

    key = {"dataset": dataset, "n": n, "seed": seed, label: name, f"{label}_files": preset_digest(name),
           **measuring_inputs(dataset, data_dir)}
    return cached_figures(label, key, measure)


def compared_figures(model, dataset, n=10000, data_dir=None, seed=0):
    """The figures of the presets the model's class names in `compare_with`, as `<arch>_*`, where exported."""
    from zoo.pretrained import exported_presets

    out = {}
    for pattern in model.compare_with:
        name = pattern.format(dataset)
        if name in exported_presets():
            out.update(preset_figures(name, name.split("_")[0], dataset, n=n, data_dir=data_dir, seed=seed))
    return out


# ---- what autoencoders are for -------------------------------------------

# The other grey 28x28 set: the outliers an autoencoder of one set should flag.
OUTLIER_SETS = {"mnist": "fashion_mnist", "fashion_mnist": "mnist"}
# Gaussian noise levels (std) of the denoising figures.
DENOISE_LEVELS = (0.3, 0.5)


def outlier_figures(model, dataset, pca_size=None, data_dir=None):
    """AUROC of `model.score` for the test split (inliers) against the other set's test split.

    Beside it, the same with PCA's reconstruction error at `pca_size` components.
    """
    import zoo.data
    from zoo.metrics.classical import PCA
    from zoo.metrics.outliers import auroc

    other = OUTLIER_SETS.get(dataset)
    if other is None:
        return {}
    inliers = zoo.data.as_numpy(dataset, "test", data_dir=data_dir)
    outliers = zoo.data.as_numpy(other, "test", data_dir=data_dir)
    n = len(inliers) + len(outliers)
    how = f"{dataset} test (inliers) vs {other} test (outliers)"
    out = {"outlier_auroc": metric(auroc(model.score(inliers), model.score(outliers)), "ratio", "test", n,
                                   f"AUROC of score(), {how}", True, versus=["baseline_pca_outlier_auroc"])}
    if pca_size:
        train = zoo.data.as_numpy(dataset, "train", data_dir=data_dir)
        pca = PCA(pca_size).fit(train.reshape(len(train), -1))

        def pca_score(x):
            return np.mean((pca.reconstruct(x) - x) ** 2, axis=(1, 2, 3))

        out["baseline_pca_outlier_auroc"] = metric(
            auroc(pca_score(inliers), pca_score(outliers)), "ratio", "test", n,
            f"AUROC of PCA-{pca_size} reconstruction error, {how}", True, baseline=True)
    return out


def few_label_figures(model, dataset, per_class=100, data_dir=None, seed=0):
    """Accuracy with `per_class` labels per class: the four ways of the few-label study.

    A linear probe on the code, the encoder fine-tuned with a new head, the same
    network trained from scratch, and logistic regression on raw pixels; all on
    the same labelled subset of the train split, measured on the test split.
    """
    import zoo.data
    from zoo.metrics.probe import few_label_study

    train_x, train_y = zoo.data.as_numpy(dataset, "train", data_dir=data_dir, with_labels=True)
    test_x, test_y = zoo.data.as_numpy(dataset, "test", data_dir=data_dir, with_labels=True)
    found = few_label_study(model.encoder, train_x, train_y, test_x, test_y, per_class=per_class, seed=seed)
    labels = f"{per_class} labels per class of the train split"
    return {
        "probe_accuracy": metric(found["probe_accuracy"], "ratio", "test", len(test_x),
                                 f"logistic regression on the code, {labels}", True,
                                 versus=["baseline_pixels_logreg_accuracy"]),
        "finetune_accuracy": metric(found["finetune_accuracy"], "ratio", "test", len(test_x),
                                    f"pre-trained encoder + softmax head, fine-tuned on {labels}", True,
                                    versus=["baseline_scratch_accuracy", "baseline_pixels_logreg_accuracy"]),
        "baseline_scratch_accuracy": metric(found["scratch_accuracy"], "ratio", "test", len(test_x),
                                            f"the same network from random weights, trained on {labels}",
                                            True, baseline=True),
        "baseline_pixels_logreg_accuracy": metric(found["pixels_logreg_accuracy"], "ratio", "test",
                                                  len(test_x), f"logistic regression on raw pixels, {labels}",
                                                  True, baseline=True),
    }


def denoising_figures(model, dataset, levels=DENOISE_LEVELS, data_dir=None, seed=0):
    """PSNR of the model's denoising at each noise level, beside the noisy input and a 3x3 median filter."""
    import zoo.data
    from zoo.metrics.core import psnr
    from zoo.metrics.filters import add_noise, median_filter

    clean = zoo.data.as_numpy(dataset, "test", data_dir=data_dir)
    kind = "gaussian" if model.corruption == "gaussian" else "masking"
    out = {}
    for level in levels:
        noisy = add_noise(clean, kind, level, seed=seed)
        how = f"{kind} noise {level}, seed {seed}"
        key = f"{level:g}"
        out[f"denoise_psnr_{key}"] = metric(
            psnr(model.denoise(noisy), clean), "dB", "test", len(clean), f"denoised, {how}", True,
            versus=[f"baseline_noisy_psnr_{key}", f"baseline_median_psnr_{key}"])
        out[f"baseline_noisy_psnr_{key}"] = metric(psnr(noisy, clean), "dB", "test", len(clean),
                                                   f"the noisy input, {how}", True, baseline=True)
        out[f"baseline_median_psnr_{key}"] = metric(psnr(median_filter(noisy, 3), clean), "dB", "test",
                                                    len(clean), f"3x3 median filter, {how}", True, baseline=True)
    return out


def autoencoder_figures(model, dataset, data_dir=None, few_labels=True):
    """An autoencoder's card figures: reconstruction beside PCA, outlier AUROC, the few-label
    study, and for a denoising autoencoder its PSNR at `DENOISE_LEVELS`.

    PCA gets as many components as the model's code has numbers per image: the
    code size, or for a sparse code, its mean count of non-zero units.
    """
    import zoo.data
    from zoo.metrics.classical import PCA

    test_x = zoo.data.as_numpy(dataset, "test", data_dir=data_dir)
    size = model.latent_dim
    out = {"recon_mse": metric(mse(model.reconstruct(test_x), test_x), "mse", "test", len(test_x),
                               "reconstruction through the code, pixels in [0, 1]", False,
                               versus=["baseline_pca_recon_mse"])}
    if isinstance(model, SparseCode):
        active = model.sparsity(test_x)
        out["active_units"] = metric(active, "ratio", "test", len(test_x),
                                     f"share of the {size} code units that are non-zero", False)
        size = max(1, round(active * size))
    train = zoo.data.as_numpy(dataset, "train", data_dir=data_dir)
    size = min(size, int(np.prod(train.shape[1:])))
    pca = PCA(size).fit(train.reshape(len(train), -1))
    out["baseline_pca_recon_mse"] = metric(mse(pca.reconstruct(test_x), test_x), "mse", "test", len(test_x),
                                           f"PCA with {size} components, fitted on train", False, baseline=True)
    out.update(outlier_figures(model, dataset, pca_size=size, data_dir=data_dir))
    if few_labels:
        out.update(few_label_figures(model, dataset, data_dir=data_dir))
    if isinstance(model, Denoiser):
        out.update(denoising_figures(model, dataset, data_dir=data_dir))
    return out
