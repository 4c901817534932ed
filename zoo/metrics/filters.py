"""Corrupted images and the classical denoiser, for the denoising figures.

- `add_noise`: Gaussian, masking or salt-and-pepper corruption, deterministic
  for a seed.
- `median_filter`: the classical baseline a denoising autoencoder must beat
  (`scipy.ndimage.median_filter` over each image and channel); the PSNR of the
  noisy input is the floor, the median filter's the bar.
"""

import numpy as np

NOISE_KINDS = ("gaussian", "masking", "salt_pepper")
PAD_MODES = ("reflect", "edge")
# numpy.pad's names of the border modes, as scipy.ndimage calls them.
_NDIMAGE_MODES = {"reflect": "mirror", "edge": "nearest"}


def _batch(images, name="images"):
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"{name} must be an NHWC batch (N, H, W, C), got shape {images.shape}")
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"{name} must be floats in [0, 1], got dtype {images.dtype}")
    return images


def median_filter(images, size=3, mode="reflect"):
    """Median of each pixel's size x size neighbourhood, per image and channel.

    Args:
        images: float `(N, H, W, C)` batch.
        size: odd window side, so that the window is centred on its pixel.
        mode: how the border is padded, as `numpy.pad` names it: "reflect"
            (mirror without repeating the edge pixel, scipy's "mirror") or
            "edge" (repeat the edge pixel, scipy's "nearest").

    Returns:
        An array of the input's shape and dtype.

    Raises:
        ValueError: For a batch that is not 4-D floats, an even or non-positive
            size, or an unknown mode.

    Example:
        >>> noisy = add_noise(test, "salt_pepper", 0.1, seed=0)
        >>> psnr(test, median_filter(noisy)) > psnr(test, noisy)
        True
    """
    from scipy import ndimage

    images = _batch(images)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1 or size % 2 == 0:
        raise ValueError(f"size must be an odd positive int, got {size!r}")
    if mode not in PAD_MODES:
        raise ValueError(f"mode must be one of {PAD_MODES}, got {mode!r}")
    # A window of one image and one channel: the filter never mixes them.
    return ndimage.median_filter(images, size=(1, int(size), int(size), 1), mode=_NDIMAGE_MODES[mode])


def add_noise(images, kind, level, seed=0):
    """A corrupted copy of a batch in [0, 1]; the input is left unchanged.

    Masking and salt-and-pepper hit whole pixels (every channel of one
    location), exactly round(level * H * W) of them in each image, so the level
    is met per image rather than on average.

    Args:
        images: float `(N, H, W, C)` batch in [0, 1].
        kind: "gaussian" (add N(0, level^2) noise, then clip to [0, 1]),
            "masking" (set a fraction `level` of the pixels to 0) or
            "salt_pepper" (set a fraction `level` of the pixels to 0 or 1,
            each with probability 1/2).
        level: the noise std for "gaussian" (>= 0), the fraction of pixels in
            [0, 1] otherwise.
        seed: the same seed gives the same corruption.

    Returns:
        float32 array of the input's shape, in [0, 1].

    Raises:
        ValueError: For a bad batch, kind or level.

    Example:
        >>> noisy = add_noise(test, "gaussian", 0.3, seed=0)
    """
    images = _batch(images)
    if kind not in NOISE_KINDS:
        raise ValueError(f"kind must be one of {NOISE_KINDS}, got {kind!r}")
    if isinstance(level, bool) or not isinstance(level, (int, float, np.number)) or not np.isfinite(level):
        raise ValueError(f"level must be a finite number, got {level!r}")
    level = float(level)
    if level < 0 or (kind != "gaussian" and level > 1):
        expected = ">= 0" if kind == "gaussian" else "in [0, 1]"
        raise ValueError(f"level for {kind!r} must be {expected}, got {level}")
    rng = np.random.default_rng(seed)
    x = images.astype(np.float32, copy=True)
    n, h, w, _ = x.shape
    if kind == "gaussian":
        return np.clip(x + rng.normal(0.0, level, x.shape).astype(np.float32), 0.0, 1.0)
    hit = int(round(level * h * w))
    # The first `hit` positions of a random permutation of each image's pixels.
    order = np.argsort(rng.random((n, h * w)), axis=1)[:, :hit]
    mask = np.zeros((n, h * w), bool)
    np.put_along_axis(mask, order, True, axis=1)
    mask = mask.reshape(n, h, w)
    if kind == "masking":
        x[mask] = 0.0
    else:
        values = (rng.random((n, h, w)) < 0.5).astype(np.float32)
        x[mask] = values[mask][:, None]
    return x
