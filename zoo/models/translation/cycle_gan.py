"""CycleGAN (Zhu et al., 2017): unpaired image-to-image translation with cycle consistency.

Two generators, G_AB: A -> B and G_BA: B -> A (ResNet blocks, instance
norm), and two PatchGAN discriminators, D_A (images of A) and D_B (images of
B), trained on unpaired batches (images of A, images of B):

    L = L_LSGAN(G_AB, D_B) + L_LSGAN(G_BA, D_A)
        + lambda_cyc * (||G_BA(G_AB(a)) - a||_1 + ||G_AB(G_BA(b)) - b||_1)
        + lambda_id * lambda_cyc * (||G_AB(b) - b||_1 + ||G_BA(a) - a||_1),

with lambda_cyc = 10 and lambda_id = 0.5 (the identity term is relative to
the cycle weight, as the paper's code: 5 here), least-squares adversarial
losses (D: 0.5 (D(real) - 1)^2 + 0.5 D(fake)^2; G: (D(G(x)) - 1)^2), and each
discriminator updated on a history of 50 generated images rather than only
the latest (Shrivastava et al. 2017): see `ImagePool`.

Players. The two generators are one player with one Adam, as the paper's
code (`itertools.chain` of both generators' parameters): the cycle and
identity terms tie them, so they take one step on one loss. D_A and D_B are
a player each. The paper's code steps both with one Adam on the sum of their
losses; as Adam is element-wise and neither loss depends on the other's
weights, two Adams give the same updates, and each direction's discriminator
keeps its own optimizer state (both ship with a preset, so fine-tuning
continues the game). The round is G, then D_A, then D_B, as the paper's
code; each discriminator draws its fakes from the generators that G's step
has just updated (the paper's code reuses the fakes made before G's step),
through its pool. Every optimizer is loss-scaled under mixed_float16,
restored by `compile_from_config` and checkpointed by the base.

The learning rate of the papers (held, then decayed linearly to zero) is
`HoldThenLinearDecay`, a serialisable schedule given to each optimizer.
"""

import keras
import tensorflow as tf
from keras import layers

from zoo.base import Player
from zoo.checks import check_count
from zoo.models.translation import networks
from zoo.models.translation.base import TranslationGAN, least_squares, mean_absolute, to_internal
from zoo.models.translation.tasks import apply_tensor
from zoo.registry import register


class ImagePool(layers.Layer):
    """A history of generated images that a discriminator learns from (Shrivastava et al. 2017).

    `query(images)` goes through the batch image by image, as the paper's
    code: while the pool is not full, the image is stored and returned; once
    full, with probability 1/2 a stored image, chosen uniformly, is returned
    and the new image takes its slot, else the new image is returned and the
    pool is unchanged.

    The pool is state, not weights of a network: its images and fill count
    are non-trainable float32 / int32 variables, and its random draws come
    from its own `SeedGenerator(seed)`, so a pool is deterministic under its
    seed, and the model's checkpoints (and preset weights) hold both: a run
    resumed from a checkpoint continues with the pool and the random stream
    it had. Under `tf.distribute`, the replicas share one pool, written by
    the first replica.

    Args:
        size: how many images it holds (0: no pool, images pass through).
        image_shape: (height, width, channels) of the images.
        seed: seed of its random draws.
    """

    def __init__(self, size, image_shape, seed=0, **kwargs):
        super().__init__(dtype="float32", **kwargs)
        self.size = int(size)
        if self.size < 0:
            raise ValueError(f"pool_size must be >= 0, got {size}")
        self.image_shape = tuple(int(d) for d in image_shape)
        self.seed_generator = keras.random.SeedGenerator(int(seed), name="seed")
        if self.size:
            self.images = self.add_weight(shape=(self.size, *self.image_shape), initializer="zeros",
                                          dtype="float32", trainable=False, aggregation="only_first_replica",
                                          name="images")
            self.count = self.add_weight(shape=(), initializer="zeros", dtype="int32", trainable=False,
                                         aggregation="only_first_replica", name="count")
        self.built = True

    def query(self, images):
        """Images to show the discriminator for a batch of new ones (float32, no gradient); updates the pool."""
        images = tf.stop_gradient(tf.cast(images, "float32"))
        if not self.size:
            return images
        n = tf.shape(images)[0]
        draws = keras.random.uniform((n,), seed=self.seed_generator)
        slots = keras.random.randint((n,), 0, self.size, seed=self.seed_generator, dtype="int32")

        def step(i, pool, count, out):
            image = images[i]
            filling = count < self.size
            swap = tf.logical_and(tf.logical_not(filling), draws[i] > 0.5)
            slot = tf.where(filling, count, slots[i])
            stored = pool[slot]
            pool = tf.tensor_scatter_nd_update(
                pool, [[slot]], tf.where(tf.logical_or(filling, swap), image, stored)[None])
            out = out.write(i, tf.where(swap, stored, image))
            return i + 1, pool, tf.where(filling, count + 1, count), out

        out = tf.TensorArray(tf.float32, size=n, element_shape=self.image_shape)
        _, pool, count, out = tf.while_loop(
            lambda i, *_: i < n, step,
            (tf.constant(0), tf.convert_to_tensor(self.images), tf.convert_to_tensor(self.count), out))
        self.images.assign(pool)
        self.count.assign(count)
        return out.stack()


@register("cycle_gan")
class CycleGAN(TranslationGAN):
    """CycleGAN: two ResNet translators, A -> B and B -> A, trained on unpaired images with cycle consistency.

    Batches are `(images of A, images of B)`, float32 NHWC in [0, 1], not
    paired; given images alone, domain A is the batch and domain B the
    model's `task` (`"grey"`, `"edges"`) applied to the same batch rolled
    by half its size, so no image meets its own transform (for batches of
    two or more). Each direction translates, exports (`translate_a2b`,
    `translate_b2a`) and loads (`direction_model`) on its own.

    Args:
        image_shape: (height, width, channels) of both domains' images.
        filters: channels of the generators' first convolution (the paper: 64).
        downsamples: the generators' stride-2 levels (the paper: 2).
        res_blocks: the generators' residual blocks (the paper: 6 at 128x128, 9 at 256x256).
        d_filters: channels of the PatchGANs' levels (the paper's 70x70: 64, 128, 256, 512).
        norm: "instance" (the paper), "batch" or "none", in all four networks.
        cycle_weight: lambda_cyc (the paper: 10).
        identity_weight: lambda_id, relative to `cycle_weight` (the paper: 0.5; 0 drops the term).
        pool_size: generated images each discriminator's history holds (the paper: 50; 0: none).
        seed: seed of the pools' random draws (pool B uses seed + 1).
        task: None, "grey" or "edges": how to make domain B from images alone.
        **kwargs: `name`, `dtype`.

    Example:
        >>> model = zoo.create("cycle_gan", image_shape=(32, 32, 3), filters=32, res_blocks=6)
        >>> lr = HoldThenLinearDecay(2e-4, hold_epochs=4, decay_epochs=4, steps_per_epoch=625)
        >>> model.compile(optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
        >>> model.fit(tf.data.Dataset.zip((horses, deer)), epochs=8)
        >>> deer_like = model.translate(horse_images, direction="a2b")
    """

    directions = ("a2b", "b2a")
    paired = False
    loss_names = ("g_loss", "d_a_loss", "d_b_loss", "adv_loss", "cycle_loss", "identity_loss")
    # Both discriminators' Adam states ship with a preset, so fine-tuning continues the game.
    shipped_optimizers = ("d_a_optimizer", "d_b_optimizer")

    def __init__(self, image_shape=(64, 64, 3), filters=64, downsamples=2, res_blocks=9,
                 d_filters=(64, 128, 256, 512), norm="instance", cycle_weight=10.0, identity_weight=0.5,
                 pool_size=50, seed=0, task=None, **kwargs):
        super().__init__(image_shape=image_shape, task=task, **kwargs)
        self.filters = check_count(filters, "filters")
        self.downsamples = check_count(downsamples, "downsamples")
        self.res_blocks = int(res_blocks)
        self.d_filters = tuple(check_count(f, "d_filters") for f in d_filters)
        self.norm = networks.check_norm(norm)
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        if self.cycle_weight < 0 or self.identity_weight < 0:
            raise ValueError(f"cycle_weight and identity_weight must be >= 0, got {cycle_weight}, {identity_weight}")
        self.pool_size = int(pool_size)
        self.seed = int(seed)

        def generator(name):
            return networks.resnet_generator(self.image_shape, self.filters, self.downsamples, self.res_blocks,
                                             self.norm, name=name)

        def discriminator(name):
            return networks.patch_discriminator(self.image_shape, self.d_filters, self.norm, name=name)

        self.g_ab, self.g_ba = generator("g_ab"), generator("g_ba")
        self.d_a, self.d_b = discriminator("d_a"), discriminator("d_b")
        # Generated images of A (for D_A) and of B (for D_B).
        self.pool_a = ImagePool(self.pool_size, self.image_shape, self.seed, name="pool_a")
        self.pool_b = ImagePool(self.pool_size, self.image_shape, self.seed + 1, name="pool_b")

    # ---- the game --------------------------------------------------------

    def players(self):
        return [Player("g", (self.g_ab, self.g_ba), self.generator_step),
                Player("d_a", (self.d_a,), self.d_a_step),
                Player("d_b", (self.d_b,), self.d_b_step)]

    def pair_names(self):
        return "images of A, images of B"

    def pair_from_images(self, images):
        rolled = tf.roll(images, shift=tf.shape(images)[0] // 2, axis=0)
        return images, apply_tensor(self.task, rolled)

    def generators(self):
        return (self.g_ab, self.g_ba)

    @staticmethod
    def discriminator_loss(discriminator, real, fake, name, training=True):
        """`{"loss", name}`: LSGAN's 0.5 (D(real) - 1)^2 + 0.5 D(fake)^2, images in [-1, 1]."""
        loss = 0.5 * (least_squares(discriminator(real, training=training), 1.0)
                      + least_squares(discriminator(fake, training=training), 0.0))
        return {"loss": loss, name: loss}

    def d_a_step(self, a, b):
        fake_a = self.pool_a.query(self.g_ba(to_internal(b), training=True))
        return self.discriminator_loss(self.d_a, to_internal(a), fake_a, "d_a_loss")

    def d_b_step(self, a, b):
        fake_b = self.pool_b.query(self.g_ab(to_internal(a), training=True))
        return self.discriminator_loss(self.d_b, to_internal(b), fake_b, "d_b_loss")

    def generator_step(self, a, b):
        return self.generator_losses(a, b, training=True)

    def generator_losses(self, a, b, training=True):
        """`{"loss", "g_loss", "adv_loss", "cycle_loss", "identity_loss"}` for unpaired batches in [0, 1].

        loss = adv + cycle_weight * cycle + identity_weight * cycle_weight * identity,
        where adv = (D_B(G_AB(a)) - 1)^2 + (D_A(G_BA(b)) - 1)^2 (means), and cycle
        and identity are each the sum of both directions' mean absolute errors,
        pixels in [-1, 1] (as the paper's code).
        """
        ra, rb = to_internal(a), to_internal(b)
        fake_b = self.g_ab(ra, training=training)
        fake_a = self.g_ba(rb, training=training)
        adversarial = (least_squares(self.d_b(fake_b, training=training), 1.0)
                       + least_squares(self.d_a(fake_a, training=training), 1.0))
        cycle = (mean_absolute(self.g_ba(fake_b, training=training), ra)
                 + mean_absolute(self.g_ab(fake_a, training=training), rb))
        loss = adversarial + self.cycle_weight * cycle
        identity = tf.constant(0.0)
        if self.identity_weight:
            identity = (mean_absolute(self.g_ab(rb, training=training), rb)
                        + mean_absolute(self.g_ba(ra, training=training), ra))
            loss = loss + self.identity_weight * self.cycle_weight * identity
        return {"loss": loss, "g_loss": loss, "adv_loss": adversarial, "cycle_loss": cycle,
                "identity_loss": identity}

    def evaluation_losses(self, a, b):
        ra, rb = to_internal(a), to_internal(b)
        losses = self.generator_losses(a, b, training=False)
        # The latest fakes, not the pools: evaluation changes no state.
        losses.update(self.discriminator_loss(self.d_a, ra, self.g_ba(rb, training=False), "d_a_loss", False))
        losses.update(self.discriminator_loss(self.d_b, rb, self.g_ab(ra, training=False), "d_b_loss", False))
        return losses

    # ---- the cycle -------------------------------------------------------

    def cycle(self, x, direction="a2b"):
        """Images taken round the cycle: A -> B -> A for "a2b", B -> A -> B for "b2a" (numpy, [0, 1])."""
        back = {"a2b": "b2a", "b2a": "a2b"}.get(direction)
        if back is None:
            raise ValueError(f"direction must be one of {list(self.directions)}, got {direction!r}")
        return self.translate(self.translate(x, direction), back)
