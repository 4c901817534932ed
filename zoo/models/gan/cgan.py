"""Conditional GAN (Mirza & Osindero, 2014): both players see the class label.

The generator takes the label as a one-hot vector beside z. The discriminator
is a projection discriminator (Miyato & Koyama, 2018): its logit is
w . h(x) + embed(y) . h(x), so it asks both "is this real?" and "is this a
real y?", which conditions far more firmly than concatenating the label.
"""

import keras
import tensorflow as tf
from keras import layers

from zoo.capabilities import Conditional
from zoo.checks import check_count
from zoo.models.gan.dcgan import DCGAN, build_conv_generator, conv_trunk
from zoo.registry import register


def build_projection_discriminator(image_shape, num_classes, filters, norm="batch", name="discriminator"):
    """(images in [-1, 1], int labels) -> logit (batch, 1), float32."""
    x_in = keras.Input(image_shape, name="images")
    y_in = keras.Input((), dtype="int32", name="labels")
    h = conv_trunk(x_in, filters, norm)
    unconditional = layers.Dense(1, dtype="float32", name="logit")(h)
    embedded = layers.Embedding(num_classes, h.shape[-1], name="class_embedding")(y_in)
    projection = layers.Dot(axes=1, dtype="float32", name="projection")([embedded, h])
    return keras.Model([x_in, y_in], layers.Add(dtype="float32")([unconditional, projection]), name=name)


@register("cgan")
class CGAN(Conditional, DCGAN):
    """Class-conditional DCGAN: `sample(n, labels=...)` draws the chosen classes.

    Args: as `dcgan`, plus `num_classes`. Training batches are (images,
    labels); fakes in a step are drawn for the real batch's labels.

    Example:
        >>> cgan = zoo.load("cgan_mnist")
        >>> sevens = cgan.sample(8, seed=0, labels=7)
    """

    def __init__(self, image_shape=(28, 28, 1), num_classes=10, **kwargs):
        self.num_classes = check_count(num_classes, "num_classes")
        super().__init__(image_shape=image_shape, **kwargs)

    def build_generator(self, name):
        return build_conv_generator(self.image_shape, self.latent_dim + self.num_classes, self.g_filters,
                                    name=name)

    def build_discriminator(self):
        return build_projection_discriminator(self.image_shape, self.num_classes, self.d_filters, self.d_norm)

    def labels_or_error(self, y):
        if y is None:
            raise ValueError("a conditional GAN needs the class label of each image")
        return tf.cast(y, "int32")

    def generator_inputs(self, z, y):
        one_hot = tf.one_hot(self.labels_or_error(y), self.num_classes, dtype=z.dtype)
        return tf.concat([z, one_hot], axis=-1)

    def discriminate(self, images, y=None, training=True):
        if training and self.augment:
            images = self.augmented(images)
        return tf.cast(self.discriminator([images, self.labels_or_error(y)], training=training), "float32")

    def call(self, x, training=False):
        # Keras builds and summarises through call(images); the labels default to class 0.
        y = tf.zeros(tf.shape(x)[:1], "int32")
        return self.discriminate(tf.cast(x, "float32") * 2.0 - 1.0, y, training=training)
