"""A figure and the instruments every card shares, below the figures of each capability.

- `metric`: a figure as stored in metadata.json, with its evaluator, n and split.
- `sample_figures`: FID (domain), KID and precision/recall of images against
  real ones, in the features of the data set's evaluator preset (`load_evaluator`).
- `inception_figures`: the same in Inception features (the `[fid]` extra),
  for the data sets whose published figures are Inception FIDs
  (`inception_applies`), against `real_inception_features`.
- `cached_figures`: figures kept on disk under a digest of everything they
  depend on (`measuring_inputs`: the data, the evaluator preset, the
  measuring code and the library versions).
- `NotMeasurable`: a model's figures need something its preset does not record.

`zoo.metrics.evaluate` (every preset's card) and the figures of each kind of
model (`zoo.metrics.translation`) measure with these.
"""

from zoo.metrics.distances import frechet_distance, kernel_inception_distance, precision_recall

# Data sets whose published figures are Inception FIDs: their cards carry it
# when the `[fid]` extra (or its cached weights) is here. Inception features
# cost about 0.1 s an image on 2 cores, so these figures use 1,000 images a side.
INCEPTION_SETS = ("cifar10", "celeba_64", "celeba_32")
INCEPTION_N = 1000
PR_N = 5000  # precision/recall's k-NN is quadratic in the sample count


class NotMeasurable(ValueError):
    """A model's figures need something that neither the model nor its preset records; the message names it."""


def metric(value, unit, split, n, evaluator, higher_is_better, baseline=False, versus=(), detail=False):
    """A figure with what it was measured on, as stored in metadata.json.

    `versus` names the baseline figures the card compares it with; a `detail`
    figure stays on the card and out of the README's one-line summary.
    """
    out = {
        "value": float(f"{float(value):.6g}"), "unit": unit, "split": split, "n": int(n),
        "evaluator": evaluator, "higher_is_better": bool(higher_is_better), "baseline": bool(baseline),
    }
    if versus:
        out["versus"] = list(versus)
    if detail:
        out["detail"] = True
    return out


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


_REAL_FEATURES = {}


def real_inception_features(dataset, split="test", n=INCEPTION_N, data_dir=None):
    """Inception features of the first `n` images of a split, computed once per process."""
    import zoo.data
    from zoo.metrics.inception import inception_features

    key = (dataset, split, n, data_dir)
    if key not in _REAL_FEATURES:
        _REAL_FEATURES[key] = inception_features(zoo.data.as_numpy(dataset, split, data_dir=data_dir, take=n))
    return _REAL_FEATURES[key]


def inception_figures(samples, real_features, split="test", baseline=False, what="samples"):
    """Inception FID, KID and precision/recall (Inception pool3 features) of images against real features."""
    from zoo.metrics.inception import inception_features

    fake = inception_features(samples)
    # Subsets of half the images, so that the 50 subsets differ and the std means something.
    kid, kid_std = kernel_inception_distance(real_features, fake, subset_size=min(1000, len(fake) // 2))
    precision, recall = precision_recall(real_features, fake, k=3)
    n = min(len(real_features), len(fake))
    how = (f"Inception (2015-12-05 FID graph) features, {len(fake)} {what} vs {len(real_features)} real "
           "images")
    return {
        "fid_inception": metric(frechet_distance(real_features, fake), "", split, n,
                                f"Inception FID: {how}; biased upwards at this n (published: 10k-50k)",
                                False, baseline),
        "kid_inception": metric(kid, "", split, n, f"KID: {how}, std {kid_std:.2g}", False, baseline),
        "precision_inception": metric(precision, "ratio", split, n, f"k-NN manifolds, k=3: {how}", True, baseline),
        "recall_inception": metric(recall, "ratio", split, n, f"k-NN manifolds, k=3: {how}", True, baseline),
    }


def inception_applies(dataset):
    from zoo.metrics.inception import inception_available

    return dataset in INCEPTION_SETS and inception_available()


# ---- the figures' cache ------------------------------------------------------

# What the baselines' figures are computed by: a change to any of these files
# measures them afresh.
MEASURING_CODE = ("metrics", "data", "models/classical", "models/vae", "base.py", "layers")


def preset_digest(name):
    """The sha256 checksums an exported preset records for its config and weights (None if absent).

    `zoo.load` verifies the files against these, so they name the weights measured.
    """
    import json

    from zoo.pretrained import exports_dir

    meta = exports_dir() / name / "metadata.json"
    if not meta.is_file():
        return None
    files = json.loads(meta.read_text()).get("files", {})
    return {f: files.get(f) for f in ("config.json", "model.weights.h5")}


def measuring_inputs(dataset, data_dir=None):
    """Everything but the arguments that a data set's baseline figures depend on.

    The raw data's sha256, the evaluator preset's files, whether Inception
    figures apply, the source of the measuring code, and the library versions.
    """
    import hashlib
    from importlib import metadata
    from pathlib import Path

    import zoo.data

    root = Path(__file__).resolve().parent.parent
    code = hashlib.sha256()
    for part in MEASURING_CODE:
        path = root / part
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            code.update(str(source.relative_to(root)).encode() + b"\0" + source.read_bytes())
    versions = {}
    for package in ("numpy", "scipy", "scikit-learn", "tensorflow", "tensorflow-cpu", "keras", "torch"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return {
        "data": zoo.data.raw_files(dataset, data_dir),
        "evaluator": preset_digest(f"evaluator_{dataset}"),
        "inception": inception_applies(dataset),
        "code": code.hexdigest(),
        "versions": versions,
    }


def cached_figures(kind, key, measure):
    """`measure()`'s figures, kept in `$ZOO_CACHE_DIR/figures/` under a digest of `key`.

    Baselines measured with Inception features cost minutes a data set (about
    15 on CelebA on 2 cores) and every recipe of that data set measures the
    same ones, so the first measurement is kept and reused while its inputs
    (`key`, which names them all) are unchanged. Set `ZOO_FIGURE_CACHE=0` to
    measure afresh. An unreadable entry is measured again and replaced; the
    entry is written to a temporary file and renamed, so it is whole or absent.
    """
    import hashlib
    import json
    import os

    from zoo.data import cache_dir
    from zoo.io import atomic_path

    text = json.dumps(key, sort_keys=True, default=str)
    path = cache_dir() / "figures" / f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"
    use = os.environ.get("ZOO_FIGURE_CACHE", "1") != "0"
    if use and path.is_file():
        try:
            entry = json.loads(path.read_text())
            if entry.get("key") == json.loads(text):
                return entry["figures"]
        except (OSError, ValueError, KeyError, AttributeError):
            pass  # measured again below
    figures = measure()
    if use:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps({"key": json.loads(text), "figures": figures}, indent=1))
    return figures
