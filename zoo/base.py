"""The training mechanics every zoo model shares.

`GenerativeModel` owns one optimizer; a subclass only says what its losses are
(`compute_losses`). `Game` owns one optimizer per player, and a subclass lists
its players as data (`players()`: name, networks, loss, updates per round, how
often it runs). Both:

- record their configuration from the constructor's arguments, so no model
  writes `get_config` and no subclass deletes its parent's arguments;
- divide each per-replica mean loss by `num_replicas_in_sync`, because Keras'
  TensorFlow optimizer sums gradients across replicas;
- scale the loss with the optimizer's `scale_loss`: a no-op, except under
  `mixed_float16`, where every optimizer is a `LossScaleOptimizer`;
- keep one `keras.metrics.Mean` tracker per loss, named as across the zoo
  (`loss`, `recon_loss`, `kl_loss`, `g_loss`, `d_loss`, ...);
- build the model and every optimizer before training, so that an untrained or
  freshly trained model can always load weights and export.

What a model can do beyond training (sample, encode, measure a likelihood, ...)
it declares by inheriting capabilities from `zoo.capabilities`.
"""

import dataclasses
import inspect

import keras
import numpy as np
import tensorflow as tf

from zoo.capabilities import (
    Autoencoder, Capability, Classifier, Conditional, ExactLikelihood, Generator, Sampler, Translator,
)
from zoo.checks import check_image_shape


def _jsonable(value):
    """Tuples as lists, numpy scalars as Python numbers: what a config.json holds."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


# Keras' own arguments, which the config carries in its own way (or, for the
# dtype policy, not at all: a rebuild takes the policy of its scope).
KERAS_ARGUMENTS = ("dtype", "trainable", "autocast")


class GenerativeModel(Capability, keras.Model):
    """Base of every zoo model: a configured `keras.Model` with a shared `train_step`.

    Subclasses build their sub-networks (functional `keras.Model`s) in
    `__init__`, list their losses in `loss_names`, and implement
    `compute_losses(x, y, training) -> {"loss": ..., ...}`. Their configuration
    is the arguments their constructor was called with, recorded here.

    Args:
        image_shape: (height, width, channels) of the images the model sees.
        **kwargs: passed to `keras.Model` (`name`, `dtype`).

    Example:
        >>> model = zoo.create("vae", image_shape=(28, 28, 1), latent_dim=16)
        >>> model.compile(optimizer="adam")
        >>> model.fit(zoo.data.load("mnist"), epochs=1)
    """

    loss_names = ("loss",)
    # Which inference function becomes an export's `model.onnx`.
    main_function = None
    # Whether `fit` needs (images, labels) batches.
    needs_labels = False
    # False for models fitted in closed form (`fit_data`), which `fit` refuses.
    trains_by_gradient = True
    # Inference functions ONNX cannot express (stateless random ops): left to the SavedModel.
    onnx_excluded = ("sample",)
    # Optimizers whose state ships with a preset, so fine-tuning continues where training stopped.
    shipped_optimizers = ()
    # The largest difference from Keras an export may show (`zoo.export` refuses more).
    export_atol = 1e-4
    # Presets of the same data set ("dcgan_{}") whose samples a card measures beside this model's.
    compare_with = ()

    def __new__(cls, *args, **kwargs):
        # The configuration is what the most derived constructor was given,
        # its own defaults filled in: `cls(**config)` rebuilds the model.
        instance = super().__new__(cls, *args, **kwargs)
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        arguments.pop(next(iter(inspect.signature(cls.__init__).parameters)))
        for name, parameter in inspect.signature(cls.__init__).parameters.items():
            if parameter.kind == inspect.Parameter.VAR_KEYWORD:
                arguments.update(arguments.pop(name, {}))
        instance._constructor_arguments = {k: v for k, v in arguments.items() if k not in KERAS_ARGUMENTS}
        return instance

    def __init__(self, image_shape=(28, 28, 1), **kwargs):
        super().__init__(**kwargs)
        self.image_shape = check_image_shape(image_shape)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.loss_names}

    def get_config(self):
        config = _jsonable(self._constructor_arguments)
        config["name"] = self.name
        return config

    # ---- building -------------------------------------------------------

    def build(self, input_shape=None):
        # Sub-networks are functional models, built when they are created; the
        # model itself has no weights of its own to make.
        self.built = True

    def get_build_config(self):
        # Not empty: Keras skips `build_from_config` for an empty build config.
        return {"image_shape": list(self.image_shape)}

    def build_from_config(self, config):
        self.build_all()

    def build_all(self):
        """Builds the model and every optimizer it has, without data."""
        if not self.built:
            self.build()
        # Optimizer slots must live where the model's variables do.
        with self.distribute_strategy.scope():
            for optimizer, variables in self.optimizer_targets():
                if not optimizer.built:
                    optimizer.build(variables)
        return self

    # Keras saves no seed generator's state (the model's, dropout's,
    # augmentation's), so a resumed run would draw new noise: store them all
    # beside the model's own variables.
    def seed_generators(self):
        return [g for layer in self._flatten_layers(include_self=True) for g in layer._seed_generators]

    def save_own_variables(self, store):
        super().save_own_variables(store)
        for i, generator in enumerate(self.seed_generators()):
            store[f"seed_generator_{i}"] = np.asarray(generator.state)

    def load_own_variables(self, store):
        keys = [k for k in store.keys() if not k.startswith("seed_generator_")]
        super().load_own_variables({k: store[k] for k in keys})
        for i, generator in enumerate(self.seed_generators()):
            if f"seed_generator_{i}" in store.keys():
                generator.state.assign(np.asarray(store[f"seed_generator_{i}"]))

    def default_optimizer(self, learning_rate=1e-3):
        """The optimizer `zoo train` compiles with (Adam; a GAN's players use their papers' betas)."""
        return keras.optimizers.Adam(learning_rate)

    def optimizers(self):
        """The model's optimizers (none before `compile`)."""
        return [optimizer for optimizer, _ in self.optimizer_targets()]

    def optimizer_targets(self):
        """`[(optimizer, the variables it updates)]` (empty before `compile`)."""
        optimizer = getattr(self, "optimizer", None)
        return [(optimizer, self.trainable_variables)] if optimizer is not None else []

    def steps_taken(self):
        """Training steps so far (an int): the first optimizer's count."""
        return int(self.optimizers()[0].iterations) if self.optimizers() else 0

    def fit(self, *args, **kwargs):
        if not self.trains_by_gradient:
            raise ValueError(
                f"{type(self).__name__} ({self.arch!r}) is fitted in closed form or by EM, not by gradient "
                f"steps: call model.fit_data(images) with a numpy batch of float32 NHWC images in [0, 1] "
                f"(e.g. zoo.data.as_numpy('mnist', 'train'))"
            )
        self.build_all()
        return super().fit(*args, **kwargs)

    # ---- training -------------------------------------------------------

    @property
    def metrics(self):
        return list(self.trackers.values())

    @staticmethod
    def unpack(data):
        """Splits a batch into images and optional labels."""
        if isinstance(data, (tuple, list)):
            return data[0], (data[1] if len(data) > 1 else None)
        return data, None

    def compute_losses(self, x, y=None, training=True):
        """Returns a dict of scalar losses with at least `"loss"`, the one to minimise."""
        raise NotImplementedError

    def scaled_gradients(self, optimizer, variables, loss_fn):
        """Runs `loss_fn` under a tape and returns (losses, gradients) for `optimizer`.

        The gradients are of the loss divided by the replica count and scaled by
        the optimizer's loss scale; `optimizer.apply` undoes the scale.
        """
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            losses = loss_fn()
            loss = losses["loss"] / tf.cast(replicas, losses["loss"].dtype)
            scaled = optimizer.scale_loss(loss)
        return losses, tape.gradient(scaled, variables)

    def update_trackers(self, losses):
        for name, value in losses.items():
            if name in self.trackers:
                self.trackers[name].update_state(value)
        results = {name: tracker.result() for name, tracker in self.trackers.items()}
        strategy = tf.distribute.get_strategy()
        # Keras reduces a multi-worker step's logs with strategy.reduce(MEAN,
        # axis=0), which rejects scalars (tensorflow#72388); a batch axis of one
        # passes and comes back as a scalar.
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and (
            strategy.extended._in_multi_worker_mode()
        ):
            results = {name: tf.reshape(value, [1]) for name, value in results.items()}
        return results

    def train_step(self, data):
        x, y = self.unpack(data)
        variables = self.trainable_variables
        losses, grads = self.scaled_gradients(
            self.optimizer, variables, lambda: self.compute_losses(x, y, training=True)
        )
        self.optimizer.apply(grads, variables)
        return self.update_trackers(losses)

    def test_step(self, data):
        x, y = self.unpack(data)
        return self.update_trackers(self.compute_losses(x, y, training=False))

    def call(self, x, training=False):
        """Returns the model's reconstruction or output for images `x` (internal range)."""
        raise NotImplementedError

    # ---- export ---------------------------------------------------------

    def inference_functions(self):
        """Names the functions to export: `{name: (fn, [tf.TensorSpec, ...])}`.

        Each `fn` takes and returns tensors in the public convention (images
        float32 NHWC in [0, 1]). The capabilities the model declares give the
        list (an autoencoder's `encode`, `decode`, `reconstruct`; a sampler's
        `sample`; a classifier's `classify`, `features`; ...); a model
        overrides this to add or replace its own.
        """
        images = tf.TensorSpec((None, *self.image_shape), tf.float32, name="images")
        seed = tf.TensorSpec((), tf.int32, name="seed")
        # A conditional model's functions take the labels after the images or codes.
        labels = [tf.TensorSpec((None,), tf.int32, name="labels")] if isinstance(self, Conditional) else []
        functions = {}
        if isinstance(self, (Autoencoder, Generator)):
            z = tf.TensorSpec((None, self.latent_dim), tf.float32, name="z")
        if isinstance(self, Autoencoder):
            functions["reconstruct"] = (self.reconstruct_tensor, [images, *labels])
            functions["encode"] = (self.encode_tensor, [images, *labels])
            functions["decode"] = (self.decode_tensor, [z, *labels])
        elif isinstance(self, Generator):
            functions["generate"] = (self.generate_tensor, [z, *labels])
        if isinstance(self, Classifier):
            functions["classify"] = (self.logits_tensor, [images])
            functions["features"] = (self.features_tensor, [images])
        if isinstance(self, ExactLikelihood):
            functions["log_prob"] = (self.log_prob_tensor, [images, *labels])
        if isinstance(self, Translator):
            for direction, fn in zip(self.directions, self.translate_functions()):
                functions[f"translate_{direction}"] = (fn, [images])
        if isinstance(self, Sampler):
            count = labels or [tf.TensorSpec((), tf.int32, name="n")]
            functions["sample"] = (self.sample_tensor, [*count, seed])
        return functions


@dataclasses.dataclass(frozen=True)
class Player:
    """One player of a `Game`, as data.

    Args:
        name: the player's name; its optimizer is the model's `<optimizer>_optimizer`.
        networks: the sub-networks whose trainable variables this player updates.
        loss: `loss(x, y) -> {"loss": ..., tracker: value, ...}` for a batch.
        steps: updates per round (WGAN-GP's critic: 5).
        every: the player runs on rounds 0, every, 2 every, ... (lazy
            regularisers: StyleGAN's R1 every 16 rounds, path length every 4).
        optimizer: the optimizer's name when it is another player's (a lazy
            regulariser steps its network's own optimizer); default `name`.
    """

    name: str
    networks: tuple
    loss: object
    steps: int = 1
    every: int = 1
    optimizer: str = None

    @property
    def optimizer_name(self):
        return f"{self.optimizer or self.name}_optimizer"

    def variables(self):
        return [v for net in self.networks for v in net.trainable_variables]


class Game(GenerativeModel):
    """Base of models trained as a game of players, each with its own optimizer.

    A subclass returns its players from `players()` (a list of `Player`, in the
    order they move in a round); the base runs each `steps` times a round,
    on the rounds its `every` selects, with its optimizer. A round is one
    `train_step`, counted by an optimizer that no lazy player shares. The
    optimizers are listed (`optimizers()`) with those of the players that move
    once every round first (a recipe's step count is a GAN's generator steps).

    Example:
        >>> gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        ...             d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    """

    loss_names = ("g_loss", "d_loss")

    def players(self):
        """The players, in the order they move in a round."""
        raise NotImplementedError

    def players_by_optimizer(self):
        """The players, those that move once every round first: their optimizer counts the rounds."""
        return sorted(self.players(), key=lambda p: (p.steps, p.every) != (1, 1))

    @property
    def optimizer_names(self):
        names = []
        for player in self.players_by_optimizer():
            if player.optimizer_name not in names:
                names.append(player.optimizer_name)
        return tuple(names)

    def compile(self, optimizer=None, **kwargs):
        """Compiles with one optimizer per player.

        Args:
            optimizer: optional default: each player without its own gets a copy.
            **kwargs: `<player>_optimizer=` for each of `optimizer_names`
                (instances, names or configs), and the usual `compile` arguments.
        """
        given = {name: kwargs.pop(name, None) for name in self.optimizer_names}
        for name, opt in given.items():
            if opt is None:
                if optimizer is None:
                    raise ValueError(f"compile() needs {name}= or a default optimizer=")
                opt = keras.optimizers.get(keras.optimizers.serialize(keras.optimizers.get(optimizer)))
            else:
                opt = keras.optimizers.get(opt)
            # Keras wraps only `self.optimizer` by itself.
            if self.dtype_policy.name == "mixed_float16" and not isinstance(
                opt, keras.optimizers.LossScaleOptimizer
            ):
                opt = keras.optimizers.LossScaleOptimizer(opt, name=f"{name}_loss_scale")
            setattr(self, name, opt)
        super().compile(optimizer=None, **kwargs)
        if self.built:
            self.build_all()

    def get_compile_config(self):
        return {
            name: keras.optimizers.serialize(getattr(self, name))
            for name in self.optimizer_names
            if getattr(self, name, None) is not None
        }

    def compile_from_config(self, config):
        self.compile(**{name: keras.optimizers.deserialize(c) for name, c in config.items()})

    def optimizer_targets(self):
        # Each optimizer gets slots for its own players' variables only.
        targets = {}
        for player in self.players_by_optimizer():
            optimizer = getattr(self, player.optimizer_name, None)
            if optimizer is not None:
                variables = targets.setdefault(player.optimizer_name, (optimizer, []))[1]
                variables.extend(v for v in player.variables() if not any(v is w for w in variables))
        return list(targets.values())

    def count_rounds(self):
        """Gives the game its own round counter, `rounds`, saved with the weights.

        A game needs one when every optimizer has a lazy player (StyleGAN's R1
        steps the discriminator's, its path-length term the generator's), or
        when something else follows the rounds (ProGAN's growth schedule).
        Call it in the constructor.
        """
        self.rounds = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False,
                                      name="rounds", aggregation="only_first_replica")

    def steps_taken(self):
        return int(self.player_round())

    def player_round(self):
        """The index of the current round (int64 tensor): `rounds`, or counted by an optimizer no lazy player shares."""
        if getattr(self, "rounds", None) is not None:
            return self.rounds
        for name in self.optimizer_names:
            players = [p for p in self.players() if p.optimizer_name == name]
            if all(p.every == 1 for p in players):
                return getattr(self, name).iterations // sum(p.steps for p in players)
        raise ValueError(f"{type(self).__name__}: one optimizer must belong to players that move every round, "
                         "to count the rounds a lazy player waits for; or call count_rounds() in the constructor")

    def train_step(self, data):
        x, y = self.unpack(data)
        results = {}
        round_index = self.player_round()
        for player in self.players():
            optimizer = getattr(self, player.optimizer_name)
            variables = player.variables()

            def move(player=player, optimizer=optimizer, variables=variables):
                for _ in range(player.steps):
                    losses, grads = self.scaled_gradients(optimizer, variables, lambda: player.loss(x, y))
                    optimizer.apply(grads, variables)
                return losses

            if player.every == 1:
                results.update(move())
            else:
                # A lazy player's trackers are updated on its own rounds only,
                # inside the branch, and hold their values in between.
                def lazy_move(move=move):
                    for name, value in move().items():
                        if name in self.trackers:
                            self.trackers[name].update_state(value)
                    return tf.constant(True)

                tf.cond(tf.equal(round_index % player.every, 0), lazy_move, lambda: tf.constant(False))
        if getattr(self, "rounds", None) is not None:
            self.rounds.assign_add(1)
        return self.update_trackers(results)

    def test_step(self, data):
        x, y = self.unpack(data)
        results = {}
        for player in self.players():
            results.update(player.loss(x, y))
        return self.update_trackers(results)
