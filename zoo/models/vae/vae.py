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
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from zoo.base import GenerativeModel, check_codes, check_count, check_seed
from zoo.registry import register

# Inference runs in chunks, so a call on a whole test set fits in memory.
CHUNK = 512


def build_encoder(image_shape, latent_dim, filters, hidden, name="encoder", stochastic=True):
    """Conv encoder: images in [0, 1] -> (mu, logvar), each (batch, latent_dim); mu alone if not `stochastic`."""
    x_in = keras.Input(image_shape, name="images")
    h = x_in
    for i, f in enumerate(filters):
        h = layers.Conv2D(f, 4, strides=2, padding="same", name=f"conv{i}")(h)
        h = layers.LeakyReLU(0.2)(h)
    h = layers.Flatten()(h)
    if hidden:
        h = layers.Dense(hidden, name="hidden")(h)
        h = layers.LeakyReLU(0.2)(h)
    # Final layers in float32: the KL term and exp(logvar) overflow in float16.
    mu = layers.Dense(latent_dim, dtype="float32", name="mu")(h)
    if not stochastic:
        return keras.Model(x_in, mu, name=name)
    logvar = layers.Dense(latent_dim, dtype="float32", name="logvar")(h)
    return keras.Model(x_in, [mu, logvar], name=name)


def build_decoder(image_shape, latent_dim, filters, hidden, name="decoder"):
    """Conv decoder: codes (batch, latent_dim) -> pixel logits (batch, *image_shape)."""
    height, width, channels = image_shape
    scale = 2 ** len(filters)
    if height % scale or width % scale:
        raise ValueError(
            f"image height and width must be multiples of {scale} for {len(filters)} "
            f"down-sampling stages, got {image_shape}"
        )
    z_in = keras.Input((latent_dim,), name="z")
    h = z_in
    if hidden:
        h = layers.Dense(hidden, name="hidden")(h)
        h = layers.LeakyReLU(0.2)(h)
    h = layers.Dense((height // scale) * (width // scale) * filters[-1], name="project")(h)
    h = layers.LeakyReLU(0.2)(h)
    h = layers.Reshape((height // scale, width // scale, filters[-1]))(h)
    for i, f in enumerate(reversed(filters)):
        h = layers.Conv2DTranspose(f, 4, strides=2, padding="same", name=f"deconv{i}")(h)
        h = layers.LeakyReLU(0.2)(h)
    logits = layers.Conv2D(channels, 3, padding="same", dtype="float32", name="logits")(h)
    return keras.Model(z_in, logits, name=name)


@register("vae")
class VAE(GenerativeModel):
    """Convolutional VAE.

    Args:
        image_shape: (height, width, channels); height and width multiples of
            2 ** len(filters).
        latent_dim: size of the code z.
        filters: channels of each stride-2 conv stage of the encoder (mirrored
            in the decoder).
        hidden: width of a dense layer between the convs and the code (0: none).
        beta: weight of the KL term (1: the VAE's ELBO).
        likelihood: `"bernoulli"` or `"gaussian"`.
        sigma: the Gaussian likelihood's standard deviation.

    Example:
        >>> vae = zoo.create("vae", image_shape=(28, 28, 1), latent_dim=16)
        >>> vae.compile(optimizer=keras.optimizers.Adam(1e-3))
        >>> vae.fit(zoo.data.load("mnist", batch_size=128), epochs=10)
        >>> grid = vae.sample(64, seed=0)
    """

    loss_names = ("loss", "recon_loss", "kl_loss")
    main_function = "decode"

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=16,
        filters=(32, 64),
        hidden=256,
        beta=1.0,
        likelihood="bernoulli",
        sigma=0.1,
        **kwargs,
    ):
        super().__init__(image_shape=image_shape, **kwargs)
        if likelihood not in ("bernoulli", "gaussian"):
            raise ValueError(f"likelihood must be 'bernoulli' or 'gaussian', got {likelihood!r}")
        self.latent_dim = check_count(latent_dim, "latent_dim")
        self.filters = tuple(int(f) for f in filters)
        self.hidden = int(hidden)
        self.beta = float(beta)
        self.likelihood = likelihood
        self.sigma = float(sigma)
        # A seed state the model owns: saved with the weights, so a resumed run
        # draws the same noise as an uninterrupted one.
        self.noise = keras.random.SeedGenerator(0, name="noise")
        self.encoder, self.decoder = self.build_networks()

    def build_networks(self):
        return (build_encoder(self.image_shape, self.latent_dim, self.filters, self.hidden),
                build_decoder(self.image_shape, self.latent_dim, self.filters, self.hidden))

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "filters": list(self.filters),
            "hidden": self.hidden,
            "beta": self.beta,
            "likelihood": self.likelihood,
            "sigma": self.sigma,
        }

    # ---- the model ------------------------------------------------------
    # `posterior` and `pixel_logits` take the labels of a conditional subclass
    # (int tensor, or None); the plain VAE ignores them.

    def posterior(self, x, y=None, training=False):
        """(mu, logvar) of q(z|x)."""
        return self.encoder(x, training=training)

    def pixel_logits(self, z, y=None, training=False):
        """Logits of p(x|z), float32."""
        return tf.cast(self.decoder(z, training=training), "float32")

    def reparameterize(self, mu, logvar, seed=None):
        eps = (
            keras.random.normal(tf.shape(mu), seed=self.noise)
            if seed is None
            else tf.random.stateless_normal(tf.shape(mu), seed=seed)
        )
        return mu + tf.exp(0.5 * logvar) * eps

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

    def call(self, x, training=False):
        mu, _ = self.posterior(x, training=training)
        return tf.sigmoid(self.pixel_logits(mu, training=training))

    # ---- tensor functions (exported) -------------------------------------

    def encode_tensor(self, x):
        return self.posterior(x)[0]

    def decode_tensor(self, z):
        return tf.sigmoid(self.pixel_logits(z))

    def sample_tensor(self, n, seed):
        z = tf.random.stateless_normal(tf.stack([n, self.latent_dim]), seed=tf.stack([seed, 0]))
        return self.decode_tensor(z)

    def inference_functions(self):
        images = tf.TensorSpec((None, *self.image_shape), tf.float32, name="images")
        z = tf.TensorSpec((None, self.latent_dim), tf.float32, name="z")
        return {
            "encode": (self.encode_tensor, [images]),
            "decode": (self.decode_tensor, [z]),
            "sample": (
                self.sample_tensor,
                [tf.TensorSpec((), tf.int32, name="n"), tf.TensorSpec((), tf.int32, name="seed")],
            ),
        }

    # ---- public API (numpy in, numpy out) --------------------------------

    def encode(self, x, labels=None):
        """Returns the mean code of each image, shape (batch, latent_dim)."""
        x = self.check_images(x)
        return self.run_chunked(self.encode_tensor, self.with_labels(x, labels), CHUNK)

    def decode(self, z, labels=None):
        """Returns the mean image of each code, float32 NHWC in [0, 1]."""
        z = check_codes(z, self.latent_dim)
        return self.run_chunked(self.decode_tensor, self.with_labels(z, labels), CHUNK)

    def sample(self, n, seed=None, labels=None):
        """Draws `n` images from the prior, float32 NHWC in [0, 1]; a seed fixes them."""
        self.check_labels(labels)
        n, seed = check_count(n), check_seed(seed)
        return self.sample_tensor(tf.constant(n, tf.int32), tf.constant(seed, tf.int32)).numpy()

    def reconstruct(self, x, labels=None):
        """Encodes then decodes images (through the mean code)."""
        return self.decode(self.encode(x, labels=labels), labels=labels)

    def interpolate(self, a, b, steps=8, labels=None):
        """Decodes `steps` codes on the line between the codes of images `a` and `b`.

        Args:
            a, b: single images (H, W, C) or batches of one.
            steps: number of images, ends included (>= 2).

        Returns:
            (steps, H, W, C) float32 in [0, 1].
        """
        steps = check_count(steps, "steps")
        if steps < 2:
            raise ValueError(f"steps must be at least 2, got {steps}")
        pair = [self.check_images(np.asarray(v)[None] if np.ndim(v) == 3 else v, name)[:1]
                for v, name in ((a, "a"), (b, "b"))]
        za, zb = self.encode(np.concatenate(pair), labels=labels)
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        return self.decode((1 - t) * za + t * zb, labels=labels)

    def elbo(self, x, seed=0, labels=None):
        """ELBO of each image in nats (one posterior sample, fixed seed)."""
        x = self.check_images(x)
        y = self.check_labels(labels, len(x))
        out = []
        for i in range(0, len(x), CHUNK):
            xb = tf.constant(x[i : i + CHUNK])
            yb = None if y is None else tf.constant(y[i : i + CHUNK])
            mu, logvar = self.posterior(xb, yb)
            z = self.reparameterize(mu, logvar, seed=tf.constant([seed, i]))
            ll = self.log_likelihood(xb, self.pixel_logits(z, yb))
            out.append((ll - self.kl_divergence(mu, logvar)).numpy())
        return np.concatenate(out)

    def score(self, x, labels=None):
        """Outlier score: the negative ELBO in nats (higher is stranger)."""
        return -self.elbo(x, labels=labels)

    def log_prob(self, x, k=100, seed=0, labels=None):
        """Importance-weighted estimate of log p(x) in nats (Burda et al., 2016).

        log p(x) >= log mean_i p(x, z_i) / q(z_i|x), z_i ~ q(z|x); the bound
        tightens as `k` grows, so it is an upper bound on the true NLL when negated.
        """
        x = self.check_images(x)
        y = self.check_labels(labels, len(x))
        k = check_count(k, "k")
        chunk = max(1, CHUNK // k)
        out = []
        for i in range(0, len(x), chunk):
            xb = tf.constant(x[i : i + chunk])
            yb = None if y is None else tf.repeat(tf.constant(y[i : i + chunk]), k, axis=0)
            mu, logvar = self.posterior(xb, None if y is None else tf.constant(y[i : i + chunk]))
            b = tf.shape(mu)[0]
            mu_k, logvar_k = tf.repeat(mu, k, axis=0), tf.repeat(logvar, k, axis=0)
            eps = tf.random.stateless_normal(tf.shape(mu_k), seed=tf.constant([seed, i]))
            z = mu_k + tf.exp(0.5 * logvar_k) * eps
            ll = self.log_likelihood(tf.repeat(xb, k, axis=0), self.pixel_logits(z, yb))
            log_prior = -0.5 * tf.reduce_sum(tf.square(z) + math.log(2 * math.pi), axis=1)
            log_q = -0.5 * tf.reduce_sum(
                tf.square(eps) + logvar_k + math.log(2 * math.pi), axis=1
            )
            log_w = tf.reshape(ll + log_prior - log_q, (b, k))
            out.append((tf.reduce_logsumexp(log_w, axis=1) - math.log(k)).numpy())
        return np.concatenate(out)

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
