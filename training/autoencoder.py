"""Recipes of the autoencoder presets (`ae_mnist`, `stacked_ae_mnist`, `ae2d_mnist`,
`sparse_ae_mnist`, `conv_ae_fashion_mnist`, `denoising_ae_mnist`).

Each trains on its data set's train split and is measured on the test split:
reconstruction error beside PCA with as many numbers per image; the AUROC of
its reconstruction error for telling the other grey set (MNIST <-> Fashion-MNIST)
from its own, beside PCA's; and the few-label study (100 labels per class: a
linear probe on the code, the encoder fine-tuned, the same network from scratch,
logistic regression on pixels). Then what the preset is for:

- `ae_mnist`: the compression curve, the same network trained at each code size
  beside PCA at that size;
- `ae2d_mnist`: the map of the test set in the code plane;
- `denoising_ae_mnist`: PSNR at two noise levels beside the noisy input and a
  median filter;
- `stacked_ae_mnist`: greedy layer-wise pre-training before the end-to-end fit.
"""

from zoo.capabilities import Denoiser

LICENCES = {
    "mnist": "MNIST: Yann LeCun and Corinna Cortes, redistributed for research. The weights: as the project.",
    "fashion_mnist": "Fashion-MNIST: MIT licence, Zalando Research. The weights: as the project.",
}


def run(out=None, epochs=None, data_dir=None, resume=False, preset=None):
    import keras

    import zoo
    from training.common import checkpoint_dir, first_per_class, interleave, start
    from zoo.exporters.preset import package
    from zoo.trainer import fit
    from zoo.callbacks import checkpoints
    from zoo.metrics.evaluate import DENOISE_LEVELS, card_figures
    # Everything measuring and packaging needs, imported now: a run outlives
    # edits to the checkout, and a half-edited module must not end it.
    import zoo.cards, zoo.exporters, zoo.metrics.filters, zoo.metrics.outliers, zoo.metrics.probe, zoo.plots  # noqa: E401,F401

    entry, recipe = start(preset, epochs)
    dataset = entry["dataset"]
    train = zoo.data.load(dataset, split="train", batch_size=recipe["batch_size"], seed=recipe["seed"],
                          data_dir=data_dir)
    test = zoo.data.load(dataset, split="test", batch_size=512, data_dir=data_dir)
    model = zoo.create(entry["arch"], **entry["config"])
    model.compile(optimizer=keras.optimizers.Adam(recipe["learning_rate"]))
    folder = checkpoint_dir(preset)
    if recipe.get("pretrain_epochs") and not (resume and checkpoints(folder)):
        finals = model.pretrain_layerwise(train, epochs=recipe["pretrain_epochs"],
                                          learning_rate=recipe["learning_rate"], verbose=2)
        print("layer-wise pre-training, final loss of each stage:", finals)
    _, wall, steps = fit(model, train, recipe, validation=test, checkpoint_dir=folder, resume=resume)

    metrics = card_figures(model, dataset, data_dir=data_dir)
    plots, notes = {}, {}
    test_x, test_y = zoo.data.as_numpy(dataset, "test", data_dir=data_dir, with_labels=True)
    shown = test_x[first_per_class(test_y, per_class=3)]
    images = {"reconstructions.png": (interleave(shown, model.reconstruct(shown), 10), 10)}

    if recipe.get("code_sizes"):
        metrics.update(compression_curve(entry, recipe, dataset, data_dir, plots))
    if model.latent_dim == 2:
        plots["map.png"] = _map_writer(model, test_x, test_y, dataset, preset)
    if isinstance(model, Denoiser):
        from zoo.metrics.filters import add_noise, median_filter

        # Rows: clean, noisy, median filter, the model; at each level.
        rows = []
        for level in DENOISE_LEVELS:
            noisy = add_noise(shown[:10], "gaussian", level, seed=0)
            rows += [shown[:10], noisy, median_filter(noisy, 3), model.denoise(noisy)]
        import numpy as np

        images["denoising.png"] = (np.concatenate(rows), 10)

    for name, m in metrics.items():
        print(f"{name:36s} {m['value']:.6g} {m['unit']}  ({m['evaluator']}, {m['split']})")
    notes["Limits"] = LIMITS.get(entry["arch"], LIMITS["ae"])
    notes["More compute"] = (
        "Wider and deeper networks, more epochs and data augmentation lower the reconstruction error; "
        "this preset is sized to train in minutes on 2 CPU cores."
    )
    notes["Licence"] = LICENCES[dataset]
    return package(model, out, entry, recipe, metrics, wall, steps, zoo.data.raw_files(dataset, data_dir),
                   images, notes, plots=plots)


LIMITS = {
    "ae": ("An autoencoder has no prior: it cannot sample new images, only encode, decode and reconstruct. "
           "Its reconstruction error is an outlier score for grey 28x28 images only; colour or other sizes "
           "are refused."),
    "sparse_ae": ("The code is wider than the image (1024 units for 784 pixels), so the PCA baseline gets as "
                  "many components as the code has non-zero units on average. No prior: no sampling."),
    "denoising_ae": ("Trained on Gaussian noise of std 0.5; other corruptions (blur, JPEG, stripes) are not "
                     "what it learned to undo. No prior: no sampling."),
}


def compression_curve(entry, recipe, dataset, data_dir, plots):
    """The same network trained at each code size for `sweep_epochs`, beside PCA at that size."""
    import keras

    import zoo
    from zoo.metrics.classical import PCA
    from zoo.metrics.core import mse
    from zoo.metrics.evaluate import metric

    train_x = zoo.data.as_numpy(dataset, "train", data_dir=data_dir)
    test_x = zoo.data.as_numpy(dataset, "test", data_dir=data_dir)
    flat = train_x.reshape(len(train_x), -1)
    out, ours, pcas = {}, [], []
    sizes = recipe["code_sizes"]
    for size in sizes:
        keras.utils.set_random_seed(recipe["seed"])
        model = zoo.create(entry["arch"], **{**entry["config"], "latent_dim": size})
        model.compile(optimizer=keras.optimizers.Adam(recipe["learning_rate"]))
        model.fit(zoo.data.load(dataset, split="train", batch_size=recipe["batch_size"], seed=recipe["seed"],
                                data_dir=data_dir), epochs=recipe["sweep_epochs"], verbose=0)
        ours.append(mse(model.reconstruct(test_x), test_x))
        pcas.append(mse(PCA(size).fit(flat).reconstruct(test_x), test_x))
        how = f"the same network with a {size}-d code, {recipe['sweep_epochs']} epochs"
        out[f"recon_mse_code{size}"] = metric(ours[-1], "mse", "test", len(test_x), how, False,
                                              versus=[f"baseline_pca_recon_mse_code{size}"], detail=True)
        out[f"baseline_pca_recon_mse_code{size}"] = metric(pcas[-1], "mse", "test", len(test_x),
                                                           f"PCA with {size} components", False, baseline=True)
        print(f"code {size:3d}: autoencoder {ours[-1]:.5f}  PCA {pcas[-1]:.5f}")

    def write(path):
        from zoo.plots import curve_plot

        curve_plot({"autoencoder": (sizes, ours), "PCA": (sizes, pcas)}, path, xlabel="code size",
                   ylabel="test reconstruction MSE", title=f"Compression on {dataset}", logx=True)

    plots["compression.png"] = write
    return out


def _map_writer(model, test_x, test_y, dataset, preset):
    import zoo

    codes = model.encode(test_x)
    names = zoo.data.info(dataset)["class_names"]

    def write(path):
        from zoo.plots import latent_map

        latent_map(codes, test_y, names, path, title=f"{preset}: {dataset} test set in the code plane")

    return write
