"""The figures of translation models (the `Translator` capability): paired figures, and figures per direction.

- Paired (pix2pix): `paired_figures` of outputs against their targets: L1,
  PSNR, SSIM (`ssim`) and the sharpness ratio (`sharpness`: the mean Sobel
  magnitude of the outputs' luma over the targets'); with the `[fid]` extra,
  Inception FID/KID against real images (`inception_of`), read against two
  sets of real images at the same n (`real_floor`).
- Both ways between two domains (CycleGAN): `direction_figures`, for each
  direction: the cycle error, and against the target domain's test images
  the FID/KID (domain), how often the data set's evaluator calls a
  translation the target class, and Inception FID/KID, each beside the
  untranslated images (`baseline_identity_*`) and the real-vs-real floor.
- `translation_figures(model, dataset)`: what `zoo.metrics.evaluate`
  measures of a translator on a built-in data set: the paired figures of a
  model with a task (its sources made from the test images by the task, the
  test images the targets), or both directions between two classes of the
  data set (`domains`, else the preset's recipe's `domain_a`, `domain_b`).

The recipes (`training/translation.py`) put these figures, under these
names, on the cards they write.

Example:
    >>> from zoo.metrics.translation import paired_figures
    >>> paired_figures(model.translate(sources), targets, "pix2pix")["ssim"]["value"]
"""

import numpy as np

from zoo.capabilities import Translator
from zoo.metrics.core import psnr
from zoo.metrics.figures import (
    INCEPTION_N, NotMeasurable, cached_figures, inception_applies, inception_figures, load_evaluator,
    measuring_inputs, metric, real_inception_features, sample_figures,
)

PAIRED_METRICS = ("l1", "psnr", "ssim", "sharpness")


def ssim(a, b, chunk=500):
    """Mean SSIM (`tf.image.ssim`: 11x11 Gaussian window, sigma 1.5, k1 0.01, k2 0.03) of images in [0, 1]."""
    import tensorflow as tf

    return float(np.mean(np.concatenate([tf.image.ssim(tf.constant(a[i : i + chunk]), tf.constant(b[i : i + chunk]),
                                                       max_val=1.0).numpy() for i in range(0, len(a), chunk)])))


def sharpness(images):
    """Mean Sobel magnitude of the smoothed luma (`zoo.layers.edges.edge_strength`), over chunks."""
    from zoo.layers.edges import edge_strength

    return float(np.mean(np.concatenate([np.asarray(edge_strength(images[i : i + 500])).ravel()
                                         for i in range(0, len(images), 500)])))


def paired_figures(outputs, targets, what, baseline=False, prefix="", versus=()):
    """L1, PSNR, SSIM and sharpness of outputs against their targets (the test split).

    Args:
        outputs: translations, float32 NHWC in [0, 1].
        targets: the images they should be, the same shape.
        what: what made the outputs, for each figure's evaluator ("pix2pix").
        baseline: the figures are a baseline's.
        prefix: put before each name (`"baseline_l1_only_"`).
        versus: prefixes of the baseline figures each is compared with (`"baseline_l1_only_"`).

    Returns:
        `{prefix + "l1", "psnr", "ssim", "sharpness": metric}`.

    Raises:
        ValueError: flat targets, whose sharpness is zero.
    """
    n = len(targets)
    reference = sharpness(targets)
    if reference == 0:
        raise ValueError("the targets are flat (no edge anywhere), so the sharpness ratio is undefined")

    def against(name):
        return [f"{other}{name}" for other in versus]

    return {
        f"{prefix}l1": metric(np.mean(np.abs(outputs - targets)), "", "test", n,
                              f"{what}: mean absolute error to the target, pixels in [0, 1]", False, baseline,
                              against("l1")),
        f"{prefix}psnr": metric(psnr(outputs, targets), "dB", "test", n, f"{what}: PSNR to the target, per image, "
                                "averaged", True, baseline, against("psnr")),
        f"{prefix}ssim": metric(ssim(outputs, targets), "", "test", n, f"{what}: SSIM to the target "
                                "(tf.image.ssim, 11x11 Gaussian window, sigma 1.5)", True, baseline, against("ssim")),
        f"{prefix}sharpness": metric(sharpness(outputs) / reference, "ratio", "test", n,
                                     f"{what}: mean Sobel magnitude of the outputs' luma over the targets' (1: as "
                                     "sharp as the real images; below 1: blurrier)", True, baseline,
                                     against("sharpness"), detail=True),
    }


def inception_of(images, real_features, what, baseline=False, prefix="", suffix="", versus=None, split="test"):
    """Inception FID, KID and precision/recall of images against real features, named `prefix` + name + `suffix`.

    `versus(name)`, if given, names the baseline figure each of FID and KID is compared with.
    """
    out = {}
    for name, value in inception_figures(images, real_features, split=split, baseline=baseline, what=what).items():
        if versus and name in ("fid_inception", "kid_inception"):
            value["versus"] = [versus(name)]
        out[f"{prefix}{name}{suffix}"] = value
    return out


def real_floor(real_train, real_features, key, what):
    """FID and KID between two sets of real images at the same n: the figure a perfect translator would get."""

    def measure():
        figures = inception_figures(real_train, real_features, baseline=True, what=what)
        return {"real_fid_inception": figures["fid_inception"], "real_kid_inception": figures["kid_inception"]}

    return cached_figures("translation_floor", key, measure)


def class_index(dataset, name):
    """The label of a class of a built-in data set, by its name (`"horse"` in CIFAR-10: 7)."""
    import zoo.data

    names = list(zoo.data.info(dataset)["class_names"])
    if name not in names:
        raise ValueError(f"{name!r} is not a class of {dataset}; its classes: {names or 'none (it has no labels)'}")
    return names.index(name)


def class_images(dataset, split, name, data_dir=None):
    """The images of one class (by name) of a built-in data set's split."""
    import zoo.data

    images, labels = zoo.data.as_numpy(dataset, split, data_dir=data_dir, with_labels=True)
    return images[labels == class_index(dataset, name)]


def direction_figures(direction, source, translated, cycled, target, target_train, names, evaluator, inception,
                      dataset, data_dir=None, baselines=True):
    """One direction's figures on the test split: the cycle error, and against the target class's test images
    the FID/KID (domain), the evaluator's class rate and (with the extra) Inception FID/KID, each beside the
    untranslated images (`baseline_identity_*`), and the target class's real-vs-real floor.

    Args:
        direction: `"a2b"` or `"b2a"`.
        source, translated, cycled: the source class's test images, their translations, and those translated back.
        target: the target class's test images.
        target_train: the target class's train images (the floor's second set; unused without `baselines`).
        names: (source class, target class) names.
        evaluator: the data set's evaluator preset, or None (no FID/KID (domain), no class rate).
        inception: measure the Inception figures.
        baselines: the untranslated images' figures and the floor too.
    """
    src, dst = names
    n = len(source)
    out = {f"cycle_l1_{direction[0]}": metric(
        np.mean(np.abs(cycled - source)), "", f"test ({src})", n,
        f"{src} -> {dst} -> {src}: mean absolute error to the input, pixels in [0, 1]", False)}
    if evaluator is not None:
        ours = sample_figures(translated, target, evaluator, dataset)
        idle = sample_figures(source, target, evaluator, dataset, baseline=True) if baselines else {}
        for name in ("fid_domain", "kid_domain"):
            ours[name].update(versus=[f"baseline_identity_{name}_{direction}"],
                              evaluator=f"{src} -> {dst} translations vs test {dst}: {ours[name]['evaluator']}")
            out[f"{name}_{direction}"] = ours[name]
            if baselines:
                idle[name]["evaluator"] = f"untranslated test {src} vs test {dst}: {idle[name]['evaluator']}"
                out[f"baseline_identity_{name}_{direction}"] = idle[name]
        label = class_index(dataset, dst)
        for prefix, images, baseline in (("", translated, False), ("baseline_identity_", source, True)):
            if baseline and not baselines:
                continue
            out[f"{prefix}class_rate_{direction}"] = metric(
                np.mean(evaluator.classify(images) == label), "ratio", f"test ({src})", n,
                f"how often evaluator_{dataset} calls the {'untranslated' if baseline else 'translated'} test "
                f"{src} a {dst}", True, baseline, () if baseline else [f"baseline_identity_class_rate_{direction}"])
    if inception:
        from zoo.metrics.inception import inception_features

        real = inception_features(target)
        split = f"test ({dst})"
        out.update(inception_of(translated, real, f"{src} -> {dst} translations of {n} test images vs "
                                f"{len(real)} test {dst}", suffix=f"_{direction}", split=split,
                                versus=lambda name: f"baseline_identity_{name}_{direction}"))
        if baselines:
            idle = inception_of(source, real, f"untranslated test {src} vs test {dst}", baseline=True, split=split,
                                prefix="baseline_identity_", suffix=f"_{direction}")
            out.update({k: v for k, v in idle.items() if k.split("_")[2] in ("fid", "kid")})
            key = {"dataset": dataset, "class": dst, "n": len(real), **measuring_inputs(dataset, data_dir)}
            floor = real_floor(target_train[: len(real)], real, key, f"real train {dst}[:{len(real)}]")
            out.update({f"baseline_{k}_{direction[-1]}": v for k, v in floor.items()})
    return out


# ---- a translator on a built-in data set ---------------------------------------


def preset_recipe(model):
    """The recipe a loaded preset's metadata records (`{}` for a model made by `zoo.create`)."""
    return (getattr(model, "preset_metadata", None) or {}).get("recipe") or {}


def recorded_domains(model):
    """`(domain_a, domain_b)` as the model's preset records them in its recipe, or None."""
    recipe = preset_recipe(model)
    a, b = recipe.get("domain_a"), recipe.get("domain_b")
    return (a, b) if a and b else None


def translation_figures(model, dataset, n=10000, metrics=None, data_dir=None, domains=None, baselines=False):
    """A translator's figures on a built-in data set's test split, as its recipe puts them on its card.

    - A model that translates one way (pix2pix) with a `task`: its sources
      are made from the first `n` test images by the task
      (`model.task_source`), the images themselves are the targets:
      `paired_figures`, and with the `[fid]` extra Inception FID/KID of the
      translations against the real test images. With `baselines`: for the
      `grey` task the grey input itself (`baseline_grey_input_*`), and the
      real-vs-real Inception floor (`baseline_real_*`). The recipe's L1-only
      baseline is not shipped, so it is never measured here; a preset whose
      recipe trained one (`"baseline": "l1_only"`) keeps its figures named
      as each figure's comparison.
    - A model that translates both ways (CycleGAN): the `direction_figures`
      of each direction between two classes of the data set, the first `n`
      test images of each.

    Args:
        model: a `Translator`.
        dataset: a built-in data set name.
        n: at most this many test images (a class's, for two domains).
        metrics: optional names to keep (default: all that apply); the
            Inception and evaluator figures are measured only when wanted.
        data_dir: folder of the raw data sets (default `$ZOO_DATA_DIR`).
        domains: `(domain_a, domain_b)`, class names of the data set, for a
            model that translates both ways; default: its preset's recipe's.
        baselines: the baselines' figures too (the card's).

    Returns:
        `{name: metric}`.

    Raises:
        NotMeasurable: a one-way model without a task (nothing makes its
            sources from the data set's images), or a two-way model without
            `domains` and without a preset that records them.

    Example:
        >>> translation_figures(zoo.load("pix2pix_celeba_edges_64"), "celeba_64")["ssim"]["value"]
    """
    import zoo.data

    if not isinstance(model, Translator):
        raise ValueError(f"translation_figures measures a Translator, got a {type(model).__name__}")
    name = (getattr(model, "preset_metadata", None) or {}).get("preset") or getattr(model, "arch", type(model).__name__)

    def wants(*words):
        return metrics is None or any(word in m for m in metrics for word in words)

    inception = wants("inception") and inception_applies(dataset)
    if len(model.directions) == 1:
        task = getattr(model, "task", None)
        if task is None:
            raise NotMeasurable(
                f"{name} has no task, so nothing makes its sources from {dataset}'s images: its paired figures "
                "need a task (edges, grey) or pairs of its own (translate its sources with `zoo translate`)")
        test = zoo.data.as_numpy(dataset, "test", data_dir=data_dir)[:n]
        figures = task_figures(model, dataset, test, data_dir, inception, baselines)
    else:
        domains = domains or recorded_domains(model)
        if domains is None:
            raise NotMeasurable(
                f"{name} translates both ways between two domains, and neither its preset's recipe nor the caller "
                f"names them: its figures (the cycle error both ways, FID/KID (domain), class rates) need "
                f"domain_a and domain_b, two class names of {dataset}, in the preset's metadata.json recipe "
                "(or evaluate(..., domains=(a, b)) in Python)")
        evaluator = load_evaluator(dataset) if wants("domain", "class_rate") else None
        figures = domain_figures(model, dataset, domains, n, data_dir, evaluator, inception, baselines)
    return {k: v for k, v in figures.items()
            if metrics is None or k in metrics or (baselines and k.removeprefix("baseline_") in metrics)}


def task_figures(model, dataset, test, data_dir, inception, baselines):
    """The figures of a one-way translator whose task makes its sources from real `test` images."""
    import zoo.data

    sources = model.task_source(test)
    translated = model.translate(sources)
    # The recipe's L1-only baseline is not shipped; the figures of it its card holds stay their comparisons.
    l1_only = preset_recipe(model).get("baseline") == "l1_only"
    others = (["baseline_l1_only_"] if l1_only else []) + (["baseline_grey_input_"] if model.task == "grey" else [])
    out = paired_figures(translated, test, model.arch, versus=others)
    if model.task == "grey":
        # The grey input has the target's luma, so its sharpness is 1 by construction: no comparison.
        out["sharpness"].pop("versus", None)
        if l1_only:
            out["sharpness"]["versus"] = ["baseline_l1_only_sharpness"]
        if baselines:
            out.update(paired_figures(sources, test, "the grey input itself", baseline=True,
                                      prefix="baseline_grey_input_"))
    if inception:
        real = real_inception_features(dataset, data_dir=data_dir)
        m = min(len(real), len(translated))
        out.update(inception_of(translated[:m], real, f"translations of the {m} test sources",
                                versus=(lambda name: f"baseline_l1_only_{name}") if l1_only else None))
        if baselines:
            floor = real_floor(zoo.data.as_numpy(dataset, "train", data_dir=data_dir, take=INCEPTION_N), real,
                               {"dataset": dataset, "n": INCEPTION_N, **measuring_inputs(dataset, data_dir)},
                               f"real train[:{INCEPTION_N}] images")
            out.update({f"baseline_{k}": v for k, v in floor.items()})
    return out


def domain_figures(model, dataset, domains, n, data_dir, evaluator, inception, baselines):
    """The figures of a two-way translator between two classes of a data set, both directions."""
    names = dict(zip("ab", domains))
    test = {k: class_images(dataset, "test", v, data_dir)[:n] for k, v in names.items()}
    for k, v in names.items():
        if not len(test[k]):
            raise ValueError(f"{dataset}'s test split has no images of {v!r}")
    # The real-vs-real floor's second set of each class: needed with the baselines' Inception figures only.
    train = ({k: class_images(dataset, "train", v, data_dir) for k, v in names.items()} if inception and baselines
             else {"a": None, "b": None})
    out = {}
    for direction, (src, dst) in {"a2b": ("a", "b"), "b2a": ("b", "a")}.items():
        translated = model.translate(test[src], direction)
        cycled = model.translate(translated, "b2a" if direction == "a2b" else "a2b")
        out.update(direction_figures(direction, test[src], translated, cycled, test[dst], train[dst],
                                     (names[src], names[dst]), evaluator, inception, dataset, data_dir,
                                     baselines=baselines))
    return out
