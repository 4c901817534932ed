"""pix2pix (Isola et al., 2017): paired image-to-image translation with a conditional GAN.

A U-Net generator G maps a source image x to an output G(x); a PatchGAN
discriminator D sees (source, image) pairs, concatenated on channels, and
judges each patch real or fake. They play

    G* = arg min_G max_D  L_cGAN(G, D) + lambda * E ||y - G(x)||_1,   lambda = 100,

with the cross-entropy GAN loss (G non-saturating: it maximises log D(x, G(x))),
D's objective halved "to slow down the rate at which D learns relative to
G", Adam(2e-4, beta_1=0.5), as the paper. The L1 term is taken in the
networks' [-1, 1] scale, as the paper's code does (twice the L1 in [0, 1]).

`l1_only=True` is the same U-Net trained on the L1 term alone, with no
discriminator and no adversarial step: the paper's "L1" row, the baseline
that answers whether the discriminator makes outputs sharper than a pixel
loss does.

Inference mode. The paper runs dropout and batch norm in training mode at
test time on purpose (its dropout is the generator's only noise, and with
batch size 1 batch norm is instance norm). Here translation runs the
generator in inference mode: no dropout, batch norm's moving statistics, so
`translate`, the SavedModel and ONNX give the same image for the same input,
one image at a time or in any batch. The cost is the paper's small
stochasticity, which it reports to be minor anyway.
"""

import tensorflow as tf

from zoo.base import Player
from zoo.checks import check_bool, check_count
from zoo.models.translation import networks
from zoo.models.translation.base import TranslationGAN, cross_entropy, mean_absolute, to_internal
from zoo.models.translation.tasks import apply_tensor
from zoo.registry import register


@register("pix2pix")
class Pix2Pix(TranslationGAN):
    """pix2pix: a U-Net translator trained with a PatchGAN and an L1 loss, on (source, target) pairs.

    Batches are `(source, target)` pairs of image batches, float32 NHWC in
    [0, 1]; given images alone, `task` makes each image's source
    (`"edges"`, `"grey"`: see `zoo.models.translation.tasks`), so
    `fit(zoo.data.load("celeba_64"))` trains edges -> faces with `task="edges"`.

    Args:
        image_shape: (height, width, channels) of sources and targets; the
            side must be a multiple of 2 ** len(filters).
        filters: channels of the U-Net's encoder levels, outermost first (the
            paper's U-Net-256: 64, 128, 256, 512, 512, 512, 512, 512).
        d_filters: channels of the PatchGAN's levels (the paper's 70x70: 64,
            128, 256, 512; see `networks.receptive_field`).
        dropout: rate of the decoder's dropout (training only).
        dropout_layers: innermost decoder levels with dropout (the paper: 3).
        norm: "batch" (the paper), "instance" or "none", in both networks.
        l1_weight: lambda, the weight of the L1 term (the paper: 100).
        l1_only: train the generator on the L1 term alone (no discriminator).
        task: None, "edges" or "grey": how to make sources from images alone.
        **kwargs: `name`, `dtype`.

    Example:
        >>> model = zoo.create("pix2pix", image_shape=(64, 64, 3), filters=[32, 64, 128, 256, 256, 256],
        ...                    d_filters=[32, 64, 128], task="edges")
        >>> model.compile(optimizer=model.default_optimizer())
        >>> model.fit(zoo.data.load("celeba_64", batch_size=16), epochs=1)
        >>> faces = model.translate(model.task_source(test_faces))
    """

    def __init__(self, image_shape=(64, 64, 3), filters=(64, 128, 256, 512, 512, 512), d_filters=(64, 128, 256, 512),
                 dropout=0.5, dropout_layers=3, norm="batch", l1_weight=100.0, l1_only=False, task=None, **kwargs):
        self.l1_only = check_bool(l1_only, "l1_only")
        super().__init__(image_shape=image_shape, task=task, **kwargs)
        self.filters = tuple(check_count(f, "filters") for f in filters)
        self.d_filters = tuple(check_count(f, "d_filters") for f in d_filters)
        self.dropout = float(dropout)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be a rate in [0, 1), got {dropout}")
        self.dropout_layers = int(dropout_layers)
        self.norm = networks.check_norm(norm)
        self.l1_weight = float(l1_weight)
        self.generator = networks.unet_generator(self.image_shape, self.filters, self.dropout, self.dropout_layers,
                                                 self.norm, name="generator")
        self.discriminator = None if self.l1_only else networks.patch_discriminator(
            self.image_shape, self.d_filters, self.norm, conditional=True, name="discriminator")

    @property
    def loss_names(self):
        return ("g_loss", "l1_loss") if self.l1_only else ("g_loss", "d_loss", "adv_loss", "l1_loss")

    @property
    def shipped_optimizers(self):
        # The discriminator's Adam state ships with a preset, so fine-tuning continues the game.
        return () if self.l1_only else ("d_optimizer",)

    # ---- the game --------------------------------------------------------

    def players(self):
        generator = Player("g", (self.generator,), self.generator_step)
        if self.l1_only:
            return [generator]
        # D first, on fresh fakes, then G against the updated D: the paper code's order.
        return [Player("d", (self.discriminator,), self.discriminator_step), generator]

    def pair_from_images(self, images):
        return apply_tensor(self.task, images), images

    def generators(self):
        return (self.generator,)

    def discriminator_step(self, source, target):
        s = to_internal(source)
        fake = tf.stop_gradient(self.generator(s, training=True))
        return self.discriminator_loss(s, to_internal(target), fake, training=True)

    def discriminator_loss(self, s, t, fake, training=True):
        """`{"loss", "d_loss"}`: half the cross-entropy of telling (s, t) from (s, G(s)), inputs in [-1, 1]."""
        real_logits = self.discriminator([s, t], training=training)
        fake_logits = self.discriminator([s, fake], training=training)
        loss = 0.5 * (cross_entropy(real_logits, True) + cross_entropy(fake_logits, False))
        return {"loss": loss, "d_loss": loss}

    def generator_step(self, source, target):
        return self.generator_losses(source, target, training=True)

    def generator_losses(self, source, target, training=True):
        """`{"loss", "g_loss", "l1_loss", "adv_loss"}` for a batch of pairs in [0, 1].

        loss = -log D(x, G(x)) + l1_weight * mean |y - G(x)| (pixels in [-1, 1]);
        with `l1_only`, the L1 term alone.
        """
        s, t = to_internal(source), to_internal(target)
        fake = tf.cast(self.generator(s, training=training), "float32")
        l1 = mean_absolute(t, fake)
        loss = self.l1_weight * l1
        out = {"l1_loss": l1}
        if not self.l1_only:
            adversarial = cross_entropy(self.discriminator([s, fake], training=training), True)
            loss = loss + adversarial
            out["adv_loss"] = adversarial
        out.update(loss=loss, g_loss=loss)
        return out

    def evaluation_losses(self, source, target):
        losses = self.generator_losses(source, target, training=False)
        if not self.l1_only:
            s = to_internal(source)
            fake = self.generator(s, training=False)
            losses.update(self.discriminator_loss(s, to_internal(target), fake, training=False))
        return losses

