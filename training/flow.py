"""Recipes of the flow presets: `python -m training glow_mnist` (and glow_fashion_mnist, real_nvp_mnist).

Each fits the flow by maximum likelihood: the loss is the bits per dimension
of the batch, dequantised with fresh uniform noise, y = (255 x + u) / 256.
Adam is warmed up linearly over the first epoch and then decayed to zero by a
cosine; gradients are clipped to a global norm of 50 (a flow's first steps
can spike). Glow's actnorm layers are set first from the statistics of the
first 1,024 training images (data-dependent initialisation; a resumed run
takes them from its checkpoint). Every epoch is checkpointed, so
`--resume` continues a stopped run, and a fixed-seed sample grid is written
to `runs/<preset>.samples/`.

Measured on the whole test split: the exact log-likelihood (`nll_exact`,
nats) and bits per dimension at the centres of the 8-bit bins
(`bits_per_dim`), the same with fixed-seed uniform noise as the papers
report it (`bits_per_dim_dequantised`), the outlier AUROC of -log p against
the other 28x28 grey set (MNIST against Fashion-MNIST and back) beside PCA's
reconstruction error, and with the data set's evaluator FID (domain), KID
and precision/recall of 10,000 samples at temperature 1, beside the
Gaussian mixture, the kernel density and the VAE of the same data. The card
shows samples at temperatures 1.0, 0.7 and 0.5, and interpolations between
the codes of test images.
"""

import math

import numpy as np

from training.vae_mnist import LICENCES

TEMPERATURES = (1.0, 0.7, 0.5)
# PCA's reconstruction error, the outlier score the flow's -log p is set beside, with this many components.
PCA_SIZE = 50

# Bits per dimension on the MNIST test split with uniform dequantisation, as collected in the FFJORD
# paper (Grathwohl et al., 2019, table 2).
PUBLISHED = {("real_nvp", "mnist"): 1.06, ("glow", "mnist"): 1.05}
PAPERS = {"real_nvp": "RealNVP (Dinh et al., 2017)", "glow": "Glow (Kingma and Dhariwal, 2018)"}


def learning_rate(recipe, steps_per_epoch):
    """Linear warm-up from 0 over `warmup_epochs`, then a cosine decay to 0 at the last step."""
    import keras

    total = recipe["epochs"] * steps_per_epoch
    warmup = min(recipe.get("warmup_epochs", 0) * steps_per_epoch, total - 1)
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=max(1, total - warmup), warmup_target=recipe["learning_rate"], warmup_steps=warmup)


def count_batches(dataset):
    n = int(dataset.cardinality())
    return n if n >= 0 else sum(1 for _ in dataset)


def figures(model, dataset, data_dir=None):
    """The card's figures: `card_figures` (likelihood, samples, baselines), the dequantised bound, outliers."""
    import zoo
    from zoo.metrics.evaluate import card_figures, metric, outlier_figures

    metrics = card_figures(model, dataset, data_dir=data_dir)
    # What `bits_per_dim` is for a flow: log_prob is taken at the bins' centres.
    metrics["bits_per_dim"]["evaluator"] = (
        "exact NLL of the 8-bit images: -log p(y) + D log 256 in bits per dimension, y = (255 x + 1/2) / 256 "
        "(the centre of each pixel's dequantisation bin)")
    test_x = zoo.data.as_numpy(dataset, "test", data_dir=data_dir)
    metrics["bits_per_dim_dequantised"] = metric(
        model.bits_per_dim_dequantised(test_x, seed=0).mean(), "bits/dim", "test", len(test_x),
        "y = (255 x + u) / 256, u ~ U(0, 1) drawn once per pixel with seed 0: the bound the flow papers report",
        False, detail=True)
    metrics.update(outlier_figures(model, dataset, pca_size=PCA_SIZE, data_dir=data_dir))
    n = metrics["fid_domain"]["n"]
    metrics.update(cooler_figures(model, test_x, dataset, n))
    metrics["overflow_share"] = metric(
        model.overflow_share(n, seed=0), "ratio", "samples", n,
        f"share of the {n} temperature-1 codes (seed 0) whose exact inverse overflows float32; they decode "
        "with saturated values (see Limits)", False, detail=True)
    return metrics


def cooler_figures(model, test_x, dataset, n):
    """FID (domain) and precision/recall of `n` samples at each temperature below 1 (details, seed 0)."""
    from zoo.metrics.figures import load_evaluator, sample_figures

    evaluator = load_evaluator(dataset)
    if evaluator is None:
        return {}
    out = {}
    for t in TEMPERATURES[1:]:
        figures = sample_figures(model.sample(n, seed=0, temperature=t), test_x, evaluator, dataset)
        for key in ("fid_domain", "precision", "recall"):
            figures[key].update(detail=True, evaluator=f"temperature {t}: " + figures[key]["evaluator"])
            out[f"{key}_t{round(10 * t):02d}"] = figures[key]
    return out


def samples_verdict(metrics):
    """Where the samples stand against the other models of the data set, at temperature 1 and below."""
    others = {name: metrics[f"baseline_{name}_fid_domain"]["value"] for name in ("gmm", "kde", "vae")
              if f"baseline_{name}_fid_domain" in metrics}
    if "fid_domain" not in metrics or not others:
        return ""
    ours = metrics["fid_domain"]["value"]
    beaten = [name for name, value in others.items() if ours < value]
    listed = ", ".join(f"{name.upper()} {value:.1f}" for name, value in others.items())
    text = (f"At temperature 1 the samples' FID (domain) is {ours:.1f} against {listed}: "
            + ("it beats them all. " if len(beaten) == len(others) else
               f"it beats {', '.join(b.upper() for b in beaten) or 'none of them'}, so as a sampler this preset "
               "is not the one to use for this data set. "))
    cooler = [(key, metrics[key]["value"]) for key in sorted(metrics) if key.startswith("fid_domain_t")]
    if cooler:
        text += "Cooler samples score " + ", ".join(f"{v:.1f} at {int(k[-2:]) / 10:.1f}" for k, v in cooler) + (
            " (less varied: see their precision and recall). ")
    return text


def pictures(model, test_x):
    """Samples at each of `TEMPERATURES` (seed 0), and rows from one test image's code to another's."""
    images = {}
    for t in TEMPERATURES:
        name = "samples.png" if t == 1.0 else f"samples_t{round(10 * t):02d}.png"
        images[name] = (model.sample(64, seed=0, temperature=t), 8)
    codes = model.encode(test_x[:16])
    steps = np.linspace(0.0, 1.0, 10, dtype=np.float32)[:, None]
    rows = [model.decode((1 - steps) * codes[2 * r] + steps * codes[2 * r + 1]) for r in range(8)]
    images["interpolations.png"] = (np.concatenate(rows), 10)
    return images


def published_note(arch, dataset, metrics, model, steps, batch_size):
    ours, noisy = metrics["bits_per_dim"]["value"], metrics["bits_per_dim_dequantised"]["value"]
    budget = (f"This preset: {ours:.3f} bits/dim at the bins' centres and {noisy:.3f} with uniform noise (seed "
              f"0), with {model.count_params() / 1e6:.2f} M parameters after {steps:,} steps of batch "
              f"{batch_size} on 2 CPU cores.")
    published = PUBLISHED.get((arch, dataset))
    if published is None:
        return (f"{budget} No published flow figure on {dataset} is set beside it here; the Bernoulli mixture and VAE "
                "figures of other cards are likelihoods of other quantities (grey levels as Bernoulli "
                "targets) and are not comparable.")
    others = ", ".join(f"{PAPERS[a]} {v}" for (a, d), v in PUBLISHED.items() if d == dataset and a != arch)
    return (f"{PAPERS[arch]} reaches {published} bits/dim on the MNIST test split (as collected in the FFJORD "
            f"paper, Grathwohl et al., 2019, table 2; {others}), with uniform dequantisation, the figure to set "
            f"beside `bits_per_dim_dequantised`. {budget} The published models are much larger (the Glow "
            "paper's CIFAR-10 model has 3 levels of 32 steps with 512 channels) and were trained far longer "
            "on GPUs: read the gap as budget as well as model.")


def outlier_note(dataset, metrics):
    auroc = metrics.get("outlier_auroc", {}).get("value")
    if auroc is None:
        return None
    text = (f"`outlier_auroc` ({auroc:.3f}) asks whether -log p ranks the other grey 28x28 set's test images "
            "above this set's. ")
    if auroc < 0.5:
        text += ("Below 0.5, the flow gives the outliers the *higher* likelihood: the failure Nalisnick et al. "
                 "(2019) found for flows trained on Fashion-MNIST and shown MNIST. Simple images (dark "
                 "backgrounds, few strokes) are likely under any density of grey images, so likelihood alone "
                 "is a poor outlier score here; a likelihood ratio or a typicality test can do better.")
    else:
        text += ("Likelihood is not a reliable outlier score in general: Nalisnick et al. (2019) found flows "
                 "trained on Fashion-MNIST give MNIST digits a higher likelihood than their own test images.")
    return text


def run(out=None, epochs=None, data_dir=None, resume=False, preset="glow_mnist"):
    import keras

    import zoo
    from training.common import checkpoint_dir, print_metrics, start
    from zoo.callbacks import SampleGrid
    from zoo.exporters.preset import package
    from zoo.trainer import fit

    entry, recipe = start(preset, epochs)
    dataset, arch = entry["dataset"], entry["arch"]
    model = zoo.create(arch, **entry["config"])
    train = zoo.data.load(dataset, split="train", batch_size=recipe["batch_size"], seed=recipe["seed"],
                          data_dir=data_dir)
    test = zoo.data.load(dataset, split="test", batch_size=500, data_dir=data_dir)
    # Data-dependent initialisation from a fixed set of images, apart from the training stream (whose
    # order a resumed run must replay); a resumed run's checkpoint then replaces it.
    model.initialize(zoo.data.as_numpy(dataset, "train", data_dir=data_dir, take=recipe["init_images"]))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate(recipe, count_batches(train)),
                                                  global_clipnorm=recipe.get("global_clipnorm")))
    grid = SampleGrid(checkpoint_dir(preset).with_suffix(".samples"), n=64, seed=0)
    _, wall, steps = fit(model, train, recipe, validation=test, callbacks=[grid],
                         checkpoint_dir=checkpoint_dir(preset), resume=resume)

    metrics = figures(model, dataset, data_dir)
    print_metrics(metrics)
    test_x = zoo.data.as_numpy(dataset, "test", data_dir=data_dir)
    dims = math.prod(model.image_shape)
    notes = {
        "Likelihood and codes": (
            "`model.log_prob(x)` is log p(y) in nats per image: the flow's density over [0, 1]^D "
            f"(D = {dims}) at y = (255 x + 1/2) / 256, every Jacobian included (the preprocessing's too); "
            "`model.bits_per_dim(x)` is (-log p(y) + D log 256) / (D log 2), the 8-bit images' figure; "
            "`model.bits_per_dim_dequantised(x, seed)` puts uniform noise in the bins instead, as in training. "
            "`model.encode(x)` gives the whole Gaussian code, (n, D), the factored-out levels first "
            "(`model.latent_shapes`), and `model.decode(z)` inverts it to within float32 rounding; "
            + ("with a learned prior (Glow's split prior for each factored-out half, a mean and scale per "
               "value at the top) the code is the standardised one, N(0, I) under the model; "
               if model.learned_prior else "")
            + "`model.sample(n, seed, temperature=0.7)` decodes 0.7 z, z ~ N(0, I) (`zoo sample --temperature`). "
            "`model.onnx` is `decode`, which takes the codes and the temperature, so noise drawn elsewhere "
            "decodes the same as here; `zoo.export` also writes `encode` and `log_prob` (float64 out)."
        ),
        "Limits": (
            samples_verdict(metrics)
            + "The samples at temperature 1 are the model's own distribution, the ones FID (domain) measures; "
            "lower temperatures give cleaner but less varied images. A flow spends its capacity on every "
            "pixel, background included, so its samples can look worse than a GAN's at a far better likelihood. "
            "FID (domain) uses the data set's evaluator's features and is not comparable with Inception FID. "
            f"For {metrics['overflow_share']['value']:.2%} of temperature-1 codes the exact inverse overflows "
            "float32 (a coupling divides by a scale near 0, several times over); the inverse saturates at "
            "+-1e4, far beyond any value the forward pass gives images, so those samples keep finite, "
            "saturated pixels instead of NaN, and the FID counts them as they are. "
            + (outlier_note(dataset, metrics) or "")
        ),
        "Against the published figures": published_note(arch, dataset, metrics, model, steps,
                                                        recipe["batch_size"]),
        "More compute": (
            "More steps per level, wider coupling networks, a third level (at 32x32, padded) and many more "
            "epochs all lower the bits per dimension; so would variational dequantisation (Flow++). The "
            "preset is sized to train in under an hour on 2 CPU cores."
        ),
        "Licence": LICENCES[dataset],
    }
    return package(model, out, entry, recipe, metrics, wall, steps, zoo.data.raw_files(dataset, data_dir),
                   pictures(model, test_x), notes)
