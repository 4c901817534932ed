"""Presets of the classical baselines: the settings the neural presets' cards compare with.

`pca_*` has 16 components, the code size of `vae_mnist` and `vae_fashion_mnist`.
`gmm_*` and `kde_*` are the baselines of the `baseline_gmm_*` / `baseline_kde_*`
figures on those cards (`zoo.metrics.evaluate.baselines`): their sizes are
chosen by held-out likelihood over pixels on the train split (the recipe's
`select` grid, seed 0), and `config` records the choice the recipe made
(`python -m training gmm_mnist` prints it, and the card lists every
candidate's score).
"""

DATASETS = {"mnist": "MNIST digits", "fashion_mnist": "Fashion-MNIST clothes"}
SHAPE = [28, 28, 1]
GMM_GRID = {"n_components": [10, 20, 50, 100], "pca_dim": [20, 40, 50, 80]}
KDE_GRID = {"pca_dim": [20, 40, 50], "bandwidth": [0.1, 0.2, 0.3, 0.5, 0.7, 1.0]}
# The choices by held-out likelihood (train[50000:]) of the recipes' runs.
CHOSEN = {
    "mnist": {"gmm": {"n_components": 50, "pca_dim": 80}, "kde": {"pca_dim": 50}},
    "fashion_mnist": {"gmm": {"n_components": 50, "pca_dim": 80}, "kde": {"pca_dim": 50}},
}

PRESETS = {}
for dataset, what in DATASETS.items():
    gmm, kde = CHOSEN[dataset]["gmm"], CHOSEN[dataset]["kde"]
    PRESETS[f"pca_{dataset}"] = {
        "arch": "pca",
        "dataset": dataset,
        "description": f"PCA with 16 components (the code size of vae_{dataset}), fitted in closed form "
                       f"on {what}",
        "config": {"image_shape": SHAPE, "n_components": 16},
        "recipe": {"seed": 0, "precision": "float32", "fit": "exact eigendecomposition of the covariance"},
    }
    PRESETS[f"gmm_{dataset}"] = {
        "arch": "gmm",
        "dataset": dataset,
        "description": f"Mixture of {gmm['n_components']} full-covariance Gaussians in a {gmm['pca_dim']}-d PCA "
                       f"space, its size chosen by held-out likelihood, fitted by EM on {what}",
        "config": {"image_shape": SHAPE, **gmm},
        "recipe": {"seed": 0, "precision": "float32", "select": GMM_GRID, "iterations": 100, "reg": 1e-4},
    }
    PRESETS[f"kde_{dataset}"] = {
        "arch": "kde",
        "dataset": dataset,
        "description": f"Gaussian kernel density estimate over 10,000 training codes in a {kde['pca_dim']}-d PCA "
                       f"space, its size and bandwidth chosen by held-out likelihood, on {what}",
        "config": {"image_shape": SHAPE, **kde, "max_points": 10000},
        "recipe": {"seed": 0, "precision": "float32", "select": KDE_GRID},
    }
