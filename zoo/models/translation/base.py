"""What pix2pix and CycleGAN share: batches, the [-1, 1] convention, translation and its schedule.

- Batches: a member trains on pairs of image batches, `(source, target)` for
  pix2pix and `(images of A, images of B)` for CycleGAN. Given images alone
  (a built-in set, a folder, `zoo train --data`), a model with a `task`
  (`tasks.TASKS`) makes the other side itself with that named transform
  (`pair_from_images`); without one it says what it needs.
- Inside the networks images are in [-1, 1] (tanh outputs); the public API
  stays float32 NHWC in [0, 1].
- Translation runs every network in inference mode (batch norm's moving
  statistics, no dropout): deterministic, the same in Keras, the SavedModel
  and ONNX. `direction_model(direction)` is one direction alone as a plain
  Keras model, to save, load (safe mode) or convert by itself.
- `HoldThenLinearDecay`: the papers' learning rate, held then decayed
  linearly to zero, as a serialisable schedule counted in epochs.
"""

import keras
import tensorflow as tf
from keras import layers

from zoo.base import Game
from zoo.capabilities import Translator
from zoo.models.translation import tasks


def to_internal(images):
    """Public images in [0, 1] -> the networks' [-1, 1], float32."""
    return tf.cast(images, "float32") * 2.0 - 1.0


def to_public(images):
    """The networks' [-1, 1] -> [0, 1], float32, clipped."""
    return tf.clip_by_value((tf.cast(images, "float32") + 1.0) / 2.0, 0.0, 1.0)


def least_squares(outputs, target):
    """mean((D(x) - target)^2): LSGAN's loss (Mao et al. 2017), CycleGAN's adversarial loss."""
    return tf.reduce_mean(tf.square(tf.cast(outputs, "float32") - target))


def cross_entropy(logits, real):
    """Mean sigmoid cross-entropy of logits against all-real (1) or all-fake (0) labels."""
    logits = tf.cast(logits, "float32")
    # -log sigmoid(l) = softplus(-l); -log(1 - sigmoid(l)) = softplus(l).
    return tf.reduce_mean(tf.nn.softplus(-logits if real else logits))


def mean_absolute(a, b):
    return tf.reduce_mean(tf.abs(tf.cast(a, "float32") - tf.cast(b, "float32")))


@keras.saving.register_keras_serializable(package="zoo")
class HoldThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """A learning rate held for `hold_epochs`, then decayed linearly to zero over `decay_epochs`.

    CycleGAN's schedule (100 epochs at 2e-4, then 100 decaying to 0; pix2pix's
    code offers the same). The step is the optimizer's iteration count, so a
    run resumed from a checkpoint continues the schedule where it stopped;
    the decay is per step (the papers' code lowers it once an epoch).

    Args:
        learning_rate: the held rate.
        hold_epochs: epochs at the held rate.
        decay_epochs: epochs over which it falls to zero (and stays there).
        steps_per_epoch: optimizer steps an epoch.

    Example:
        >>> lr = HoldThenLinearDecay(2e-4, hold_epochs=4, decay_epochs=4, steps_per_epoch=625)
        >>> keras.optimizers.Adam(lr, beta_1=0.5)
    """

    def __init__(self, learning_rate, hold_epochs, decay_epochs, steps_per_epoch):
        self.learning_rate = float(learning_rate)
        self.hold_epochs = float(hold_epochs)
        self.decay_epochs = float(decay_epochs)
        self.steps_per_epoch = int(steps_per_epoch)
        if self.hold_epochs < 0 or self.decay_epochs <= 0 or self.steps_per_epoch < 1:
            raise ValueError(f"hold_epochs must be >= 0, decay_epochs > 0 and steps_per_epoch >= 1, got "
                             f"{hold_epochs}, {decay_epochs}, {steps_per_epoch}")

    def __call__(self, step):
        step = tf.cast(step, "float32")
        hold = self.hold_epochs * self.steps_per_epoch
        decay = self.decay_epochs * self.steps_per_epoch
        done = tf.clip_by_value((step - hold) / decay, 0.0, 1.0)
        return self.learning_rate * (1.0 - done)

    def get_config(self):
        return {"learning_rate": self.learning_rate, "hold_epochs": self.hold_epochs,
                "decay_epochs": self.decay_epochs, "steps_per_epoch": self.steps_per_epoch}


class TranslationGAN(Translator, Game):
    """The family base: a game whose players translate images from one domain to another.

    A member builds its networks, lists its players, returns its generators
    in the order of `directions` (`generators()`), makes a pair from images
    alone with its task (`pair_from_images`) and gives its evaluation losses
    (`evaluation_losses`, run by `evaluate` without changing any state).

    Directions are named `"a2b"` (A -> B: pix2pix's source -> target) and
    `"b2a"`; each exports as `translate_<direction>` (`translate_a2b.onnx`).
    `paired` says whether a member learns from pairs matched image by image
    (pix2pix: `zoo.data.paired_folders`) or from two unpaired sets
    (CycleGAN: `zoo.data.unpaired_folders`).

    Args:
        image_shape: (height, width, channels) of both domains' images.
        task: None, or a name of `tasks.TASKS`: how to make the other side of
            a pair when `fit` is given images alone.
    """

    directions = ("a2b",)
    main_function = "translate_a2b"
    paired = True

    def __init__(self, image_shape=(64, 64, 3), task=None, **kwargs):
        super().__init__(image_shape=image_shape, **kwargs)
        self.task = tasks.check_task(task)

    def default_optimizer(self, learning_rate=2e-4):
        # Both papers: Adam(2e-4, beta_1=0.5); each player gets a copy.
        return keras.optimizers.Adam(learning_rate, beta_1=0.5)

    # ---- batches ---------------------------------------------------------

    def unpack(self, data):
        """A batch as the two sides the players see: a pair of image batches, or images and the task."""
        if isinstance(data, (tuple, list)):
            if len(data) != 2 or any(len(part.shape) != 4 for part in data):
                raise ValueError(f"{type(self).__name__} trains on batches of two image batches "
                                 f"({self.pair_names()}), each (batch, {', '.join(map(str, self.image_shape))}); "
                                 f"got {[tuple(part.shape) for part in data]}")
            return data[0], data[1]
        if self.task is None:
            raise ValueError(f"{type(self).__name__} trains on ({self.pair_names()}) batches; given images alone it "
                             f"needs a task to make the other side (task= one of {tasks.TASKS})")
        return self.pair_from_images(data)

    def pair_names(self):
        return "source, target"

    def pair_from_images(self, images):
        raise NotImplementedError

    def task_source(self, images):
        """The model's task applied to numpy images: the sources a model trained on that task translates."""
        if self.task is None:
            raise ValueError(f"this {type(self).__name__} has no task; pass its source images to translate() directly")
        return tasks.apply(self.task, self.check_images(images, "images"))

    def evaluation_losses(self, x, y):
        raise NotImplementedError

    def test_step(self, data):
        # Evaluation runs the networks in inference mode and changes no state
        # (batch-norm statistics, CycleGAN's image pools).
        x, y = self.unpack(data)
        return self.update_trackers(self.evaluation_losses(x, y))

    # ---- translation -----------------------------------------------------

    def generators(self):
        """The generators, in the order of `directions`."""
        raise NotImplementedError

    def translated(self, generator, images):
        return to_public(generator(to_internal(images), training=False))

    # One named method a direction: `run_chunked` compiles a function once per name.
    def translate_a2b_tensor(self, images):
        """Images of A in [0, 1] -> images of B in [0, 1] (inference mode)."""
        return self.translated(self.generators()[0], images)

    def translate_b2a_tensor(self, images):
        """Images of B in [0, 1] -> images of A in [0, 1] (inference mode)."""
        return self.translated(self.generators()[1], images)

    def translate_functions(self):
        return (self.translate_a2b_tensor, self.translate_b2a_tensor)[: len(self.directions)]

    def call(self, x, training=False):
        # Keras builds and summarises through call(images): the first direction's translation.
        return to_public(self.generators()[0](to_internal(x), training=training))

    def direction_model(self, direction=None):
        """One direction alone: a functional Keras model, images in [0, 1] -> [0, 1], in inference mode.

        It shares the generator's weights; save it (`.save("b2a.keras")`),
        load it in safe mode (`keras.saving.load_model`, after importing
        `zoo.models.translation.networks`) or convert it without the rest of
        the game.
        """
        direction = self.directions[0] if direction is None else direction
        if direction not in self.directions:
            raise ValueError(f"direction must be one of {list(self.directions)}, got {direction!r}")
        generator = self.generators()[self.directions.index(direction)]
        x = keras.Input(self.image_shape, name="images")
        h = layers.Rescaling(2.0, offset=-1.0, name="to_tanh_range")(x)
        h = generator(h, training=False)
        y = layers.Rescaling(0.5, offset=0.5, dtype="float32", name="to_unit_range")(h)
        return keras.Model(x, y, name=f"translate_{direction}")
