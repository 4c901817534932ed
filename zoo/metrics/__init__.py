"""Measuring instruments: reconstruction error and the classical baselines' likelihoods.

The classical estimators are scikit-learn's (PCA, Gaussian mixture, logistic
regression, ROC AUC) and SciPy's (median filter), wrapped to keep the zoo's
argument checks and fitted attributes; the Bernoulli mixture and the kernel
density's exact log-density are numpy. The baselines' settings are chosen by
held-out likelihood over pixels (`select_gaussian_mixture`,
`select_kernel_density`).

Every figure a card reports comes from a function here, with its sample count
and reference split recorded beside it. The instruments of what autoencoders
are for live beside them: `auroc` (outlier detection), the few-label study
(`few_label_study` and its parts) and the denoising baselines (`add_noise`,
`median_filter`). Importing this package imports no TensorFlow; the functions
that train networks import it when called.
"""

from zoo.metrics.classical import (
    PCA,
    BernoulliMixture,
    GaussianMixture,
    KernelDensity,
    select_gaussian_mixture,
    select_kernel_density,
)
from zoo.metrics.core import mse, psnr
from zoo.metrics.filters import add_noise, median_filter
from zoo.metrics.outliers import auroc
from zoo.metrics.probe import (
    classifier_from_encoder,
    few_label_study,
    few_labels,
    fine_tune_classifier,
    logistic_regression,
)

__all__ = [
    "PCA", "BernoulliMixture", "GaussianMixture", "KernelDensity", "select_gaussian_mixture",
    "select_kernel_density", "mse", "psnr",
    "add_noise", "median_filter", "auroc",
    "classifier_from_encoder", "few_label_study", "few_labels", "fine_tune_classifier", "logistic_regression",
    "inception_features", "inception_fid", "load_fid_inception",
]

# Inception FID (the optional `.[fid]` extra) is imported on first use: it builds a
# Keras network, and importing this package must stay free of TensorFlow.
_INCEPTION = ("inception_features", "inception_fid", "load_fid_inception")


def __getattr__(name):
    if name in _INCEPTION:
        from zoo.metrics import inception

        return getattr(inception, name)
    raise AttributeError(f"module 'zoo.metrics' has no attribute {name!r}")
