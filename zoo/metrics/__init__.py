"""Measuring instruments: reconstruction error and the classical baselines' likelihoods.

Every figure a card reports comes from a function here, with its sample count
and reference split recorded beside it.
"""

from zoo.metrics.classical import PCA, BernoulliMixture, GaussianMixture, KernelDensity
from zoo.metrics.core import mse, psnr

__all__ = ["PCA", "BernoulliMixture", "GaussianMixture", "KernelDensity", "mse", "psnr"]
