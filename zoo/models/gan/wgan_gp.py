"""WGAN-GP (Gulrajani et al., 2017): a critic estimating the Wasserstein-1 distance.

The critic f has no sigmoid; it maximises E[f(x)] - E[f(G(z))] (the
`w_distance` tracker) while the gradient penalty

    gp = E[(||grad f(x_hat)||_2 - 1)^2],  x_hat = eps x + (1 - eps) G(z),  eps ~ U[0, 1] per image,

keeps it near 1-Lipschitz. The generator minimises -E[f(G(z))]. The critic
takes `d_steps` (5) updates per generator update, on the same real batch with
fresh fakes, and uses layer norm, not batch norm: the penalty is per image, and
batch norm would couple the images of a batch.

Two mistakes of popular examples are avoided: eps is drawn uniformly in
[0, 1] (not from a normal), and the norm is sqrt(sum g^2 + 1e-12), whose
gradient stays finite where g = 0 (tf.norm's is NaN there).
"""

import keras
import tensorflow as tf

from zoo.models.gan.dcgan import ConvPlayers, check_norm
from zoo.models.gan.gan import AdversarialGenerator
from zoo.registry import register


def penalty(critic, real, fake, eps):
    """The gradient penalty at x_hat = eps * real + (1 - eps) * fake; returns (penalty, norms).

    Args:
        critic: images (batch, H, W, C) -> scores (batch, 1).
        real, fake: float32 batches of the same shape.
        eps: (batch, 1, 1, 1) mixing weights in [0, 1].
    """
    x_hat = eps * real + (1.0 - eps) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        total = tf.reduce_sum(critic(x_hat))
    grads = tf.cast(tape.gradient(total, x_hat), "float32")
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0)), norms


class WassersteinLosses:
    """The critic's and the generator's WGAN-GP losses; the member sets `gp_weight` (and `drift`).

    `drift` (ProGAN's 0.001) adds drift * E[f(x)^2], which keeps the critic's
    scores near zero; WGAN-GP has none.
    """

    loss_names = ("g_loss", "d_loss", "gp", "w_distance")
    drift = 0.0

    def discriminator_loss(self, real, fake, y):
        real_scores = self.discriminate(real, y)
        fake_scores = self.discriminate(fake, y)
        eps = keras.random.uniform((tf.shape(real)[0], 1, 1, 1), 0.0, 1.0, seed=self.noise)
        gp, _ = penalty(lambda images: self.discriminate(images, y), real, fake, eps)
        w_distance = tf.reduce_mean(real_scores) - tf.reduce_mean(fake_scores)
        loss = -w_distance + self.gp_weight * gp
        if self.drift:
            loss += self.drift * tf.reduce_mean(tf.square(real_scores))
        return {"loss": loss, "d_loss": loss, "gp": gp, "w_distance": w_distance}

    def generator_loss(self, fake, y):
        loss = -tf.reduce_mean(self.discriminate(fake, y))
        return {"loss": loss, "g_loss": loss}


@register("wgan_gp")
class WGANGP(ConvPlayers, WassersteinLosses, AdversarialGenerator):
    """Wasserstein GAN with gradient penalty, on DCGAN's convolutional networks.

    A sibling of `dcgan` in the GAN family: the same networks (built by the
    same functions), another game.

    Args:
        image_shape, latent_dim, g_filters, d_filters: as `dcgan`.
        d_norm: `"layer"` (default) or `"none"`; `"batch"` is refused (it breaks the per-image penalty).
        gp_weight: the penalty's weight (lambda, 10 in the paper).
        d_steps: critic updates per generator update (5 in the paper).
        **kwargs: `ema`, `augment`: see `AdversarialGenerator`.

    Example:
        >>> wgan = zoo.create("wgan_gp", image_shape=(28, 28, 1))
        >>> wgan.compile(g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        ...              d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9))
    """

    def __init__(self, image_shape=(28, 28, 1), latent_dim=64, g_filters=(128, 64), d_filters=(64, 128),
                 d_norm="layer", gp_weight=10.0, d_steps=5, **kwargs):
        if d_norm == "batch":
            raise ValueError("wgan_gp's critic takes d_norm 'layer' or 'none': batch norm couples the "
                             "images of a batch, and the gradient penalty is per image")
        self.g_filters = tuple(int(f) for f in g_filters)
        self.d_filters = tuple(int(f) for f in d_filters)
        self.d_norm = check_norm(d_norm)
        self.gp_weight = float(gp_weight)
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, d_steps=d_steps, **kwargs)

    def default_optimizer(self, learning_rate=1e-4):
        # Gulrajani et al.: no momentum in the first moment, beta_2 = 0.9.
        return keras.optimizers.Adam(learning_rate, beta_1=0.0, beta_2=0.9)
