"""The original GAN (Goodfellow et al., 2014), and what every zoo GAN shares.

A generator G maps noise z ~ N(0, I) to images; a discriminator D gives the
logit of "this image is real". They play

    min_G max_D  E_x[log D(x)] + E_z[log(1 - D(G(z)))].

Each training step updates D once per `d_steps` on a real batch and a fresh
fake batch (`d_loss`, the cross-entropy of telling them apart), then G once
(`g_loss`). G's minimax loss log(1 - D(G(z))) saturates when D wins early on;
the paper's own remedy, `g_loss="non_saturating"`, maximises log D(G(z))
instead, with the same fixed point.

What every zoo GAN shares is the family base `AdversarialGenerator`; `gan`,
`dcgan` and `wgan_gp` are its siblings (each with its own networks and losses),
and `cgan` is the conditional `dcgan`:

- images inside the networks are in [-1, 1] (tanh output); the public API
  stays float32 NHWC in [0, 1];
- an exponential moving average of the generator's weights (`ema`), which
  samples better than the last iterate; `sample` and `generate` use it;
- DiffAugment (`augment`, see `zoo.layers.augment`) for small data sets;
- the discriminator ships with the weights, so fine-tuning continues the game.
"""

import warnings

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from zoo.base import Game, Player
from zoo.capabilities import Generator
from zoo.checks import check_count, check_images
from zoo.layers.augment import check_policy, diff_augment
from zoo.registry import register

CHUNK = 512
G_LOSSES = ("minimax", "non_saturating")


def build_mlp_generator(image_shape, latent_dim, hidden, name="generator"):
    """Dense generator: z -> images in [-1, 1], float32."""
    z_in = keras.Input((latent_dim,), name="z")
    h = z_in
    for i, width in enumerate(hidden):
        h = layers.Dense(width, name=f"dense{i}")(h)
        h = layers.LeakyReLU(0.2)(h)
    h = layers.Dense(int(np.prod(image_shape)), dtype="float32", name="pixels")(h)
    images = layers.Activation("tanh", dtype="float32")(layers.Reshape(image_shape)(h))
    return keras.Model(z_in, images, name=name)


def build_mlp_discriminator(image_shape, hidden, dropout=0.3, name="discriminator"):
    """Dense discriminator: images in [-1, 1] -> real/fake logit (batch, 1), float32."""
    x_in = keras.Input(image_shape, name="images")
    h = layers.Flatten()(x_in)
    for i, width in enumerate(hidden):
        h = layers.Dense(width, name=f"dense{i}")(h)
        h = layers.LeakyReLU(0.2)(h)
        if dropout:
            h = layers.Dropout(dropout)(h)
    logit = layers.Dense(1, dtype="float32", name="logit")(h)
    return keras.Model(x_in, logit, name=name)


class AdversarialGenerator(Generator, Game):
    """The GAN family's base: a generator G and a discriminator D, the game between them, and sampling.

    A member builds its networks (`build_generator`, `build_discriminator`,
    called at the end of this constructor, so a member sets its own
    attributes first) and writes the two losses (`discriminator_loss`,
    `generator_loss`). The base holds the rest: the players (D `d_steps`
    times a round, then G), the moving average of G, DiffAugment, sampling,
    and D's verdict (`realness`).

    Args:
        image_shape: (height, width, channels).
        latent_dim: size of the noise z.
        ema: decay of the generator's moving average (0: none; sampling then
            uses the last iterate).
        augment: DiffAugment policy for the discriminator's inputs, e.g.
            `"translation,cutout"` ("" for none).
        d_steps: discriminator updates per generator update.
    """

    loss_names = ("g_loss", "d_loss")
    main_function = "generate"
    # The discriminator's Adam state ships with a preset (the discriminator is
    # in the weights), so fine-tuning continues the game.
    shipped_optimizers = ("d_optimizer",)
    # True where some variables get no gradient on some steps by design (a growing GAN's levels not
    # grown yet, biases a lazy regulariser does not reach): Keras' warning about each is silenced.
    partial_gradients = False

    def __init__(self, image_shape=(28, 28, 1), latent_dim=64, ema=0.999, augment="", d_steps=1, **kwargs):
        self.latent_dim = check_count(latent_dim, "latent_dim")
        super().__init__(image_shape=image_shape, **kwargs)
        self.d_steps = check_count(d_steps, "d_steps")
        self.ema = float(ema)
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"ema must be a decay in [0, 1), got {ema}")
        self.augment = ",".join(check_policy(augment))
        self.noise = keras.random.SeedGenerator(0, name="noise")
        self.generator = self.build_generator("generator")
        self.discriminator = self.build_discriminator()
        if self.ema:
            self.ema_generator = self.build_generator("ema_generator")
            self.ema_generator.trainable = False
            self.ema_generator.set_weights(self.generator.get_weights())

    def default_optimizer(self, learning_rate=2e-4):
        # Radford et al.: beta_1 = 0.5 steadies the game; each player gets a copy.
        return keras.optimizers.Adam(learning_rate, beta_1=0.5)

    def build_generator(self, name):
        raise NotImplementedError

    def build_discriminator(self):
        raise NotImplementedError

    # ---- the game -------------------------------------------------------

    def players(self):
        return [Player("d", (self.discriminator,), self.discriminator_step, steps=self.d_steps),
                Player("g", (self.generator,), self.generator_step)]

    def latents(self, n):
        return keras.random.normal((n, self.latent_dim), seed=self.noise)

    def generator_inputs(self, z, y):
        """What the generator takes: the noise (and, in `cgan`, the labels)."""
        return z

    def fake_batch(self, n, y, training=True):
        return tf.cast(self.generator(self.generator_inputs(self.latents(n), y), training=training), "float32")

    def real_batch(self, x):
        """The real images as D sees them: in [-1, 1] (a growing GAN also downscales them)."""
        return tf.cast(x, "float32") * 2.0 - 1.0

    def discriminator_step(self, x, y):
        # Each of D's steps sees the real batch and fresh fakes.
        real = self.real_batch(x)
        fake = tf.stop_gradient(self.fake_batch(tf.shape(real)[0], y))
        return self.discriminator_loss(real, fake, y)

    def generator_step(self, x, y):
        return self.generator_loss(self.fake_batch(tf.shape(x)[0], y), y)

    def discriminator_loss(self, real, fake, y):
        """`{"loss", "d_loss", ...}` for real and fake batches in [-1, 1]."""
        raise NotImplementedError

    def generator_loss(self, fake, y):
        """`{"loss", "g_loss"}` for a fake batch in [-1, 1]."""
        raise NotImplementedError

    def discriminate(self, images, y=None, training=True):
        """D's logits for images in [-1, 1], through DiffAugment while training."""
        if training and self.augment:
            images = self.augmented(images)
        return tf.cast(self.discriminator(images, training=training), "float32")

    def augmented(self, images):
        seed = keras.random.randint((2,), 0, 2**31 - 1, seed=self.noise, dtype="int32")
        return diff_augment(images, check_policy(self.augment), seed)

    def train_step(self, data):
        if self.partial_gradients:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Gradients do not exist")
                logs = super().train_step(data)
        else:
            logs = super().train_step(data)
        if self.ema:
            self.update_ema()
        return logs

    def update_ema(self):
        # A shorter memory early on, so the average does not start from the
        # random initial weights: decay_t = min(ema, (1 + t) / (10 + t)).
        step = tf.cast(self.g_optimizer.iterations, "float32")
        decay = tf.minimum(self.ema, (1.0 + step) / (10.0 + step))
        for avg, w in zip(self.ema_generator.weights, self.generator.weights):
            if w.trainable:
                avg.assign(decay * avg + (1.0 - decay) * tf.cast(w, avg.dtype))
            else:  # batch-norm statistics follow the generator's own
                avg.assign(w)

    def call(self, x, training=False):
        # Keras builds and summarises through call(images): the discriminator's logits.
        return self.discriminate(tf.cast(x, "float32") * 2.0 - 1.0, training=training)

    # ---- tensor functions (exported) -------------------------------------
    # `labels` is for `cgan` (int tensor); the unconditional models ignore it.

    def sampling_generator(self):
        return self.ema_generator if self.ema else self.generator

    def generate_tensor(self, z, labels=None):
        """Images in [0, 1] for codes z: the moving average's, if there is one."""
        out = self.sampling_generator()(self.generator_inputs(tf.cast(z, self.compute_dtype), labels))
        return tf.clip_by_value((tf.cast(out, "float32") + 1.0) / 2.0, 0.0, 1.0)

    def discriminate_tensor(self, images, labels=None):
        return self.discriminate(tf.cast(images, "float32") * 2.0 - 1.0, labels, training=False)

    def inference_functions(self):
        functions = super().inference_functions()
        specs = [tf.TensorSpec((None, *self.image_shape), tf.float32, name="images"),
                 *functions["generate"][1][1:]]  # and the labels, for a conditional GAN
        functions["discriminate"] = (self.discriminate_tensor, specs)
        return functions

    # ---- public API (numpy in, numpy out) --------------------------------

    def realness(self, x, labels=None):
        """The discriminator's logit for each image (higher: judged more real)."""
        x = check_images(x, self.image_shape)
        return self.run_chunked(self.discriminate_tensor, self.with_labels(x, labels), CHUNK)[:, 0]


class CrossEntropyLosses:
    """The original game's losses: D tells real from fake by cross-entropy; G fools it.

    G's minimax loss log(1 - D(G(z))) saturates when D wins early on; the
    paper's own remedy, `g_loss="non_saturating"`, maximises log D(G(z))
    instead, with the same fixed point. The member sets `self.g_loss`.
    """

    loss_names = ("g_loss", "d_loss", "d_real", "d_fake")

    @staticmethod
    def check_g_loss(g_loss):
        if g_loss not in G_LOSSES:
            raise ValueError(f"g_loss must be one of {G_LOSSES}, got {g_loss!r}")
        return g_loss

    def discriminator_loss(self, real, fake, y):
        """`{"loss", "d_loss", "d_real", "d_fake"}`: cross-entropy of telling real from fake."""
        real_logits = self.discriminate(real, y)
        fake_logits = self.discriminate(fake, y)
        # -log D(x) - log(1 - D(G(z))), with log sigmoid(l) = -softplus(-l).
        loss = tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(tf.nn.softplus(fake_logits))
        return {"loss": loss, "d_loss": loss, "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
                "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits))}

    def generator_loss(self, fake, y):
        logits = self.discriminate(fake, y)
        if self.g_loss == "non_saturating":
            loss = tf.reduce_mean(tf.nn.softplus(-logits))  # -log D(G(z))
        else:
            loss = -tf.reduce_mean(tf.nn.softplus(logits))  # log(1 - D(G(z)))
        return {"loss": loss, "g_loss": loss}


@register("gan")
class GAN(CrossEntropyLosses, AdversarialGenerator):
    """The original GAN with dense (MLP) generator and discriminator.

    Args:
        image_shape: (height, width, channels).
        latent_dim: size of the noise z.
        g_hidden: widths of the generator's hidden layers.
        d_hidden: widths of the discriminator's hidden layers.
        d_dropout: dropout after each of the discriminator's hidden layers.
        g_loss: `"minimax"` (the paper's objective) or `"non_saturating"`.
        **kwargs: `ema`, `augment`, `d_steps`: see `AdversarialGenerator`.

    Example:
        >>> gan = zoo.create("gan", image_shape=(28, 28, 1), g_loss="non_saturating")
        >>> gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        ...             d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
        >>> gan.fit(zoo.data.load("mnist", batch_size=64), epochs=10)
        >>> images = gan.sample(16, seed=0)
    """

    def __init__(self, image_shape=(28, 28, 1), latent_dim=64, g_hidden=(256, 512), d_hidden=(512, 256),
                 d_dropout=0.3, g_loss="minimax", **kwargs):
        self.g_hidden = tuple(int(w) for w in g_hidden)
        self.d_hidden = tuple(int(w) for w in d_hidden)
        self.d_dropout = float(d_dropout)
        self.g_loss = self.check_g_loss(g_loss)
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, **kwargs)

    def build_generator(self, name):
        return build_mlp_generator(self.image_shape, self.latent_dim, self.g_hidden, name=name)

    def build_discriminator(self):
        return build_mlp_discriminator(self.image_shape, self.d_hidden, self.d_dropout)
