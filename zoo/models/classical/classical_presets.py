"""Presets of the classical baselines: the settings the neural presets' cards compare with.

`pca_*` has 16 components, the code size of `vae_mnist` and `vae_fashion_mnist`.
`gmm_*` and `kde_*` use the settings of the `baseline_gmm_*` / `baseline_kde_*`
figures on those cards (`zoo.metrics.evaluate.baselines`): 20 Gaussians and
10,000 stored codes in a 40-d PCA space, seed 0.
"""

DATASETS = {"mnist": "MNIST digits", "fashion_mnist": "Fashion-MNIST clothes"}
SHAPE = [28, 28, 1]

PRESETS = {}
for dataset, what in DATASETS.items():
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
        "description": f"Mixture of 20 full-covariance Gaussians in a 40-d PCA space, fitted by EM on {what}",
        "config": {"image_shape": SHAPE, "n_components": 20, "pca_dim": 40},
        "recipe": {"seed": 0, "precision": "float32", "iterations": 50, "reg": 1e-4},
    }
    PRESETS[f"kde_{dataset}"] = {
        "arch": "kde",
        "dataset": dataset,
        "description": f"Gaussian kernel density estimate over 10,000 training codes in a 40-d PCA space, "
                       f"on {what}",
        "config": {"image_shape": SHAPE, "pca_dim": 40, "max_points": 10000},
        "recipe": {"seed": 0, "precision": "float32", "bandwidths": [0.1, 0.2, 0.3, 0.5, 0.7, 1.0]},
    }
