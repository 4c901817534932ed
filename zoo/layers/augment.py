"""Differentiable augmentation (Zhao et al., 2020, "DiffAugment").

A discriminator trained on few images memorises them. Augmenting only the real
images would teach the generator to produce augmented images; DiffAugment
instead applies the same random transformations to real *and* generated
images, every time the discriminator sees them, in both players' steps. The
transformations are differentiable in the pixels, so the generator's gradient
flows through them.

Images are in the generator's range [-1, 1]. Policies:

- `color`: random brightness (+-0.5), saturation (x0..2) and contrast (x0.5..1.5);
- `translation`: shift by up to 1/8 of the image, filling with zeros;
- `cutout`: zero a random square of half the image's side.
"""

import tensorflow as tf

POLICIES = ("color", "translation", "cutout")


def check_policy(policy):
    """Returns a policy string's parts as a tuple, or raises ValueError naming the known ones."""
    parts = tuple(p for p in str(policy or "").split(",") if p)
    unknown = [p for p in parts if p not in POLICIES]
    if unknown:
        raise ValueError(f"augment must be a comma-separated subset of {POLICIES}, got {policy!r}")
    return parts


def _uniform(shape, seed, lo=0.0, hi=1.0, dtype="float32"):
    return tf.random.stateless_uniform(shape, seed=seed, minval=lo, maxval=hi, dtype=dtype)


def _color(x, seeds):
    b = tf.shape(x)[0]
    dtype = x.dtype
    x = x + tf.cast(_uniform([b, 1, 1, 1], seeds[0], -0.5, 0.5), dtype)
    mean = tf.reduce_mean(x, axis=3, keepdims=True)
    x = (x - mean) * tf.cast(_uniform([b, 1, 1, 1], seeds[1], 0.0, 2.0), dtype) + mean
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    return (x - mean) * tf.cast(_uniform([b, 1, 1, 1], seeds[2], 0.5, 1.5), dtype) + mean


def _translation(x, seeds, ratio=0.125):
    b, h, w = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    max_dy = tf.cast(tf.cast(h, "float32") * ratio + 0.5, "int32")
    max_dx = tf.cast(tf.cast(w, "float32") * ratio + 0.5, "int32")
    dy = tf.random.stateless_uniform([b, 1], seeds[0], -max_dy, max_dy + 1, dtype="int32")
    dx = tf.random.stateless_uniform([b, 1], seeds[1], -max_dx, max_dx + 1, dtype="int32")
    # Each output pixel reads the input at (i - dy, j - dx); outside the image it reads zero.
    rows = tf.range(h)[None, :] - dy  # (b, h)
    cols = tf.range(w)[None, :] - dx  # (b, w)
    valid = ((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]
    x = tf.gather(x, tf.clip_by_value(rows, 0, h - 1), axis=1, batch_dims=1)
    x = tf.gather(x, tf.clip_by_value(cols, 0, w - 1), axis=2, batch_dims=1)
    return x * tf.cast(valid, x.dtype)[..., None]


def _cutout(x, seeds, ratio=0.5):
    b, h, w = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    size_h = tf.cast(tf.cast(h, "float32") * ratio + 0.5, "int32")
    size_w = tf.cast(tf.cast(w, "float32") * ratio + 0.5, "int32")
    cy = tf.random.stateless_uniform([b, 1], seeds[0], 0, h + (1 - size_h % 2), dtype="int32")
    cx = tf.random.stateless_uniform([b, 1], seeds[1], 0, w + (1 - size_w % 2), dtype="int32")
    inside_rows = tf.abs(tf.range(h)[None, :] - cy) <= size_h // 2
    inside_cols = tf.abs(tf.range(w)[None, :] - cx) <= size_w // 2
    hole = inside_rows[:, :, None] & inside_cols[:, None, :]
    return x * tf.cast(~hole, x.dtype)[..., None]


def diff_augment(x, policy, seed):
    """Applies the policy's transformations to a batch, differentiably.

    Args:
        x: images (batch, H, W, C) in [-1, 1].
        policy: a tuple from `check_policy`, e.g. `("translation", "cutout")`.
        seed: an int32 tensor of shape (2,); the same seed gives the same
            transformations.

    Returns:
        The transformed batch, same shape and dtype.
    """
    seeds = tf.unstack(tf.random.experimental.stateless_split(seed, num=8))
    if "color" in policy:
        x = _color(x, seeds[0:3])
    if "translation" in policy:
        x = _translation(x, seeds[3:5])
    if "cutout" in policy:
        x = _cutout(x, seeds[5:7])
    return x
