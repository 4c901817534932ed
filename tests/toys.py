"""Tiny models that exercise the base classes directly.

`ToyAE` is deterministic (no sampling in its loss), so a distributed update can
be compared with a single-device one exactly. `ToyGAN` is the smallest
adversarial game, here so that `AdversarialModel` is tested before any GAN
architecture exists.
"""

import keras
import tensorflow as tf
from keras import layers

from zoo.base import AdversarialModel, GenerativeModel


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

    def get_config(self):
        return {**super().get_config(), "code": self.code}

    def compute_losses(self, x, y=None, training=True):
        return {"loss": tf.reduce_mean(tf.square(self.net(x, training=training) - tf.cast(x, "float32")))}

    def call(self, x, training=False):
        return self.net(x, training=training)


@keras.saving.register_keras_serializable(package="zoo_tests")
class ToyGAN(AdversarialModel):
    """Generator: noise -> image; discriminator: image -> logit; non-saturating losses."""

    def __init__(self, image_shape=(4, 4, 1), noise_dim=2, **kwargs):
        super().__init__(image_shape=image_shape, **kwargs)
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

    def get_config(self):
        return {**super().get_config(), "noise_dim": self.noise_dim}

    def player_variables(self, optimizer_name):
        net = self.discriminator if optimizer_name == "d_optimizer" else self.generator
        return net.trainable_variables

    def player_steps(self, x, y):
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        n = tf.shape(x)[0]
        z = tf.random.stateless_normal((n, self.noise_dim), seed=[1, 2])

        def d_loss():
            real = self.discriminator(x)
            fake = self.discriminator(self.generator(z))
            loss = bce(tf.ones_like(real), real) + bce(tf.zeros_like(fake), fake)
            return {"loss": loss, "d_loss": loss}

        def g_loss():
            fake = self.discriminator(self.generator(z))
            loss = bce(tf.ones_like(fake), fake)
            return {"loss": loss, "g_loss": loss}

        return [("d_optimizer", d_loss), ("g_optimizer", g_loss)]

    def call(self, z, training=False):
        return self.generator(z, training=training)
