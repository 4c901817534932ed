"""Image filters of the edge detector: BT.601 luma, a Gaussian blur and the Sobel magnitude.

Shared by the translation tasks that make paired data from real images
(`zoo.models.translation.tasks`: grey, edges) and by the sharpness figure of
translation outputs (`zoo.metrics.translation.sharpness`), which must measure
with the same detector. TensorFlow, float NHWC batches in [0, 1]; each
function imports TensorFlow when called.
"""

import numpy as np

# ITU-R BT.601 luma weights of R, G, B.
BT601 = (0.299, 0.587, 0.114)
EDGE_SIGMA = 1.0
EDGE_KERNEL = 5


def luma(images):
    """BT.601 luma of a float batch NHWC (1 or 3 channels), shape (N, H, W, 1)."""
    import tensorflow as tf

    images = tf.convert_to_tensor(images)
    if images.shape[-1] == 1:
        return images
    weights = tf.constant(BT601, images.dtype)
    return tf.reduce_sum(images * weights, axis=-1, keepdims=True)


def gaussian_kernel(size=EDGE_KERNEL, sigma=EDGE_SIGMA):
    """A normalised 1-D Gaussian of `size` taps (numpy float32)."""
    t = np.arange(size, dtype=np.float64) - (size - 1) / 2
    k = np.exp(-0.5 * (t / sigma) ** 2)
    return (k / k.sum()).astype(np.float32)


def smooth(y):
    """A separable Gaussian blur of a one-channel batch, borders reflected."""
    import tensorflow as tf

    k = tf.constant(gaussian_kernel(), y.dtype)
    p = EDGE_KERNEL // 2
    y = tf.pad(y, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")
    y = tf.nn.conv2d(y, tf.reshape(k, [EDGE_KERNEL, 1, 1, 1]), strides=1, padding="VALID")
    return tf.nn.conv2d(y, tf.reshape(k, [1, EDGE_KERNEL, 1, 1]), strides=1, padding="VALID")


def edge_strength(images):
    """Sobel gradient magnitude of the smoothed luma, (N, H, W, 1)."""
    import tensorflow as tf

    gradients = tf.image.sobel_edges(smooth(luma(images)))  # (N, H, W, 1, 2): dy, dx
    return tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=-1))
