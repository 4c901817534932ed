"""The bijections flows are made of, as Keras layers on NHWC tensors.

Each `FlowLayer` maps x to y and back: `forward(x) -> (y, log|det dy/dx|)`
(one float64 figure per example) and `inverse(y) -> x`; `call(x)` is the
forward map alone. The layers compute in float32 whatever the dtype policy
(they are created with `dtype="float32"`): log-determinants, actnorm and the
1x1 convolution lose too much in float16 or bfloat16. Only the convolutional
networks inside the couplings follow the global policy, and their last
convolution is float32. Log-determinants are summed in float64, so that a
log-likelihood of thousands of nats keeps its last digits (see
`Flow.log_prob_tensor`).

- `Preprocess`: [0, 1] pixels to the flow's input space (`"shift"`: y - 1/2,
  Glow; `"logit"`: logit(alpha + (1 - 2 alpha) y), RealNVP), with its Jacobian.
- `Squeeze`: 2x2 space-to-depth, (h, w, c) -> (h/2, w/2, 4c), a permutation.
- `ActNorm` (Glow): per-channel affine map, set from the first batch it sees
  (`initialize`) so that its outputs have zero mean and unit variance.
- `InvertibleConv1x1` (Glow): a learned channel mixing W = P L (U + diag(sign s * exp(log|s|))),
  LU-decomposed so that log|det W| = sum log|s|.
- `AffineCoupling` (RealNVP, Glow): half of the values (a checkerboard or a
  channel half) pass unchanged and set a scale and shift for the other half.
- `SplitPrior` and `LearnedPrior` (Glow): a learned Gaussian prior written as
  the bijection that standardises under it, eps = (z - mean) / scale, so the
  code a flow hands out stays N(0, I) and the prior's log-density is the
  Gaussian of eps plus this layer's log-determinant, -sum log scale.

Every layer is registered with Keras and has a config of plain data, so a
flow loads in safe mode; the networks are built from that config, never
deserialised.
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers

MASKS = ("checkerboard", "channel")
SCALES = ("tanh", "sigmoid")
PREPROCESSING = ("shift", "logit")


def register(cls):
    return keras.saving.register_keras_serializable(package="zoo_flow")(cls)


def sum_per_example(values):
    """Sums an (n, ...) float32 tensor over all but the batch axis, in float64."""
    values = tf.cast(values, "float64")
    return tf.reduce_sum(tf.reshape(values, [tf.shape(values)[0], -1]), axis=1)


def constant_per_example(x, value):
    """A data-independent log-determinant (a float64 scalar tensor), one per example of `x`."""
    return tf.fill(tf.shape(x)[:1], tf.cast(value, "float64"))


def pixels(x):
    """The number of spatial positions of an NHWC batch, as a float64 tensor."""
    shape = tf.shape(x)
    return tf.cast(shape[1] * shape[2], "float64")


class FlowLayer(layers.Layer):
    """A bijection with a tractable log-determinant, computed in float32."""

    def __init__(self, **kwargs):
        kwargs["dtype"] = "float32"
        super().__init__(**kwargs)

    def forward(self, x):
        """(y, log|det dy/dx|): y like x, the log-determinant float64 of shape (batch,)."""
        raise NotImplementedError

    def inverse(self, y):
        raise NotImplementedError

    def call(self, x):
        return self.forward(x)[0]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


@register
class Preprocess(FlowLayer):
    """Pixels y in [0, 1] to the flow's input space, and back.

    `"shift"`: v = y - 1/2 (volume-preserving). `"logit"`: s = alpha + (1 -
    2 alpha) y, v = log s - log(1 - s), with log|dv/dy| = log(1 - 2 alpha) -
    log s - log(1 - s) per pixel; alpha keeps s away from 0 and 1, where the
    logit is unbounded.
    """

    def __init__(self, mode="shift", alpha=0.05, **kwargs):
        super().__init__(**kwargs)
        if mode not in PREPROCESSING:
            raise ValueError(f"preprocessing must be one of {PREPROCESSING}, got {mode!r}")
        # alpha > 0: dequantisation noise can reach y = 0, whose logit is infinite.
        if not 0.0 < float(alpha) < 0.5:
            raise ValueError(f"alpha must be in (0, 0.5), got {alpha!r}")
        self.mode, self.alpha = mode, float(alpha)

    def forward(self, y):
        y = tf.cast(y, "float32")
        if self.mode == "shift":
            return y - 0.5, constant_per_example(y, 0.0)
        s = self.alpha + (1.0 - 2.0 * self.alpha) * y
        # log(1 - s), not log1p(-s): ONNX has no Log1p, and s <= 1 - alpha keeps 1 - s exact enough.
        log_s, log_1ms = tf.math.log(s), tf.math.log(1.0 - s)
        v = log_s - log_1ms
        log_det = math.log(1.0 - 2.0 * self.alpha) - log_s - log_1ms
        return v, sum_per_example(log_det)

    def inverse(self, v):
        if self.mode == "shift":
            return v + 0.5
        return (tf.sigmoid(v) - self.alpha) / (1.0 - 2.0 * self.alpha)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "alpha": self.alpha}


@register
class Squeeze(FlowLayer):
    """2x2 space-to-depth: (h, w, c) -> (h/2, w/2, 4c); a permutation, log-determinant 0."""

    def forward(self, x):
        return tf.nn.space_to_depth(x, 2), constant_per_example(x, 0.0)

    def inverse(self, y):
        return tf.nn.depth_to_space(y, 2)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, h // 2, w // 2, 4 * c)


@register
class ActNorm(FlowLayer):
    """y = (x + bias) * exp(log_scale), per channel (Kingma and Dhariwal, 2018).

    Until it is initialised it is the identity; `initialize(x)` sets bias and
    scale from a batch so that y has zero mean and unit variance per channel,
    and records that it did in the non-trainable weight `initialized` (saved
    with the weights, so a loaded model is not initialised again).
    """

    def build(self, input_shape):
        channels = input_shape[-1]
        # "mean": under tf.distribute, each replica's statistics are averaged when assigned.
        self.bias = self.add_weight(shape=(channels,), initializer="zeros", name="bias", aggregation="mean")
        self.log_scale = self.add_weight(shape=(channels,), initializer="zeros", name="log_scale",
                                         aggregation="mean")
        self.initialized = self.add_weight(shape=(), initializer="zeros", trainable=False, name="initialized",
                                           aggregation="mean")

    def forward(self, x):
        y = (x + self.bias) * tf.exp(self.log_scale)
        log_det = pixels(x) * tf.reduce_sum(tf.cast(self.log_scale, "float64"))
        return y, constant_per_example(x, log_det)

    def initialize(self, x, eps=1e-6):
        """Sets bias and scale from `x`'s per-channel statistics; returns `forward(x)` with them."""
        mean, variance = tf.nn.moments(x, axes=[0, 1, 2])
        log_scale = -0.5 * tf.math.log(variance + eps)
        self.bias.assign(-mean)
        self.log_scale.assign(log_scale)
        self.initialized.assign(1.0)
        # From the new values directly, not re-read from the variables.
        y = (x - mean) * tf.exp(log_scale)
        return y, constant_per_example(x, pixels(x) * tf.reduce_sum(tf.cast(log_scale, "float64")))

    def inverse(self, y):
        return y * tf.exp(-self.log_scale) - self.bias


@register
class InvertibleConv1x1(FlowLayer):
    """y = x W at every pixel, W = P L (U + diag(sign_s * exp(log_s))) (Kingma and Dhariwal, 2018).

    P is a fixed permutation, L lower triangular with a unit diagonal, U
    strictly upper triangular, and the diagonal's signs fixed and log-magnitudes
    learned: log|det W| = sum(log_s) per pixel, without a determinant. W
    starts as a random rotation (the LU of the Q of a Gaussian matrix drawn
    with `seed`), so the layer starts volume-preserving. P and the signs are
    non-trainable weights; the inverse is computed in float64.
    """

    def __init__(self, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.seed = int(seed)

    def build(self, input_shape):
        import scipy.linalg

        channels = input_shape[-1]
        q, _ = np.linalg.qr(np.random.default_rng(self.seed).standard_normal((channels, channels)))
        p, lower, upper = scipy.linalg.lu(q)
        diagonal = np.diag(upper)

        def constant(value):
            return lambda shape, dtype=None: tf.constant(np.asarray(value, np.float32).reshape(shape))

        self.permutation = self.add_weight(shape=(channels, channels), initializer=constant(p), trainable=False,
                                           name="permutation")
        self.lower = self.add_weight(shape=(channels, channels), initializer=constant(lower), name="lower")
        self.upper = self.add_weight(shape=(channels, channels), initializer=constant(np.triu(upper, 1)),
                                     name="upper")
        self.log_s = self.add_weight(shape=(channels,), initializer=constant(np.log(np.abs(diagonal))), name="log_s")
        self.sign_s = self.add_weight(shape=(channels,), initializer=constant(np.sign(diagonal)), trainable=False,
                                      name="sign_s")
        self.lower_mask = np.tril(np.ones((channels, channels), np.float32), -1)
        self.eye = np.eye(channels, dtype=np.float32)

    def kernel(self):
        lower = self.lower * self.lower_mask + self.eye
        upper = self.upper * self.lower_mask.T + tf.linalg.diag(self.sign_s * tf.exp(self.log_s))
        return tf.matmul(self.permutation, tf.matmul(lower, upper))

    @staticmethod
    def mix(x, w):
        return tf.nn.conv2d(x, tf.reshape(w, [1, 1, *w.shape]), strides=1, padding="VALID")

    def forward(self, x):
        log_det = pixels(x) * tf.reduce_sum(tf.cast(self.log_s, "float64"))
        return self.mix(x, self.kernel()), constant_per_example(x, log_det)

    def inverse(self, y):
        w_inv = tf.cast(tf.linalg.inv(tf.cast(self.kernel(), "float64")), "float32")
        return self.mix(y, w_inv)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def coupling_network(shape, out_channels, hidden, blocks, name):
    """Conditioning values -> raw (log-)scale and shift: a small conv net whose last conv starts at zero.

    3x3 conv, `blocks` residual blocks of two 3x3 convs, 1x1 conv (ReLUs
    between), then a zero-initialised 3x3 conv in float32: the coupling starts
    as the identity.
    """
    x = keras.Input(shape, name=f"{name}_in")
    h = layers.Conv2D(hidden, 3, padding="same", activation="relu", name=f"{name}_conv_in")(x)
    for i in range(blocks):
        r = layers.Conv2D(hidden, 3, padding="same", activation="relu", name=f"{name}_res{i}_a")(h)
        r = layers.Conv2D(hidden, 3, padding="same", name=f"{name}_res{i}_b")(r)
        h = layers.ReLU(name=f"{name}_res{i}_relu")(layers.Add(name=f"{name}_res{i}_add")([h, r]))
    h = layers.Conv2D(hidden, 1, activation="relu", name=f"{name}_conv_mid")(h)
    out = layers.Conv2D(out_channels, 3, padding="same", kernel_initializer="zeros", bias_initializer="zeros",
                        dtype="float32", name=f"{name}_conv_out")(h)
    return keras.Model(x, out, name=name)


# The coupling's inverse divides by s, which Glow's sigmoid scale lets approach 0: over a few steps a
# code from the prior's tail can overflow float32 and decode to NaN (glow_mnist: 32 of 2,000 codes at
# temperature 1). The inverse saturates at +-INVERSE_BOUND instead, far beyond any value the forward
# pass gives images (|h| < 40 on the MNIST test set for glow_mnist), so decode(encode(x)) stays exact
# for data, and such a code decodes to finite, saturated pixels.
INVERSE_BOUND = 1e4
# exp(60) * INVERSE_BOUND stays finite in float32 (about 1e30), so no inf * 0 can make a NaN.
MAX_INVERSE_LOG_SCALE = 60.0


@register
class AffineCoupling(FlowLayer):
    """Affine coupling (Dinh et al., 2017): y_b = x_b * exp(log_s(x_a)) + t(x_a), y_a = x_a.

    Args:
        mask: `"checkerboard"` (x_a: the pixels with (i + j + parity) even, all
            channels; the network also sees the mask as a channel) or
            `"channel"` (x_a: the first c//2 channels, or with parity 1 the
            rest).
        parity: 0 or 1, which half conditions.
        scale: how the network's raw output h becomes log_s:
            `"tanh"`: log_s = factor * tanh(h), a learned factor per channel
            (bounded, as in RealNVP's reference code);
            `"sigmoid"`: s = sigmoid(h + 2) / sigmoid(2) (Glow's sigmoid(h + 2),
            divided by its value at h = 0 so that the zero-initialised network
            gives exactly the identity; s lies in (0, 1.135)).
        hidden, blocks: the network's width and residual blocks.
    """

    def __init__(self, mask="channel", parity=0, scale="sigmoid", hidden=64, blocks=0, **kwargs):
        super().__init__(**kwargs)
        if mask not in MASKS:
            raise ValueError(f"mask must be one of {MASKS}, got {mask!r}")
        if scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
        if parity not in (0, 1):
            raise ValueError(f"parity must be 0 or 1, got {parity!r}")
        self.mask, self.parity, self.scale = mask, int(parity), scale
        self.hidden, self.blocks = int(hidden), int(blocks)
        # False only to measure how often the exact inverse overflows (`Flow.overflow_share`).
        self.saturate = True

    def build(self, input_shape):
        height, width, channels = input_shape[1:]
        if self.mask == "checkerboard":
            board = (np.add.outer(np.arange(height), np.arange(width)) + self.parity) % 2 == 0
            self.board = board.astype(np.float32)[None, :, :, None]
            conditioning, transformed = channels + 1, channels
        else:
            if channels < 2:
                raise ValueError(f"a channel coupling needs at least 2 channels, got {channels}")
            self.split = channels // 2
            first, second = self.split, channels - self.split
            conditioning, transformed = (first, second) if self.parity == 0 else (second, first)
        self.net = coupling_network((height, width, conditioning), 2 * transformed, self.hidden, self.blocks,
                                    name=f"{self.name}_net")
        if self.scale == "tanh":
            self.factor = self.add_weight(shape=(transformed,), initializer="ones", name="factor")

    def log_scale_and_shift(self, conditioning):
        h = tf.cast(self.net(conditioning), "float32")
        raw, shift = tf.split(h, 2, axis=-1)
        if self.scale == "tanh":
            return self.factor * tf.tanh(raw), shift
        return tf.math.log_sigmoid(raw + 2.0) - math.log(1.0 / (1.0 + math.exp(-2.0))), shift

    # The checkerboard's network sees the kept pixels (the others zeroed) and the mask itself.
    def board_input(self, x):
        kept = x * self.board
        return kept, tf.concat([kept, tf.ones_like(x[..., :1]) * self.board], axis=-1)

    def halves(self, x):
        first, second = x[..., : self.split], x[..., self.split :]
        return (first, second) if self.parity == 0 else (second, first)

    def join(self, conditioning, transformed):
        parts = [conditioning, transformed] if self.parity == 0 else [transformed, conditioning]
        return tf.concat(parts, axis=-1)

    def forward(self, x):
        if self.mask == "checkerboard":
            kept, net_in = self.board_input(x)
            log_s, shift = self.log_scale_and_shift(net_in)
            log_s, shift = log_s * (1.0 - self.board), shift * (1.0 - self.board)
            return kept + (1.0 - self.board) * (x * tf.exp(log_s) + shift), sum_per_example(log_s)
        a, b = self.halves(x)
        log_s, shift = self.log_scale_and_shift(a)
        return self.join(a, b * tf.exp(log_s) + shift), sum_per_example(log_s)

    def divide(self, x, log_s):
        """x / s, saturated (see INVERSE_BOUND) unless `saturate` is off."""
        if not self.saturate:
            return x * tf.exp(-log_s)
        out = x * tf.exp(tf.minimum(-log_s, MAX_INVERSE_LOG_SCALE))
        return tf.clip_by_value(out, -INVERSE_BOUND, INVERSE_BOUND)

    def inverse(self, y):
        if self.mask == "checkerboard":
            kept, net_in = self.board_input(y)
            log_s, shift = self.log_scale_and_shift(net_in)
            return kept + (1.0 - self.board) * self.divide(y - shift, log_s)
        a, b = self.halves(y)
        log_s, shift = self.log_scale_and_shift(a)
        return self.join(a, self.divide(b - shift, log_s))

    def get_config(self):
        return {**super().get_config(), "mask": self.mask, "parity": self.parity, "scale": self.scale,
                "hidden": self.hidden, "blocks": self.blocks}


@register
class SplitPrior(FlowLayer):
    """Glow's prior for the half a level factors out, conditioned on the half that continues.

    Of the input's channels, the first c // 2 (z_1, the half `Flow` factors
    out after this layer) become eps = (z_1 - mean) * exp(-log_scale), where
    mean and log_scale come from a zero-initialised 3x3 convolution of the
    other half z_2, which passes unchanged. So p(z_1 | z_2) = N(mean, exp(2
    log_scale)) per value; its zero padding lets the spread depend on the
    position near the border, where digits' pixels are always background.
    Starts as the identity (the fixed N(0, I) prior).
    """

    def build(self, input_shape):
        height, width, channels = input_shape[1:]
        self.split = channels // 2
        self.conv = layers.Conv2D(2 * self.split, 3, padding="same", kernel_initializer="zeros",
                                  bias_initializer="zeros", dtype="float32", name=f"{self.name}_conv")
        self.conv.build((None, height, width, channels - self.split))

    def mean_and_log_scale(self, rest):
        return tf.split(self.conv(rest), 2, axis=-1)

    def forward(self, x):
        z, rest = x[..., : self.split], x[..., self.split :]
        mean, log_scale = self.mean_and_log_scale(rest)
        return tf.concat([(z - mean) * tf.exp(-log_scale), rest], axis=-1), -sum_per_example(log_scale)

    def inverse(self, y):
        eps, rest = y[..., : self.split], y[..., self.split :]
        mean, log_scale = self.mean_and_log_scale(rest)
        return tf.concat([mean + eps * tf.exp(log_scale), rest], axis=-1)


@register
class LearnedPrior(FlowLayer):
    """A learned Gaussian prior for the last level's output: a mean and a log-scale per value.

    eps = (x - mean) * exp(-log_scale), with mean and log_scale learned for
    every position and channel (Glow learns one per channel; per position,
    the prior can be as narrow as the data are at a border that is always
    background). Starts as the identity.
    """

    def build(self, input_shape):
        shape = tuple(input_shape[1:])
        self.mean = self.add_weight(shape=shape, initializer="zeros", name="mean")
        self.log_scale = self.add_weight(shape=shape, initializer="zeros", name="log_scale")

    def forward(self, x):
        log_det = -tf.reduce_sum(tf.cast(self.log_scale, "float64"))
        return (x - self.mean) * tf.exp(-self.log_scale), constant_per_example(x, log_det)

    def inverse(self, y):
        return self.mean + y * tf.exp(self.log_scale)
