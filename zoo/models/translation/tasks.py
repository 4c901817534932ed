"""Named, reproducible transforms that make paired translation tasks out of real images.

No paired photo set ships with the zoo, so a paired task is a transform of
real images: the transform's output is the source, the image the target.

- `grey`: ITU-R BT.601 luma, Y = 0.299 R + 0.587 G + 0.114 B (the weights of
  JPEG, PIL's `convert("L")` and `tf.image.rgb_to_grayscale`), repeated on
  every channel; a grey image is its own luma. Task: grey -> colour.
- `edges`: a binary edge map, black lines on white: the luma above, smoothed
  by a 5x5 Gaussian of sigma 1 pixel (reflected borders), then the Sobel
  gradient magnitude (`tf.image.sobel_edges`: the 3x3 kernels
  [-1 0 1; -2 0 2; -1 0 1] and its transpose, reflected borders) thresholded
  at `EDGE_THRESHOLD`, for images in [0, 1]. A stated detector, not Canny:
  there is no hysteresis and no thinning, so lines are 1-3 pixels wide.
  Task: edges -> image (pix2pix's edges2shoes used HED edges instead).

Both are deterministic functions of the pixels (no randomness, no state),
written in TensorFlow so that they run inside a training step or a
`tf.data` pipeline, on float32 NHWC batches in [0, 1], and keep the shape:
a task's source has the channels of its target, so one model shape serves
both sides.

Example:
    >>> from zoo.models.translation import tasks
    >>> sources = tasks.apply("edges", faces)     # numpy in, numpy out
"""

import numpy as np

# The detector's filters (shared with the sharpness figure, `zoo.metrics.translation`), named here too.
from zoo.layers.edges import BT601, EDGE_KERNEL, EDGE_SIGMA, edge_strength, gaussian_kernel, luma, smooth

TASKS = ("edges", "grey")
# Sobel magnitude (of the smoothed luma, images in [0, 1]; a unit step scores 4) above which a pixel is
# an edge. Chosen once by eye on 8 CelebA 64x64 training faces among 0.5, 0.65, 0.8 and 1.0: about 20% of
# the pixels of 200 training face crops are edges. Fixed, never fitted to an image.
EDGE_THRESHOLD = 0.5


def check_task(task):
    """`task` if it is None or a name in `TASKS`, else a ValueError naming them."""
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {TASKS} or None, got {task!r}")
    return task


def grey(images):
    """The luma of each image on every channel (same shape); grey images come back unchanged."""
    import tensorflow as tf

    y = luma(images)
    return tf.repeat(y, images.shape[-1], axis=-1) if images.shape[-1] != 1 else y


def edges(images):
    """Binary edge maps, 0 on edges and 1 elsewhere, on every channel (same shape)."""
    import tensorflow as tf

    images = tf.convert_to_tensor(images)
    blank = tf.cast(edge_strength(images) <= EDGE_THRESHOLD, images.dtype)
    return tf.repeat(blank, images.shape[-1], axis=-1) if images.shape[-1] != 1 else blank


def apply_tensor(task, images):
    """The task's source for a float32 NHWC tensor batch in [0, 1] (same shape)."""
    import tensorflow as tf

    images = tf.cast(images, "float32")
    return {"edges": edges, "grey": grey}[check_task(task)](images)


def apply(task, images, chunk=512):
    """The task's source for numpy images (float32 NHWC in [0, 1]), as numpy, in chunks.

    Example:
        >>> sources = apply("grey", zoo.data.as_numpy("celeba_64", "test"))
    """
    from zoo.checks import check_images

    if task is None:
        raise ValueError(f"a task is needed, one of {TASKS}")
    check_task(task)
    arr = np.asarray(images)
    shape = arr.shape[1:] if arr.ndim == 4 and arr.shape[-1] in (1, 3) else ("height", "width", "1 or 3")
    images = check_images(arr, shape, name="images")
    return np.concatenate([np.asarray(apply_tensor(task, images[i : i + chunk]))
                           for i in range(0, len(images), chunk)])
