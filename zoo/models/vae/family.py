"""The VAE's family: beta-VAE, the conditional VAE and the Wasserstein autoencoder.

- `beta_vae` (Higgins et al., 2017): the KL term weighted by beta > 1, which
  pushes the code towards independent factors; optionally with the capacity
  schedule of Burgess et al. (2018), loss = recon + beta * |KL - C|, with C
  rising linearly from 0 to `capacity` nats over `capacity_steps` steps.
- `cvae` (Sohn et al., 2015): encoder and decoder both see the class label
  (as constant one-hot planes beside the pixels, and one-hot entries beside the
  code), so `sample(n, labels=...)` draws the chosen classes.
- `wae` (Tolstikhin et al., 2018), WAE-MMD: a deterministic encoder, and
  instead of the KL term a maximum mean discrepancy between the batch of codes
  and a batch from the prior, with the inverse multiquadratic kernel.
"""

import keras
import tensorflow as tf

from zoo.capabilities import Conditional
from zoo.checks import check_count
from zoo.models.vae.vae import VAE, LatentVariableModel, build_decoder, build_encoder
from zoo.registry import register


@register("beta_vae")
class BetaVAE(VAE):
    """VAE with a weighted KL term and an optional capacity schedule.

    Args: as `vae`, plus
        beta: weight of the KL term (default 4).
        capacity: the KL target C reached at the end of the schedule, in nats
            (0: no schedule, the plain beta-VAE loss).
        capacity_steps: optimizer steps over which C rises from 0.
    """

    loss_names = ("loss", "recon_loss", "kl_loss", "capacity")

    def __init__(self, image_shape=(28, 28, 1), beta=4.0, capacity=0.0, capacity_steps=10000, **kwargs):
        super().__init__(image_shape=image_shape, beta=beta, **kwargs)
        self.capacity = float(capacity)
        self.capacity_steps = check_count(capacity_steps, "capacity_steps")
        if self.capacity < 0:
            raise ValueError(f"capacity must be non-negative nats, got {capacity}")

    def current_capacity(self):
        optimizer = getattr(self, "optimizer", None)
        if optimizer is None or not self.capacity:
            return tf.constant(self.capacity, "float32")
        done = tf.cast(optimizer.iterations, "float32") / self.capacity_steps
        return self.capacity * tf.minimum(done, 1.0)

    def compute_losses(self, x, y=None, training=True):
        losses = super().compute_losses(x, y, training)
        if not self.capacity:
            return {**losses, "capacity": tf.constant(0.0)}
        c = self.current_capacity()
        loss = losses["recon_loss"] + self.beta * tf.abs(losses["kl_loss"] - c)
        return {**losses, "loss": loss, "capacity": c}


@register("cvae")
class CVAE(Conditional, VAE):
    """Conditional VAE: q(z|x, y) and p(x|z, y) for a class label y.

    Args: as `vae`, plus `num_classes`. Every method that takes images or
    codes takes `labels` too: one int for all, or one per image. `sample`
    without labels cycles through the classes.

    Example:
        >>> cvae = zoo.load("cvae_mnist")
        >>> sevens = cvae.sample(8, seed=0, labels=7)
    """

    def __init__(self, image_shape=(28, 28, 1), num_classes=10, **kwargs):
        self.num_classes = check_count(num_classes, "num_classes")
        super().__init__(image_shape=image_shape, **kwargs)

    def build_networks(self):
        height, width, channels = self.image_shape
        return (build_encoder((height, width, channels + self.num_classes), self.latent_dim, self.filters,
                              self.hidden),
                build_decoder(self.image_shape, self.latent_dim + self.num_classes, self.filters, self.hidden))

    def one_hot(self, y):
        if y is None:
            raise ValueError("a conditional VAE needs the class label of each image")
        return tf.one_hot(tf.cast(y, "int32"), self.num_classes, dtype=self.compute_dtype)

    def posterior(self, x, y=None, training=False):
        height, width, _ = self.image_shape
        planes = tf.tile(self.one_hot(y)[:, None, None, :], [1, height, width, 1])
        return self.encoder(tf.concat([tf.cast(x, self.compute_dtype), planes], axis=-1), training=training)

    def pixel_logits(self, z, y=None, training=False):
        zy = tf.concat([tf.cast(z, self.compute_dtype), self.one_hot(y)], axis=-1)
        return tf.cast(self.decoder(zy, training=training), "float32")

    def call(self, x, training=False):
        # Keras builds and summarises through call(x); the labels default to class 0.
        y = tf.zeros(tf.shape(x)[:1], "int32")
        mu, _ = self.posterior(x, y, training=training)
        return tf.sigmoid(self.pixel_logits(mu, y, training=training))


def imq_mmd(a, b, scales=(0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)):
    """Unbiased MMD^2 between two batches with the inverse multiquadratic kernel k = C / (C + |x - y|^2).

    C = 2 * dim * scale for each scale, summed, as for a standard normal prior
    (Tolstikhin et al., 2018): several widths keep the estimate informative
    whether the batches are close or far apart.
    """
    a, b = tf.cast(a, "float32"), tf.cast(b, "float32")
    n = tf.cast(tf.shape(a)[0], "float32")
    dim = tf.cast(tf.shape(a)[1], "float32")

    def sq_dists(u, v):
        return tf.maximum(
            tf.reduce_sum(u * u, 1)[:, None] + tf.reduce_sum(v * v, 1)[None, :] - 2.0 * tf.matmul(u, v, transpose_b=True),
            0.0)

    daa, dbb, dab = sq_dists(a, a), sq_dists(b, b), sq_dists(a, b)
    off_diagonal = 1.0 - tf.eye(tf.shape(a)[0])
    total = 0.0
    for scale in scales:
        c = 2.0 * dim * scale
        kaa, kbb, kab = c / (c + daa), c / (c + dbb), c / (c + dab)
        total += (tf.reduce_sum(kaa * off_diagonal) + tf.reduce_sum(kbb * off_diagonal)) / (n * (n - 1.0)) \
            - 2.0 * tf.reduce_mean(kab)
    return total


@register("wae")
class WAE(LatentVariableModel):
    """Wasserstein autoencoder with an MMD penalty (WAE-MMD).

    loss = recon_loss + mmd_weight * MMD(codes of the batch, a batch from N(0, I)).

    A sibling of the VAE in its family: the encoder is deterministic, so there
    is no ELBO or likelihood bound; `score` is the reconstruction error.

    Args: as `LatentVariableModel`, plus `mmd_weight` (the paper's lambda).
    """

    loss_names = ("loss", "recon_loss", "mmd_loss")

    def __init__(self, image_shape=(28, 28, 1), mmd_weight=10.0, **kwargs):
        self.mmd_weight = float(mmd_weight)
        super().__init__(image_shape=image_shape, **kwargs)

    def build_networks(self):
        return (build_encoder(self.image_shape, self.latent_dim, self.filters, self.hidden, stochastic=False),
                build_decoder(self.image_shape, self.latent_dim, self.filters, self.hidden))

    def posterior(self, x, y=None, training=False):
        return self.encoder(x, training=training), None

    def compute_losses(self, x, y=None, training=True):
        z, _ = self.posterior(x, training=training)
        recon = -tf.reduce_mean(self.log_likelihood(x, self.pixel_logits(z, training=training)))
        prior = keras.random.normal(tf.shape(z), seed=self.noise)
        mmd = imq_mmd(z, prior)
        return {"loss": recon + self.mmd_weight * mmd, "recon_loss": recon, "mmd_loss": mmd}
