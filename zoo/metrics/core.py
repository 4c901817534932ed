"""Per-image error measures on images in [0, 1]."""

import numpy as np


def mse(a, b):
    """Mean squared error over every pixel of two equally shaped batches."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"mse needs two batches of one shape, got {a.shape} and {b.shape}")
    return float(np.mean((a - b) ** 2))


def psnr(a, b):
    """Peak signal-to-noise ratio in dB for images in [0, 1], averaged over images."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    per_image = np.mean((a - b) ** 2, axis=tuple(range(1, a.ndim)))
    return float(np.mean(10 * np.log10(1.0 / np.maximum(per_image, 1e-12))))
