"""Recipe of `swap_ae_att_faces`: the face-swap autoencoder on two people of the AT&T faces.

The first two people of the set (s1 and s2, not picked by looks) have 10
photos each; images 1-8 train, 9-10 are held out (`zoo.data`'s split). One
encoder is shared, each person has a decoder, and training augments with
shifts, zooms and mirror flips because 8 photos per person is very little.

Measured:
- reconstruction MSE of the held-out photos through their own decoder, beside
  PCA fitted on the same 16 training photos with as many components as it can
  have (15);
- the swap rate: how often a judge that tells the two people apart (logistic
  regression on the pixels of the 16 training photos) calls a swapped face the
  target person; and, as its sanity check, how often it is right on the real
  held-out photos.
"""

PRESET = "swap_ae_att_faces"


def run(out=None, epochs=None, data_dir=None, resume=False):
    import keras
    import numpy as np
    import tensorflow as tf

    import zoo
    import zoo.cards, zoo.exporters, zoo.metrics.probe  # noqa: E401,F401  (imported before a long run)
    from training.common import checkpoint_dir, interleave, start
    from zoo.exporters.preset import package
    from zoo.trainer import fit
    from zoo.metrics.classical import PCA
    from zoo.metrics.core import mse
    from zoo.metrics.evaluate import metric
    from zoo.metrics.probe import logistic_regression

    entry, recipe = start(PRESET, epochs)
    shape = tuple(entry["config"]["image_shape"])
    people = recipe["people"]

    def pair(split):
        x, y = zoo.data.as_numpy("att_faces", split, with_labels=True, image_shape=shape, data_dir=data_dir)
        keep = np.isin(y, people)
        # Identity k is the k-th person named in the recipe.
        return x[keep], np.searchsorted(people, y[keep]).astype(np.int32)

    train_x, train_y = pair("train")
    test_x, test_y = pair("test")
    train = (tf.data.Dataset.from_tensor_slices((train_x, train_y))
             .shuffle(len(train_x), seed=recipe["seed"]).batch(recipe["batch_size"])
             .repeat(recipe["repeats_per_epoch"]))
    model = zoo.create(entry["arch"], **entry["config"])
    model.compile(optimizer=keras.optimizers.Adam(recipe["learning_rate"]))
    _, wall, steps = fit(model, train, recipe, validation=(test_x, test_y), checkpoint_dir=checkpoint_dir(PRESET),
                         resume=resume)

    size = len(train_x) - 1
    pca = PCA(size).fit(train_x.reshape(len(train_x), -1))
    swapped = model.swap(test_x, to=1 - test_y)
    held = f"the {len(test_x)} held-out photos (images 9-10 of s{people[0] + 1} and s{people[1] + 1})"
    judge = f"logistic regression on the pixels of the {len(train_x)} training photos"
    metrics = {
        "heldout_recon_mse": metric(mse(model.reconstruct(test_x, labels=test_y), test_x), "mse", "test",
                                    len(test_x), f"{held} through their own decoder", False,
                                    versus=["baseline_pca_recon_mse"]),
        "baseline_pca_recon_mse": metric(mse(pca.reconstruct(test_x), test_x), "mse", "test", len(test_x),
                                         f"PCA with {size} components fitted on the training photos", False,
                                         baseline=True),
        "swap_rate": metric(logistic_regression(train_x, train_y, swapped, 1 - test_y), "ratio", "test",
                            len(test_x), f"share of swapped held-out photos that a judge ({judge}) calls the "
                            "target person", True),
        "judge_accuracy_real": metric(logistic_regression(train_x, train_y, test_x, test_y), "ratio", "test",
                                      len(test_x), f"the judge ({judge}) on the real held-out photos", True,
                                      detail=True),
    }
    for name, m in metrics.items():
        print(f"{name:28s} {m['value']:.6g} {m['unit']}  ({m['evaluator']})")

    # Rows: a person's photos (train and held out), then the same faces drawn by the other's decoder.
    a = np.concatenate([train_x[train_y == 0][:6], test_x[test_y == 0]])
    b = np.concatenate([train_x[train_y == 1][:6], test_x[test_y == 1]])
    grid = interleave(np.concatenate([a, b]), np.concatenate([model.swap(a, to=1), model.swap(b, to=0)]), len(a))
    images = {"swaps.png": (grid, len(a)),
              "reconstructions.png": (interleave(test_x, model.reconstruct(test_x, labels=test_y), len(test_x)),
                                      len(test_x))}
    notes = {
        "Limits": (
            "Eight photos per person are far fewer than face-swap tools train on (hundreds of frames per "
            "identity), so the decoders draw smooth, averaged faces; pose and expression carry over only "
            "roughly. The judge is a pixel classifier of two people, not a face-recognition network: a high "
            "swap rate says the decoder draws the target person's appearance, not that the swap would fool a "
            "person. Faces are 64x64 grey, centre-cropped from 92x112."
        ),
        "More compute": (
            "More photos per identity (video frames), a pre-trained shared encoder (e.g. on all 40 people), "
            "warping augmentation and an adversarial or perceptual loss give sharper, more faithful swaps."
        ),
        "Licence": "AT&T Laboratories Cambridge (ORL database of faces): acknowledge them in any use.",
    }
    return package(model, out, entry, recipe, metrics, wall, steps, zoo.data.raw_files("att_faces", data_dir),
                   images, notes)
