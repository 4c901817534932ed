"""The training mechanics every zoo model shares.

`GenerativeModel` owns one optimizer; a subclass only says what its losses are
(`compute_losses`). `AdversarialModel` owns several optimizers, one per player,
and a subclass lists its players' updates (`player_steps`). Both:

- divide each per-replica mean loss by `num_replicas_in_sync`, because Keras'
  TensorFlow optimizer sums gradients across replicas;
- scale the loss with the optimizer's `scale_loss`: a no-op, except under
  `mixed_float16`, where every optimizer is a `LossScaleOptimizer`;
- keep one `keras.metrics.Mean` tracker per loss, named as across the zoo
  (`loss`, `recon_loss`, `kl_loss`, `g_loss`, `d_loss`, ...);
- build the model and every optimizer before training, so that an untrained or
  freshly trained model can always load weights and export.

Images cross the public API as float32 NHWC in [0, 1]; the `check_*` helpers
turn anything else into a `ValueError` that names what was expected.
"""

import keras
import numpy as np
import tensorflow as tf

from zoo.checks import check_class_labels, check_codes, check_count, check_images, check_seed  # noqa: F401


class GenerativeModel(keras.Model):
    """Base of every zoo model: a configured `keras.Model` with a shared `train_step`.

    Subclasses build their sub-networks (functional `keras.Model`s) in
    `__init__`, list their losses in `loss_names`, and implement
    `compute_losses(x, y, training) -> {"loss": ..., ...}`.

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
    conditional = False
    # Whether `fit` needs (images, labels) batches.
    needs_labels = False

    def __init__(self, image_shape=(28, 28, 1), **kwargs):
        super().__init__(**kwargs)
        image_shape = tuple(int(d) for d in image_shape)
        if len(image_shape) != 3 or min(image_shape) < 1 or image_shape[-1] not in (1, 3):
            raise ValueError(
                f"image_shape must be (height, width, channels) with 1 or 3 channels, got {image_shape}"
            )
        self.image_shape = image_shape
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.loss_names}

    def get_config(self):
        return {"name": self.name, "image_shape": list(self.image_shape)}

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

    def fit(self, *args, **kwargs):
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
        float32 NHWC in [0, 1]).
        """
        return {}

    def run_chunked(self, fn, arr, chunk=512):
        """Runs a tensor function over a numpy batch in chunks, compiled once per function.

        Keeps whole-test-set calls within memory, and traces `fn` once, not per call.
        `arr` may be a tuple of equally long arrays, passed to `fn` side by side.
        """
        compiled = self.__dict__.setdefault("_compiled_functions", {})
        if fn.__name__ not in compiled:
            compiled[fn.__name__] = tf.function(fn, reduce_retracing=True)
        run = compiled[fn.__name__]
        # A tuple of arrays (images and labels) is cut into the same chunks.
        arrays = arr if isinstance(arr, tuple) else (arr,)
        return np.concatenate([run(*(tf.constant(a[i : i + chunk]) for a in arrays)).numpy()
                               for i in range(0, len(arrays[0]), chunk)])

    # ---- input checks ---------------------------------------------------

    def check_images(self, x, name="x"):
        """Returns `x` as a float32 numpy batch of this model's images, or raises ValueError."""
        return check_images(x, self.image_shape, name=name)

    def with_labels(self, arr, labels):
        """`arr`, or (arr, labels) for a conditional model: what the tensor functions take."""
        y = self.check_labels(labels, len(arr))
        return arr if y is None else (arr, y)

    def check_labels(self, labels, n=None):
        """Refuses labels on an unconditional model; subclasses that take labels override this."""
        if labels is not None:
            raise ValueError(
                f"{type(self).__name__} is unconditional and takes no labels; "
                "use a conditional architecture (e.g. 'cvae') to condition on a class"
            )
        return None


class ClassConditional:
    """Mixin of models conditioned on a class label (`cvae`, `cgan`), placed before the model's base.

    The model has `num_classes` and a `sample_tensor(labels, seed)`; this adds
    the label checks and a `sample` that draws the classes in turn by default.
    """

    conditional = True
    needs_labels = True

    def check_labels(self, labels, n=None):
        return check_class_labels(labels, self.num_classes, n, owner=type(self).__name__)

    def sample(self, n, seed=None, labels=None):
        """Draws `n` images of the given classes (default: the classes in turn)."""
        n, seed = check_count(n), check_seed(seed)
        y = np.arange(n, dtype=np.int32) % self.num_classes if labels is None else self.check_labels(labels, n)
        return self.sample_tensor(tf.constant(y), tf.constant(seed, tf.int32)).numpy()


class AdversarialModel(GenerativeModel):
    """Base of models trained as a game between players with their own optimizers.

    Subclasses set `optimizer_names` and return their updates from
    `player_steps(x, y)`: a list of `(optimizer_name, variables, loss_fn)`,
    applied in order; the discriminator's step is repeated `d_steps` times
    when its optimizer is named `d_optimizer`.

    Args:
        d_steps: discriminator updates per generator update.
        **kwargs: see `GenerativeModel`.

    Example:
        >>> gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        ...             d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    """

    loss_names = ("g_loss", "d_loss")
    optimizer_names = ("g_optimizer", "d_optimizer")

    def __init__(self, d_steps=1, **kwargs):
        super().__init__(**kwargs)
        self.d_steps = int(d_steps)

    def get_config(self):
        return {**super().get_config(), "d_steps": self.d_steps}

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
        # Each optimizer gets slots for its own player's variables only.
        return [(getattr(self, n), self.player_variables(n)) for n in self.optimizer_names
                if getattr(self, n, None) is not None]

    def player_variables(self, optimizer_name):
        """Variables one player's optimizer updates."""
        raise NotImplementedError

    def player_steps(self, x, y):
        raise NotImplementedError

    def train_step(self, data):
        x, y = self.unpack(data)
        results = {}
        for optimizer_name, loss_fn in self.player_steps(x, y):
            optimizer = getattr(self, optimizer_name)
            variables = self.player_variables(optimizer_name)
            repeats = self.d_steps if optimizer_name == "d_optimizer" else 1
            for _ in range(repeats):
                losses, grads = self.scaled_gradients(optimizer, variables, loss_fn)
                optimizer.apply(grads, variables)
            results.update(losses)
        return self.update_trackers(results)

    def test_step(self, data):
        x, y = self.unpack(data)
        results = {}
        for _, loss_fn in self.player_steps(x, y):
            results.update(loss_fn())
        return self.update_trackers(results)
