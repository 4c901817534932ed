"""Normalising flows with exact likelihood: RealNVP (Dinh et al., 2017) and Glow (Kingma and Dhariwal, 2018).

A flow is an invertible map f from images to a Gaussian z ~ N(0, I) of the
same size, so that log p(y) = log N(f(y); 0, I) + log|det df/dy| exactly.

**Dequantisation.** Pixels are 8-bit: an image x in [0, 1] from the API
holds grey levels k / 255. Training fits a density p over y in [0, 1]^D to
y = (255 x + u) / 256 with u ~ U(0, 1)^D drawn afresh each step (uniform
dequantisation: y is uniform in the bin [k/256, (k+1)/256) of each level),
which maximises a lower bound on the log-probability of the 8-bit image,
log P(x) >= E_u log p(y) - D log 256.

**What is reported.** `log_prob(x)` is log p(y) in nats per image, the
density over [0, 1]^D (continuous, not a probability) at the centre of each
pixel's bin, y = (255 x + 1/2) / 256: deterministic, so figures are
reproducible and the exported `log_prob` needs no random numbers. It includes
every Jacobian between y and z: the preprocessing (RealNVP's logit) and every
layer of the flow. `bits_per_dim(x)` (of `ExactLikelihood`) turns it into
the flow literature's measure on the 8-bit scale,

    bpd = (-log p(y) + D log 256) / (D log 2),

the number of bits per sub-pixel of a code for the 8-bit image if p were
constant over each bin. `bits_per_dim_dequantised(x, seed)` uses a fixed-seed
u ~ U(0, 1) instead of the bin centre: the (stochastic) bound the papers
report. The training loss is that bound on the batch, in bits per dimension.

**Structure** (multi-scale, Dinh et al., 2017): `levels` levels; each but the
last ends by factoring out half of its channels, which go straight to the
latent; the rest continue at the next level. Glow's level: squeeze, then
`steps` x (actnorm, invertible 1x1 convolution, affine channel coupling with
Glow's sigmoid scale). RealNVP's level: `steps` checkerboard couplings,
squeeze, `steps` channel couplings (alternating halves, tanh-bounded scale),
factor out; its last level: `steps + 1` checkerboard couplings. With
`learned_prior` (Glow's default) each level ends with the prior's
standardisation (`SplitPrior` before a factor-out, `LearnedPrior` at the
top), so what leaves the flow is N(0, I) under a learned prior. Couplings'
and priors' parameters start at zero, so an untrained flow is
volume-preserving (Glow: a rotation of the preprocessed pixels; RealNVP: a
permutation).

**Latent code.** `encode(x)` gives the full latent, (n, D) float32: the
factored-out parts in the order they leave the flow (finest level first),
then the last level's output, each flattened in NHWC order
(`latent_shapes` lists their shapes); `decode(z)` inverts it, and
`decode(encode(x)) == x` up to float32 rounding. `sample(n, seed,
temperature)` decodes temperature * z, z ~ N(0, I): a temperature below 1
trades diversity for cleaner samples (Kingma and Dhariwal, 2018).

A flow is not an `Autoencoder`: its code is the image itself in other
coordinates, so its reconstruction is exact by construction, and the
measures an autoencoder's card carries (reconstruction error beside PCA with
as many components as the code, here D; reconstruction error as an outlier
score) would say nothing. It is a `Generator` (codes from N(0, I), `generate`,
`latent_codes`, great-circle `interpolate`) with an `ExactLikelihood`, whose
`score` is -log p.
"""

import math

import keras
import numpy as np
import tensorflow as tf

from zoo.base import GenerativeModel
from zoo.capabilities import ExactLikelihood, Generator, check_sample_count
from zoo.checks import check_codes, check_count, check_seed
from zoo.models.flow.layers import (ActNorm, AffineCoupling, InvertibleConv1x1, LearnedPrior, Preprocess, SplitPrior,
                                   Squeeze)
from zoo.registry import register

LOG_2PI = math.log(2.0 * math.pi)
LEVELS_8BIT = 256


def check_temperature(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not (
        math.isfinite(value) and value >= 0
    ):
        raise ValueError(f"temperature must be a finite number >= 0 (1: the model's own spread), got {value!r}")
    return float(value)


class Flow(ExactLikelihood, Generator, GenerativeModel):
    """The flow family's base: dequantisation, the multi-scale structure, likelihood, encode and decode.

    Members say which layers make a level (`level_layers`) and how many
    squeezes the structure has (`squeezes`).

    Args:
        image_shape: (height, width, channels); height and width must halve
            once per squeeze (Glow: `levels` times; RealNVP: `levels - 1`).
        levels: scales of the multi-scale structure.
        steps: flow steps (Glow) or couplings of each kind (RealNVP) per level.
        hidden: channels of the couplings' networks.
        blocks: residual blocks in each coupling's network.
        preprocessing: `"shift"` (y - 1/2) or `"logit"` (logit of
            alpha + (1 - 2 alpha) y); its Jacobian is part of the likelihood.
        alpha: the logit's margin.
        learned_prior: whether the prior is learned (Glow's): each factored-out
            half a Gaussian whose mean and scale a zero-initialised convolution
            of the continuing half sets (`layers.SplitPrior`), the last level's
            output a Gaussian with a mean and scale per value
            (`layers.LearnedPrior`). Either way the code (`encode`) is
            N(0, I) under the model: the prior's standardisation is part of
            the flow. Without it, every part is N(0, I) as it leaves.
    """

    main_function = "decode"

    def __init__(self, image_shape=(28, 28, 1), levels=2, steps=4, hidden=64, blocks=0, preprocessing="shift",
                 alpha=0.05, learned_prior=False, **kwargs):
        super().__init__(image_shape=image_shape, **kwargs)
        self.learned_prior = bool(learned_prior)
        self.levels = check_count(levels, "levels")
        self.steps = check_count(steps, "steps")
        self.hidden = check_count(hidden, "hidden")
        if not isinstance(blocks, int) or isinstance(blocks, bool) or blocks < 0:
            raise ValueError(f"blocks must be a non-negative integer, got {blocks!r}")
        self.blocks = blocks
        height, width, _ = self.image_shape
        scale = 2 ** self.squeezes()
        if height % scale or width % scale:
            raise ValueError(f"{type(self).__name__} with {self.levels} levels squeezes {self.squeezes()} times: "
                             f"image height and width must be multiples of {scale}, got {self.image_shape}")
        self.preprocess = Preprocess(preprocessing, alpha, name="preprocess")
        # The dequantisation noise's seed state, saved with the weights: a resumed run draws what an
        # uninterrupted one would.
        self.noise = keras.random.SeedGenerator(0, name="noise")
        flow, ends, latent_shapes = [], [], []
        shape = (None, *self.image_shape)
        for level in range(self.levels):
            level_layers = self.level_layers(level)
            if self.learned_prior:
                prior = LearnedPrior if level == self.levels - 1 else SplitPrior
                level_layers.append(prior(name=f"level{level}_prior"))
            for layer in level_layers:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)
                flow.append(layer)
            ends.append(len(flow))
            if level < self.levels - 1:
                n, h, w, c = shape
                latent_shapes.append((h, w, c // 2))
                shape = (n, h, w, c - c // 2)
        latent_shapes.append(tuple(shape[1:]))
        self.flow_layers = flow
        self.level_ends = tuple(ends)
        self.latent_shapes = tuple(latent_shapes)
        self.latent_dim = int(sum(math.prod(s) for s in self.latent_shapes))

    # ---- the structure (members) ------------------------------------------

    def squeezes(self):
        """How many times the structure halves the image's height and width."""
        raise NotImplementedError

    def level_layers(self, level):
        """The layers of level `level`, in order (unbuilt)."""
        raise NotImplementedError

    def actnorms(self):
        return [layer for layer in self.flow_layers if isinstance(layer, ActNorm)]

    # ---- the flow -------------------------------------------------------

    def dequantise(self, x, noise=None):
        """y = (255 x + u) / 256: u the noise (in [0, 1)), or 1/2 (the bin's centre) without it."""
        x = tf.cast(x, "float32")
        return (255.0 * x + (0.5 if noise is None else noise)) / 256.0

    def flow_forward(self, v, init=False, visit=None):
        """Preprocessed pixels -> (the latent's parts, log|det| of the flow per example, float64).

        With `init`, each actnorm is first set from the statistics of its
        input (data-dependent initialisation). `visit(layer, output)` is
        called after each layer.
        """
        log_det = tf.zeros(tf.shape(v)[:1], "float64")
        parts, h, start = [], v, 0
        for level, end in enumerate(self.level_ends):
            for layer in self.flow_layers[start:end]:
                h, step = layer.initialize(h) if init and isinstance(layer, ActNorm) else layer.forward(h)
                log_det += step
                if visit is not None:
                    visit(layer, h)
            if level < self.levels - 1:
                k = h.shape[-1] // 2
                parts.append(h[..., :k])
                h = h[..., k:]
            start = end
        return [*parts, h], log_det

    def flow_inverse(self, parts):
        """The latent's parts -> preprocessed pixels."""
        h = parts[-1]
        starts = (0, *self.level_ends[:-1])
        for level in reversed(range(self.levels)):
            if level < self.levels - 1:
                h = tf.concat([parts[level], h], axis=-1)
            for layer in reversed(self.flow_layers[starts[level] : self.level_ends[level]]):
                h = layer.inverse(h)
        return h

    def log_density(self, y):
        """log p(y) per image, nats, float64: the density over [0, 1]^D, every Jacobian included."""
        v, log_det_pre = self.preprocess.forward(y)
        parts, log_det = self.flow_forward(v)
        log_pz = 0.0
        for z in parts:
            z = tf.cast(z, "float64")
            log_pz += tf.reduce_sum(tf.reshape(-0.5 * (tf.square(z) + LOG_2PI), [tf.shape(z)[0], -1]), axis=1)
        return log_pz + log_det + log_det_pre

    def bits_per_dim_tensor(self, log_p):
        """Bits per sub-pixel of the 8-bit images from log p(y) in nats: (-log p + D log 256) / (D log 2)."""
        dims = math.prod(self.image_shape)
        return (-log_p + dims * math.log(LEVELS_8BIT)) / (dims * math.log(2.0))

    def flatten(self, parts):
        n = tf.shape(parts[0])[0]
        return tf.concat([tf.reshape(tf.cast(p, "float32"), [n, -1]) for p in parts], axis=1)

    def unflatten(self, z):
        sizes = [math.prod(s) for s in self.latent_shapes]
        return [tf.reshape(p, [-1, *s]) for p, s in zip(tf.split(z, sizes, axis=1), self.latent_shapes)]

    # ---- training -------------------------------------------------------

    def compute_losses(self, x, y=None, training=True):
        """Bits per dimension of the batch, dequantised with fresh uniform noise in training."""
        x = tf.cast(x, "float32")
        noise = keras.random.uniform(tf.shape(x), seed=self.noise) if training else None
        bpd = self.bits_per_dim_tensor(self.log_density(self.dequantise(x, noise)))
        return {"loss": tf.cast(tf.reduce_mean(bpd), "float32")}

    def initialize_tensor(self, x):
        """Sets every actnorm from batch `x` (bin centres), in order; returns True."""
        v, _ = self.preprocess.forward(self.dequantise(x))
        self.flow_forward(v, init=True)
        return tf.constant(True)

    def needs_initialization(self):
        """A boolean tensor: some actnorm has not been set from data yet."""
        flags = [tf.convert_to_tensor(a.initialized.value) for a in self.actnorms()]
        return tf.reduce_min(tf.stack(flags)) < 0.5

    def train_step(self, data):
        # Data-dependent initialisation on the first batch ever trained on, unless `initialize` ran
        # (or a loaded model's flags say it did); outside the tape, before the step.
        if self.actnorms():
            x, _ = self.unpack(data)
            tf.cond(self.needs_initialization(), lambda: self.initialize_tensor(x), lambda: tf.constant(False))
        return super().train_step(data)

    def call(self, x, training=False):
        return self.log_prob_tensor(x)

    # ---- tensor functions (exported) -------------------------------------

    def log_prob_tensor(self, x):
        """log p(y) at the bin centres y = (255 x + 1/2) / 256, nats per image, float64."""
        return self.log_density(self.dequantise(x))

    def dequantised_log_prob_tensor(self, x, noise):
        """log p(y) at y = (255 x + noise) / 256, nats per image, float64."""
        return self.log_density(self.dequantise(x, noise))

    def encode_tensor(self, x):
        v, _ = self.preprocess.forward(self.dequantise(x))
        return self.flatten(self.flow_forward(v)[0])

    def decode_tensor(self, z):
        y = self.preprocess.inverse(self.flow_inverse(self.unflatten(tf.cast(z, "float32"))))
        # The inverse of the bin-centre dequantisation: decode(encode(x)) == x for any x in [0, 1].
        return tf.clip_by_value((LEVELS_8BIT * y - 0.5) / 255.0, 0.0, 1.0)

    def generate_tensor(self, z):
        return self.decode_tensor(z)

    def decode_at_temperature_tensor(self, z, temperature):
        """Images of codes z * temperature: with z ~ N(0, I), samples at that temperature."""
        return self.decode_tensor(tf.cast(z, "float32") * tf.cast(temperature, "float32"))

    def sample_tensor(self, n, seed, temperature=1.0):
        return self.decode_at_temperature_tensor(self.prior_tensor(n, seed), temperature)

    def inference_functions(self):
        """`log_prob`, `encode`, `decode` (codes and a temperature) and `sample` (count, seed, temperature).

        `decode` replaces a generator's `generate`: `decode(z, 1.0)` is it.
        """
        functions = super().inference_functions()
        functions.pop("generate", None)
        images = tf.TensorSpec((None, *self.image_shape), tf.float32, name="images")
        z = tf.TensorSpec((None, self.latent_dim), tf.float32, name="z")
        temperature = tf.TensorSpec((), tf.float32, name="temperature")
        functions["encode"] = (self.encode_tensor, [images])
        functions["decode"] = (self.decode_at_temperature_tensor, [z, temperature])
        functions["sample"] = (self.sample_tensor, [tf.TensorSpec((), tf.int32, name="n"),
                                                    tf.TensorSpec((), tf.int32, name="seed"), temperature])
        return functions

    # ---- public API (numpy in, numpy out) --------------------------------

    def sample(self, n, seed=None, labels=None, temperature=1.0):
        """Draws `n` images, float32 NHWC in [0, 1]: decodes temperature * z, z ~ N(0, I) fixed by `seed`."""
        self.check_labels(labels)
        n, seed = check_sample_count(n, self.image_shape), check_seed(seed)
        temperature = check_temperature(temperature)
        return self.sample_tensor(tf.constant(n, tf.int32), tf.constant(seed, tf.int32),
                                  tf.constant(temperature, tf.float32)).numpy()

    def encode(self, x):
        """The full latent of each image, (n, latent_dim) float32 (see the module's docstring for its layout)."""
        return self.run_chunked(self.encode_tensor, self.check_images(x))

    def decode(self, z, temperature=1.0):
        """Images of latents `z` (n, latent_dim) scaled by `temperature`, float32 NHWC in [0, 1]."""
        z = check_codes(z, self.latent_dim) * np.float32(check_temperature(temperature))
        return self.run_chunked(self.decode_tensor, z)

    def overflow_share(self, n, seed=0, temperature=1.0):
        """The share of `n` prior codes (as `sample(n, seed, temperature)` draws) whose exact inverse,
        unsaturated, overflows float32: the samples that show saturated pixels (`layers.INVERSE_BOUND`)."""
        z = self.latent_codes(n, seed) * np.float32(check_temperature(temperature))
        couplings = [layer for layer in self.flow_layers if isinstance(layer, AffineCoupling)]
        for layer in couplings:
            layer.saturate = False
        try:
            # Eagerly: the layers' `saturate` is read when they run, not frozen into a traced graph.
            images = np.concatenate([self.decode_tensor(tf.constant(z[i : i + 500])).numpy()
                                     for i in range(0, len(z), 500)])
        finally:
            for layer in couplings:
                layer.saturate = True
        return float(np.mean(~np.isfinite(images.reshape(len(images), -1)).all(axis=1)))

    def bits_per_dim_dequantised(self, x, seed=0):
        """Bits per dimension with y = (255 x + u) / 256, u ~ U(0, 1) drawn with `seed`: the papers' figure.

        Its mean over a test set estimates the bound E_u[-log p(y)] the flow
        was trained on (its expectation is an upper bound on the 8-bit
        images' negative log-likelihood); `bits_per_dim` uses the bins'
        centres instead. The noise depends on `seed` and the images' count
        and shape only.
        """
        x = self.check_images(x)
        noise = np.random.default_rng(check_seed(seed)).uniform(size=x.shape).astype(np.float32)
        log_p = self.run_chunked(self.dequantised_log_prob_tensor, (x, noise))
        dims = math.prod(self.image_shape)
        return (-log_p + dims * math.log(LEVELS_8BIT)) / (dims * math.log(2.0))

    def initialize(self, x):
        """Sets every actnorm from the statistics of images `x` (data-dependent initialisation); returns self.

        Training does it on its first batch by itself; a recipe calls this
        with a larger batch first. A flow without actnorm (RealNVP) has
        nothing to set.
        """
        x = self.check_images(x)
        self.initialize_tensor(tf.constant(x))
        return self

    @property
    def initialized(self):
        """Whether every actnorm has been set from data."""
        return all(float(a.initialized.numpy()) == 1.0 for a in self.actnorms())


@register("real_nvp")
class RealNVP(Flow):
    """RealNVP (Dinh et al., 2017): affine couplings with checkerboard and channel masks, multi-scale.

    Each level but the last: `steps` checkerboard couplings, a squeeze,
    `steps` channel couplings (the halves alternating), then half the
    channels factored out; the last level: `steps + 1` checkerboard couplings.
    The scale is tanh-bounded (log s = factor * tanh(h)); pixels are
    preprocessed by a logit. No batch normalisation (the paper's): the flow
    is the same function in training and inference.

    Args: as `Flow`; defaults `preprocessing="logit"`, `alpha=0.05`.

    Example:
        >>> flow = zoo.create("real_nvp", image_shape=(28, 28, 1), levels=2, steps=3, hidden=32)
        >>> flow.compile(optimizer=keras.optimizers.Adam(1e-3))
        >>> flow.fit(zoo.data.load("mnist", batch_size=64), epochs=1)
        >>> flow.bits_per_dim(zoo.data.as_numpy("mnist", "test")).mean()
    """

    def __init__(self, image_shape=(28, 28, 1), levels=2, steps=3, hidden=32, blocks=1, preprocessing="logit",
                 alpha=0.05, learned_prior=False, **kwargs):
        super().__init__(image_shape=image_shape, levels=levels, steps=steps, hidden=hidden, blocks=blocks,
                         preprocessing=preprocessing, alpha=alpha, learned_prior=learned_prior, **kwargs)

    def squeezes(self):
        return self.levels - 1

    def coupling(self, mask, parity, name):
        return AffineCoupling(mask, parity, "tanh", self.hidden, self.blocks, name=name)

    def level_layers(self, level):
        last = level == self.levels - 1
        layers = [self.coupling("checkerboard", k % 2, f"level{level}_checkerboard{k}")
                  for k in range(self.steps + 1 if last else self.steps)]
        if not last:
            layers.append(Squeeze(name=f"level{level}_squeeze"))
            layers += [self.coupling("channel", k % 2, f"level{level}_channel{k}") for k in range(self.steps)]
        return layers


@register("glow")
class Glow(Flow):
    """Glow (Kingma and Dhariwal, 2018): actnorm, invertible 1x1 convolution and affine coupling, multi-scale.

    Each level: a squeeze, then `steps` steps of actnorm (data-dependent
    initialisation on the first batch, see `initialize`), an LU-decomposed
    invertible 1x1 convolution and an affine channel coupling with Glow's
    sigmoid scale (s = sigmoid(h + 2) / sigmoid(2), exactly 1 at the
    zero-initialised start); each level but the last factors out half its
    channels, under a prior learned from the rest (`learned_prior`, the
    paper's split prior). Pixels are preprocessed by y - 1/2.

    Args: as `Flow`; defaults `preprocessing="shift"`, `blocks=0` (the paper's
    network: 3x3 conv, 1x1 conv, zero-initialised 3x3 conv),
    `learned_prior=True`.

    Example:
        >>> glow = zoo.create("glow", image_shape=(28, 28, 1), levels=2, steps=8, hidden=64)
        >>> glow.compile(optimizer=keras.optimizers.Adam(1e-3))
        >>> glow.fit(zoo.data.load("mnist", batch_size=64), epochs=1)
        >>> cleaner = glow.sample(16, seed=0, temperature=0.7)
    """

    def __init__(self, image_shape=(28, 28, 1), levels=2, steps=8, hidden=64, blocks=0, preprocessing="shift",
                 alpha=0.05, learned_prior=True, **kwargs):
        super().__init__(image_shape=image_shape, levels=levels, steps=steps, hidden=hidden, blocks=blocks,
                         preprocessing=preprocessing, alpha=alpha, learned_prior=learned_prior, **kwargs)

    def squeezes(self):
        return self.levels

    def level_layers(self, level):
        layers = [Squeeze(name=f"level{level}_squeeze")]
        for k in range(self.steps):
            name = f"level{level}_step{k}"
            layers += [ActNorm(name=f"{name}_actnorm"),
                       InvertibleConv1x1(seed=1000 * level + k, name=f"{name}_conv1x1"),
                       AffineCoupling("channel", 0, "sigmoid", self.hidden, self.blocks, name=f"{name}_coupling")]
        return layers
