"""Tiny models that exercise the base classes directly.

`ToyAE` is deterministic (no sampling in its loss), so a distributed update can
be compared with a single-device one exactly. `ToyGAN` is the smallest
adversarial game, here so that `Game` is tested apart from any GAN
architecture.
"""

import keras
import tensorflow as tf
from keras import layers

from zoo.base import Game, GenerativeModel, Player


@keras.saving.register_keras_serializable(package="zoo_tests")
class ToyAE(GenerativeModel):
    loss_names = ("loss",)

    def __init__(self, image_shape=(4, 4, 1), code=3, **kwargs):
        super().__init__(image_shape=image_shape, **kwargs)
        self.code = code
        size = 1
        for d in self.image_shape:
            size *= d
        x = keras.Input(self.image_shape)
        h = layers.Dense(code, name="enc")(layers.Flatten()(x))
        out = layers.Reshape(self.image_shape)(layers.Dense(size, dtype="float32", name="dec")(h))
        self.net = keras.Model(x, out, name="net")

    def compute_losses(self, x, y=None, training=True):
        return {"loss": tf.reduce_mean(tf.square(self.net(x, training=training) - tf.cast(x, "float32")))}

    def call(self, x, training=False):
        return self.net(x, training=training)


@keras.saving.register_keras_serializable(package="zoo_tests")
class ToyGAN(Game):
    """Generator: noise -> image; discriminator: image -> logit; non-saturating losses."""

    def __init__(self, image_shape=(4, 4, 1), noise_dim=2, d_steps=1, **kwargs):
        super().__init__(image_shape=image_shape, **kwargs)
        self.d_steps = d_steps
        self.noise_dim = noise_dim
        size = 1
        for d in self.image_shape:
            size *= d
        z = keras.Input((noise_dim,))
        img = layers.Reshape(self.image_shape)(layers.Dense(size, activation="sigmoid", dtype="float32")(z))
        self.generator = keras.Model(z, img, name="generator")
        x = keras.Input(self.image_shape)
        self.discriminator = keras.Model(
            x, layers.Dense(1, dtype="float32")(layers.Flatten()(x)), name="discriminator"
        )

    def players(self):
        return [Player("d", (self.discriminator,), self.d_loss, steps=self.d_steps),
                Player("g", (self.generator,), self.g_loss)]

    def noise(self, x):
        return tf.random.stateless_normal((tf.shape(x)[0], self.noise_dim), seed=[1, 2])

    def d_loss(self, x, y):
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        real = self.discriminator(x)
        fake = self.discriminator(self.generator(self.noise(x)))
        loss = bce(tf.ones_like(real), real) + bce(tf.zeros_like(fake), fake)
        return {"loss": loss, "d_loss": loss}

    def g_loss(self, x, y):
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        fake = self.discriminator(self.generator(self.noise(x)))
        loss = bce(tf.ones_like(fake), fake)
        return {"loss": loss, "g_loss": loss}

    def call(self, z, training=False):
        return self.generator(z, training=training)
