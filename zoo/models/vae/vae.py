"""Variational autoencoder (Kingma & Welling, 2014) with convolutional networks.

The encoder gives q(z|x) = N(mu, diag(exp(logvar))); the reparameterization
z = mu + exp(logvar / 2) * eps, eps ~ N(0, I), keeps the sample differentiable.
Training maximises the evidence lower bound

    ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || N(0, I)),

i.e. minimises `recon_loss + beta * kl_loss` (beta = 1 is the plain VAE). Both
terms are sums over pixels / latent dimensions and means over the batch, so
the loss is the negative ELBO in nats per image.

The likelihood p(x|z) is `"bernoulli"` (cross-entropy on grey levels, the usual
choice for MNIST) or `"gaussian"` with a fixed standard deviation.

`LatentVariableModel` is the family's base: the convolutional encoder and
decoder, the pixel likelihood, a N(0, I) prior to sample from, traversals. The
VAE adds the posterior's noise and the ELBO; the WAE (`family.py`) is its
sibling, with a deterministic encoder and no likelihood bound.
"""

import math

import keras
import numpy as np
import tensorflow as tf

from zoo.base import GenerativeModel
from zoo.capabilities import Autoencoder, Generator, LikelihoodBound
from zoo.checks import check_count
from zoo.layers.conv import conv_decoder, conv_encoder
from zoo.registry import register

# Inference runs in chunks, so a call on a whole test set fits in memory.
CHUNK = 512
LIKELIHOODS = ("bernoulli", "gaussian")


def build_encoder(image_shape, latent_dim, filters, hidden, name="encoder", stochastic=True):
    """Conv encoder: images in [0, 1] -> (mu, logvar), each (batch, latent_dim); mu alone if not `stochastic`."""
    heads = {"mu": latent_dim, "logvar": latent_dim} if stochastic else {"mu": latent_dim}
    return conv_encoder(image_shape, filters, heads, kernel_size=4, hidden=hidden, name=name)


def build_decoder(image_shape, latent_dim, filters, hidden, name="decoder"):
    """Conv decoder: codes (batch, latent_dim) -> pixel logits (batch, *image_shape)."""
    return conv_decoder(image_shape, latent_dim, filters, kernel_size=4, hidden=hidden, name=name)


class LatentVariableModel(Autoencoder, Generator, GenerativeModel):
    """The VAE family's base: images -> code -> images through conv networks, and a N(0, I) prior.

    Members build their networks (`build_networks`), say what the encoder
    gives (`posterior`) and write their losses.

    Args:
        image_shape: (height, width, channels); height and width multiples of
            2 ** len(filters).
        latent_dim: size of the code z.
        filters: channels of each stride-2 conv stage of the encoder (mirrored
            in the decoder).
        hidden: width of a dense layer between the convs and the code (0: none).
        likelihood: `"bernoulli"` or `"gaussian"`.
        sigma: the Gaussian likelihood's standard deviation.
    """

    main_function = "decode"

    def __init__(self, image_shape=(28, 28, 1), latent_dim=16, filters=(32, 64), hidden=256,
                 likelihood="bernoulli", sigma=0.1, **kwargs):
        super().__init__(image_shape=image_shape, **kwargs)
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be 'bernoulli' or 'gaussian', got {likelihood!r}")
        self.latent_dim = check_count(latent_dim, "latent_dim")
        self.filters = tuple(int(f) for f in filters)
        self.hidden = int(hidden)
        self.likelihood = likelihood
        self.sigma = float(sigma)
        # A seed state the model owns: saved with the weights, so a resumed run
        # draws the same noise as an uninterrupted one.
        self.noise = keras.random.SeedGenerator(0, name="noise")
        self.encoder, self.decoder = self.build_networks()

    def build_networks(self):
        return (build_encoder(self.image_shape, self.latent_dim, self.filters, self.hidden),
                build_decoder(self.image_shape, self.latent_dim, self.filters, self.hidden))

    # ---- the model ------------------------------------------------------
    # `posterior` and `pixel_logits` take the labels of a conditional member
    # (int tensor, or None); the others ignore them.

    def posterior(self, x, y=None, training=False):
        """(mean code, log-variance or None)."""
        raise NotImplementedError

    def pixel_logits(self, z, y=None, training=False):
        """Logits of p(x|z), float32."""
        return tf.cast(self.decoder(z, training=training), "float32")

    def log_likelihood(self, x, logits):
        """log p(x|z) per image, summed over pixels (float32)."""
        x = tf.cast(x, "float32")
        logits = tf.cast(logits, "float32")
        if self.likelihood == "bernoulli":
            ll = -tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits)
        else:
            mean = tf.sigmoid(logits)
            ll = -0.5 * tf.square((x - mean) / self.sigma) - math.log(self.sigma * math.sqrt(2 * math.pi))
        return tf.reduce_sum(ll, axis=[1, 2, 3])

    def call(self, x, training=False):
        mu, _ = self.posterior(x, training=training)
        return tf.sigmoid(self.pixel_logits(mu, training=training))

    # ---- tensor functions (exported) -------------------------------------

    def encode_tensor(self, x, labels=None):
        return self.posterior(x, labels)[0]

    def decode_tensor(self, z, labels=None):
        return tf.sigmoid(self.pixel_logits(z, labels))

    def generate_tensor(self, z, labels=None):
        return self.decode_tensor(z, labels)

    # ---- public API (numpy in, numpy out) --------------------------------

    def traverse(self, x, dims=None, values=None, labels=None):
        """Decodes the code of one image with one coordinate at a time set to each of `values`.

        Args:
            x: one image (H, W, C) or a batch whose first image is used.
            dims: code coordinates to vary, one row each (default: all).
            values: what each is set to (default: 9 values from -3 to 3, the
                prior's +-3 standard deviations).

        Returns:
            (len(dims) * len(values), H, W, C) float32: row r varies dims[r].
        """
        x = self.check_images(np.asarray(x)[None] if np.ndim(x) == 3 else x)[:1]
        dims = list(range(self.latent_dim)) if dims is None else [int(d) for d in dims]
        if not dims or min(dims) < 0 or max(dims) >= self.latent_dim:
            raise ValueError(f"dims must be code coordinates in [0, {self.latent_dim}), got {dims}")
        values = np.linspace(-3, 3, 9) if values is None else np.asarray(values, np.float64)
        if values.ndim != 1 or not len(values) or not np.all(np.isfinite(values)):
            raise ValueError(f"values must be a non-empty 1-D list of finite numbers, got {values!r}")
        label = None if labels is None else np.resize(np.asarray(labels), 1)
        z = np.repeat(self.encode(x, labels=label), len(dims) * len(values), axis=0)
        for r, d in enumerate(dims):
            z[r * len(values) : (r + 1) * len(values), d] = values
        return self.decode(z, labels=None if label is None else np.repeat(label, len(z)))


@register("vae")
class VAE(LikelihoodBound, LatentVariableModel):
    """Convolutional VAE.

    Args: as `LatentVariableModel`, plus
        beta: weight of the KL term (1: the VAE's ELBO).

    Example:
        >>> vae = zoo.create("vae", image_shape=(28, 28, 1), latent_dim=16)
        >>> vae.compile(optimizer=keras.optimizers.Adam(1e-3))
        >>> vae.fit(zoo.data.load("mnist", batch_size=128), epochs=10)
        >>> grid = vae.sample(64, seed=0)
    """

    loss_names = ("loss", "recon_loss", "kl_loss")

    def __init__(self, image_shape=(28, 28, 1), beta=1.0, **kwargs):
        self.beta = float(beta)
        super().__init__(image_shape=image_shape, **kwargs)

    def posterior(self, x, y=None, training=False):
        """(mu, logvar) of q(z|x)."""
        return self.encoder(x, training=training)

    def reparameterize(self, mu, logvar, seed=None):
        eps = (
            keras.random.normal(tf.shape(mu), seed=self.noise)
            if seed is None
            else tf.random.stateless_normal(tf.shape(mu), seed=seed)
        )
        return mu + tf.exp(0.5 * logvar) * eps

    @staticmethod
    def kl_divergence(mu, logvar):
        """KL(N(mu, exp(logvar)) || N(0, I)) per image."""
        return 0.5 * tf.reduce_sum(tf.square(mu) + tf.exp(logvar) - 1.0 - logvar, axis=1)

    def compute_losses(self, x, y=None, training=True):
        mu, logvar = self.posterior(x, y, training=training)
        z = self.reparameterize(mu, logvar)
        logits = self.pixel_logits(z, y, training=training)
        recon = -tf.reduce_mean(self.log_likelihood(x, logits))
        kl = tf.reduce_mean(self.kl_divergence(mu, logvar))
        return {"loss": recon + self.beta * kl, "recon_loss": recon, "kl_loss": kl}

    # ---- the bound (LikelihoodBound's tensor functions) -------------------

    def elbo_tensor(self, x, labels=None, seed=None):
        """Single-sample ELBO of each image in nats, the posterior sample fixed by `seed`."""
        mu, logvar = self.posterior(x, labels)
        z = self.reparameterize(mu, logvar, seed=seed)
        return self.log_likelihood(x, self.pixel_logits(z, labels)) - self.kl_divergence(mu, logvar)

    def iwae_tensor(self, x, labels=None, k=100, seed=None):
        """log (1/k) sum_i p(x, z_i) / q(z_i|x), z_i ~ q(z|x), per image."""
        mu, logvar = self.posterior(x, labels)
        b = tf.shape(mu)[0]
        mu_k, logvar_k = tf.repeat(mu, k, axis=0), tf.repeat(logvar, k, axis=0)
        eps = tf.random.stateless_normal(tf.shape(mu_k), seed=seed)
        z = mu_k + tf.exp(0.5 * logvar_k) * eps
        labels_k = None if labels is None else tf.repeat(labels, k, axis=0)
        ll = self.log_likelihood(tf.repeat(x, k, axis=0), self.pixel_logits(z, labels_k))
        log_prior = -0.5 * tf.reduce_sum(tf.square(z) + math.log(2 * math.pi), axis=1)
        log_q = -0.5 * tf.reduce_sum(tf.square(eps) + logvar_k + math.log(2 * math.pi), axis=1)
        log_w = tf.reshape(ll + log_prior - log_q, (b, k))
        return tf.reduce_logsumexp(log_w, axis=1) - math.log(k)

    def active_dims(self, x, labels=None):
        """Code coordinates by mean KL on images `x`, most used first, with their KL in nats."""
        x = self.check_images(x)
        y = self.check_labels(labels, len(x))
        kl = []
        for i in range(0, len(x), CHUNK):
            mu, logvar = self.posterior(tf.constant(x[i : i + CHUNK]),
                                        None if y is None else tf.constant(y[i : i + CHUNK]))
            kl.append((0.5 * (tf.square(mu) + tf.exp(logvar) - 1.0 - logvar)).numpy())
        per_dim = np.concatenate(kl).mean(axis=0)
        order = np.argsort(per_dim)[::-1]
        return order, per_dim[order]
