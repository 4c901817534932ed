"""Classical baselines as zoo models: PCA, a Gaussian mixture and a kernel density estimate.

Each is a `keras.Model` whose whole state is non-trainable Keras weights, so it
loads, saves and exports (SavedModel, ONNX) through the same machinery as the
neural models, and is measured with the same instruments. The maths is the
numpy estimators' in `zoo.metrics.classical`: `fit_data(images)` runs one of
them and copies its result into the weights.

- `pca`: the best linear code of a given size. encode/decode/reconstruct/score,
  like an autoencoder (it is the optimal *linear* autoencoder under squared error).
- `gmm`: a mixture of full-covariance Gaussians, fitted by EM in the space of
  the first `pca_dim` principal components; samples are decoded by the PCA.
- `kde`: a Gaussian kernel density estimate over a stored subset of training
  codes in the same kind of PCA space; a sample is a stored code plus kernel noise.

They are not trained by gradient steps: `fit()` refuses with a pointer to
`fit_data()`. Everything runs in float32 whatever the dtype policy, because
a closed-form fit has no loss scaling to protect it and bfloat16 would
round the principal components.

The mixture's and the KDE's densities are over the PCA code, not over pixels,
so they are offered as `code_log_density(z)` and as an outlier `score(x)`, and
deliberately not as `log_prob(x)` (which the zoo reserves for a likelihood of
images, comparable across models in nats per image).
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from zoo.base import GenerativeModel
from zoo.capabilities import Autoencoder, Sampler, Scorer
from zoo.checks import check_codes, check_count, check_image_shape, check_images, check_seed
from zoo.metrics import classical as estimators
from zoo.registry import register

CHUNK = 512
# The KDE's density compares each input code with every stored code.
DENSITY_CHUNK = 256
# KernelDensity holds these many training codes out to choose its bandwidth.
KDE_HELD_OUT = 1000


def build_projection(image_shape, dim):
    """Encoder (images -> `dim` codes) and decoder (codes -> pixels, unclipped) of a linear projection.

    Untrained, both are the projection onto the first `dim` pixels, an
    orthonormal basis like a fitted PCA's, so an untrained model is valid.
    """
    size = math.prod(image_shape)
    x_in = keras.Input(image_shape, name="images")
    code = layers.Dense(dim, kernel_initializer="identity", dtype="float32", trainable=False,
                        name="project")(layers.Flatten()(x_in))
    encoder = keras.Model(x_in, code, name="encoder")
    z_in = keras.Input((dim,), name="z")
    flat = layers.Dense(size, kernel_initializer="identity", dtype="float32", trainable=False,
                        name="back_project")(z_in)
    decoder = keras.Model(z_in, layers.Reshape(image_shape)(flat), name="decoder")
    return encoder, decoder


def image_batch(x):
    """A batch of NHWC images in [0, 1] of any (height, width, 1 or 3 channels), as float32."""
    shape = np.shape(x)
    if len(shape) != 4:
        raise ValueError(f"x must be a batch of images (batch, height, width, channels) in [0, 1], got shape {shape}")
    return check_images(x, check_image_shape(shape[1:], "the images' shape"))


def eye_stack(shape, dtype=None):
    """Initialiser of a stack of identity matrices (untrained covariance factors)."""
    return keras.ops.broadcast_to(keras.ops.eye(shape[-1], dtype=dtype), shape)


class ClassicalModel(GenerativeModel):
    """A model with a PCA projection whose state is set by `fit_data`, not by `fit`.

    Args:
        image_shape: (height, width, channels).
        code_dim: size of the PCA code.
        code_name: the argument that set it, for error messages.
    """

    loss_names = ()
    # Read by the test suite: these models have no gradient step to check.
    trains_by_gradient = False

    def __init__(self, image_shape=(28, 28, 1), code_dim=16, code_name="code_dim", **kwargs):
        super().__init__(image_shape=image_shape, **kwargs)
        size = math.prod(self.image_shape)
        code_dim = check_count(code_dim, code_name)
        if code_dim > size:
            raise ValueError(f"{code_name} can be at most {size} (the pixels of an image of shape "
                             f"{self.image_shape}), got {code_dim}")
        self.code_dim = code_dim
        self.encoder, self.decoder = build_projection(self.image_shape, code_dim)

    @property
    def latent_dim(self):
        # The name the autoencoders' tools (cards, probes, maps) read the code size by.
        return self.code_dim

    def flat_data(self, x, at_least=2):
        x = self.check_images(x)
        if len(x) < at_least:
            raise ValueError(f"{type(self).__name__}.fit_data needs at least {at_least} images, got {len(x)}")
        return x.reshape(len(x), -1)

    def set_projection(self, pca):
        """Copies a fitted `zoo.metrics.classical.PCA` into the encoder and decoder."""
        components = np.asarray(pca.components_, np.float64)
        mean = np.asarray(pca.mean_, np.float64)
        self.encoder.get_layer("project").set_weights(
            [components.T.astype(np.float32), (-mean @ components.T).astype(np.float32)])
        self.decoder.get_layer("back_project").set_weights(
            [components.astype(np.float32), mean.astype(np.float32)])

    # ---- tensor functions (exported) -------------------------------------

    def encode_tensor(self, x, labels=None):
        return self.encoder(tf.cast(x, "float32"), training=False)

    def decode_tensor(self, z, labels=None):
        return tf.clip_by_value(self.decoder(tf.cast(z, "float32"), training=False), 0.0, 1.0)


@register("pca")
class PCA(Autoencoder, ClassicalModel):
    """Principal component analysis as an autoencoder with a closed-form fit.

    Args:
        image_shape: (height, width, channels).
        n_components: the code size.

    Example:
        >>> pca = zoo.create("pca", image_shape=(28, 28, 1), n_components=16)
        >>> pca.fit_data(zoo.data.as_numpy("mnist", "train"))
        >>> rebuilt = pca.reconstruct(test_images)
    """

    main_function = "reconstruct"

    def __init__(self, image_shape=(28, 28, 1), n_components=16, **kwargs):
        super().__init__(image_shape=image_shape, code_dim=n_components, code_name="n_components", **kwargs)
        self.n_components = self.code_dim
        self.fit_info = {}

    def fit_data(self, x):
        """Fits the principal components of images `x` (float32 NHWC in [0, 1]); returns self."""
        flat = self.flat_data(x)
        pca = estimators.PCA(self.n_components).fit(flat)
        self.set_projection(pca)
        total = float(np.var(flat.astype(np.float64), axis=0, ddof=1).sum())
        self.fit_info = {"explained_variance_ratio": float(pca.explained_variance_.sum() / total)}
        return self

    def call(self, x, training=False):
        return self.reconstruct_tensor(x)


class CodeDensity(Scorer, Sampler, ClassicalModel):
    """A density over PCA codes that samples images by decoding codes it draws."""

    main_function = "decode"

    def call(self, x, training=False):
        return self.encode_tensor(x)

    def sample_codes_tensor(self, n, seed):
        raise NotImplementedError

    def log_density_tensor(self, z):
        raise NotImplementedError

    def sample_tensor(self, n, seed):
        return self.decode_tensor(self.sample_codes_tensor(n, seed))

    def inference_functions(self):
        # A sampler, not an autoencoder: its code is the PCA's, exported beside `sample`.
        images = tf.TensorSpec((None, *self.image_shape), tf.float32, name="images")
        z = tf.TensorSpec((None, self.code_dim), tf.float32, name="z")
        return {"encode": (self.encode_tensor, [images]), "decode": (self.decode_tensor, [z]),
                **super().inference_functions()}

    def encode(self, x):
        """The PCA code of each image, (n, pca_dim) float32."""
        return self.run_chunked(self.encode_tensor, self.check_images(x), CHUNK)

    def decode(self, z):
        """The image of each PCA code, float32 NHWC clipped to [0, 1]."""
        return self.run_chunked(self.decode_tensor, check_codes(z, self.code_dim), CHUNK)

    def sample_codes(self, n, seed=None):
        """Draws `n` PCA codes from the density, (n, code size) float32; a seed fixes them."""
        n, seed = check_count(n), check_seed(seed)
        return self.sample_codes_tensor(tf.constant(n, tf.int32), tf.constant(seed, tf.int32)).numpy()

    def code_log_density(self, z):
        """log density of PCA codes, in nats of the code space (not a likelihood of images)."""
        return self.run_chunked(self.log_density_tensor, check_codes(z, self.code_dim), DENSITY_CHUNK)

    def score(self, x):
        """Outlier score: the negative log density of each image's PCA code (higher is stranger)."""
        return -self.code_log_density(self.encode(x))


@register("gmm")
class GMM(CodeDensity):
    """Gaussian mixture with full covariances in a PCA code space, fitted by EM.

    Args:
        image_shape: (height, width, channels).
        n_components: number of Gaussians.
        pca_dim: size of the PCA code the mixture lives in.

    Example:
        >>> gmm = zoo.create("gmm", n_components=20, pca_dim=40)
        >>> gmm.fit_data(zoo.data.as_numpy("mnist", "train"))
        >>> grid = gmm.sample(64, seed=0)
    """

    def __init__(self, image_shape=(28, 28, 1), n_components=20, pca_dim=40, **kwargs):
        super().__init__(image_shape=image_shape, code_dim=pca_dim, code_name="pca_dim", **kwargs)
        self.n_components = check_count(n_components, "n_components")
        self.pca_dim = self.code_dim
        k, d = self.n_components, self.pca_dim
        self.mixture_weights = self.add_weight(shape=(k,), initializer=keras.initializers.Constant(1.0 / k),
                                               dtype="float32", trainable=False, name="mixture_weights")
        self.mixture_means = self.add_weight(shape=(k, d), initializer="zeros", dtype="float32",
                                             trainable=False, name="mixture_means")
        # Cholesky factors L_k of the covariances (L_k L_k^T): a sample is mean + L_k eps.
        self.mixture_scale_tril = self.add_weight(shape=(k, d, d), initializer=eye_stack, dtype="float32",
                                                  trainable=False, name="mixture_scale_tril")
        self.fit_info = {}

    def fit_data(self, x, iterations=50, seed=0, reg=1e-4):
        """Fits the PCA, then the mixture by EM (`zoo.metrics.classical.GaussianMixture`); returns self.

        Args:
            x: float32 NHWC images in [0, 1].
            iterations: EM iterations.
            seed: picks the training codes the means start from.
            reg: added to each covariance's diagonal.
        """
        flat = self.flat_data(x, at_least=max(2, self.n_components))
        gm = estimators.GaussianMixture(self.n_components, pca_dim=self.pca_dim, iterations=iterations,
                                        seed=seed, reg=reg).fit(flat)
        self.set_estimator(gm)
        self.fit_info = {"iterations": int(iterations), "seed": int(seed), "reg": float(reg)}
        return self

    @classmethod
    def selected(cls, x, candidates=estimators.GMM_CANDIDATES, seed=0, iterations=100, reg=1e-4):
        """The mixture with the best held-out likelihood over pixels among `candidates`, fitted on `x`.

        Runs `zoo.metrics.classical.select_gaussian_mixture` (each (n_components,
        pca_dim) pair fitted on most of `x`, scored on its last sixth, the best
        refitted on all of it) and returns a model of the chosen size, its
        `fit_info["selection"]` holding every candidate's held-out score.

        Example:
            >>> gmm = GMM.selected(zoo.data.as_numpy("mnist", "train"))
            >>> gmm.n_components, gmm.pca_dim
            (50, 80)
        """
        x = image_batch(x)
        gm = estimators.select_gaussian_mixture(x.reshape(len(x), -1), candidates, seed=seed,
                                                iterations=iterations, reg=reg)
        model = cls(image_shape=x.shape[1:], n_components=gm.n_components, pca_dim=gm.pca_dim)
        model.set_estimator(gm)
        model.fit_info = {"iterations": int(iterations), "seed": int(seed), "reg": float(reg),
                          "selection": gm.selection_}
        return model

    def set_estimator(self, gm):
        """Copies a fitted `zoo.metrics.classical.GaussianMixture` of this model's size into its weights."""
        if (gm.n_components, gm.pca_dim) != (self.n_components, self.pca_dim):
            raise ValueError(f"this gmm has {self.n_components} components in {self.pca_dim} PCA dims; the "
                             f"fitted mixture has {gm.n_components} in {gm.pca_dim}")
        self.set_projection(gm.pca_)
        self.mixture_weights.assign(np.asarray(gm.weights_, np.float32))
        self.mixture_means.assign(np.asarray(gm.means_, np.float32))
        self.mixture_scale_tril.assign(np.linalg.cholesky(gm.covariances_).astype(np.float32))

    def sample_codes_tensor(self, n, seed):
        logits = tf.math.log(self.mixture_weights)[None]
        picks = tf.random.stateless_categorical(logits, n, seed=tf.stack([seed, 0]))[0]
        eps = tf.random.stateless_normal(tf.stack([n, self.pca_dim]), seed=tf.stack([seed, 1]))
        scale = tf.gather(self.mixture_scale_tril, picks)
        return tf.gather(self.mixture_means, picks) + tf.linalg.matvec(scale, eps)

    def log_density_tensor(self, z):
        diff = z[None] - self.mixture_means[:, None]                       # (k, n, d)
        white = tf.linalg.triangular_solve(self.mixture_scale_tril, tf.transpose(diff, [0, 2, 1]), lower=True)
        log_det = tf.reduce_sum(tf.math.log(tf.linalg.diag_part(self.mixture_scale_tril)), axis=1)
        log_joint = (tf.math.log(self.mixture_weights)[:, None] - 0.5 * tf.reduce_sum(white**2, axis=1)
                     - log_det[:, None] - 0.5 * self.pca_dim * math.log(2 * math.pi))
        return tf.reduce_logsumexp(log_joint, axis=0)

    def mixture(self):
        """The fitted mixture as numpy: (weights (k,), means (k, d), covariances (k, d, d))."""
        scale = self.mixture_scale_tril.numpy().astype(np.float64)
        return (self.mixture_weights.numpy().astype(np.float64), self.mixture_means.numpy().astype(np.float64),
                scale @ np.swapaxes(scale, 1, 2))


@register("kde")
class KDE(CodeDensity):
    """Gaussian kernel density estimate over stored training codes in a PCA space.

    Args:
        image_shape: (height, width, channels).
        pca_dim: size of the PCA code.
        max_points: how many training codes are stored (the preset's size is
            about max_points * pca_dim * 4 bytes).

    Example:
        >>> kde = zoo.create("kde", pca_dim=40, max_points=10000)
        >>> kde.fit_data(zoo.data.as_numpy("mnist", "train"))
        >>> grid = kde.sample(64, seed=0)
    """

    def __init__(self, image_shape=(28, 28, 1), pca_dim=40, max_points=10000, **kwargs):
        super().__init__(image_shape=image_shape, code_dim=pca_dim, code_name="pca_dim", **kwargs)
        self.pca_dim = self.code_dim
        self.max_points = check_count(max_points, "max_points")
        self.points = self.add_weight(shape=(self.max_points, self.pca_dim), initializer="zeros", dtype="float32",
                                      trainable=False, name="points")
        self.bandwidth = self.add_weight(shape=(), initializer=keras.initializers.Constant(1.0), dtype="float32",
                                         trainable=False, name="bandwidth")
        self.fit_info = {}

    def fit_data(self, x, seed=0, bandwidths=(0.1, 0.2, 0.3, 0.5, 0.7, 1.0)):
        """Fits the PCA, keeps `max_points` random training codes and picks the bandwidth; returns self.

        The bandwidth is the candidate (in units of the codes' mean standard
        deviation) with the best log-likelihood on 1000 held-out training codes
        (`zoo.metrics.classical.KernelDensity`).
        """
        need = KDE_HELD_OUT + self.max_points
        x = self.check_images(x)
        if len(x) < need:
            raise ValueError(f"kde with max_points={self.max_points} needs at least {need} images "
                             f"({KDE_HELD_OUT} are held out to choose the bandwidth), got {len(x)}; "
                             "lower max_points")
        kd = estimators.KernelDensity(pca_dim=self.pca_dim, max_points=self.max_points,
                                      bandwidths=tuple(float(b) for b in bandwidths), seed=seed)
        kd.fit(x.reshape(len(x), -1))
        self.set_estimator(kd)
        self.fit_info = {"seed": int(seed), "bandwidths": [float(b) for b in bandwidths],
                         "bandwidth": float(kd.bandwidth_), "bandwidth_in_code_stds": float(kd.bandwidth_ / kd.code_scale())}
        return self

    @classmethod
    def selected(cls, x, pca_dims=estimators.KDE_PCA_DIMS, bandwidths=estimators.KDE_BANDWIDTHS, max_points=10000,
                 seed=0):
        """The KDE with the best held-out likelihood over pixels among PCA sizes x bandwidths, fitted on `x`.

        Runs `zoo.metrics.classical.select_kernel_density` and returns a model
        of the chosen PCA size storing `max_points` random codes of `x` (fewer
        if `x` has fewer images), its `fit_info["selection"]` holding every
        candidate's held-out score.
        """
        x = image_batch(x)
        kd = estimators.select_kernel_density(x.reshape(len(x), -1), pca_dims, bandwidths, max_points, seed=seed)
        model = cls(image_shape=x.shape[1:], pca_dim=kd.pca_dim, max_points=len(kd.points_))
        model.set_estimator(kd)
        model.fit_info = {"seed": int(seed), "bandwidth": float(kd.bandwidth_),
                          "bandwidth_in_code_stds": float(kd.bandwidth_ / kd.code_scale()),
                          "selection": kd.selection_}
        return model

    def set_estimator(self, kd):
        """Copies a fitted `zoo.metrics.classical.KernelDensity` of this model's size into its weights."""
        if (len(kd.points_), kd.pca_dim) != (self.max_points, self.pca_dim):
            raise ValueError(f"this kde stores {self.max_points} codes of {self.pca_dim} PCA dims; the fitted "
                             f"estimate has {len(kd.points_)} of {kd.pca_dim}")
        self.set_projection(kd.pca_)
        self.points.assign(np.asarray(kd.points_, np.float32))
        self.bandwidth.assign(np.float32(kd.bandwidth_))

    def sample_codes_tensor(self, n, seed):
        picks = tf.random.stateless_uniform(tf.stack([n]), seed=tf.stack([seed, 0]), minval=0,
                                            maxval=self.max_points, dtype=tf.int32)
        eps = tf.random.stateless_normal(tf.stack([n, self.pca_dim]), seed=tf.stack([seed, 1]))
        return tf.gather(self.points, picks) + self.bandwidth * eps

    def log_density_tensor(self, z):
        h = self.bandwidth
        d2 = tf.maximum(tf.reduce_sum(z**2, 1)[:, None] + tf.reduce_sum(self.points**2, 1)[None]
                        - 2.0 * tf.matmul(z, self.points, transpose_b=True), 0.0)
        log_kernel = -0.5 * d2 / h**2 - self.pca_dim * tf.math.log(h * math.sqrt(2 * math.pi))
        return tf.reduce_logsumexp(log_kernel, axis=1) - math.log(self.max_points)
