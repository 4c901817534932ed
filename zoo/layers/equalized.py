"""The building blocks of progressive and style-based GANs (Karras et al., 2018, 2019).

- Equalised learning rate: weights are drawn from N(0, 1) and multiplied at
  run time by He's constant gain / sqrt(fan_in). Adam's update is invariant to
  a weight's scale, so storing unit-variance weights makes every layer learn at
  the same speed; initialising with He's scale instead (the trap of many ports)
  leaves large layers learning slower than small ones. `lr_multiplier` scales
  both the stored weights' step and their effect (StyleGAN's mapping network
  learns 100 times slower this way).
- Pixel normalisation: each pixel's feature vector divided by its root mean
  square, which keeps the generator's signal from escalating.
- Minibatch standard deviation: the discriminator sees how varied a group of
  images is (one extra channel), which punishes a generator that collapses.
"""

import math

import keras
import tensorflow as tf

HE_GAIN = math.sqrt(2.0)


@keras.saving.register_keras_serializable(package="zoo")
class EqualizedDense(keras.layers.Layer):
    """Dense layer with an equalised learning rate: y = x (W * gain / sqrt(fan_in) * m) + b * m.

    Args:
        units: output width.
        gain: He's constant (sqrt 2 before a leaky ReLU; 1 before a linear output).
        lr_multiplier: m; the weights are stored divided by it (N(0, 1 / m^2)).
        bias_init: the bias's initial value (StyleGAN's style layers start at 1).
    """

    def __init__(self, units, gain=HE_GAIN, lr_multiplier=1.0, bias_init=0.0, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.gain = float(gain)
        self.lr_multiplier = float(lr_multiplier)
        self.bias_init = float(bias_init)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.scale = self.gain / math.sqrt(fan_in) * self.lr_multiplier
        self.kernel = self.add_weight(
            shape=(fan_in, self.units), name="kernel",
            initializer=keras.initializers.RandomNormal(0.0, 1.0 / self.lr_multiplier))
        self.bias = self.add_weight(shape=(self.units,), name="bias",
                                    initializer=keras.initializers.Constant(self.bias_init / self.lr_multiplier))

    def call(self, x):
        kernel = tf.cast(self.kernel, x.dtype) * tf.cast(self.scale, x.dtype)
        return tf.matmul(x, kernel) + tf.cast(self.bias, x.dtype) * tf.cast(self.lr_multiplier, x.dtype)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "gain": self.gain,
                "lr_multiplier": self.lr_multiplier, "bias_init": self.bias_init}


@keras.saving.register_keras_serializable(package="zoo")
class EqualizedConv2D(keras.layers.Layer):
    """Same-padded, stride-1 convolution with an equalised learning rate (see `EqualizedDense`)."""

    def __init__(self, filters, kernel_size=3, gain=HE_GAIN, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.gain = float(gain)
        self.use_bias = bool(use_bias)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        self.scale = self.gain / math.sqrt(self.kernel_size * self.kernel_size * channels)
        self.kernel = self.add_weight(
            shape=(self.kernel_size, self.kernel_size, channels, self.filters), name="kernel",
            initializer=keras.initializers.RandomNormal(0.0, 1.0))
        self.bias = self.add_weight(shape=(self.filters,), name="bias", initializer="zeros") if self.use_bias else None

    def call(self, x):
        kernel = tf.cast(self.kernel, x.dtype) * tf.cast(self.scale, x.dtype)
        y = tf.nn.conv2d(x, kernel, strides=1, padding="SAME")
        return y + tf.cast(self.bias, x.dtype) if self.use_bias else y

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "gain": self.gain, "use_bias": self.use_bias}


def pixel_norm(x, epsilon=1e-8):
    """Each pixel's features divided by their root mean square (computed in float32)."""
    x32 = tf.cast(x, "float32")
    return tf.cast(x32 * tf.math.rsqrt(tf.reduce_mean(tf.square(x32), axis=-1, keepdims=True) + epsilon), x.dtype)


def minibatch_stddev(x, group_size=4, epsilon=1e-8):
    """`x` with one more channel: the standard deviation of each feature over a group of images, averaged.

    The batch is split into groups of `group_size` images (image i joins
    group i mod (batch / group_size), as in the paper's code); a batch that
    does not divide evenly forms one group. Every pixel of an image's extra
    channel holds its group's mean standard deviation.
    """
    shape = tf.shape(x)
    n, height, width = shape[0], shape[1], shape[2]
    group = tf.where(tf.equal(n % group_size, 0), tf.minimum(group_size, n), n)
    x32 = tf.cast(x, "float32")
    y = tf.reshape(x32, tf.stack([group, -1, height, width, x.shape[-1]]))
    y = y - tf.reduce_mean(y, axis=0, keepdims=True)
    std = tf.sqrt(tf.reduce_mean(tf.square(y), axis=0) + epsilon)
    per_group = tf.reduce_mean(std, axis=[1, 2, 3])
    channel = tf.tile(per_group[:, None, None, None], tf.stack([group, height, width, 1]))
    return tf.concat([x, tf.cast(channel, x.dtype)], axis=-1)


def upsample(x):
    """Nearest-neighbour doubling of height and width."""
    return tf.repeat(tf.repeat(x, 2, axis=1), 2, axis=2)


def downsample(x, factor=2):
    """Average pooling by `factor` (a box filter, as the papers downscale the real images)."""
    return tf.nn.avg_pool2d(x, factor, factor, "VALID") if factor > 1 else x
