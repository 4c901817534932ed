"""The denoiser: a U-Net that predicts the noise in x_t, told the timestep t (and a class).

As in Ho et al. (2020): a sinusoidal embedding of t through a two-layer MLP
is fed to every residual block; residual blocks are
GroupNorm -> SiLU -> 3x3 conv -> GroupNorm, scaled and shifted by the time
embedding -> SiLU -> dropout -> 3x3 conv, added to the block's *input* (through
a 1x1 conv when the width changes); self-attention at the lowest resolution;
skip connections from every block of the way down to the way up.

The embedding scales and shifts the normalised features (Nichol and
Dhariwal's "scale-shift norm", 2021) rather than being added before the
GroupNorm as in Ho et al.: with the few channels per group of a small U-Net
(16 channels in 8 groups), GroupNorm subtracts most of a per-channel shift,
and with one channel per group all of it, so an added embedding would be
normalised away. A class label, when there is one, is embedded
(one extra index, `num_classes`, is the "null" class of the unconditional
model that classifier-free guidance needs) and added to the time embedding.

Everything is a stock Keras layer but the timestep embedding, a small
registered layer, so the network is rebuilt from its arguments in safe mode
(no `Lambda`). Unlike the DDPM code, no convolution starts at zero (diffusers'
U-Nets do not either): an untrained network's output then depends on every
input, so the export parity checks compare real computations.
"""

import math

import keras
from keras import layers, ops

from zoo.checks import check_count


@keras.saving.register_keras_serializable(package="zoo")
class TimestepEmbedding(layers.Layer):
    """Integer timesteps (batch,) -> sinusoidal features (batch, dim), as in the Transformer and DDPM.

    Half the features are sin(t f_k), half cos(t f_k), f_k = max_period^(-k / (dim/2)).
    Computed in float32, then cast to the layer's compute dtype.
    """

    def __init__(self, dim, max_period=10000.0, **kwargs):
        super().__init__(**kwargs)
        if dim % 2:
            raise ValueError(f"the timestep embedding's size must be even, got {dim}")
        self.dim, self.max_period = int(dim), float(max_period)

    def call(self, t):
        half = self.dim // 2
        freqs = ops.exp(-math.log(self.max_period) * ops.arange(half, dtype="float32") / half)
        angles = ops.cast(ops.reshape(t, (-1, 1)), "float32") * ops.reshape(freqs, (1, -1))
        return ops.cast(ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "max_period": self.max_period}


def group_norm(channels, groups, name):
    """GroupNorm with as many groups as divide the channels (at most `groups`); Keras computes it in float32."""
    return layers.GroupNormalization(math.gcd(groups, channels), epsilon=1e-5, name=name)


def residual_block(x, temb, width, groups=8, dropout=0.0, name="res"):
    """x + F(x, temb): the residual is added to the block's input (through a 1x1 conv when the width changes).

    The time (and class) embedding scales and shifts the normalised features,
    GroupNorm(h) * s + b with s, b linear in SiLU(temb) (s starts near 1).
    """
    h = group_norm(x.shape[-1], groups, f"{name}_norm1")(x)
    h = layers.Activation("silu", name=f"{name}_act1")(h)
    h = layers.Conv2D(width, 3, padding="same", name=f"{name}_conv1")(h)
    t = layers.Activation("silu", name=f"{name}_time_act")(temb)
    scale = layers.Dense(width, bias_initializer="ones", name=f"{name}_time_scale")(t)
    shift = layers.Dense(width, name=f"{name}_time_shift")(t)
    h = group_norm(width, groups, f"{name}_norm2")(h)
    h = layers.Multiply(name=f"{name}_scale")([h, layers.Reshape((1, 1, width), name=f"{name}_scale_map")(scale)])
    h = layers.Add(name=f"{name}_shift")([h, layers.Reshape((1, 1, width), name=f"{name}_shift_map")(shift)])
    h = layers.Activation("silu", name=f"{name}_act2")(h)
    if dropout:
        h = layers.Dropout(dropout, name=f"{name}_dropout")(h)
    h = layers.Conv2D(width, 3, padding="same", name=f"{name}_conv2")(h)
    skip = x if x.shape[-1] == width else layers.Conv2D(width, 1, name=f"{name}_skip")(x)
    return layers.Add(name=f"{name}_out")([skip, h])


def attention_block(x, groups=8, heads=1, name="attn"):
    """x + self-attention over the H x W positions of GroupNorm(x)."""
    height, width, channels = x.shape[1:]
    h = group_norm(channels, groups, f"{name}_norm")(x)
    h = layers.Reshape((height * width, channels), name=f"{name}_flatten")(h)
    h = layers.MultiHeadAttention(heads, channels // heads, name=f"{name}_mha")(h, h)
    h = layers.Reshape((height, width, channels), name=f"{name}_unflatten")(h)
    return layers.Add(name=f"{name}_out")([x, h])


def check_unet_shape(image_shape, levels):
    """The image's height and width must halve `levels - 1` times: 28 -> 14 -> 7 or 32 -> 16 -> 8 -> 4."""
    height, width = image_shape[:2]
    scale = 2 ** (levels - 1)
    if height % scale or width % scale:
        raise ValueError(f"a U-Net with {levels} widths halves the image {levels - 1} times: height and width "
                         f"must be multiples of {scale}, got {tuple(image_shape)}; use fewer widths "
                         "(28x28 works with 3: 28 -> 14 -> 7)")


def build_unet(image_shape, widths=(16, 32, 64), blocks=2, attention=True, num_classes=None, groups=8,
               heads=1, dropout=0.0, name="denoiser"):
    """The noise predictor: (x_t, t[, labels]) -> eps, float32, of x_t's shape.

    Args:
        image_shape: (height, width, channels).
        widths: channels at each resolution, full size first; each further
            entry halves the resolution.
        blocks: residual blocks per resolution on the way down (one more on the way up).
        attention: self-attention after the blocks of the lowest resolution and in the middle.
        num_classes: None for an unconditional network; else labels in
            [0, num_classes], `num_classes` being the null class.
        groups: GroupNorm groups (fewer where the channels are not divisible).
        heads: attention heads.
        dropout: in every residual block.
    """
    widths = tuple(check_count(w, "widths") for w in widths)
    blocks = check_count(blocks, "blocks")
    if not widths:
        raise ValueError("widths must name at least one width")
    check_unet_shape(image_shape, len(widths))
    time_dim = 4 * widths[0]
    x_in = keras.Input(image_shape, name="x_t")
    t_in = keras.Input((), dtype="int32", name="t")
    inputs = [x_in, t_in]
    temb = TimestepEmbedding(widths[0], name="time_embedding")(t_in)
    temb = layers.Dense(time_dim, activation="silu", name="time_mlp1")(temb)
    temb = layers.Dense(time_dim, name="time_mlp2")(temb)
    if num_classes:
        y_in = keras.Input((), dtype="int32", name="labels")
        inputs.append(y_in)
        label = layers.Embedding(num_classes + 1, time_dim, name="class_embedding")(y_in)
        temb = layers.Add(name="time_and_class")([temb, label])

    lowest = len(widths) - 1
    h = layers.Conv2D(widths[0], 3, padding="same", name="stem")(x_in)
    skips = [h]
    for level, width in enumerate(widths):
        for b in range(blocks):
            h = residual_block(h, temb, width, groups, dropout, name=f"down{level}_{b}")
            if attention and level == lowest:
                h = attention_block(h, groups, heads, name=f"down{level}_{b}_attn")
            skips.append(h)
        if level < lowest:
            h = layers.Conv2D(width, 3, strides=2, padding="same", name=f"down{level}_halve")(h)
            skips.append(h)
    h = residual_block(h, temb, widths[-1], groups, dropout, name="mid0")
    if attention:
        h = attention_block(h, groups, heads, name="mid_attn")
    h = residual_block(h, temb, widths[-1], groups, dropout, name="mid1")
    for level in reversed(range(len(widths))):
        for b in range(blocks + 1):
            h = layers.Concatenate(name=f"up{level}_{b}_concat")([h, skips.pop()])
            h = residual_block(h, temb, widths[level], groups, dropout, name=f"up{level}_{b}")
            if attention and level == lowest:
                h = attention_block(h, groups, heads, name=f"up{level}_{b}_attn")
        if level > 0:
            h = layers.UpSampling2D(2, interpolation="nearest", name=f"up{level}_double")(h)
            h = layers.Conv2D(widths[level], 3, padding="same", name=f"up{level}_double_conv")(h)
    h = group_norm(widths[0], groups, "out_norm")(h)
    h = layers.Activation("silu", name="out_act")(h)
    eps = layers.Conv2D(image_shape[-1], 3, padding="same", dtype="float32", name="eps")(h)
    return keras.Model(inputs, eps, name=name)
