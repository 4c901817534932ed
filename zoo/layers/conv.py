"""Convolutional encoders and decoders shared by the autoencoder and VAE families.

The encoder halves the image `len(filters)` times with stride-2 convolutions
and LeakyReLU(0.2), then maps the flattened features to one or more heads (a
code; a VAE's mean and log-variance). The decoder mirrors it: a projection to
the smallest feature map, then one doubling per stage, then a 3x3 convolution
to the image's channels (logits). Heads and logits are float32: codes are what
users read, and a VAE's KL term overflows in float16.
"""

import keras
from keras import layers

UPSAMPLING = ("transpose", "nearest")


def check_divisible(image_shape, stages):
    """The smallest feature map (height, width), or a ValueError when the image does not halve evenly."""
    height, width, _ = image_shape
    scale = 2 ** stages
    if height % scale or width % scale:
        raise ValueError(
            f"image height and width must be multiples of {scale} for {stages} "
            f"down-sampling stages, got {tuple(image_shape)}"
        )
    return height // scale, width // scale


def conv_encoder(image_shape, filters, heads, kernel_size=4, hidden=0, name="encoder"):
    """Images in [0, 1] -> one float32 output per head.

    Args:
        heads: `{name: size}` of the dense heads, in output order (one head: a
            single output, not a list).
        kernel_size: of the stride-2 convolutions.
        hidden: width of a dense layer before the heads (0: none).
    """
    x_in = keras.Input(image_shape, name="images")
    h = x_in
    for i, f in enumerate(filters):
        h = layers.Conv2D(f, kernel_size, strides=2, padding="same", name=f"conv{i}")(h)
        h = layers.LeakyReLU(0.2)(h)
    h = layers.Flatten()(h)
    if hidden:
        h = layers.Dense(hidden, name="hidden")(h)
        h = layers.LeakyReLU(0.2)(h)
    outputs = [layers.Dense(size, dtype="float32", name=head)(h) for head, size in heads.items()]
    return keras.Model(x_in, outputs if len(outputs) > 1 else outputs[0], name=name)


def conv_decoder(image_shape, latent_dim, filters, kernel_size=4, hidden=0, upsampling="transpose",
                 name="decoder"):
    """Codes (batch, latent_dim) -> pixel logits (batch, *image_shape), float32.

    Args:
        filters: the encoder's channels, mirrored (the last one is the smallest map's).
        upsampling: `"transpose"` (stride-2 transposed convolutions) or `"nearest"`
            (nearest up-sampling then a convolution, which avoids the checkerboard
            pattern strided transposed convolutions can leave).
    """
    if upsampling not in UPSAMPLING:
        raise ValueError(f"upsampling must be one of {UPSAMPLING}, got {upsampling!r}")
    h0, w0 = check_divisible(image_shape, len(filters))
    z_in = keras.Input((latent_dim,), name="z")
    h = z_in
    if hidden:
        h = layers.Dense(hidden, name="hidden")(h)
        h = layers.LeakyReLU(0.2)(h)
    h = layers.Dense(h0 * w0 * filters[-1], name="project")(h)
    h = layers.LeakyReLU(0.2)(h)
    h = layers.Reshape((h0, w0, filters[-1]))(h)
    for i, f in enumerate(reversed(filters)):
        if upsampling == "transpose":
            h = layers.Conv2DTranspose(f, kernel_size, strides=2, padding="same", name=f"deconv{i}")(h)
        else:
            h = layers.UpSampling2D(name=f"up{i}")(h)
            h = layers.Conv2D(f, kernel_size, padding="same", name=f"deconv{i}")(h)
        h = layers.LeakyReLU(0.2)(h)
    logits = layers.Conv2D(image_shape[-1], 3, padding="same", dtype="float32", name="logits")(h)
    return keras.Model(z_in, logits, name=name)
