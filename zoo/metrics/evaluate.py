"""The figures on a card, computed the same way for every preset.

`evaluate(model, dataset)` measures what the model's capabilities allow:

- `elbo`, `nll_iwae` (models with a likelihood bound),
- `recon_mse` (models that reconstruct),
- `fid_domain`, `kid_domain`, `precision`, `recall` (models that sample, when
  the data set has an evaluator preset),
- `accuracy` (classifiers).

`baselines(dataset, ...)` measures the classical models on the same data with
the same instruments. Every figure records its evaluator, sample count and
reference split.
"""

import numpy as np

from zoo.metrics.core import mse
from zoo.metrics.distances import frechet_distance, kernel_inception_distance, precision_recall

SAMPLE_METRICS = ("fid_domain", "kid_domain", "precision", "recall")
IWAE_K, IWAE_N = 100, 1000
PR_N = 5000  # precision/recall's k-NN is quadratic in the sample count


def metric(value, unit, split, n, evaluator, higher_is_better, baseline=False):
    """A figure with what it was measured on, as stored in metadata.json."""
    return {
        "value": float(f"{float(value):.6g}"), "unit": unit, "split": split, "n": int(n),
        "evaluator": evaluator, "higher_is_better": bool(higher_is_better), "baseline": bool(baseline),
    }


def load_evaluator(dataset):
    """The evaluator preset of a data set, or None when it has none."""
    from zoo.pretrained import exported_presets, load

    name = f"evaluator_{dataset}"
    return load(name) if name in exported_presets() else None


def sample_figures(samples, test_x, evaluator, name, baseline=False):
    """FID (domain), KID and precision/recall of samples against the test split."""
    ev = f"evaluator_{name}"
    real = evaluator.features(test_x)
    fake = evaluator.features(samples)
    kid, kid_std = kernel_inception_distance(real, fake)
    n_pr = min(PR_N, len(real), len(fake))
    precision, recall = precision_recall(real[:n_pr], fake[:n_pr], k=3)
    n = min(len(real), len(fake))
    return {
        "fid_domain": metric(frechet_distance(real, fake), "", "test", n,
                             f"FID (domain): {ev} features, {len(fake)} samples", False, baseline),
        "kid_domain": metric(kid, "", "test", n, f"KID (domain): {ev} features, std {kid_std:.2g}", False,
                             baseline),
        "precision": metric(precision, "ratio", "test", n_pr, f"k-NN manifolds, k=3, {ev} features", True,
                            baseline),
        "recall": metric(recall, "ratio", "test", n_pr, f"k-NN manifolds, k=3, {ev} features", True, baseline),
    }


def evaluate(model, dataset, n=10000, metrics=None, data_dir=None, seed=0):
    """Measures a model on a built-in data set's test split.

    Args:
        model: a zoo model.
        dataset: a built-in data set name.
        n: number of samples for the sample-quality figures.
        metrics: optional names to compute (default: all that apply).
        data_dir: folder of the raw data sets (default `$ZOO_DATA_DIR`).
        seed: sampling seed.

    Returns:
        `{name: metric}`.

    Example:
        >>> evaluate(zoo.load("vae_mnist"), "mnist", n=2000)["fid_domain"]["value"]
    """
    import zoo.data

    want = (lambda name: metrics is None or name in metrics)
    test_x, test_y = zoo.data.as_numpy(dataset, "test", data_dir=data_dir, with_labels=True)
    out = {}
    if hasattr(model, "elbo") and want("elbo"):
        out["elbo"] = metric(model.elbo(test_x).mean(), "nats", "test", len(test_x),
                             "single-sample ELBO, Bernoulli likelihood", True)
    if hasattr(model, "log_prob") and want("nll_iwae"):
        nll = -model.log_prob(test_x[:IWAE_N], k=IWAE_K)
        out["nll_iwae"] = metric(nll.mean(), "nats", f"test[:{IWAE_N}]", IWAE_N,
                                 f"IWAE bound, k={IWAE_K}, Bernoulli likelihood", False)
    if hasattr(model, "reconstruct") and want("recon_mse"):
        out["recon_mse"] = metric(mse(model.reconstruct(test_x), test_x), "mse", "test", len(test_x),
                                  "reconstruction through the mean code, pixels in [0, 1]", False)
    if hasattr(model, "classify") and want("accuracy"):
        out["accuracy"] = metric((model.classify(test_x) == test_y).mean(), "ratio", "test", len(test_x),
                                 "argmax of the logits", True)
    if hasattr(model, "sample") and any(want(m) for m in SAMPLE_METRICS):
        evaluator = load_evaluator(dataset)
        if evaluator is not None:
            samples = model.sample(n, seed=seed)
            figures = sample_figures(samples, test_x, evaluator, dataset)
            out.update({k: v for k, v in figures.items() if want(k)})
    return out


def baselines(dataset, code_size=None, n=10000, data_dir=None, seed=0):
    """The classical baselines' figures on a data set, with the same instruments.

    - PCA with `code_size` components: reconstruction MSE (when given).
    - A Gaussian mixture and a kernel density estimate (in a 40-d PCA space),
      and a mixture of Bernoulli products: sample FID (domain), KID,
      precision/recall; the Bernoulli mixture also its exact test NLL.
    """
    import zoo.data
    from zoo.metrics.classical import PCA, BernoulliMixture, GaussianMixture, KernelDensity

    train_x = zoo.data.as_numpy(dataset, "train", data_dir=data_dir)
    test_x = zoo.data.as_numpy(dataset, "test", data_dir=data_dir)
    shape = train_x.shape[1:]
    flat = train_x.reshape(len(train_x), -1)
    out = {}
    if code_size:
        pca = PCA(code_size).fit(flat)
        out["pca_recon_mse"] = metric(mse(pca.reconstruct(test_x), test_x), "mse", "test", len(test_x),
                                      f"PCA with {code_size} components, fitted on train", False, True)
    mixture = BernoulliMixture(50, seed=seed).fit(flat)
    nll = -mixture.log_prob(test_x.reshape(len(test_x), -1))
    out["bernoulli_mixture_nll"] = metric(nll.mean(), "nats", "test", len(test_x),
                                          "mixture of 50 Bernoulli products (EM on train), exact", False, True)
    out["bernoulli_mixture_nll_test1000"] = metric(
        nll[:IWAE_N].mean(), "nats", f"test[:{IWAE_N}]", IWAE_N,
        "the same mixture on the IWAE bound's images", False, True)
    evaluator = load_evaluator(dataset)
    if evaluator is not None:
        samplers = {
            "gmm": GaussianMixture(20, pca_dim=40, seed=seed).fit(flat),
            "kde": KernelDensity(pca_dim=40, seed=seed).fit(flat),
        }
        for name, model in samplers.items():
            samples = model.sample(n, seed=seed).reshape(n, *shape).astype(np.float32)
            for key, value in sample_figures(samples, test_x, evaluator, dataset, baseline=True).items():
                value["evaluator"] = f"{name}: " + value["evaluator"]
                out[f"{name}_{key}"] = value
    return out


def card_figures(model, dataset, n=10000, metrics=None, data_dir=None, seed=0):
    """Everything a generative preset's card shows: its own figures (or `metrics` of them), then the baselines'."""
    figures = evaluate(model, dataset, n=n, metrics=metrics, data_dir=data_dir, seed=seed)
    found = baselines(dataset, code_size=getattr(model, "latent_dim", None), n=n, data_dir=data_dir, seed=seed)
    figures.update({f"baseline_{k}": v for k, v in found.items()})
    return figures
