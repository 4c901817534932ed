"""DCGAN (Radford et al., 2016): the GAN game with convolutional players.

The generator projects z to a small feature map and doubles its size with
stride-2 transposed convolutions, batch norm and ReLU, ending in tanh; the
discriminator halves the size with stride-2 convolutions and LeakyReLU(0.2),
batch norm on every layer but the first. Trained with the non-saturating loss
and Adam(2e-4, beta_1=0.5), as in the paper.
"""

import keras
from keras import layers

from zoo.models.gan.gan import AdversarialGenerator, CrossEntropyLosses
from zoo.registry import register

NORMS = ("batch", "layer", "none")


def base_size(image_shape, stages):
    """The generator's first feature map: the image halved `stages` times, or a ValueError."""
    height, width, _ = image_shape
    scale = 2 ** stages
    if height % scale or width % scale:
        raise ValueError(f"image height and width must be multiples of {scale} for {stages} up-sampling "
                         f"stages, got {image_shape}")
    return height // scale, width // scale


def build_conv_generator(image_shape, latent_dim, filters, name="generator"):
    """z (batch, latent_dim) -> images in [-1, 1], float32.

    `filters[0]` channels at 1 / 2**len(filters) of the image size, then one
    stride-2 transposed convolution per further entry and a last one to the
    image's channels.
    """
    h0, w0 = base_size(image_shape, len(filters))
    z_in = keras.Input((latent_dim,), name="z")
    h = layers.Dense(h0 * w0 * filters[0], use_bias=False, name="project")(z_in)
    h = layers.Reshape((h0, w0, filters[0]))(h)
    h = layers.ReLU()(layers.BatchNormalization(name="bn_project")(h))
    for i, f in enumerate(filters[1:]):
        h = layers.Conv2DTranspose(f, 4, strides=2, padding="same", use_bias=False, name=f"up{i}")(h)
        h = layers.ReLU()(layers.BatchNormalization(name=f"bn_up{i}")(h))
    h = layers.Conv2DTranspose(image_shape[-1], 4, strides=2, padding="same", dtype="float32", name="to_rgb")(h)
    return keras.Model(z_in, layers.Activation("tanh", dtype="float32")(h), name=name)


def check_norm(norm):
    if norm not in NORMS:
        raise ValueError(f"d_norm must be one of {NORMS}, got {norm!r}")
    return norm


def conv_trunk(x, filters, norm="batch"):
    """The discriminator's stride-2 convolutions on `x`; returns the flattened features."""
    check_norm(norm)
    h = x
    for i, f in enumerate(filters):
        h = layers.Conv2D(f, 4, strides=2, padding="same", name=f"down{i}")(h)
        # No normalisation on the first layer (Radford et al.).
        if i and norm == "batch":
            h = layers.BatchNormalization(name=f"bn_down{i}")(h)
        elif i and norm == "layer":
            h = layers.LayerNormalization(axis=[1, 2, 3], name=f"ln_down{i}")(h)
        h = layers.LeakyReLU(0.2)(h)
    return layers.Flatten()(h)


def build_conv_discriminator(image_shape, filters, norm="batch", name="discriminator"):
    """Images in [-1, 1] -> real/fake logit (batch, 1), float32."""
    x_in = keras.Input(image_shape, name="images")
    logit = layers.Dense(1, dtype="float32", name="logit")(conv_trunk(x_in, filters, norm))
    return keras.Model(x_in, logit, name=name)


class ConvPlayers:
    """DCGAN's convolutional generator and discriminator, from the member's `g_filters`, `d_filters`, `d_norm`."""

    def build_generator(self, name):
        return build_conv_generator(self.image_shape, self.latent_dim, self.g_filters, name=name)

    def build_discriminator(self):
        return build_conv_discriminator(self.image_shape, self.d_filters, self.d_norm)


@register("dcgan")
class DCGAN(CrossEntropyLosses, ConvPlayers, AdversarialGenerator):
    """Deep convolutional GAN.

    Args:
        image_shape: (height, width, channels); the side must be a multiple
            of 2 ** len(g_filters).
        latent_dim: size of the noise z.
        g_filters: channels of the generator's feature maps, smallest map first.
        d_filters: channels of the discriminator's stride-2 convolutions.
        d_norm: `"batch"` (the paper), `"layer"` or `"none"`.
        g_loss: `"non_saturating"` (as the paper trains) or `"minimax"`.
        **kwargs: `ema`, `augment`, `d_steps`: see `AdversarialGenerator`.

    Example:
        >>> gan = zoo.create("dcgan", image_shape=(64, 64, 3), g_filters=[256, 128, 64, 32],
        ...                  d_filters=[32, 64, 128, 256])
    """

    def __init__(self, image_shape=(28, 28, 1), latent_dim=64, g_filters=(128, 64), d_filters=(64, 128),
                 d_norm="batch", g_loss="non_saturating", **kwargs):
        self.g_filters = tuple(int(f) for f in g_filters)
        self.d_filters = tuple(int(f) for f in d_filters)
        self.d_norm = check_norm(d_norm)
        self.g_loss = self.check_g_loss(g_loss)
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, **kwargs)
