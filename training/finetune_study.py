"""The fine-tuning study on `dcgan_celeba_64`'s card: `python -m training.finetune_study`.

Does a GAN pretrained on CelebA give a better model of a small set of new
faces than the same network trained from scratch for as long? The 400 AT&T
faces (grey, copied to three channels, cropped to 64x64) train the network
twice for the same steps and batches:

- fine-tuned: the preset's G, D and D's Adam state, compiled as
  `zoo finetune` compiles it (`compile_for_finetuning`);
- from scratch: a fresh network of the preset's config with the recipe's
  optimizers.

Both are measured at several step counts by Inception FID and KID of 400
samples against the 400 faces. KID is unbiased in the sample count; FID at
n=400 is biased upwards, so the card also gives the floor of two real halves
(images 1-5 against 6-10 of every person). The figures and a grid of both
models' samples are added to the preset's card. Run after the preset exists
(`python -m training dcgan_celeba_64` runs it at the end).
"""

import argparse
import sys

import numpy as np

PRESET = "dcgan_celeba_64"
FACES = "att_faces"
CHECKPOINTS = (250, 500, 1000, 2000)  # steps at which both runs are measured
EVERY = 250
BATCH = 32
# 400 images: both runs augment the discriminator's inputs, as `zoo finetune --augment` does.
AUGMENT = "translation,cutout"
SEED = 0
HEADING = "Fine-tuning on the AT&T faces, measured"


def faces(image_shape, data_dir=None):
    import zoo.data

    return zoo.data.as_numpy(FACES, "all", data_dir=data_dir, image_shape=tuple(image_shape))


def face_stream(image_shape, data_dir=None):
    import zoo.data

    # Full batches, as in the preset's recipe: batch norm sees a steady batch size.
    return zoo.data.load(FACES, split="all", batch_size=BATCH, shuffle=True, seed=SEED, data_dir=data_dir,
                         image_shape=tuple(image_shape), drop_remainder=True).repeat()


def figures(model, real_features):
    """Inception FID and KID of 400 samples (seed 0) against the faces' features."""
    from zoo.metrics.distances import frechet_distance, kernel_inception_distance
    from zoo.metrics.inception import inception_features

    fake = inception_features(model.sample(len(real_features), seed=SEED))
    kid, _ = kernel_inception_distance(real_features, fake, subset_size=len(fake) // 2)
    return {"fid": float(frechet_distance(real_features, fake)), "kid": float(kid)}


def floor(real_features):
    """FID and KID between two real halves: images 1-5 and 6-10 of every person."""
    from zoo.metrics.distances import frechet_distance, kernel_inception_distance

    # The stored order is image-major (40 people per image number), so the
    # first half holds images 1-5 of all 40 people.
    half = len(real_features) // 2
    a, b = real_features[:half], real_features[half:]
    kid, _ = kernel_inception_distance(a, b, subset_size=half // 2)
    return {"fid": float(frechet_distance(a, b)), "kid": float(kid), "n": half}


def train_and_measure(model, stream, real_features, label):
    """Trains to each checkpoint in turn; returns `{steps: figures}` (0: before training)."""
    import keras

    curve = {0: figures(model, real_features)}
    print(f"{label:11s} step     0: FID {curve[0]['fid']:.1f}  KID {curve[0]['kid']:.4f}", flush=True)

    class Measure(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            steps = (epoch + 1) * EVERY
            if steps in CHECKPOINTS:
                curve[steps] = figures(model, real_features)
                print(f"{label:11s} step {steps:5d}: FID {curve[steps]['fid']:.1f}  KID {curve[steps]['kid']:.4f}"
                      f"  (d_loss {logs.get('d_loss', float('nan')):.3f})", flush=True)

    # One fit over the whole run, an "epoch" of EVERY steps, so that the data
    # stream and the optimizers' step counters run on unbroken.
    model.fit(stream, epochs=CHECKPOINTS[-1] // EVERY, steps_per_epoch=EVERY, verbose=0, callbacks=[Measure()])
    return curve


def card_note(tuned, scratch, real_floor, wall):
    rows = "\n".join(
        f"| {s:,} | {tuned[s]['fid']:.1f} | {scratch[s]['fid']:.1f} | {tuned[s]['kid']:.4f} | "
        f"{scratch[s]['kid']:.4f} |" for s in sorted(tuned))
    last = CHECKPOINTS[-1]
    verdict = ("fine-tuning wins" if tuned[last]["fid"] < scratch[last]["fid"] else
               "training from scratch wins")
    return (
        f"The 400 AT&T faces (grey, copied to RGB, cropped to 64x64) trained this network twice, {last:,} "
        f"steps of batch {BATCH} each (about {last * BATCH // 400} passes over the faces), DiffAugment "
        f"`{AUGMENT}` on the discriminator's inputs: once from this preset (G, D and D's Adam state, "
        "compiled as `zoo finetune` does), once from a fresh initialisation with the recipe's "
        "optimizers. Both were measured by Inception FID and KID of 400 "
        "samples (seed 0) against the 400 faces; step 0 is before training (this preset's CelebA faces, "
        "and random weights).\n\n"
        "| steps | FID fine-tuned | FID from scratch | KID fine-tuned | KID from scratch |\n"
        "|---|---|---|---|---|\n"
        f"{rows}\n\n"
        f"At {last:,} steps {verdict}: FID {tuned[last]['fid']:.1f} against {scratch[last]['fid']:.1f}. "
        f"Two real halves of the faces (images 1-5 against 6-10 of every person, n={real_floor['n']} a side) "
        f"are FID {real_floor['fid']:.1f} and KID {real_floor['kid']:.4f} apart: the floor (FID at n={real_floor['n']} "
        "is biased upwards more than at n=400; KID is not biased by n). The faces are the whole set, so "
        "these figures say how well each model fits the faces it saw, not how it generalises; "
        "`finetune_att_faces.png` shows real faces, then fine-tuned samples, then samples from scratch, "
        f"two rows each. Both runs took {wall:.0f} s with the measuring. Reproduce: "
        "`python -m training.finetune_study`."
    )


def run(preset=PRESET, data_dir=None, folder=None, required=True):
    """Runs the study on a preset (its name, or the folder its recipe just wrote); returns its new metadata.

    A preset declares the study in its data (`"follow_up": ["training.finetune_study"]`), and its recipe
    runs it after packaging, with `required=False`: without the `[fid]` extra it is then skipped, said so.
    """
    import time

    import keras

    import zoo
    from training.gan import optimizers
    from zoo.metrics.inception import inception_available, inception_features
    from zoo.pretrained import compile_for_finetuning, update_metrics
    from zoo.registry import get_preset

    if not inception_available():
        message = 'the fine-tuning study measures Inception FID: install the extra with pip install -e ".[fid]"'
        if required:
            raise SystemExit(message)
        print(f"skipped: {message}")
        return None
    began = time.time()
    folder = folder or preset
    entry = get_preset(preset)
    shape = entry["config"]["image_shape"]
    real = faces(shape, data_dir)
    real_features = inception_features(real)
    real_floor = floor(real_features)
    print(f"floor (two real halves, n={real_floor['n']}): FID {real_floor['fid']:.1f}  KID {real_floor['kid']:.4f}")

    keras.utils.set_random_seed(SEED)
    tuned = zoo.load(folder)
    tuned.augment = AUGMENT
    compile_for_finetuning(tuned, tuned.preset_metadata)
    tuned_curve = train_and_measure(tuned, face_stream(shape, data_dir), real_features, "fine-tuned")

    keras.utils.set_random_seed(SEED)
    scratch = zoo.create(entry["arch"], **{**entry["config"], "augment": AUGMENT})
    scratch.compile(**optimizers(entry["recipe"]))
    scratch_curve = train_and_measure(scratch, face_stream(shape, data_dir), real_features, "scratch")

    grid = np.concatenate([real[:16], tuned.sample(16, seed=SEED), scratch.sample(16, seed=SEED)])
    note = card_note(tuned_curve, scratch_curve, real_floor, time.time() - began)
    print(note)
    return update_metrics(folder, {}, notes={HEADING: note}, images={"finetune_att_faces.png": (grid, 8)})


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m training.finetune_study", description=__doc__.split("\n")[0])
    parser.add_argument("preset", nargs="?", default=PRESET, help=f"the GAN preset to fine-tune (default {PRESET})")
    parser.add_argument("--data-dir", help="folder of the raw data sets (default: $ZOO_DATA_DIR)")
    args = parser.parse_args(argv)
    run(args.preset, data_dir=args.data_dir)


if __name__ == "__main__":
    sys.exit(main())
