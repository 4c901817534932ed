"""Measuring instruments: reconstruction error and the classical baselines' likelihoods.

Every figure a card reports comes from a function here, with its sample count
and reference split recorded beside it. The instruments of what autoencoders
are for live beside them: `auroc` (outlier detection), the few-label study
(`few_label_study` and its parts) and the denoising baselines (`add_noise`,
`median_filter`). Importing this package imports no TensorFlow; the functions
that train networks import it when called.
"""

from zoo.metrics.classical import PCA, BernoulliMixture, GaussianMixture, KernelDensity
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
    "PCA", "BernoulliMixture", "GaussianMixture", "KernelDensity", "mse", "psnr",
    "add_noise", "median_filter", "auroc",
    "classifier_from_encoder", "few_label_study", "few_labels", "fine_tune_classifier", "logistic_regression",
]
