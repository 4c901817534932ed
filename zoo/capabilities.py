"""What a model can do, declared by the classes it inherits.

A model class lists its capabilities among its bases, before its model base:

    class VAE(LikelihoodBound, Generator, Autoencoder, GenerativeModel): ...

Each capability implements its numpy API once (checks, chunking, seeds) over
tensor functions the model provides (`*_tensor`, float32 NHWC in [0, 1]).
Evaluation, the command line and export ask `isinstance(model, Sampler)`,
never `hasattr`: a capability a model does not inherit, it does not have.

| capability | numpy API | the model provides |
|---|---|---|
| `Sampler` | `sample(n, seed, labels)` | `sample_tensor(n, seed)` |
| `Generator` (a `Sampler` from a prior over codes) | `latent_codes`, `generate`, `interpolate` (great circle) | `latent_dim`, `generate_tensor(z)` |
| `Autoencoder` | `encode`, `decode`, `reconstruct`, `score`, `interpolate` (between images) | `latent_dim`, `encode_tensor(x)`, `decode_tensor(z)` |
| `LikelihoodBound` | `elbo`, `log_prob(x, k)` (IWAE), `score` | `elbo_tensor`, `iwae_tensor` |
| `ExactLikelihood` | `log_prob(x)`, `bits_per_dim(x)`, `score` | `log_prob_tensor(x)` |
| `Translator` | `translate(x, direction)` | `directions`, `translate_functions()` |
| `Conditional` | labels on every method; `sample` cycles the classes | `num_classes`; `sample_tensor(labels, seed)` |
| `Classifier` | `classify`, `logits`, `features` | `logits_tensor`, `features_tensor` |
| `Denoiser` | `denoise`, `corrupt` | `corrupt_tensor(x, seed)` |
| `Scorer` (brought by `Autoencoder`, `LikelihoodBound`, `ExactLikelihood`) | `score(x)`: higher is stranger | |

A conditional model passes its labels to every tensor function after the
images or codes (`encode_tensor(x, labels)`); `with_labels` builds the tuple.
The tensor functions a capability needs are listed here, not stubbed in it: a
stub in a capability would hide the model's own function from the bases after it.
"""

import math

import numpy as np

from zoo.checks import check_class_labels, check_codes, check_count, check_images, check_seed

CHUNK = 512
# `sample` refuses more images than this many bytes of float32 pixels at once:
# a grid of that size could not be written anyway, and the tensor would be allocated whole.
MAX_SAMPLE_BYTES = 2**31


def _tf():
    import tensorflow as tf

    return tf


def run_chunked(model, fn, arrays, chunk=CHUNK):
    """Runs a tensor function over numpy arrays in chunks, compiled once per function and model.

    Keeps whole-test-set calls within memory, and traces `fn` once, not per call.
    `arrays` is one array or a tuple of equally long arrays (images and labels),
    passed to `fn` side by side.
    """
    tf = _tf()
    compiled = model.__dict__.setdefault("_compiled_functions", {})
    if fn.__name__ not in compiled:
        compiled[fn.__name__] = tf.function(fn, reduce_retracing=True)
    run = compiled[fn.__name__]
    arrays = arrays if isinstance(arrays, tuple) else (arrays,)
    return np.concatenate([run(*(tf.constant(a[i : i + chunk]) for a in arrays)).numpy()
                           for i in range(0, len(arrays[0]), chunk)])


class Capability:
    """Marker base of every capability."""

    def check_images(self, x, name="x"):
        """Returns `x` as a float32 numpy batch of this model's images, or raises ValueError."""
        return check_images(x, self.image_shape, name=name)

    def check_labels(self, labels, n=None):
        """Refuses labels on an unconditional model (`Conditional` overrides this)."""
        if labels is not None:
            raise ValueError(
                f"{type(self).__name__} is unconditional and takes no labels; "
                "use a conditional architecture (e.g. 'cvae') to condition on a class"
            )
        return None

    def with_labels(self, arr, labels):
        """`arr`, or (arr, labels) for a conditional model: what the tensor functions take."""
        y = self.check_labels(labels, len(arr))
        return arr if y is None else (arr, y)

    def run_chunked(self, fn, arrays, chunk=CHUNK):
        return run_chunked(self, fn, arrays, chunk)


def check_sample_count(n, image_shape):
    """`n` as a positive int, refused before anything is allocated when the images would not fit."""
    n = check_count(n)
    size = n * math.prod(image_shape) * 4
    if size > MAX_SAMPLE_BYTES:
        most = MAX_SAMPLE_BYTES // (math.prod(image_shape) * 4)
        raise ValueError(f"n={n} images of shape {tuple(image_shape)} would take {size / 2**30:.1f} GiB of float32 "
                         f"pixels at once; sample at most {most} per call (call again with other seeds for more)")
    return n


class Sampler(Capability):
    """Draws images: `sample(n, seed)`, float32 NHWC in [0, 1]; a seed fixes them.

    The model provides `sample_tensor(n, seed)` (int32 scalars), stateless in
    `seed`, so that Keras, the SavedModel and ONNX agree on the same seed.
    """

    def sample(self, n, seed=None, labels=None):
        """Draws `n` images, float32 NHWC in [0, 1]; a seed fixes them."""
        self.check_labels(labels)
        n, seed = check_sample_count(n, self.image_shape), check_seed(seed)
        tf = _tf()
        return self.sample_tensor(tf.constant(n, tf.int32), tf.constant(seed, tf.int32)).numpy()


class Generator(Sampler):
    """A sampler that decodes codes drawn from N(0, I): `latent_codes`, `generate`, `interpolate`.

    The model provides `latent_dim` and `generate_tensor(z)` (and `labels` after
    `z` if conditional); `sample(n, seed)` generates `latent_codes(n, seed)`.
    """

    def prior_tensor(self, n, seed):
        tf = _tf()
        return tf.random.stateless_normal(tf.stack([n, self.latent_dim]), seed=tf.stack([seed, 0]))

    def sample_tensor(self, n, seed):
        return self.generate_tensor(self.prior_tensor(n, seed))

    def latent_codes(self, n, seed=None):
        """The codes `sample(n, seed)` draws, shape (n, latent_dim)."""
        n, seed = check_count(n), check_seed(seed)
        tf = _tf()
        return self.prior_tensor(tf.constant(n, tf.int32), tf.constant(seed, tf.int32)).numpy()

    def generate(self, z, labels=None):
        """Images for latent codes `z` (batch, latent_dim), float32 NHWC in [0, 1]."""
        z = check_codes(z, self.latent_dim)
        return self.run_chunked(self.generate_tensor, self.with_labels(z, labels))

    def interpolate(self, z_a, z_b, steps=8, labels=None):
        """Images along the great circle between two codes (slerp: the prior's mass is on a shell).

        Args:
            z_a, z_b: codes of shape (latent_dim,) or (1, latent_dim);
                `latent_codes(1, seed)` gives the code of a seed.
            steps: number of images, ends included (>= 2).
            labels: for a conditional model, one label for the whole row.
        """
        steps = check_steps(steps)
        a, b = (check_codes(np.reshape(v, (1, -1)) if np.ndim(v) == 1 else v, self.latent_dim, name)[0]
                for v, name in ((z_a, "z_a"), (z_b, "z_b")))
        cos = np.dot(a, b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12)
        omega = np.arccos(np.clip(cos, -1.0, 1.0))
        t = np.linspace(0.0, 1.0, steps)[:, None]
        if omega < 1e-6:
            z = (1 - t) * a + t * b
        else:
            z = (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)
        if labels is not None and np.ndim(labels) == 0:
            labels = np.full(steps, labels)
        return self.generate(z.astype(np.float32), labels=labels)


def check_steps(steps):
    steps = check_count(steps, "steps")
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}")
    return steps


def reconstruction_error(model, x, labels=None):
    """Mean squared reconstruction error of each image, (n,)."""
    x = model.check_images(x)
    return np.mean((model.reconstruct(x, labels=labels) - x) ** 2, axis=(1, 2, 3))


class Scorer(Capability):
    """Scores images for strangeness: `score(x)`, higher for images unlike the training set (outliers).

    Every capability that implies a score inherits it and implements `score`;
    a model with a score of its own (a density over codes) declares it directly.
    """


class Autoencoder(Scorer):
    """Encodes images to codes and decodes them back: `encode`, `decode`, `reconstruct`, `score`.

    The model provides `latent_dim`, `encode_tensor(x)` and `decode_tensor(z)`
    (with `labels` after them if conditional); `score` is the reconstruction
    error, high for images unlike the training set.
    """

    def reconstruct_tensor(self, x, labels=None):
        if labels is None:
            return self.decode_tensor(self.encode_tensor(x))
        return self.decode_tensor(self.encode_tensor(x, labels), labels)

    def encode(self, x, labels=None):
        """The code of each image, (n, latent_dim) float32 (a VAE's: the posterior mean)."""
        return self.run_chunked(self.encode_tensor, self.with_labels(self.check_images(x), labels))

    def decode(self, z, labels=None):
        """The image of each code, float32 NHWC in [0, 1]."""
        z = check_codes(z, self.latent_dim)
        return self.run_chunked(self.decode_tensor, self.with_labels(z, labels))

    def reconstruct(self, x, labels=None):
        """Encodes then decodes images."""
        return self.run_chunked(self.reconstruct_tensor, self.with_labels(self.check_images(x), labels))

    def score(self, x, labels=None):
        """Outlier score of each image: its mean squared reconstruction error (higher is stranger)."""
        return reconstruction_error(self, x, labels)

    def interpolate(self, a, b, steps=8, labels=None):
        """Decodes `steps` codes on the line between the codes of images `a` and `b` (ends included).

        Args:
            a, b: single images (H, W, C) or batches whose first image is used.
            steps: number of images, ends included (>= 2).

        Returns:
            (steps, H, W, C) float32 in [0, 1].
        """
        steps = check_steps(steps)
        pair = [self.check_images(np.asarray(v)[None] if np.ndim(v) == 3 else v, name)[:1]
                for v, name in ((a, "a"), (b, "b"))]
        if labels is not None and np.ndim(labels) == 0:
            za, zb = self.encode(np.concatenate(pair), labels=np.full(2, labels))
            labels = np.full(steps, labels)
        else:
            za, zb = self.encode(np.concatenate(pair), labels=labels)
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        return self.decode((1 - t) * za + t * zb, labels=labels)


class LikelihoodBound(Scorer):
    """A lower bound on log p(x): `elbo(x)`, `log_prob(x, k)` (importance weighted), `score`.

    The model provides `elbo_tensor(x, seed)` and `iwae_tensor(x, k, seed)`
    (nats per image; `labels` after `x` if conditional) and `likelihood`, the
    name of its pixel likelihood.
    """

    likelihood = "bernoulli"

    def elbo(self, x, seed=0, labels=None):
        """ELBO of each image in nats (one posterior sample, fixed seed)."""
        x = self.check_images(x)
        y = self.check_labels(labels, len(x))
        tf = _tf()
        out = []
        for i in range(0, len(x), CHUNK):
            args = [tf.constant(x[i : i + CHUNK])] + ([] if y is None else [tf.constant(y[i : i + CHUNK])])
            out.append(self.elbo_tensor(*args, seed=tf.constant([seed, i])).numpy())
        return np.concatenate(out)

    def log_prob(self, x, k=100, seed=0, labels=None):
        """Importance-weighted estimate of log p(x) in nats (Burda et al., 2016).

        log p(x) >= log mean_i p(x, z_i) / q(z_i|x), z_i ~ q(z|x); the bound
        tightens as `k` grows, so negated it is an upper bound on the true NLL.
        """
        x = self.check_images(x)
        y = self.check_labels(labels, len(x))
        k = check_count(k, "k")
        chunk = max(1, CHUNK // k)
        tf = _tf()
        out = []
        for i in range(0, len(x), chunk):
            args = [tf.constant(x[i : i + chunk])] + ([] if y is None else [tf.constant(y[i : i + chunk])])
            out.append(self.iwae_tensor(*args, k=k, seed=tf.constant([seed, i])).numpy())
        return np.concatenate(out)

    def score(self, x, labels=None):
        """Outlier score: the negative ELBO in nats (higher is stranger)."""
        return -self.elbo(x, labels=labels)


class ExactLikelihood(Scorer):
    """An exact log p(x): `log_prob(x)` in nats per image, `bits_per_dim(x)`, `score`.

    The model provides `log_prob_tensor(x)` (`labels` after `x` if conditional),
    the density of the images as they cross the API (continuous, in [0, 1]);
    `bits_per_dim` reports it for 8-bit images on the scale of the flow
    literature, (-log p + D log 256) / (D log 2) (a flow takes p at each
    pixel's bin centre; its `bits_per_dim_dequantised` is the papers' noisy bound).
    """

    def log_prob(self, x, labels=None):
        """log p(x) of each image in nats (a density over [0, 1]^D)."""
        return self.run_chunked(self.log_prob_tensor, self.with_labels(self.check_images(x), labels))

    def bits_per_dim(self, x, labels=None):
        """Negative log-likelihood of 8-bit images in bits per sub-pixel, one figure per image.

        A density over [0, 1]^D gives a density over [0, 256)^D by a change of
        scale: -log p_256(x) = -log p(x) + D log 256.
        """
        dims = math.prod(self.image_shape)
        nll = -self.log_prob(x, labels=labels) + dims * math.log(256.0)
        return nll / (dims * math.log(2.0))

    def score(self, x, labels=None):
        """Outlier score: the negative log-likelihood in nats (higher is stranger)."""
        return -self.log_prob(x, labels=labels)


class Translator(Capability):
    """Translates images from one domain to another: `translate(x, direction)`.

    The model provides `directions` (names such as `"a2b"`) and
    `translate_functions()`, one tensor function per direction, in that order.
    """

    directions = ("a2b",)

    def translate(self, x, direction=None):
        """Images `x` of the direction's source domain, translated, float32 NHWC in [0, 1]."""
        direction = self.directions[0] if direction is None else direction
        if direction not in self.directions:
            raise ValueError(f"direction must be one of {list(self.directions)}, got {direction!r}")
        index = self.directions.index(direction)
        fn = self.translate_functions()[index]
        return self.run_chunked(fn, self.check_images(x))



class Conditional(Capability):
    """A model conditioned on a class label (`cvae`, `cgan`), placed before its other capabilities.

    The model has `num_classes`; its tensor functions take the labels after
    the images or codes, and `sample_tensor(labels, seed)` draws one image per label.
    """

    # `fit` takes (images, labels) batches.
    needs_labels = True

    def check_labels(self, labels, n=None):
        return check_class_labels(labels, self.num_classes, n, owner=type(self).__name__)

    def sample(self, n, seed=None, labels=None):
        """Draws `n` images of the given classes (default: the classes in turn)."""
        n, seed = check_sample_count(n, self.image_shape), check_seed(seed)
        y = np.arange(n, dtype=np.int32) % self.num_classes if labels is None else self.check_labels(labels, n)
        tf = _tf()
        return self.sample_tensor(tf.constant(y), tf.constant(seed, tf.int32)).numpy()

    def sample_tensor(self, labels, seed):
        tf = _tf()
        return self.generate_tensor(self.prior_tensor(tf.shape(labels)[0], seed), labels)


class Classifier(Capability):
    """Classifies images: `classify`, `logits`, and the penultimate `features`."""

    def logits(self, x):
        """Class logits of each image, (n, num_classes)."""
        return self.run_chunked(self.logits_tensor, self.check_images(x), 1000)

    def classify(self, x):
        """The most likely class of each image, (n,) int."""
        return np.argmax(self.logits(x), axis=1)

    def features(self, x):
        """The penultimate features of each image: what FID (domain) compares."""
        return self.run_chunked(self.features_tensor, self.check_images(x), 1000)


class SparseCode(Capability):
    """An autoencoder whose code is kept sparse: `sparsity(x)`, the share of code units that are on."""

    def sparsity(self, x):
        """The mean share of code units that are non-zero for images `x`."""
        return float(np.mean(self.encode(x) > 0))


class Swapper(Capability):
    """Redraws images as one of `identities` identities: `swap(x, to)` (the face-swap autoencoder)."""

    def swap(self, x, to):
        """Images `x` redrawn as identity `to` (an int, or one per image)."""
        return self.reconstruct(x, labels=to)


class Denoiser(Capability):
    """Maps corrupted images to clean ones: `denoise(x)`; `corrupt(x, seed)` makes training-like noise."""

    def denoise(self, x):
        """The clean image the model estimates for each noisy image."""
        return self.reconstruct(x)

    def corrupt(self, x, seed=0):
        """The training corruption applied to images `x` with a fixed seed (float32)."""
        x = self.check_images(x)
        tf = _tf()
        return np.concatenate([
            self.corrupt_tensor(tf.constant(x[i : i + CHUNK]), seed=tf.constant([seed, i])).numpy()
            for i in range(0, len(x), CHUNK)
        ])


def capabilities(model_or_class):
    """Names of the capabilities a model (or class) declares, e.g. `['Autoencoder', 'Sampler']`."""
    cls = model_or_class if isinstance(model_or_class, type) else type(model_or_class)
    return sorted(c.__name__ for c in cls.__mro__ if issubclass(c, Capability) and c is not Capability
                  and c.__module__ == __name__)
