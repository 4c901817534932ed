"""Recipes of the diffusion presets: `python -m training ddpm_mnist` (and `ddpm_fashion_mnist`).

Each trains the preset's DDPM on the train split with Adam (a linear warm-up,
then a cosine decay to `final_lr_fraction` of the rate, gradients clipped to
norm `clipnorm`), keeps the moving average of the weights that sampling uses,
checkpoints every epoch (a killed run continues with `--resume`; the card
reports the whole run's time) and writes a fixed-seed grid per epoch into
`runs/<preset>.samples/`. Then, before measuring anything, it checks that the
whole DDIM sampler exports to ONNX within the parity tolerance, and measures on
the test split with the data set's evaluator:

1. what the card of any sampler shows (`card_figures`): FID (domain), KID and
   precision/recall of `n` samples drawn with the model's default sampler
   (DDIM, `sample_steps` steps, eta 0, the preset's guidance), a conditional
   model's class accuracy, beside the GMM, KDE and VAE baselines;
2. for a conditional model, FID (domain), KID and class accuracy against the
   guidance scale w (`guidance`, `guidance_n` samples each, classes in turn);
3. the sampling table: DDIM at each of `ddim_steps` on `steps_n` samples, and
   ancestral DDPM over all T steps on `ddpm_n` samples beside DDIM at the
   default steps on the same `ddpm_n`, each with FID (domain), KID (domain) and
   seconds per image on this machine.

What is measured, and on how many samples, is the preset's `measure` data.
"""

import time

import numpy as np

from training.gan import LICENCES

# Each study draws with its own seed, so that no two share a draw by accident.
SEEDS = {"card": 0, "guidance": 1, "table": 2}


def learning_rate(recipe, steps_per_epoch):
    """Linear warm-up from 0 to `learning_rate`, then a cosine decay to `final_lr_fraction` of it at the last step."""
    import keras

    total = recipe["epochs"] * steps_per_epoch
    warmup = min(recipe["warmup_steps"], total // 2)
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=max(total - warmup, 1), alpha=recipe["final_lr_fraction"],
        warmup_target=recipe["learning_rate"], warmup_steps=warmup)


def optimizer(recipe, steps_per_epoch):
    import keras

    return keras.optimizers.Adam(learning_rate(recipe, steps_per_epoch), clipnorm=recipe["clipnorm"])


def batches_per_epoch(train):
    count = int(train.cardinality())
    return count if count >= 0 else sum(1 for _ in train)


def check_export(model):
    """Exports the main function (the whole DDIM sampler) to ONNX and checks its parity, before hours of measuring."""
    import tempfile

    from zoo.exporters import export

    with tempfile.TemporaryDirectory() as scratch:
        return export(model, scratch, formats=("onnx",), functions=[model.main_function])


def passes_per_step(model, guidance):
    """Denoiser evaluations per image and step: two under guidance other than 0 or 1."""
    return 2 if model.num_classes and guidance not in (0.0, 1.0) else 1


def timed_sample(model, n, seed, **options):
    """(images, seconds per image) of one `model.sample` call, with a progress bar."""
    began = time.perf_counter()
    images = model.sample(n, seed=seed, verbose=True, **options)
    return images, (time.perf_counter() - began) / n


def detailed(figure, how):
    """A figure of a study: its settings appended to its evaluator, kept off the README's summary."""
    return {**figure, "evaluator": f"{figure['evaluator']}; {how}", "detail": True}


def guidance_figures(model, dataset, test_x, evaluator, scales, n, seed):
    """FID (domain), KID (domain) and class accuracy of `n` samples (classes in turn) at each guidance scale."""
    from zoo.metrics.evaluate import metric, sample_figures

    labels = np.arange(n, dtype=np.int32) % model.num_classes
    sampler = model.default_sampler().describe(model.timesteps)
    out = {}
    for w in scales:
        print(f"guidance {w:g}: {n} samples")
        images = model.sample(n, seed=seed, labels=labels, guidance=w, verbose=True)
        found = sample_figures(images, test_x, evaluator, dataset)
        how = f"guidance w = {w:g}, {sampler}, seed {seed}, classes in turn"
        for name in ("fid_domain", "kid_domain"):
            out[f"{name}_guidance_{w:g}"] = detailed(found[name], how)
        accuracy = float(np.mean(evaluator.classify(images) == labels))
        out[f"class_accuracy_guidance_{w:g}"] = metric(
            accuracy, "ratio", "samples", n, f"evaluator_{dataset}'s argmax on {n} samples; {how}", True,
            detail=True)
    return out


def sampler_rows(model, measure):
    """The sampling table's rows: `(name, sample options, n)`."""
    rows = [(f"ddim_{s}", {"sampler": "ddim", "steps": s}, measure["steps_n"]) for s in measure["ddim_steps"]]
    if measure.get("ddpm_n"):
        rows.append((f"ddpm_{model.timesteps}", {"sampler": "ddpm"}, measure["ddpm_n"]))
        # DDIM at the default steps on as few samples: FID depends on n, so it compares with DDPM only here.
        rows.append((f"ddim_{model.sample_steps}_n{measure['ddpm_n']}", {"sampler": "ddim", "steps": model.sample_steps},
                     measure["ddpm_n"]))
    return rows


def sampler_figures(model, dataset, test_x, evaluator, measure, seed):
    """FID (domain), KID (domain) and seconds per image of each row of the sampling table."""
    from zoo.metrics.evaluate import metric, sample_figures

    out = {}
    for name, options, n in sampler_rows(model, measure):
        sampler = model.make_sampler(options["sampler"], options.get("steps"))
        print(f"{sampler.describe(model.timesteps)}: {n} samples")
        images, seconds = timed_sample(model, n, seed, **options)
        found = sample_figures(images, test_x, evaluator, dataset)
        how = sampler.describe(model.timesteps) + (f", guidance {model.guidance:g}" if model.num_classes else "")
        how += f", seed {seed}"
        out[f"fid_domain_{name}"] = detailed(found["fid_domain"], how)
        out[f"kid_domain_{name}"] = detailed(found["kid_domain"], how)
        out[f"seconds_per_image_{name}"] = metric(
            seconds, "s", "samples", n, f"wall time of model.sample({n}) / {n} on this machine (2 CPU cores), "
            f"{passes_per_step(model, model.guidance)} denoiser pass(es) per step; {how}", False, detail=True)
    return out


def pictures(model, measure):
    """Samples (a row per class for a conditional model), a row per guidance scale, a row per sampler."""
    conditional = bool(model.num_classes)
    row = np.arange(10, dtype=np.int32) % (model.num_classes or 1) if conditional else None
    out = {}
    if conditional:
        out["samples.png"] = (model.sample(10 * model.num_classes, seed=0,
                                           labels=np.repeat(np.arange(model.num_classes), 10)), 10)
        out["guidance.png"] = (np.concatenate([model.sample(10, seed=0, labels=row, guidance=w)
                                               for w in measure["guidance"]]), 10)
    else:
        out["samples.png"] = (model.sample(64, seed=0), 8)
    # A row per sampler of the table (the same noise), without its repeat at DDPM's n.
    rows = [options for name, options, _ in sampler_rows(model, measure) if not name.startswith(f"ddim_{model.sample_steps}_n")]
    out["samplers.png"] = (np.concatenate([model.sample(10, seed=0, labels=row, **options) for options in rows]), 10)
    return out


def table(rows, header):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows])


def sampling_note(model, metrics, measure):
    rows = []
    for name, options, n in sampler_rows(model, measure):
        sampler = model.make_sampler(options["sampler"], options.get("steps"))
        steps = len(sampler.timesteps(model.timesteps))
        passes = steps * passes_per_step(model, model.guidance)
        rows.append([sampler.describe(model.timesteps), passes, f"{n:,}", f"{metrics[f'fid_domain_{name}']['value']:.4g}",
                     f"{metrics[f'kid_domain_{name}']['value']:.4g}",
                     f"{metrics[f'seconds_per_image_{name}']['value']:.3g}"])
    guided = (f" with guidance w = {model.guidance:g} (two denoiser passes a step, batched)" if model.num_classes
              else "")
    return (
        f"Every row draws with seed {SEEDS['table']}{guided}, FID (domain) and KID (domain) against the whole test "
        "split. FID is biased upwards at small n, so compare FIDs only within one n; KID is unbiased, so it "
        "compares across rows. DDIM uses trailing timestep spacing (t_i = round(T - i T / S) - 1: the first "
        "step is always t = T - 1, the noise level training ended at); eta 0 is deterministic. Both samplers "
        "clip the predicted x_0 to [-1, 1]; DDPM adds the posterior's variance (Ho et al.'s \"fixed small\").\n\n"
        + table(rows, ["sampler", "denoiser passes per image", "n", "FID (domain)", "KID (domain)",
                       "seconds per image"])
    )


def guidance_note(model, metrics, measure):
    rows = [[f"{w:g}", f"{metrics[f'fid_domain_guidance_{w:g}']['value']:.4g}",
             f"{metrics[f'kid_domain_guidance_{w:g}']['value']:.4g}",
             f"{metrics[f'class_accuracy_guidance_{w:g}']['value']:.4g}"] for w in measure["guidance"]]
    return (
        "Classifier-free guidance: eps = eps_uncond + w (eps_cond - eps_uncond), one network trained with "
        f"{model.label_dropout:.0%} of its labels replaced by a null class. w = 0 is the unconditional model, "
        "w = 1 the conditional one, larger w pushes towards the class (diffusers' `guidance_scale` is this w; "
        f"Ho and Salimans' w is this w - 1). The preset samples with w = {model.guidance:g} by default "
        f"(`model.sample(n, guidance=w)`). Each row: {measure['guidance_n']:,} samples, classes in turn, seed "
        f"{SEEDS['guidance']}, {model.default_sampler().describe(model.timesteps)}.\n\n"
        + table(rows, ["w", "FID (domain)", "KID (domain)", "class accuracy"])
    )


def training_note(model, recipe, steps, wall):
    params = model.denoiser.count_params()
    return (
        f"A U-Net of {params / 1e6:.2f} M parameters (widths {'/'.join(map(str, model.get_config()['widths']))}, "
        f"GroupNorm, the timestep's sinusoidal embedding scaling and shifting every residual block's features"
        + (", a label embedding with a null class added to it" if model.num_classes else "")
        + f", self-attention at the lowest resolution), {model.timesteps} steps of the {model.schedule.name} "
        f"schedule, trained to predict {model.prediction} by mean squared error, t uniform; "
        f"{steps:,} Adam steps of batch {recipe['batch_size']} ({recipe['epochs']} epochs, learning rate "
        f"{recipe['learning_rate']:g} after {recipe['warmup_steps']} warm-up steps, cosine-decayed to "
        f"{recipe['final_lr_fraction']:g} of it; gradients clipped to norm {recipe['clipnorm']:g}) in "
        f"{wall / 3600:.1f} h on 2 CPU cores. Sampling uses the moving average of the weights (decay "
        f"{model.ema:g}, shorter early on)."
    )


def notes_for(model, dataset, recipe, metrics, measure, steps, wall):
    notes = {"Training": training_note(model, recipe, steps, wall),
             "Samplers": sampling_note(model, metrics, measure)}
    if model.num_classes and measure["guidance"]:
        notes["Guidance"] = guidance_note(model, metrics, measure)
    notes["Limits"] = (
        "No likelihood is claimed: the model has no `log_prob` (the variational bound was not computed), and "
        "`score(x)`, its denoising error over 8 noise levels, is an outlier score, not a density. FID (domain) "
        "uses the data set's evaluator's features and is not comparable with Inception FID or with published "
        "figures. Sampling costs a denoiser pass per step (two under guidance): see the seconds per image above."
    )
    notes["More compute"] = (
        f"This U-Net has {model.denoiser.count_params() / 1e6:.2f} M parameters and saw {steps:,} batches; Ho et "
        "al.'s CIFAR-10 model has 35.7 M and trained for 800,000 steps of batch 128 on a TPU. Width (and two "
        "residual blocks per resolution), and many more steps with the moving average, are what more compute "
        "would buy first; with them, fewer DDIM steps reach the same FID."
    )
    notes["Licence"] = LICENCES[dataset]
    return notes


def sampling_plot(model, metrics, measure):
    """KID (domain) against denoiser steps: DDIM's curve and the DDPM point (KID compares across n)."""
    from zoo.plots import curve_plot

    series = {"DDIM (eta 0)": (measure["ddim_steps"],
                               [metrics[f"kid_domain_ddim_{s}"]["value"] for s in measure["ddim_steps"]])}
    if measure.get("ddpm_n"):
        series[f"DDPM (n={measure['ddpm_n']})"] = ([model.timesteps],
                                                    [metrics[f"kid_domain_ddpm_{model.timesteps}"]["value"]])
    return {"samplers_kid.png": lambda path: curve_plot(series, path, "denoiser steps", "KID (domain)",
                                                         title="KID (domain) against sampling steps", logx=True)}


def run(out=None, epochs=None, data_dir=None, resume=False, preset=None):
    import zoo
    from training.common import checkpoint_dir, print_metrics, start
    from zoo.callbacks import SampleGrid
    from zoo.exporters.preset import package
    from zoo.metrics.evaluate import card_figures, load_evaluator
    from zoo.trainer import fit

    if preset is None:
        raise ValueError("training.diffusion holds several recipes: pass preset= (e.g. 'ddpm_mnist')")
    entry, recipe = start(preset, epochs)
    dataset, measure = entry["dataset"], entry["measure"]
    model = zoo.create(entry["arch"], **entry["config"])
    train = zoo.data.load(dataset, split="train", batch_size=recipe["batch_size"], seed=recipe["seed"],
                          data_dir=data_dir, with_labels=model.needs_labels, drop_remainder=True)
    model.compile(optimizer=optimizer(recipe, batches_per_epoch(train)))
    grid = SampleGrid(checkpoint_dir(preset).with_suffix(".samples"), n=64, seed=0)
    _, wall, steps = fit(model, train, recipe, callbacks=[grid], checkpoint_dir=checkpoint_dir(preset),
                         resume=resume)
    print(f"trained {steps} steps in {wall / 3600:.2f} h; ONNX parity of {model.main_function}: "
          f"{check_export(model)['onnx']}")

    metrics = card_figures(model, dataset, n=measure["n"], data_dir=data_dir, seed=SEEDS["card"])
    evaluator = load_evaluator(dataset)
    test_x = zoo.data.as_numpy(dataset, "test", data_dir=data_dir)
    if model.num_classes and measure["guidance"]:
        metrics.update(guidance_figures(model, dataset, test_x, evaluator, measure["guidance"],
                                        measure["guidance_n"], SEEDS["guidance"]))
    metrics.update(sampler_figures(model, dataset, test_x, evaluator, measure, SEEDS["table"]))
    print_metrics(metrics)
    return package(model, out, entry, recipe, metrics, wall, steps, zoo.data.raw_files(dataset, data_dir),
                   pictures(model, measure), notes_for(model, dataset, recipe, metrics, measure, steps, wall),
                   plots=sampling_plot(model, metrics, measure))
