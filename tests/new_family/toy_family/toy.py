"""Two toy architectures that exercise the shared machinery the next families need.

- `toy_cycle`: a game of three players (two generators as one player, and a
  discriminator per domain), plus a lazy regulariser that steps domain A's
  discriminator every other round: the shape of CycleGAN and StyleGAN.
- `toy_flow`: an exact-likelihood model (a diagonal affine flow, x = mu + exp(s) z),
  the shape of RealNVP and Glow.
"""

import math

import keras
import tensorflow as tf
from keras import layers

from zoo.base import Game, GenerativeModel, Player
from zoo.capabilities import ExactLikelihood, Sampler, Translator
from zoo.registry import register


def tiny_net(shape, name, out=None):
    x = keras.Input(shape)
    h = layers.Flatten()(x)
    size = math.prod(shape) if out is None else out
    h = layers.Dense(size, dtype="float32")(h)
    return keras.Model(x, layers.Reshape(shape)(h) if out is None else h, name=name)


@register("toy_cycle")
class ToyCycle(Translator, Game):
    """Unpaired translation between domains A and B; batches are (images of A, images of B)."""

    loss_names = ("g_loss", "d_a_loss", "d_b_loss", "r1", "cycle_loss")
    directions = ("a2b", "b2a")
    main_function = "translate_a2b"

    def __init__(self, image_shape=(4, 4, 1), cycle_weight=10.0, r1_every=2, **kwargs):
        super().__init__(image_shape=image_shape, **kwargs)
        self.cycle_weight = float(cycle_weight)
        self.r1_every = int(r1_every)
        self.g_ab = tiny_net(self.image_shape, "g_ab")
        self.g_ba = tiny_net(self.image_shape, "g_ba")
        self.d_a = tiny_net(self.image_shape, "d_a", out=1)
        self.d_b = tiny_net(self.image_shape, "d_b", out=1)

    def players(self):
        return [
            Player("d_a", (self.d_a,), self.d_a_loss),
            Player("d_b", (self.d_b,), self.d_b_loss),
            Player("g", (self.g_ab, self.g_ba), self.g_loss),
            Player("d_a_r1", (self.d_a,), self.r1_loss, every=self.r1_every, optimizer="d_a"),
        ]

    @staticmethod
    def bce(logits, real):
        target = tf.ones_like(logits) if real else tf.zeros_like(logits)
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=logits))

    def d_a_loss(self, a, b):
        loss = self.bce(self.d_a(a), True) + self.bce(self.d_a(tf.stop_gradient(self.g_ba(b))), False)
        return {"loss": loss, "d_a_loss": loss}

    def d_b_loss(self, a, b):
        loss = self.bce(self.d_b(b), True) + self.bce(self.d_b(tf.stop_gradient(self.g_ab(a))), False)
        return {"loss": loss, "d_b_loss": loss}

    def g_loss(self, a, b):
        fake_b, fake_a = self.g_ab(a), self.g_ba(b)
        cycle = tf.reduce_mean(tf.abs(self.g_ba(fake_b) - a)) + tf.reduce_mean(tf.abs(self.g_ab(fake_a) - b))
        adversarial = self.bce(self.d_b(fake_b), True) + self.bce(self.d_a(fake_a), True)
        loss = adversarial + self.cycle_weight * cycle
        return {"loss": loss, "g_loss": loss, "cycle_loss": cycle}

    def r1_loss(self, a, b):
        with tf.GradientTape() as tape:
            tape.watch(a)
            score = tf.reduce_sum(self.d_a(a))
        r1 = tf.reduce_mean(tf.reduce_sum(tf.square(tape.gradient(score, a)), axis=[1, 2, 3]))
        return {"loss": r1, "r1": r1}

    def call(self, x, training=False):
        return self.g_ab(x, training=training)

    def translate_functions(self):
        return (lambda x: tf.clip_by_value(self.g_ab(x), 0.0, 1.0),
                lambda x: tf.clip_by_value(self.g_ba(x), 0.0, 1.0))


@register("toy_flow")
class ToyFlow(ExactLikelihood, Sampler, GenerativeModel):
    """x = mu + exp(s) * z, z ~ N(0, I), per pixel: the simplest flow, trained by maximum likelihood."""

    main_function = "log_prob"

    def __init__(self, image_shape=(4, 4, 1), **kwargs):
        super().__init__(image_shape=image_shape, **kwargs)
        self.mu = self.add_weight(shape=self.image_shape, initializer="zeros", name="mu")
        self.log_scale = self.add_weight(shape=self.image_shape, initializer="zeros", name="log_scale")

    def log_prob_tensor(self, x):
        z = (tf.cast(x, "float32") - self.mu) * tf.exp(-self.log_scale)
        log_det = -tf.reduce_sum(self.log_scale)
        return tf.reduce_sum(-0.5 * tf.square(z) - 0.5 * math.log(2 * math.pi), axis=[1, 2, 3]) + log_det

    def compute_losses(self, x, y=None, training=True):
        return {"loss": -tf.reduce_mean(self.log_prob_tensor(x)) / math.prod(self.image_shape)}

    def call(self, x, training=False):
        return self.log_prob_tensor(x)

    def sample_tensor(self, n, seed):
        z = tf.random.stateless_normal(tf.concat([[n], self.image_shape], 0), seed=tf.stack([seed, 0]))
        return tf.clip_by_value(self.mu + tf.exp(self.log_scale) * z, 0.0, 1.0)
