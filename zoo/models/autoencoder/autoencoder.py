"""Autoencoders: an encoder to a code, a decoder back, trained to reconstruct.

    code = encoder(x),   x_hat = sigmoid(decoder(code)),
    loss = mean over pixels of  BCE(x, x_hat)  (or squared error)  + penalty(code)

The family, each a registered architecture:

- `ae`: dense layers to a bottleneck of any size (a 2-D code draws a map of a data set);
- `stacked_ae`: the stacked 784-300-150-300-784 autoencoder, with optional greedy
  layer-wise pre-training (each layer first learns to reconstruct its own input);
- `conv_ae`: stride-2 convolutions down, transposed convolutions (or nearest
  up-sampling and a convolution) up;
- `sparse_ae`: an overcomplete ReLU code kept sparse by an L1 penalty;
- `denoising_ae`: a `conv_ae` that sees corrupted images (Gaussian noise, masking
  or dropout) and is trained to give back the clean ones;
- `swap_ae`: one shared encoder, one decoder per identity; decoding a face of A
  with B's decoder swaps the identity (the classic face-swap construction).

An autoencoder has no prior to sample from: it encodes, decodes, reconstructs and
scores (`score` is the reconstruction error, high for images unlike the training set).
`AutoencoderBase` holds what they share (the loss, the tensor functions); the
dense, convolutional and face-swap autoencoders are its siblings, each with its
own networks and arguments.
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from zoo import capabilities
from zoo.base import GenerativeModel
from zoo.capabilities import Denoiser, SparseCode, Swapper
from zoo.checks import check_codes, check_count, check_images
from zoo.layers.conv import UPSAMPLING, conv_decoder, conv_encoder
from zoo.registry import register

CHUNK = 512
LOSSES = ("bce", "mse")
CORRUPTIONS = ("gaussian", "masking", "dropout")


def dense_encoder(image_shape, hidden, latent_dim, activation, code_activation, name="encoder"):
    x_in = keras.Input(image_shape, name="images")
    h = layers.Flatten()(x_in)
    for i, width in enumerate(hidden):
        h = layers.Dense(width, activation=activation, name=f"enc{i}")(h)
    # The code in float32: it is what users read, plot and compare.
    code = layers.Dense(latent_dim, activation=code_activation, dtype="float32", name="code")(h)
    return keras.Model(x_in, code, name=name)


def dense_decoder(image_shape, hidden, latent_dim, activation, name="decoder"):
    z_in = keras.Input((latent_dim,), name="z")
    h = z_in
    for i, width in enumerate(reversed(hidden)):
        h = layers.Dense(width, activation=activation, name=f"dec{i}")(h)
    h = layers.Dense(math.prod(image_shape), dtype="float32", name="logits")(h)
    return keras.Model(z_in, layers.Reshape(image_shape)(h), name=name)


class AutoencoderBase(capabilities.Autoencoder, GenerativeModel):
    """The autoencoder family's base: the reconstruction loss and the tensor functions.

    Members set their own attributes, then call this constructor, which builds
    their networks (`build_networks() -> (encoder, decoder)`).

    Args:
        image_shape: (height, width, channels).
        latent_dim: size of the code.
        loss: `"bce"` (cross-entropy on grey levels) or `"mse"`, a mean over pixels.
    """

    loss_names = ("loss", "recon_loss")
    main_function = "reconstruct"

    def __init__(self, image_shape=(28, 28, 1), latent_dim=32, loss="bce", **kwargs):
        super().__init__(image_shape=image_shape, **kwargs)
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        self.latent_dim = check_count(latent_dim, "latent_dim")
        self.loss = loss
        self.encoder, self.decoder = self.build_networks()

    def build_networks(self):
        raise NotImplementedError

    # ---- the model ------------------------------------------------------

    def reconstruction_loss(self, x, logits):
        """Mean over pixels and batch, in float32."""
        x, logits = tf.cast(x, "float32"), tf.cast(logits, "float32")
        if self.loss == "bce":
            return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits))
        return tf.reduce_mean(tf.square(tf.sigmoid(logits) - x))

    def model_input(self, x, training):
        """What the encoder sees of a clean batch (the denoising autoencoder corrupts it)."""
        return x

    def compute_losses(self, x, y=None, training=True):
        code = self.encoder(self.model_input(x, training), training=training)
        recon = self.reconstruction_loss(x, self.decoder(code, training=training))
        return {"loss": recon, "recon_loss": recon}

    def call(self, x, training=False):
        return self.reconstruct_tensor(x)

    # ---- tensor functions (exported) -------------------------------------

    def encode_tensor(self, x, labels=None):
        return tf.cast(self.encoder(x, training=False), "float32")

    def decode_tensor(self, z, labels=None):
        return tf.sigmoid(tf.cast(self.decoder(z, training=False), "float32"))


@register("ae", keras_name="Autoencoder")
class DenseAutoencoder(AutoencoderBase):
    """Dense autoencoder with a configurable bottleneck.

    Args:
        image_shape: (height, width, channels).
        latent_dim: size of the code.
        hidden: widths of the encoder's hidden layers (mirrored in the decoder).
        activation: of the hidden layers.
        code_activation: of the code layer (None: linear).
        loss: `"bce"` (cross-entropy on grey levels) or `"mse"`, a mean over pixels.

    Example:
        >>> ae = zoo.create("ae", latent_dim=2, hidden=[128, 64, 10])
        >>> ae.compile(optimizer="adam")
        >>> ae.fit(zoo.data.load("mnist", batch_size=128), epochs=10)
        >>> codes = ae.encode(test_images)            # (n, 2): a map of the set
    """

    def __init__(self, image_shape=(28, 28, 1), latent_dim=32, hidden=(256,), activation="relu",
                 code_activation=None, loss="bce", **kwargs):
        self.hidden = tuple(check_count(w, "each hidden width") for w in hidden)
        self.activation = activation
        self.code_activation = code_activation
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, loss=loss, **kwargs)

    def build_networks(self):
        return (
            dense_encoder(self.image_shape, self.hidden, self.latent_dim, self.activation, self.code_activation),
            dense_decoder(self.image_shape, self.hidden, self.latent_dim, self.activation),
        )


@register("stacked_ae")
class StackedAutoencoder(DenseAutoencoder):
    """The stacked autoencoder 784-300-150-300-784, optionally pre-trained layer by layer.

    `pretrain_layerwise` is the greedy scheme (Hinton & Salakhutdinov, 2006;
    Bengio et al., 2007): the outer encoder layer and the last decoder layer are
    first trained as a shallow autoencoder of the pixels, then each inner pair as
    a shallow autoencoder of the codes of the pair outside it, before the whole
    stack is fine-tuned end to end with `fit`.

    Args: as `ae`; the defaults are the 784-300-150-300-784 network with SELU units.
    """

    def __init__(self, image_shape=(28, 28, 1), latent_dim=150, hidden=(300,), activation="selu", **kwargs):
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, hidden=hidden, activation=activation,
                         **kwargs)

    def layer_pairs(self):
        """(encoder layer, decoder layer that maps back to its input), outermost first."""
        enc = [self.encoder.get_layer(f"enc{i}") for i in range(len(self.hidden))] + [self.encoder.get_layer("code")]
        dec = [self.decoder.get_layer(f"dec{i}") for i in range(len(self.hidden))] + [self.decoder.get_layer("logits")]
        return list(zip(enc, reversed(dec)))

    def pretrain_layerwise(self, data, epochs=1, learning_rate=1e-3, verbose=0):
        """Greedy pre-training of each encoder/decoder pair on `data` (batches of images).

        Returns the final loss of each stage, outermost first.
        """
        epochs = check_count(epochs, "epochs")
        finals = []
        frozen = []  # the encoder layers already trained, applied to reach each stage's input
        for stage, (enc, dec) in enumerate(self.layer_pairs()):
            def stage_batches(batch, frozen=tuple(frozen)):
                x, _ = self.unpack(batch)
                h = tf.reshape(tf.cast(x, "float32"), (tf.shape(x)[0], -1))
                for layer in frozen:
                    h = tf.cast(layer(h), "float32")
                return h, h

            inputs = keras.Input((enc.kernel.shape[0],))
            out = dec(enc(inputs))
            shallow = keras.Model(inputs, out)
            if stage == 0:
                # The outer pair reconstructs pixels through the decoder's logits.
                loss = keras.losses.BinaryCrossentropy(from_logits=True) if self.loss == "bce" else (
                    lambda t, p: tf.reduce_mean(tf.square(tf.sigmoid(p) - t)))
            else:
                loss = "mse"
            shallow.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
            history = shallow.fit(data.map(stage_batches), epochs=epochs, verbose=verbose)
            finals.append(float(history.history["loss"][-1]))
            frozen.append(enc)
        return finals


@register("sparse_ae")
class SparseAutoencoder(SparseCode, DenseAutoencoder):
    """An overcomplete ReLU code kept sparse by an L1 penalty.

    loss = recon_loss + l1 * mean |code|. The code is larger than the input, so
    without the penalty it could copy pixels; with it, each image uses few units.

    Args: as `ae`, plus `l1`, the weight of the penalty. The reconstruction
    loss is a mean over pixels, so the weight is large: on MNIST with 1024
    units, 0.03 leaves about half of them on, 0.3 about a tenth.
    """

    loss_names = ("loss", "recon_loss", "l1_loss", "active")
    # Its use is the sparse code, and the encoder alone is a third of the network.
    main_function = "encode"

    def __init__(self, image_shape=(28, 28, 1), latent_dim=1024, hidden=(), activation="relu",
                 code_activation="relu", l1=0.3, **kwargs):
        self.l1 = float(l1)
        if self.l1 < 0:
            raise ValueError(f"l1 must be non-negative, got {l1}")
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, hidden=hidden, activation=activation,
                         code_activation=code_activation, **kwargs)

    def compute_losses(self, x, y=None, training=True):
        code = self.encoder(x, training=training)
        recon = self.reconstruction_loss(x, self.decoder(code, training=training))
        l1 = tf.reduce_mean(tf.abs(code))
        # The share of code units that are on: what the penalty drives down.
        active = tf.reduce_mean(tf.cast(code > 0, "float32"))
        return {"loss": recon + self.l1 * l1, "recon_loss": recon, "l1_loss": l1, "active": active}


def check_upsampling(upsampling):
    if upsampling not in UPSAMPLING:
        raise ValueError(f"upsampling must be 'transpose' or 'nearest', got {upsampling!r}")
    return upsampling


def conv_networks(image_shape, filters, latent_dim, upsampling, decoders=("decoder",)):
    """The conv autoencoder's encoder (3x3 stride-2 convolutions) and its decoders, one per name."""
    encoder = conv_encoder(image_shape, filters, {"code": latent_dim}, kernel_size=3)
    return encoder, [conv_decoder(image_shape, latent_dim, filters, kernel_size=3, upsampling=upsampling, name=name)
                     for name in decoders]


@register("conv_ae")
class ConvAutoencoder(AutoencoderBase):
    """Convolutional autoencoder.

    Args:
        image_shape: height and width multiples of 2 ** len(filters).
        latent_dim: size of the code.
        filters: channels of each stride-2 conv stage (mirrored in the decoder).
        upsampling: `"transpose"` (transposed convolutions) or `"nearest"`
            (nearest up-sampling, then a convolution).
        loss: `"bce"` or `"mse"`.
    """

    def __init__(self, image_shape=(28, 28, 1), latent_dim=32, filters=(32, 64), upsampling="transpose",
                 loss="bce", **kwargs):
        self.upsampling = check_upsampling(upsampling)
        self.filters = tuple(check_count(f, "each filter count") for f in filters)
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, loss=loss, **kwargs)

    def build_networks(self):
        encoder, (decoder,) = conv_networks(self.image_shape, self.filters, self.latent_dim, self.upsampling)
        return encoder, decoder


@register("denoising_ae")
class DenoisingAutoencoder(Denoiser, ConvAutoencoder):
    """A convolutional autoencoder trained to map corrupted images to clean ones.

    Args: as `conv_ae`, plus
        corruption: `"gaussian"` (add N(0, noise^2), clip to [0, 1]), `"masking"`
            (set a share `noise` of the pixels to 0) or `"dropout"` (the same,
            with the kept pixels scaled by 1 / (1 - noise), as dropout does).
        noise: the corruption's level.

    `denoise(x)` is `reconstruct(x)`: the model is given noisy images and gives
    back its estimate of the clean ones. `corrupt(x, seed)` makes training-like
    noisy images.
    """

    def __init__(self, image_shape=(28, 28, 1), latent_dim=64, corruption="gaussian", noise=0.5, **kwargs):
        if corruption not in CORRUPTIONS:
            raise ValueError(f"corruption must be one of {CORRUPTIONS}, got {corruption!r}")
        self.corruption = corruption
        self.noise_level = float(noise)
        limit = (0, 1) if corruption != "gaussian" else (0, math.inf)
        if not limit[0] <= self.noise_level < limit[1] or (corruption == "gaussian" and self.noise_level == 0):
            raise ValueError(f"noise must be in {'(0, inf)' if corruption == 'gaussian' else '[0, 1)'} "
                             f"for {corruption} corruption, got {noise}")
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, **kwargs)
        self.noise = keras.random.SeedGenerator(0, name="noise")

    def corrupt_tensor(self, x, seed=None):
        """Corrupts a batch; `seed` (a [2] int tensor) makes it stateless."""
        x = tf.cast(x, "float32")
        if seed is None:
            draw = (lambda dist: (keras.random.normal if dist == "normal" else keras.random.uniform)(
                tf.shape(x), seed=self.noise))
        else:
            draw = (lambda dist: (tf.random.stateless_normal if dist == "normal" else tf.random.stateless_uniform)(
                tf.shape(x), seed=seed))
        if self.corruption == "gaussian":
            return tf.clip_by_value(x + self.noise_level * draw("normal"), 0.0, 1.0)
        keep = tf.cast(draw("uniform") >= self.noise_level, "float32")
        if self.corruption == "masking":
            return x * keep
        return x * keep / (1.0 - self.noise_level)

    def model_input(self, x, training):
        # Corrupted in validation too, so the validation loss measures denoising.
        return tf.cast(self.corrupt_tensor(x), x.dtype)

    def check_images(self, x, name="x"):
        if self.corruption != "dropout":
            return super().check_images(x, name)
        # Dropout scales the pixels it keeps by 1 / (1 - noise), so its noisy
        # images reach above 1: accept [0, top] and say so when refusing.
        top = 1.0 / (1.0 - self.noise_level)
        try:
            arr = np.asarray(x)
        except Exception:
            arr = None
        if arr is None or arr.dtype.kind != "f" or arr.size == 0 or not np.all(np.isfinite(arr)) \
                or float(arr.max()) <= 1 or float(arr.max()) > top + 1e-5:
            return super().check_images(x, name)
        return check_images(arr / top, self.image_shape, name) * np.float32(top)


@register("swap_ae")
class SwapAutoencoder(Swapper, AutoencoderBase):
    """One shared encoder, one decoder per identity: the face-swap autoencoder.

    Each decoder learns to reconstruct only its own identity's images from the
    shared code, so the code carries what the identities share (pose,
    expression, lighting) and each decoder draws its own face. Decoding a face
    of A with B's decoder gives B in A's pose: `swap(x, to=b)`.

    Trains on (images, identity) batches. Few images per identity is the usual
    case, so training augments with random shifts, zooms and mirror flips.

    Args: as `conv_ae` (`filters`, `latent_dim`, `upsampling`, `loss`), plus
        identities: the number of decoders.
        augment: whether training augments.
    """

    needs_labels = True
    main_function = "swap"

    def __init__(self, image_shape=(64, 64, 1), latent_dim=128, filters=(32, 64, 128), upsampling="nearest",
                 identities=2, augment=True, loss="mse", **kwargs):
        self.filters = tuple(check_count(f, "each filter count") for f in filters)
        self.upsampling = check_upsampling(upsampling)
        self.identities = check_count(identities, "identities")
        if self.identities < 2:
            raise ValueError(f"a swap autoencoder needs at least 2 identities, got {identities}")
        self.augment = bool(augment)
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, loss=loss, **kwargs)
        height, width, _ = self.image_shape
        self.augmenter = keras.Sequential([
            layers.RandomFlip("horizontal", seed=1),
            layers.RandomTranslation(0.06, 0.06, fill_mode="nearest", seed=2),
            layers.RandomZoom(0.08, fill_mode="nearest", seed=3),
        ], name="augment")

    def build_networks(self):
        encoder, self.decoders = conv_networks(self.image_shape, self.filters, self.latent_dim, self.upsampling,
                                               [f"decoder_{k}" for k in range(self.identities)])
        # No single `decoder`: every path goes through `decoders`.
        return encoder, None

    def decode_as(self, code, identity):
        """Logits of each code through the decoder of its identity ((n,) int tensor)."""
        all_logits = tf.stack([tf.cast(d(code, training=False), "float32") for d in self.decoders], axis=1)
        pick = tf.one_hot(tf.cast(identity, "int32"), self.identities, dtype="float32")
        return tf.einsum("nk,nkhwc->nhwc", pick, all_logits)

    def compute_losses(self, x, y=None, training=True):
        if y is None:
            raise ValueError("a swap autoencoder trains on (images, identity) batches")
        if training and self.augment:
            x = self.augmenter(x, training=True)
        code = self.encoder(x, training=training)
        y = tf.cast(y, "int32")
        # Every decoder runs on the batch; each image's loss comes from its own identity's decoder.
        logits = tf.stack([tf.cast(d(code, training=training), "float32") for d in self.decoders], axis=1)
        own = tf.einsum("nk,nkhwc->nhwc", tf.one_hot(y, self.identities, dtype="float32"), logits)
        recon = self.reconstruction_loss(x, own)
        return {"loss": recon, "recon_loss": recon}

    def call(self, x, training=False):
        return tf.stack([tf.sigmoid(tf.cast(d(self.encoder(x), training=False), "float32"))
                         for d in self.decoders], axis=1)

    def swap_tensor(self, x, identity):
        return tf.sigmoid(self.decode_as(self.encode_tensor(x), identity))

    def decode_identity_tensor(self, z, identity):
        return tf.sigmoid(self.decode_as(z, identity))

    def inference_functions(self):
        images = tf.TensorSpec((None, *self.image_shape), tf.float32, name="images")
        identity = tf.TensorSpec((None,), tf.int32, name="identity")
        z = tf.TensorSpec((None, self.latent_dim), tf.float32, name="z")
        return {
            "swap": (self.swap_tensor, [images, identity]),
            "encode": (self.encode_tensor, [images]),
            "decode": (self.decode_identity_tensor, [z, identity]),
        }

    def check_labels(self, labels, n=None):
        if labels is None:
            raise ValueError(f"give the identity of each image (labels=, ints in [0, {self.identities}))")
        arr = np.asarray(labels)
        if arr.ndim == 0:
            arr = np.full(n or 1, arr)
        if arr.dtype.kind not in "iu" or arr.ndim != 1 or (n is not None and len(arr) != n) \
                or arr.min() < 0 or arr.max() >= self.identities:
            raise ValueError(f"labels must be {n if n is not None else 'one'} identity int(s) in "
                             f"[0, {self.identities}), got {labels!r}")
        return arr.astype(np.int32)

    def _run_with_identity(self, fn, arr, identity):
        return np.concatenate([fn(tf.constant(arr[i : i + CHUNK]), tf.constant(identity[i : i + CHUNK])).numpy()
                               for i in range(0, len(arr), CHUNK)])

    def encode(self, x):
        """The shared code of each image, whoever it shows."""
        return self.run_chunked(self.encode_tensor, self.check_images(x), CHUNK)

    def decode(self, z, labels=None):
        """Images of codes through the decoders of `labels` (one identity, or one per code)."""
        z = check_codes(z, self.latent_dim)
        return self._run_with_identity(self.decode_identity_tensor, z, self.check_labels(labels, len(z)))

    def reconstruct(self, x, labels=None):
        """Images through their own identity's decoder (`labels`: one identity or one per image)."""
        x = self.check_images(x)
        return self._run_with_identity(self.swap_tensor, x, self.check_labels(labels, len(x)))

    def interpolate(self, a, b, steps=8, labels=0):
        """The line between two faces' shared codes, drawn by the decoder of identity `labels`."""
        return super().interpolate(a, b, steps, labels=labels)
