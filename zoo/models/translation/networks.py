"""The translation networks: the U-Net and ResNet generators and the PatchGAN discriminator.

All three take and give images in [-1, 1] (the generators end in tanh), are
plain functional `keras.Model`s built from standard layers and one small
registered layer (`ReflectionPadding2D`), with no `Lambda`, so they load in
Keras' safe mode. Outputs (images, logits) are float32 under every policy.

- `unet_generator`: pix2pix's encoder-decoder with a skip connection from each
  encoder level to the decoder level of the same size (Isola et al. 2017, 6.1.1).
- `resnet_generator`: CycleGAN's c7s1-k, d2k, d4k, residual blocks, u2k, uk,
  c7s1-3, with reflection padding and instance norm (Zhu et al. 2017, 7.2;
  Johnson et al. 2016).
- `patch_discriminator`: the PatchGAN that classifies each overlapping patch
  of the image as real or fake (`patch_grid` and `receptive_field` say how
  many patches and how large).
"""

import keras
import tensorflow as tf
from keras import layers

NORMS = ("batch", "instance", "none")


@keras.saving.register_keras_serializable(package="zoo")
class ReflectionPadding2D(layers.Layer):
    """Pads height and width by mirroring the image (`tf.pad(mode="REFLECT")`; ONNX `Pad`, mode reflect).

    CycleGAN pads by reflection before its 7x7 and 3x3 convolutions, which
    leaves fewer artefacts at the border than zeros.

    Args:
        padding: pixels added on each side (fewer than the image's side).
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        p = self.padding
        return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        grow = (lambda d: None if d is None else d + 2 * self.padding)
        return n, grow(h), grow(w), c

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def check_norm(norm):
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    return norm


def normalization(norm, name):
    """A normalisation layer: batch norm (PyTorch's momentum and epsilon, as the papers' code) or
    instance norm (`GroupNormalization` with one group per channel), or None."""
    if norm == "batch":
        return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=name)
    if norm == "instance":
        return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)
    return None


def normalized(h, norm, name):
    layer = normalization(norm, name)
    return h if layer is None else layer(h)


def check_levels(image_shape, levels, what="filters"):
    """Refuses an image that does not halve evenly `levels` times."""
    height, width, _ = image_shape
    scale = 2**levels
    if levels < 1 or height % scale or width % scale:
        raise ValueError(f"image height and width must be multiples of {scale} for {levels} stride-2 levels "
                         f"(len({what})), got {tuple(image_shape)}")


def unet_generator(image_shape, filters=(64, 128, 256, 512, 512, 512, 512, 512), dropout=0.5,
                   dropout_layers=3, norm="batch", name="generator"):
    """pix2pix's U-Net: images in [-1, 1] -> images in [-1, 1] (float32), same shape.

    The encoder halves the image once per entry of `filters` (4x4 stride-2
    convolutions, norm except on the first and the innermost level,
    LeakyReLU 0.2); the decoder doubles it back (4x4 stride-2 transposed
    convolutions, norm, dropout on its first `dropout_layers` levels, ReLU),
    and each decoder level is concatenated with the encoder level of its size,
    so detail at every scale bypasses the bottleneck. The last transposed
    convolution maps to the image's channels, then tanh. With 8 levels on
    256x256 images it is the paper's U-Net-256; 6 levels suit 64x64.

    Args:
        image_shape: (height, width, channels) of source and target images;
            the side must be a multiple of 2 ** len(filters).
        filters: channels of the encoder levels, outermost first.
        dropout: rate of the decoder's dropout (0: none); active only while training.
        dropout_layers: how many of the innermost decoder levels have dropout.
        norm: "batch" (the paper), "instance" or "none".
    """
    filters = tuple(int(f) for f in filters)
    check_levels(image_shape, len(filters))
    check_norm(norm)
    x_in = keras.Input(image_shape, name="images")
    h, skips = x_in, []
    for i, f in enumerate(filters):
        h = layers.Conv2D(f, 4, strides=2, padding="same", use_bias=norm != "batch", name=f"down{i}")(h)
        innermost = i == len(filters) - 1
        if i and not innermost:
            h = normalized(h, norm, f"down{i}_norm")
        # The innermost level feeds the decoder through a ReLU, as the paper's code.
        h = layers.ReLU(name=f"down{i}_relu")(h) if innermost else layers.LeakyReLU(0.2, name=f"down{i}_lrelu")(h)
        skips.append(h)
    for j, (f, skip) in enumerate(zip(reversed(filters[:-1]), reversed(skips[:-1]))):
        h = layers.Conv2DTranspose(f, 4, strides=2, padding="same", use_bias=norm != "batch", name=f"up{j}")(h)
        h = normalized(h, norm, f"up{j}_norm")
        if dropout and j < dropout_layers:
            h = layers.Dropout(dropout, name=f"up{j}_dropout")(h)
        h = layers.ReLU(name=f"up{j}_relu")(h)
        h = layers.Concatenate(name=f"skip{len(filters) - 2 - j}")([h, skip])
    h = layers.Conv2DTranspose(image_shape[-1], 4, strides=2, padding="same", dtype="float32", name="to_image")(h)
    return keras.Model(x_in, layers.Activation("tanh", dtype="float32", name="tanh")(h), name=name)


def resnet_generator(image_shape, filters=64, downsamples=2, res_blocks=9, norm="instance", name="generator"):
    """CycleGAN's generator: images in [-1, 1] -> images in [-1, 1] (float32), same shape.

    c7s1-k (reflection-padded 7x7 convolution, norm, ReLU), `downsamples`
    stride-2 3x3 convolutions doubling the channels, `res_blocks` residual
    blocks (reflection pad, 3x3 conv, norm, ReLU, reflection pad, 3x3 conv,
    norm, added to the input), as many stride-2 3x3 transposed convolutions
    back, and c7s1-channels with tanh. The paper uses k=64, 2 down-samplings,
    6 blocks at 128x128 and 9 at 256x256.

    Args:
        image_shape: (height, width, channels); the side must be a multiple of 2 ** downsamples.
        filters: k, the channels of the first convolution.
        downsamples: stride-2 levels on each side of the residual blocks.
        res_blocks: residual blocks at the smallest size.
        norm: "instance" (the paper), "batch" or "none".
    """
    filters, downsamples, res_blocks = int(filters), int(downsamples), int(res_blocks)
    check_levels(image_shape, downsamples, "downsamples")
    check_norm(norm)
    bias = norm != "batch"
    x_in = keras.Input(image_shape, name="images")
    h = ReflectionPadding2D(3, name="c7_pad")(x_in)
    h = layers.Conv2D(filters, 7, use_bias=bias, name="c7")(h)
    h = layers.ReLU()(normalized(h, norm, "c7_norm"))
    for i in range(downsamples):
        h = layers.Conv2D(filters * 2 ** (i + 1), 3, strides=2, padding="same", use_bias=bias, name=f"down{i}")(h)
        h = layers.ReLU()(normalized(h, norm, f"down{i}_norm"))
    width = filters * 2**downsamples
    for r in range(res_blocks):
        y = ReflectionPadding2D(1, name=f"res{r}_pad_a")(h)
        y = layers.Conv2D(width, 3, use_bias=bias, name=f"res{r}_conv_a")(y)
        y = layers.ReLU()(normalized(y, norm, f"res{r}_norm_a"))
        y = ReflectionPadding2D(1, name=f"res{r}_pad_b")(y)
        y = layers.Conv2D(width, 3, use_bias=bias, name=f"res{r}_conv_b")(y)
        h = layers.Add(name=f"res{r}")([h, normalized(y, norm, f"res{r}_norm_b")])
    for i in reversed(range(downsamples)):
        h = layers.Conv2DTranspose(filters * 2**i, 3, strides=2, padding="same", use_bias=bias, name=f"up{i}")(h)
        h = layers.ReLU()(normalized(h, norm, f"up{i}_norm"))
    h = ReflectionPadding2D(3, name="to_image_pad")(h)
    h = layers.Conv2D(image_shape[-1], 7, dtype="float32", name="to_image")(h)
    return keras.Model(x_in, layers.Activation("tanh", dtype="float32", name="tanh")(h), name=name)


def patch_grid(side, levels):
    """How many patches a PatchGAN with `levels` filter entries judges along an image side of `side` pixels."""
    return side // 2 ** (levels - 1) - 2


def receptive_field(levels):
    """The side in pixels of the patch each PatchGAN logit sees (70 for the paper's 4 levels)."""
    field = 4 + 3  # the last 4x4 stride-1 convolution, then the stride-1 level before it
    for _ in range(levels - 1):
        field = (field - 1) * 2 + 4
    return field


def patch_discriminator(image_shape, filters=(64, 128, 256, 512), norm="batch", conditional=False,
                        name="discriminator"):
    """The PatchGAN: images in [-1, 1] -> a grid of real/fake logits, (batch, gh, gw, 1) float32.

    4x4 convolutions: every entry of `filters` but the last with stride 2, the
    last with stride 1, then a 1-channel one with stride 1 (the stride-1 ones
    padded by 1, as the paper's code), LeakyReLU 0.2, norm on every level but
    the first. The paper's 70x70 PatchGAN is `filters=(64, 128, 256, 512)`;
    each logit sees `receptive_field(len(filters))` pixels and the grid is
    `patch_grid(side, len(filters))` on a side.

    Args:
        image_shape: (height, width, channels) of the images judged.
        filters: channels of the levels (at least 2).
        norm: "batch" (pix2pix), "instance" (CycleGAN) or "none".
        conditional: judge (source, image) pairs, concatenated on channels
            (pix2pix); the model then takes two inputs, `source` and `images`.
    """
    filters = tuple(int(f) for f in filters)
    if len(filters) < 2:
        raise ValueError(f"a PatchGAN needs at least 2 levels in filters, got {list(filters)}")
    check_levels(image_shape, len(filters) - 1, "filters minus one")
    if patch_grid(min(image_shape[:2]), len(filters)) < 1:
        raise ValueError(f"{len(filters)} PatchGAN levels leave no patch on {tuple(image_shape)} images")
    check_norm(norm)
    x_in = keras.Input(image_shape, name="images")
    inputs, h = None, x_in
    if conditional:
        source = keras.Input(image_shape, name="source")
        inputs = [source, x_in]
        h = layers.Concatenate(name="pair")([source, x_in])
    for i, f in enumerate(filters):
        last = i == len(filters) - 1
        if last:
            h = layers.ZeroPadding2D(1, name=f"level{i}_pad")(h)
        h = layers.Conv2D(f, 4, strides=1 if last else 2, padding="valid" if last else "same",
                          use_bias=not i or norm != "batch", name=f"level{i}")(h)
        if i:
            h = normalized(h, norm, f"level{i}_norm")
        h = layers.LeakyReLU(0.2, name=f"level{i}_lrelu")(h)
    h = layers.ZeroPadding2D(1, name="logits_pad")(h)
    logits = layers.Conv2D(1, 4, dtype="float32", name="logits")(h)
    return keras.Model(inputs if conditional else x_in, logits, name=name)
