"""A style-based generator (Karras et al. 2019), in the StyleGAN2 form (Karras et al. 2020).

Generator: a mapping network turns z into an intermediate code w (its layers
learn 100 times slower: an equalised learning-rate multiplier of 0.01), and a
running average of w is kept for truncation. The synthesis network starts
from a learned 4x4 constant and, at each layer, convolves with weights
*modulated* by a style (an affine map of w) and *demodulated* so that each
output feature has unit expected variance, adds per-pixel noise with a learned
strength, a bias and a leaky ReLU. Each resolution ends in a modulated 1x1
"to RGB" layer, and the images are summed across resolutions (skip
connections), each upsampled to the next.

Each modulated layer reads its own copy of w (`ws`, shape (batch, num_ws,
w_dim)), so two codes can be mixed: layers before a crossover take one,
later layers the other. Training mixes two codes this way for 90 % of the
batches, so that neighbouring layers do not learn to rely on each other.

The modulation is written as its equivalent on activations (scale the input
features by the style, convolve with the shared kernel, scale the outputs by
the demodulation coefficients), StyleGAN2's non-fused form: exact, and
exportable without per-image kernels. Upsampling is nearest-neighbour followed
by the 3x3 convolution, where the paper uses a transposed convolution with a
low-pass filter.

Discriminator: residual blocks (two 3x3 convolutions and a 1x1 skip, both
halving the size, their sum divided by sqrt 2), then the minibatch standard
deviation, a 3x3 convolution and two dense layers.

Game: the non-saturating logistic loss, with lazy regularisation: R1 (the
squared gradient norm of D on real images, weight gamma / 2) every 16 rounds
and the path-length penalty on G every 4, each scaled by its interval. The
path-length penalty asks that a fixed-size step in w moves the image by a
fixed amount in every direction: (|J_w^T y| - a)^2 with y Gaussian image
noise and a the running mean of the lengths.

Inference: `sample(n, seed, truncation=psi)`, `mix(z_a, z_b, crossover)`,
`mapping(z)` and `synthesis(ws)` (each exported), and the noise is either the
fixed buffers stored with the weights (deterministic, what the exports use)
or drawn from a seed (`noise_seed=`).
"""

import math

import keras
import numpy as np
import tensorflow as tf

from zoo.base import Player
from zoo.checks import check_codes, check_count
from zoo.layers.equalized import EqualizedConv2D, EqualizedDense, downsample, minibatch_stddev, pixel_norm, upsample
from zoo.models.gan.gan import AdversarialGenerator
from zoo.registry import register

SQRT2 = math.sqrt(2.0)


def lrelu(x):
    # StyleGAN's activation keeps unit variance: leaky ReLU times sqrt 2.
    return tf.nn.leaky_relu(x, 0.2) * tf.cast(SQRT2, x.dtype)


@keras.saving.register_keras_serializable(package="zoo")
class ModulatedConv2D(keras.layers.Layer):
    """A convolution whose weights are scaled per image by a style s = A(w), then (optionally) demodulated.

    y = conv(x * s, W / sqrt(fan_in)) * d,  d_o = 1 / sqrt(sum_{i,k} (W_{k,i,o} s_i / sqrt(fan_in))^2 + 1e-8)

    With `demodulate`, every output feature has unit variance for inputs of
    unit variance, whatever the style; without it (the to-RGB layers) the
    style sets the output's scale.
    """

    def __init__(self, filters, kernel_size, w_dim, demodulate=True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.w_dim = int(filters), int(kernel_size), int(w_dim)
        self.demodulate = bool(demodulate)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        # Styles start at 1 (bias 1), so training starts from plain convolutions.
        self.affine = EqualizedDense(channels, gain=1.0, bias_init=1.0, name="affine")
        self.affine.build((None, self.w_dim))
        self.scale = 1.0 / math.sqrt(self.kernel_size * self.kernel_size * channels)
        self.kernel = self.add_weight(
            shape=(self.kernel_size, self.kernel_size, channels, self.filters), name="kernel",
            initializer=keras.initializers.RandomNormal(0.0, 1.0))

    def call(self, x, w):
        styles = tf.cast(self.affine(tf.cast(w, x.dtype)), "float32")
        kernel = tf.cast(self.kernel, "float32") * self.scale
        y = tf.nn.conv2d(x * tf.cast(styles[:, None, None, :], x.dtype), tf.cast(kernel, x.dtype), 1, "SAME")
        if not self.demodulate:
            return y
        # sum over taps and inputs of (W s)^2 = s^2 @ (W^2 summed over the taps)
        d = tf.math.rsqrt(tf.matmul(tf.square(styles), tf.reduce_sum(tf.square(kernel), axis=[0, 1])) + 1e-8)
        return y * tf.cast(d[:, None, None, :], y.dtype)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "w_dim": self.w_dim, "demodulate": self.demodulate}


class MappingNetwork(keras.Model):
    """z -> w: pixel-normalised z through `layers` dense layers with a learning-rate multiplier."""

    def __init__(self, latent_dim, w_dim, layers=4, lr_multiplier=0.01, **kwargs):
        super().__init__(**kwargs)
        self.dense = [EqualizedDense(w_dim, gain=1.0, lr_multiplier=lr_multiplier, name=f"dense{i}")
                      for i in range(int(layers))]
        width = int(latent_dim)
        for layer in self.dense:
            layer.build((None, width))
            width = int(w_dim)
        self.built = True

    def call(self, z, training=False):
        h = pixel_norm(tf.cast(z, self.compute_dtype))
        for layer in self.dense:
            h = lrelu(layer(h))
        return tf.cast(h, "float32")


class SynthesisNetwork(keras.Model):
    """ws (batch, num_ws, w_dim) -> images in about [-1, 1] (linear output), float32.

    Level l works at 4 * 2**l pixels with `filters[l]` features. Modulated
    layers and their w: level 0's convolution reads ws[:, 0] and its to-RGB
    ws[:, 1]; level l's two convolutions read ws[:, 2l - 1] and ws[:, 2l], its
    to-RGB ws[:, 2l + 1] (StyleGAN2's layout), so num_ws = 2 * levels.
    """

    def __init__(self, w_dim, filters, channels, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.w_dim, self.filters, self.levels = int(w_dim), tuple(int(f) for f in filters), len(filters)
        self.num_ws = 2 * self.levels
        rng = np.random.default_rng(seed)
        self.const = self.add_weight(shape=(4, 4, self.filters[0]), name="const",
                                     initializer=keras.initializers.RandomNormal(0.0, 1.0))
        self.convs, self.to_rgb, self.strengths, self.biases, self.fixed_noise = [], [], [], [], []
        previous = self.filters[0]
        for level, f in enumerate(self.filters):
            size = 4 * 2 ** level
            for i in range(1 if level == 0 else 2):
                index = len(self.convs)
                conv = ModulatedConv2D(f, 3, self.w_dim, name=f"level{level}_conv{i}")
                conv.build((None, size, size, previous))
                previous = f
                self.convs.append(conv)
                # Noise strength starts at 0: the network learns how much noise each layer wants.
                self.strengths.append(self.add_weight(shape=(), name=f"noise_strength{index}", initializer="zeros"))
                self.biases.append(self.add_weight(shape=(f,), name=f"bias{index}", initializer="zeros"))
                # The fixed noise of deterministic synthesis: stored, so every export agrees.
                fixed = self.add_weight(shape=(1, size, size, 1), name=f"fixed_noise{index}", trainable=False,
                                        initializer="zeros")
                fixed.assign(rng.standard_normal((1, size, size, 1)).astype("float32"))
                self.fixed_noise.append(fixed)
            rgb = ModulatedConv2D(channels, 1, self.w_dim, demodulate=False, name=f"to_rgb{level}")
            rgb.build((None, size, size, f))
            self.to_rgb.append(rgb)
            self.biases.append(self.add_weight(shape=(channels,), name=f"rgb_bias{level}", initializer="zeros"))
        self.built = True

    def noise_shapes(self):
        """The shape of each noise input, (height, width), in layer order."""
        return [tuple(n.shape[1:3]) for n in self.fixed_noise]

    def call(self, ws, noise=None, training=False):
        """`noise`: one (batch, h, w, 1) tensor per convolution, or None for the fixed buffers."""
        ws = tf.cast(ws, self.compute_dtype)
        batch = tf.shape(ws)[0]
        h = tf.tile(tf.cast(self.const, self.compute_dtype)[None], [batch, 1, 1, 1])
        rgb, conv_index, bias_index = None, 0, 0
        for level in range(self.levels):
            convs = 1 if level == 0 else 2
            for i in range(convs):
                if level and i == 0:
                    h = upsample(h)
                w_index = 0 if level == 0 else 2 * level - 1 + i
                h = self.convs[conv_index](h, ws[:, w_index])
                n = self.fixed_noise[conv_index] if noise is None else noise[conv_index]
                h = h + tf.cast(n, h.dtype) * tf.cast(self.strengths[conv_index], h.dtype)
                h = lrelu(h + tf.cast(self.biases[bias_index], h.dtype))
                conv_index += 1
                bias_index += 1
            y = self.to_rgb[level](h, ws[:, 2 * level + 1]) + tf.cast(self.biases[bias_index], h.dtype)
            bias_index += 1
            rgb = tf.cast(y, "float32") if rgb is None else upsample(rgb) + tf.cast(y, "float32")
        return rgb


class StyleGenerator(keras.Model):
    """z -> images through the mapping and synthesis networks; holds the running average of w."""

    def __init__(self, latent_dim, w_dim, mapping_layers, filters, channels, **kwargs):
        super().__init__(**kwargs)
        self.mapping = MappingNetwork(latent_dim, w_dim, mapping_layers, name="mapping")
        self.synthesis = SynthesisNetwork(w_dim, filters, channels, name="synthesis")
        self.w_avg = self.add_weight(shape=(w_dim,), name="w_avg", initializer="zeros", trainable=False)
        self.built = True

    def broadcast(self, w):
        return tf.tile(w[:, None, :], [1, self.synthesis.num_ws, 1])

    def truncate(self, ws, psi):
        """w_avg + psi (w - w_avg): psi 1 leaves w, psi 0 gives the average for every code."""
        avg = tf.cast(self.w_avg, ws.dtype)
        return avg + tf.cast(psi, ws.dtype) * (ws - avg)

    def call(self, z, truncation=1.0, training=False):
        ws = self.broadcast(self.mapping(z))
        return self.synthesis(self.truncate(ws, truncation))


@register("stylegan")
class StyleGAN(AdversarialGenerator):
    """StyleGAN2 at a small scale: mapping network, modulated convolutions, noise, skips, residual D.

    Args:
        image_shape: (size, size, channels), size = 4 * 2**(levels - 1).
        latent_dim: size of z.
        w_dim: size of w (and of each style's input).
        mapping_layers: dense layers of the mapping network (8 in the paper, 2 for its CIFAR-10 runs).
        g_filters: the synthesis network's features per level, 4x4 first.
        d_filters: the discriminator's features per level, 4x4 first.
        mixing: the share of batches trained on two mixed codes (0.9).
        r1_gamma: R1's weight gamma (the penalty is gamma / 2 E|grad D(x)|^2).
        r1_every: rounds between R1 steps (16).
        pl_weight: the path-length penalty's weight (2; 0: none).
        pl_every: rounds between path-length steps (4).
        w_avg_beta: decay of the running average of w (0.995).
        group_size: images per minibatch standard-deviation group (4).
        **kwargs: `ema`, `augment`: see `AdversarialGenerator`.

    Example:
        >>> model = zoo.load("stylegan_celeba_32")
        >>> faces = model.sample(16, seed=0, truncation=0.7)
        >>> grid = model.mix(model.latent_codes(4, seed=1), model.latent_codes(4, seed=2), crossover=4)
    """

    loss_names = ("g_loss", "d_loss", "r1", "path_length", "pl_mean")
    compare_with = ("dcgan_{}", "progan_{}")
    partial_gradients = True  # R1 does not reach D's last bias, nor the path length the to-RGB biases

    def __init__(self, image_shape=(32, 32, 3), latent_dim=128, w_dim=128, mapping_layers=4,
                 g_filters=(128, 128, 64, 32), d_filters=(128, 128, 64, 32), mixing=0.9, r1_gamma=0.1,
                 r1_every=16, pl_weight=2.0, pl_every=4, w_avg_beta=0.995, group_size=4, **kwargs):
        self.w_dim = check_count(w_dim, "w_dim")
        self.mapping_layers = check_count(mapping_layers, "mapping_layers")
        self.g_filters = tuple(int(f) for f in g_filters)
        self.d_filters = tuple(int(f) for f in d_filters)
        size = image_shape[0]
        if len(self.d_filters) != len(self.g_filters) or image_shape[1] != size or size != 4 * 2 ** (len(self.g_filters) - 1):
            raise ValueError(f"stylegan needs square images of 4 * 2**(levels - 1) pixels and one g_filters and "
                             f"d_filters entry per level: {len(self.g_filters)} levels end at "
                             f"{4 * 2 ** (len(self.g_filters) - 1)} pixels, got image_shape {tuple(image_shape)} "
                             f"and {len(self.d_filters)} d_filters")
        self.mixing = float(mixing)
        if not 0.0 <= self.mixing <= 1.0:
            raise ValueError(f"mixing must be a probability in [0, 1], got {mixing}")
        self.r1_gamma, self.r1_every = float(r1_gamma), check_count(r1_every, "r1_every")
        self.pl_weight, self.pl_every = float(pl_weight), check_count(pl_every, "pl_every")
        self.w_avg_beta = float(w_avg_beta)
        self.group_size = check_count(group_size, "group_size")
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, **kwargs)
        # R1 steps the discriminator's optimizer and the path-length term the generator's: the game
        # counts its own rounds.
        self.count_rounds()
        self.pl_mean = self.add_weight(shape=(), name="pl_mean", initializer="zeros", trainable=False)

    def default_optimizer(self, learning_rate=2e-3):
        return keras.optimizers.Adam(learning_rate, beta_1=0.0, beta_2=0.99, epsilon=1e-8)

    @property
    def num_ws(self):
        return self.generator.synthesis.num_ws

    def build_generator(self, name):
        return StyleGenerator(self.latent_dim, self.w_dim, self.mapping_layers, self.g_filters, self.image_shape[-1],
                              name=name)

    def build_discriminator(self):
        return build_residual_discriminator(self.image_shape, self.d_filters, self.group_size)

    # ---- the game ----------------------------------------------------------

    def players(self):
        players = [Player("d", (self.discriminator,), self.discriminator_step),
                   Player("g", (self.generator,), self.generator_step),
                   Player("r1", (self.discriminator,), self.r1_step, every=self.r1_every, optimizer="d")]
        if self.pl_weight:
            players.append(Player("pl", (self.generator,), self.path_length_step, every=self.pl_every,
                                  optimizer="g"))
        return players

    def mixed_ws(self, n):
        """Training codes: w for each image, mixed with a second code's after a random crossover in 90 % of batches."""
        mapping = self.generator.mapping
        w = mapping(self.latents(n), training=True)
        ws = self.generator.broadcast(w)
        if not self.mixing:
            return ws, w
        other = self.generator.broadcast(mapping(self.latents(n), training=True))
        mix = keras.random.uniform((), seed=self.noise) < self.mixing
        crossover = keras.random.randint((), 1, self.num_ws, seed=self.noise)
        crossover = tf.where(mix, crossover, self.num_ws)
        later = tf.range(self.num_ws)[None, :, None] >= crossover
        return tf.where(later, other, ws), w

    def random_noise(self, n, synthesis):
        return [keras.random.normal((n, h, w, 1), seed=self.noise) for h, w in synthesis.noise_shapes()]

    def fake_batch(self, n, y, training=True, track_w=False):
        ws, w = self.mixed_ws(n)
        if track_w:
            # The running average of w that truncation pulls towards, moved on the generator's steps.
            self.generator.w_avg.assign(self.w_avg_beta * self.generator.w_avg
                                        + (1.0 - self.w_avg_beta) * tf.reduce_mean(tf.stop_gradient(w), axis=0))
        synthesis = self.generator.synthesis
        return tf.cast(synthesis(ws, noise=self.random_noise(n, synthesis), training=training), "float32")

    def generator_step(self, x, y):
        return self.generator_loss(self.fake_batch(tf.shape(x)[0], y, track_w=True), y)

    def discriminator_loss(self, real, fake, y):
        real_logits = self.discriminate(real, y)
        fake_logits = self.discriminate(fake, y)
        loss = tf.reduce_mean(tf.nn.softplus(fake_logits)) + tf.reduce_mean(tf.nn.softplus(-real_logits))
        return {"loss": loss, "d_loss": loss}

    def generator_loss(self, fake, y):
        loss = tf.reduce_mean(tf.nn.softplus(-self.discriminate(fake, y)))
        return {"loss": loss, "g_loss": loss}

    def r1_step(self, x, y):
        """gamma / 2 E|grad_x D(x)|^2 on real images, times the interval (lazy regularisation)."""
        real = self.real_batch(x)
        with tf.GradientTape() as tape:
            tape.watch(real)
            total = tf.reduce_sum(self.discriminate(real, y))
        grads = tf.cast(tape.gradient(total, real), "float32")
        r1 = tf.reduce_mean(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
        return {"loss": self.r1_gamma / 2.0 * r1 * self.r1_every, "r1": r1}

    def path_length_step(self, x, y):
        """(|J_w^T y| - a)^2 on half a batch, a the running mean of the lengths, times the interval."""
        n = tf.maximum(tf.shape(x)[0] // 2, 1)
        ws, _ = self.mixed_ws(n)
        synthesis = self.generator.synthesis
        with tf.GradientTape() as tape:
            tape.watch(ws)
            images = tf.cast(synthesis(ws, noise=self.random_noise(n, synthesis), training=True), "float32")
            pixels = float(self.image_shape[0] * self.image_shape[1])
            y_noise = keras.random.normal(tf.shape(images), seed=self.noise) / math.sqrt(pixels)
            total = tf.reduce_sum(images * y_noise)
        grads = tf.cast(tape.gradient(total, ws), "float32")
        lengths = tf.sqrt(tf.reduce_mean(tf.reduce_sum(tf.square(grads), axis=2), axis=1))
        mean = self.pl_mean + 0.01 * (tf.reduce_mean(lengths) - self.pl_mean)
        self.pl_mean.assign(tf.stop_gradient(mean))
        penalty = tf.reduce_mean(tf.square(lengths - mean))
        return {"loss": self.pl_weight * penalty * self.pl_every, "path_length": penalty, "pl_mean": mean}

    # ---- tensor functions (exported) ---------------------------------------

    def mapping_tensor(self, z):
        """w for each code (the sampling generator's mapping)."""
        return self.sampling_generator().mapping(tf.cast(z, self.compute_dtype))

    def synthesis_tensor(self, ws):
        """Images in [0, 1] for per-layer codes ws (batch, num_ws, w_dim), with the fixed noise."""
        out = self.sampling_generator().synthesis(tf.cast(ws, self.compute_dtype))
        return tf.clip_by_value((tf.cast(out, "float32") + 1.0) / 2.0, 0.0, 1.0)

    def truncated_tensor(self, z, truncation):
        generator = self.sampling_generator()
        ws = generator.truncate(generator.broadcast(generator.mapping(tf.cast(z, self.compute_dtype))), truncation)
        return self.synthesis_tensor(ws)

    def inference_functions(self):
        functions = super().inference_functions()
        z = tf.TensorSpec((None, self.latent_dim), tf.float32, name="z")
        functions["mapping"] = (self.mapping_tensor, [z])
        functions["synthesis"] = (self.synthesis_tensor,
                                  [tf.TensorSpec((None, self.num_ws, self.w_dim), tf.float32, name="ws")])
        functions["generate_truncated"] = (self.truncated_tensor, [z, tf.TensorSpec((), tf.float32, name="truncation")])
        return functions

    # ---- public API (numpy in, numpy out) ----------------------------------

    def sample(self, n, seed=None, labels=None, truncation=1.0, noise_seed=None):
        """`n` images in [0, 1]; `truncation` psi < 1 pulls each w towards the average (fidelity for variety).

        `noise_seed` draws the per-pixel noise from a seed; by default the
        fixed noise stored with the weights (what the exports use).
        """
        psi = check_truncation(truncation)
        if (psi == 1.0 and noise_seed is None) or labels is not None:
            return super().sample(n, seed=seed, labels=labels)
        return self.synthesize(self.truncate(self.map(self.latent_codes(n, seed=seed)), psi), noise_seed=noise_seed)

    def map(self, z):
        """w (batch, w_dim) for codes z."""
        return self.run_chunked(self.mapping_tensor, check_codes(z, self.latent_dim))

    def truncate(self, w, truncation):
        psi = check_truncation(truncation)
        avg = self.sampling_generator().w_avg.numpy()
        return (avg + psi * (np.asarray(w, np.float32) - avg)).astype(np.float32)

    def synthesize(self, w, noise_seed=None):
        """Images in [0, 1] for w (batch, w_dim) or per-layer ws (batch, num_ws, w_dim)."""
        ws = np.asarray(w, np.float32)
        if ws.ndim == 2:
            ws = np.repeat(ws[:, None, :], self.num_ws, axis=1)
        if ws.ndim != 3 or ws.shape[1:] != (self.num_ws, self.w_dim):
            raise ValueError(f"w must be (batch, {self.w_dim}) or (batch, {self.num_ws}, {self.w_dim}), "
                             f"got {np.shape(w)}")
        if noise_seed is None:
            return self.run_chunked(self.synthesis_tensor, ws)
        synthesis = self.sampling_generator().synthesis
        noise = [tf.random.stateless_normal((len(ws), h, w_, 1), seed=[int(noise_seed), i])
                 for i, (h, w_) in enumerate(synthesis.noise_shapes())]
        out = synthesis(tf.constant(ws), noise=noise)
        return np.clip((out.numpy() + 1.0) / 2.0, 0.0, 1.0)

    def mix(self, z_a, z_b, crossover):
        """Images whose layers before `crossover` take z_a's w and the rest z_b's (0: all z_b; num_ws: all z_a).

        Low crossovers give B's coarse features (pose, face shape) little room:
        the images keep A's coarse layers only up to the crossover.
        """
        crossover = int(crossover)
        if not 0 <= crossover <= self.num_ws:
            raise ValueError(f"crossover must be in 0..{self.num_ws} (the number of per-layer codes), got {crossover}")
        w_a, w_b = self.map(z_a), self.map(z_b)
        if len(w_a) != len(w_b):
            raise ValueError(f"z_a and z_b need the same batch size, got {len(w_a)} and {len(w_b)}")
        ws = np.repeat(w_b[:, None, :], self.num_ws, axis=1)
        ws[:, :crossover] = w_a[:, None, :]
        return self.synthesize(ws)


def check_truncation(truncation):
    psi = float(truncation)
    if not np.isfinite(psi):
        raise ValueError(f"truncation must be a finite number (psi; 1: none, 0: the average w), got {truncation}")
    return psi


def build_residual_discriminator(image_shape, filters, group_size=4, name="discriminator"):
    """Images in [-1, 1] -> logit (batch, 1), float32: from-RGB, residual blocks halving the size, a 4x4 head.

    `filters[l]` is level l's width (4x4 first), read from the image's level down.
    """
    levels = len(filters)
    x_in = keras.Input(image_shape, name="images")
    h = EqualizedConv2D(filters[-1], 1, name="from_rgb")(x_in)
    h = keras.layers.LeakyReLU(0.2)(h)
    for level in range(levels - 1, 0, -1):
        h = ResidualDown(filters[level], filters[level - 1], name=f"level{level}_block")(h)
    h = MinibatchStddev(group_size, name="minibatch_stddev")(h)
    h = keras.layers.LeakyReLU(0.2)(EqualizedConv2D(filters[0], 3, name="level0_conv")(h))
    h = keras.layers.Flatten()(h)
    h = keras.layers.LeakyReLU(0.2)(EqualizedDense(filters[0], name="level0_dense")(h))
    logit = EqualizedDense(1, gain=1.0, dtype="float32", name="logit")(h)
    return keras.Model(x_in, logit, name=name)


@keras.saving.register_keras_serializable(package="zoo")
class ResidualDown(keras.layers.Layer):
    """(conv3x3 -> lrelu -> conv3x3 -> lrelu -> halve) + (halve -> 1x1), divided by sqrt 2."""

    def __init__(self, filters, out_filters, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.out_filters = int(filters), int(out_filters)
        self.conv0 = EqualizedConv2D(self.filters, 3, name="conv0")
        self.conv1 = EqualizedConv2D(self.out_filters, 3, name="conv1")
        self.skip = EqualizedConv2D(self.out_filters, 1, gain=1.0, use_bias=False, name="skip")

    def build(self, input_shape):
        self.conv0.build(input_shape)
        self.conv1.build((*input_shape[:-1], self.filters))
        self.skip.build(input_shape)

    def call(self, x):
        h = tf.nn.leaky_relu(self.conv0(x), 0.2)
        h = downsample(tf.nn.leaky_relu(self.conv1(h), 0.2))
        return (h + self.skip(downsample(x))) * tf.cast(1.0 / SQRT2, h.dtype)

    def compute_output_shape(self, input_shape):
        b, height, width, _ = input_shape
        return (b, None if height is None else height // 2, None if width is None else width // 2, self.out_filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "out_filters": self.out_filters}


@keras.saving.register_keras_serializable(package="zoo")
class MinibatchStddev(keras.layers.Layer):
    """`zoo.layers.equalized.minibatch_stddev` as a layer (one more channel)."""

    def __init__(self, group_size=4, **kwargs):
        super().__init__(**kwargs)
        self.group_size = int(group_size)

    def call(self, x):
        return minibatch_stddev(x, self.group_size)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}
