"""Progressive growing of GANs (Karras et al., 2018).

Training starts at 4x4 and doubles the resolution in phases. Level l works at
4 * 2**l pixels. Each new level first fades in: its output is blended with the
previous level's output, upsampled, by a weight alpha that rises linearly from
0 to 1 over `fade_steps` rounds; it then trains stable for `stable_steps`.
The real images are downscaled to the level's resolution and faded the same way.

    phase 0: level 0 stable              (stable_steps rounds)
    phase l: level l fading, then stable (fade_steps + stable_steps rounds)
    the last level stays stable for the rest of training

The level and alpha are functions of one counter, `rounds` (generator steps),
stored with the weights; so a resumed, reloaded or fine-tuned model continues
at the phase and alpha where it stopped. The level changes the networks' shape,
so it is a Python value: the `Growth` callback, which `fit` adds, retraces the
training step when a phase ends. Alpha is computed inside the step from
`rounds`, never from the gradient penalty's mixing weight (`eps` here), which a
known trap of public ports overwrites it with.

The other mechanisms of the paper: equalised learning rate on every layer,
pixel normalisation in the generator, minibatch standard deviation in the
discriminator, the WGAN-GP loss with a drift term 0.001 E[D(x)^2] that keeps
the critic's scores near zero, and Adam(lr 1e-3, beta_1 0, beta_2 0.99).
The generator's output is linear (no tanh), as in the paper; the public API
clips it to [0, 1].
"""

import math

import keras
import tensorflow as tf

from zoo.checks import check_count
from zoo.layers.equalized import (
    EqualizedConv2D, EqualizedDense, downsample, minibatch_stddev, pixel_norm, upsample,
)
from zoo.models.gan.gan import AdversarialGenerator
from zoo.models.gan.wgan_gp import WassersteinLosses
from zoo.registry import register


def check_levels(image_shape, g_filters, d_filters):
    """The number of levels: one per filter count, the last at the image's resolution, or a ValueError."""
    height, width, _ = image_shape
    levels = len(g_filters)
    if len(d_filters) != levels:
        raise ValueError(f"g_filters and d_filters need one entry per level, got {len(g_filters)} and "
                         f"{len(d_filters)}")
    if height != width or height != 4 * 2 ** (levels - 1):
        raise ValueError(f"progan grows from 4x4 by doubling: {levels} levels end at "
                         f"{4 * 2 ** (levels - 1)}x{4 * 2 ** (levels - 1)}, but image_shape is {tuple(image_shape)}")
    return levels


def lerp(a, b, t):
    return a + (b - a) * t


class ProGenerator(keras.Model):
    """z -> images at level `level` (4 * 2**level pixels), linear output in about [-1, 1], float32.

    Every level's layers are built at construction, so the weights do not
    depend on how far training has grown.
    """

    def __init__(self, latent_dim, filters, channels, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = int(latent_dim)
        self.filters = tuple(int(f) for f in filters)
        self.levels = len(self.filters)
        # The paper's first layer: a dense map to 4x4 with gain sqrt(2)/4 (it is a 4x4 transposed convolution).
        self.project = EqualizedDense(16 * self.filters[0], gain=math.sqrt(2) / 4, name="project")
        self.convs = []
        for level, f in enumerate(self.filters):
            names = ["conv0"] if level == 0 else ["conv0", "conv1"]
            self.convs.append([EqualizedConv2D(f, 3, name=f"level{level}_{n}") for n in names])
        self.to_rgb = [EqualizedConv2D(channels, 1, gain=1.0, name=f"to_rgb{level}") for level in range(self.levels)]
        self.project.build((None, self.latent_dim))
        previous = self.filters[0]
        for level, f in enumerate(self.filters):
            for conv in self.convs[level]:
                conv.build((None, None, None, previous))
                previous = f
            self.to_rgb[level].build((None, None, None, f))
        self.built = True

    def block(self, h, level):
        if level == 0:
            h = tf.reshape(self.project(pixel_norm(h)), [-1, 4, 4, self.filters[0]])
            h = pixel_norm(tf.nn.leaky_relu(h, 0.2))
        else:
            h = upsample(h)
        for conv in self.convs[level]:
            h = pixel_norm(tf.nn.leaky_relu(conv(h), 0.2))
        return h

    def call(self, z, level=None, alpha=1.0, training=False):
        """Images at `level` (default: the last); while a level fades in, alpha < 1 blends in the one below."""
        level = self.levels - 1 if level is None else int(level)
        h = tf.cast(z, self.compute_dtype)
        previous = None
        for l in range(level + 1):
            previous, h = h, self.block(h, l)
        rgb = tf.cast(self.to_rgb[level](h), "float32")
        if level == 0 or (isinstance(alpha, (int, float)) and alpha == 1.0):
            return rgb
        below = upsample(tf.cast(self.to_rgb[level - 1](previous), "float32"))
        return lerp(below, rgb, tf.cast(alpha, "float32"))


class ProDiscriminator(keras.Model):
    """Images in [-1, 1] at any level's resolution -> critic score (batch, 1), float32.

    The level is read from the images' size. `filters[l]` is the width of
    level l's block; level 0 ends with the minibatch standard deviation, a 3x3
    and a 4x4 ("dense") layer, and the linear score.
    """

    def __init__(self, filters, channels, group_size=4, **kwargs):
        super().__init__(**kwargs)
        self.filters = tuple(int(f) for f in filters)
        self.levels = len(self.filters)
        self.group_size = int(group_size)
        self.from_rgb = [EqualizedConv2D(f, 1, name=f"from_rgb{level}") for level, f in enumerate(self.filters)]
        self.convs = [[EqualizedConv2D(f, 3, name=f"level{level}_conv0"),
                       EqualizedConv2D(self.filters[level - 1], 3, name=f"level{level}_conv1")]
                      for level, f in enumerate(self.filters) if level]
        self.final_conv = EqualizedConv2D(self.filters[0], 3, name="level0_conv0")
        self.final_dense = EqualizedDense(self.filters[0], name="level0_dense")
        self.score = EqualizedDense(1, gain=1.0, name="score")
        for level, f in enumerate(self.filters):
            self.from_rgb[level].build((None, None, None, channels))
            if level:
                self.convs[level - 1][0].build((None, None, None, f))
                self.convs[level - 1][1].build((None, None, None, f))
        self.final_conv.build((None, None, None, self.filters[0] + 1))
        self.final_dense.build((None, 16 * self.filters[0]))
        self.score.build((None, self.filters[0]))
        self.built = True

    def level_of(self, images):
        size = images.shape[1]
        level = int(round(math.log2(size / 4))) if size else -1
        if size is None or not 0 <= level < self.levels or 4 * 2 ** level != size:
            raise ValueError(f"the discriminator takes images of 4x4 up to {4 * 2 ** (self.levels - 1)} pixels "
                             f"(powers of two), got {tuple(images.shape)}")
        return level

    def block(self, h, level):
        first, second = self.convs[level - 1]
        h = tf.nn.leaky_relu(first(h), 0.2)
        return downsample(tf.nn.leaky_relu(second(h), 0.2))

    def call(self, images, alpha=1.0, training=False):
        level = self.level_of(images)
        x = tf.cast(images, self.compute_dtype)
        h = tf.nn.leaky_relu(self.from_rgb[level](x), 0.2)
        if level:
            h = self.block(h, level)
            if not (isinstance(alpha, (int, float)) and alpha == 1.0):
                below = tf.nn.leaky_relu(self.from_rgb[level - 1](downsample(x)), 0.2)
                h = lerp(below, h, tf.cast(alpha, h.dtype))
        for l in range(level - 1, 0, -1):
            h = self.block(h, l)
        h = minibatch_stddev(h, self.group_size)
        h = tf.nn.leaky_relu(self.final_conv(h), 0.2)
        h = tf.nn.leaky_relu(self.final_dense(tf.reshape(h, [-1, 16 * self.filters[0]])), 0.2)
        return tf.cast(self.score(h), "float32")


class Growth(keras.callbacks.Callback):
    """Moves a `progan` to the level its step count has reached, retracing the training step.

    `fit` adds one; pass your own to act when a phase ends:
    `on_phase_end(model, level)` runs after level `level`'s last step.
    """

    def __init__(self, on_phase_end=None):
        super().__init__()
        self.on_phase_end = on_phase_end

    def on_train_begin(self, logs=None):
        self.model.training_level = self.model.level_at(int(self.model.rounds.numpy()))
        self.model.make_train_function(force=True)

    def on_train_batch_begin(self, batch, logs=None):
        level = self.model.level_at(int(self.model.rounds.numpy()))
        if level != self.model.training_level:
            finished, self.model.training_level = self.model.training_level, level
            self.model.make_train_function(force=True)
            if self.on_phase_end is not None:
                self.on_phase_end(self.model, finished)


@register("progan")
class ProGAN(WassersteinLosses, AdversarialGenerator):
    """Progressively grown GAN with the WGAN-GP loss, from 4x4 to `image_shape`.

    Args:
        image_shape: (size, size, channels), size = 4 * 2**(levels - 1).
        latent_dim: size of z (normalised to the unit sphere's scale by the
            generator's first pixel norm).
        g_filters, d_filters: each level's width, lowest resolution first.
        fade_steps: rounds over which a new level's alpha rises from 0 to 1.
        stable_steps: rounds each level then trains at alpha 1.
        gp_weight: the gradient penalty's weight (10).
        drift: the weight of E[D(x)^2] in the critic's loss (0.001).
        group_size: images per minibatch standard-deviation group (4).
        **kwargs: `ema`, `augment`, `d_steps`: see `AdversarialGenerator`.

    Example:
        >>> model = zoo.create("progan", image_shape=(32, 32, 3), g_filters=[64, 64, 32, 16],
        ...                    d_filters=[64, 64, 32, 16], fade_steps=2000, stable_steps=2000)
        >>> model.compile(g_optimizer=model.default_optimizer(), d_optimizer=model.default_optimizer())
        >>> model.fit(zoo.data.load("cifar10", batch_size=32), epochs=10)   # grows inside fit
        >>> model.resolution_at(model.level_at(int(model.rounds.numpy())))
    """

    loss_names = (*WassersteinLosses.loss_names, "alpha")
    partial_gradients = True  # the levels not grown yet, and a grown-past level's to-RGB
    compare_with = ("dcgan_{}",)

    def __init__(self, image_shape=(64, 64, 3), latent_dim=128, g_filters=(128, 128, 128, 64, 32),
                 d_filters=(128, 128, 128, 64, 32), fade_steps=2000, stable_steps=2000, gp_weight=10.0,
                 drift=0.001, group_size=4, **kwargs):
        self.g_filters = tuple(int(f) for f in g_filters)
        self.d_filters = tuple(int(f) for f in d_filters)
        self.levels = check_levels(image_shape, self.g_filters, self.d_filters)
        self.fade_steps = check_count(fade_steps, "fade_steps")
        self.stable_steps = check_count(stable_steps, "stable_steps")
        self.gp_weight = float(gp_weight)
        self.drift = float(drift)
        self.group_size = check_count(group_size, "group_size")
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, **kwargs)
        # Rounds played: the growth schedule's clock (saved with the weights).
        self.count_rounds()
        self.training_level = 0

    def default_optimizer(self, learning_rate=1e-3):
        return keras.optimizers.Adam(learning_rate, beta_1=0.0, beta_2=0.99, epsilon=1e-8)

    def build_generator(self, name):
        return ProGenerator(self.latent_dim, self.g_filters, self.image_shape[-1], name=name)

    def build_discriminator(self):
        return ProDiscriminator(self.d_filters, self.image_shape[-1], self.group_size, name="discriminator")

    # ---- the growth schedule ---------------------------------------------

    def phase_start(self, level):
        """The round at which `level` starts (fading in, for level > 0)."""
        return 0 if level == 0 else self.stable_steps + (level - 1) * (self.fade_steps + self.stable_steps)

    def level_at(self, rounds):
        """The level trained at round `rounds`."""
        if rounds < self.stable_steps:
            return 0
        return min(self.levels - 1, 1 + (int(rounds) - self.stable_steps) // (self.fade_steps + self.stable_steps))

    def alpha_at(self, rounds):
        """The fade-in weight at round `rounds` (1 when the level is stable)."""
        level = self.level_at(rounds)
        if level == 0:
            return 1.0
        return min(1.0, (int(rounds) - self.phase_start(level)) / self.fade_steps)

    def resolution_at(self, level):
        return 4 * 2 ** level

    def total_steps(self):
        """The rounds until the last level is stable for `stable_steps` (a recipe's minimum)."""
        return self.phase_start(self.levels - 1) + (self.fade_steps if self.levels > 1 else 0) + self.stable_steps

    def alpha(self):
        """This round's alpha, as a tensor (inside the traced step, for the traced level)."""
        if self.training_level == 0:
            return tf.constant(1.0)
        done = tf.cast(self.rounds - self.phase_start(self.training_level), "float32")
        return tf.clip_by_value(done / float(self.fade_steps), 0.0, 1.0)

    def fit(self, *args, callbacks=None, **kwargs):
        callbacks = list(callbacks or [])
        if not any(isinstance(c, Growth) for c in callbacks):
            callbacks.append(Growth())
        return super().fit(*args, callbacks=callbacks, **kwargs)

    def load_own_variables(self, store):
        super().load_own_variables(store)
        self.training_level = self.level_at(int(self.rounds.numpy()))

    # ---- the game at the current level -----------------------------------

    def fake_batch(self, n, y, training=True):
        z = self.latents(n)
        return tf.cast(self.generator(z, level=self.training_level, alpha=self.alpha(), training=training),
                       "float32")

    def real_batch(self, x):
        """Real images in [-1, 1], downscaled to the training level and faded as the generator's output is."""
        real = downsample(super().real_batch(x), 2 ** (self.levels - 1 - self.training_level))
        if self.training_level == 0:
            return real
        return lerp(upsample(downsample(real)), real, self.alpha())

    def discriminator_step(self, x, y):
        return {**super().discriminator_step(x, y), "alpha": self.alpha()}

    def discriminate(self, images, y=None, training=True, alpha=None):
        """The critic's scores; while training, at the training level's alpha."""
        if training and self.augment:
            images = self.augmented(images)
        if alpha is None:
            alpha = self.alpha() if training else 1.0
        return tf.cast(self.discriminator(images, alpha=alpha, training=training), "float32")

    # ---- inference --------------------------------------------------------

    def sample_at_level(self, n, level, seed=0, alpha=1.0):
        """`n` images at level `level`'s resolution (4 * 2**level), float32 in [0, 1], from the sampling generator.

        Read a grown model's lower levels with care: once a level has grown
        past, its to-RGB layer stops training (the paper's design) while the
        blocks it reads keep changing, so only the training level's images
        are what the model makes. `alpha` < 1 blends in the level below, as
        during the level's fade-in.
        """
        if not 0 <= int(level) < self.levels:
            raise ValueError(f"level must be in 0..{self.levels - 1}, got {level}")
        if not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        z = self.latent_codes(n, seed=seed)
        out = self.sampling_generator()(tf.constant(z), level=int(level), alpha=float(alpha))
        return tf.clip_by_value((tf.cast(out, "float32") + 1.0) / 2.0, 0.0, 1.0).numpy()
