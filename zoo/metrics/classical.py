"""Classical baselines the neural models must beat: scikit-learn's estimators, wrapped.

- `PCA`: the best linear code of a given size (`sklearn.decomposition.PCA`).
- `GaussianMixture`: full-covariance Gaussians in a PCA code space
  (`sklearn.mixture.GaussianMixture`), sampled and decoded to pixels.
- `KernelDensity`: a Gaussian kernel density estimate in a PCA code space. Its
  log-density is the exact sum over the stored codes in numpy, not
  `sklearn.neighbors.KernelDensity.score_samples`: on MNIST codes (40-d, 10,000
  stored points) the tree-based sklearn estimate missed by more than 1e-3 nats
  for 209 of 500 held-out codes, by 149 nats for one far from every stored
  code (scikit-learn issue #7492), which would corrupt the held-out choice.
- `BernoulliMixture`: a mixture of products of Bernoullis fitted by EM (no
  standard equivalent), scored with the same grey-level Bernoulli likelihood as
  a Bernoulli VAE, so its test log-likelihood is directly comparable with the VAE's.
- `select_gaussian_mixture`, `select_kernel_density`: the settings (components,
  PCA size, bandwidth) chosen by held-out log-likelihood over pixels.

Densities in a PCA code space of d dimensions are not comparable across d. A
code density becomes a density over the D pixels (`pixel_log_density`) by
adding, as probabilistic PCA does, an isotropic Gaussian on the residual
orthogonal to the code's subspace, with the variance the discarded directions
have on average; the map from pixels to (code, residual) is a rotation, so no
Jacobian enters.

scikit-learn is imported when an estimator is fitted, so importing `zoo.metrics`
stays cheap.
"""

import math
import warnings

import numpy as np
from scipy.special import logsumexp

from zoo.checks import check_count

# The selection grids of `select_gaussian_mixture` and `select_kernel_density`.
GMM_CANDIDATES = tuple((k, d) for k in (10, 20, 50, 100) for d in (20, 40, 50, 80))
KDE_PCA_DIMS = (20, 40, 50)
KDE_BANDWIDTHS = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
# KernelDensity holds out this many training codes when it chooses among bandwidths itself.
KDE_HELD_OUT = 1000
_ROWS_AT_ONCE = 4096  # rows of pixels (or code-to-point distances) held at once by the chunked loops


def _flat(x, name="x"):
    x = np.asarray(x, np.float64)
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"{name} must be a non-empty (n, ...) array of images, got shape {x.shape}")
    x = x.reshape(len(x), -1)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds NaN or inf")
    return x


def bits_per_dim(nats_per_image, dim):
    """Nats per image of a density over pixels in [0, 1] as bits per dimension of 8-bit images.

    -log2 p(x) / D + 8: the density of the 256-level grid's cells of width 1/256,
    the usual dequantised convention. For a Gaussian model it is approximate,
    as the Gaussian also puts mass outside [0, 1].
    """
    return -nats_per_image / (dim * math.log(2)) + 8.0


class PCA:
    """Principal components (`sklearn.decomposition.PCA`), fitted in float64.

    Exact (the eigendecomposition of the covariance, sklearn's
    "covariance_eigh") up to `EXACT_MAX_DIM` pixels. Past it (64x64 colour
    faces have 12,288) the D x D covariance costs minutes and gigabytes, so the
    top components come from randomized subspace iteration (Halko, Martinsson &
    Tropp, 2011; sklearn's "randomized": 8 power iterations with QR
    normalisation, 20 extra directions, a fixed seed), which needs only
    products with the data.

    Fitted attributes: `components_` (d, D) orthonormal rows, `mean_` (D,),
    `explained_variance_` (d,), `total_variance_` (the trace of the
    covariance) and `residual_variance_` (the mean variance of the D - d
    discarded directions). `estimator_` is the fitted sklearn PCA (None for a
    `leading` copy).

    Args:
        n_components: the code size.

    Example:
        >>> pca = PCA(16).fit(train.reshape(len(train), -1))
        >>> rec = pca.inverse_transform(pca.transform(test_flat))
    """

    EXACT_MAX_DIM = 4096

    def __init__(self, n_components):
        self.n_components = check_count(n_components, "n_components")

    def fit(self, x):
        from sklearn.decomposition import PCA as SkPCA

        x = _flat(x)
        n, dim = x.shape
        if self.n_components > dim:
            raise ValueError(f"n_components must be at most {dim}, got {self.n_components}")
        if self.n_components > n:
            raise ValueError(f"PCA with n_components={self.n_components} needs at least as many images, got {n}")
        wide = dim > self.EXACT_MAX_DIM
        self.estimator_ = SkPCA(self.n_components, svd_solver="randomized" if wide else "covariance_eigh",
                                iterated_power=8, n_oversamples=20, power_iteration_normalizer="QR",
                                random_state=0).fit(x)
        self.mean_ = self.estimator_.mean_
        self.components_ = self.estimator_.components_
        self.explained_variance_ = self.estimator_.explained_variance_
        # The trace of the covariance, a chunk of rows at a time (no centred copy of x).
        squares = sum(((x[i : i + _ROWS_AT_ONCE] - self.mean_) ** 2).sum() for i in range(0, n, _ROWS_AT_ONCE))
        self.total_variance_ = float(squares / max(n - 1, 1))
        self._set_residual()
        return self

    def _set_residual(self):
        left = self.components_.shape[1] - self.n_components
        discarded = max(self.total_variance_ - float(self.explained_variance_.sum()), 0.0)
        # Floored: data lying exactly on the subspace would give a zero variance and an infinite density.
        self.residual_variance_ = max(discarded / left, 1e-12) if left else 0.0

    def leading(self, n_components):
        """The PCA of the first `n_components` of these components (as a fit of that size gives), unfitted again."""
        n_components = check_count(n_components, "n_components")
        if n_components > self.n_components:
            raise ValueError(f"n_components must be at most {self.n_components}, got {n_components}")
        out = PCA(n_components)
        out.estimator_ = None
        out.mean_, out.total_variance_ = self.mean_, self.total_variance_
        out.components_ = self.components_[:n_components]
        out.explained_variance_ = self.explained_variance_[:n_components]
        out._set_residual()
        return out

    def transform(self, x):
        return (_flat(x) - self.mean_) @ self.components_.T

    def inverse_transform(self, codes):
        return np.asarray(codes, np.float64) @ self.components_ + self.mean_

    def reconstruct(self, images):
        flat = self.inverse_transform(self.transform(images))
        return np.clip(flat, 0, 1).reshape(np.shape(images)).astype(np.float32)

    def residual_log_density(self, x):
        """log density of each image's residual off the code's subspace, in nats.

        The residual (the image minus its unclipped reconstruction) under an
        isotropic Gaussian over the D - d discarded directions with variance
        `residual_variance_`; 0 when nothing is discarded.
        """
        x = _flat(x)
        left = x.shape[1] - self.n_components
        if left == 0:
            return np.zeros(len(x))
        out = np.empty(len(x))
        for i in range(0, len(x), _ROWS_AT_ONCE):
            chunk = x[i : i + _ROWS_AT_ONCE]
            residual = chunk - self.inverse_transform(self.transform(chunk))
            out[i : i + _ROWS_AT_ONCE] = -0.5 * (residual**2).sum(1) / self.residual_variance_
        return out - 0.5 * left * np.log(2 * np.pi * self.residual_variance_)


def _pca_for(x, pca, pca_dim):
    if pca is None:
        return PCA(pca_dim).fit(x)
    if pca.n_components != pca_dim or pca.components_.shape[1] != x.shape[1]:
        raise ValueError(f"pca must be a fitted PCA of {pca_dim} components over {x.shape[1]} pixels, got "
                         f"{pca.n_components} over {pca.components_.shape[1]}")
    return pca


class BernoulliMixture:
    """Mixture of K products of Bernoullis over pixels, fitted by EM.

    log p(x) = logsumexp_k [log pi_k + sum_d x_d log mu_kd + (1 - x_d) log(1 - mu_kd)],
    defined for grey levels x_d in [0, 1] as for a Bernoulli VAE.

    Args:
        n_components: K.
        iterations: EM iterations.
        seed: initialisation seed.
    """

    def __init__(self, n_components=50, iterations=40, seed=0, eps=1e-4):
        self.n_components, self.iterations, self.seed, self.eps = int(n_components), int(iterations), seed, eps

    def _log_joint(self, x):
        log_mu, log_1mu = np.log(self.means_), np.log1p(-self.means_)
        return np.log(self.weights_) + x @ log_mu.T + (1 - x) @ log_1mu.T

    def fit(self, x):
        x = np.asarray(x, np.float64).reshape(len(x), -1)
        rng = np.random.default_rng(self.seed)
        # Start from random data points, smoothed towards the mean image.
        picks = x[rng.choice(len(x), self.n_components, replace=False)]
        self.means_ = np.clip(0.5 * picks + 0.5 * x.mean(0), self.eps, 1 - self.eps)
        self.weights_ = np.full(self.n_components, 1.0 / self.n_components)
        for _ in range(self.iterations):
            log_joint = self._log_joint(x)
            log_norm = np.logaddexp.reduce(log_joint, axis=1, keepdims=True)
            resp = np.exp(log_joint - log_norm)
            counts = resp.sum(0) + 1e-10
            self.weights_ = counts / counts.sum()
            self.means_ = np.clip((resp.T @ x) / counts[:, None], self.eps, 1 - self.eps)
        return self

    def log_prob(self, x):
        """log p(x) per image in nats."""
        x = np.asarray(x, np.float64).reshape(len(x), -1)
        return np.logaddexp.reduce(self._log_joint(x), axis=1)

    def sample(self, n, seed=0):
        """Mean images of components drawn by weight (the Bernoulli means, as a VAE's decode)."""
        rng = np.random.default_rng(seed)
        return self.means_[rng.choice(self.n_components, n, p=self.weights_)]


class GaussianMixture:
    """Full-covariance Gaussian mixture (`sklearn.mixture.GaussianMixture`) in a PCA code space.

    Fitting in the space of the first `pca_dim` principal components keeps the
    covariances well conditioned and the model small; samples are decoded back
    to pixels by the PCA. EM starts from k-means (sklearn's default) and stops
    when the mean log-likelihood gains less than 1e-3 in an iteration or after
    `iterations`; `converged_` and `n_iter_` say which.

    Fitted attributes: `pca_`, `weights_` (k,), `means_` (k, d),
    `covariances_` (k, d, d), `estimator_` (the sklearn mixture).

    Args:
        n_components: number of Gaussians.
        pca_dim: size of the PCA code the mixture lives in.
        iterations: EM iterations at most.
        seed: the k-means initialisation's seed.
        reg: added to each covariance's diagonal.
    """

    def __init__(self, n_components=20, pca_dim=40, iterations=100, seed=0, reg=1e-4):
        self.n_components = check_count(n_components, "n_components")
        self.pca_dim, self.iterations = check_count(pca_dim, "pca_dim"), check_count(iterations, "iterations")
        self.seed, self.reg = seed, reg

    def fit(self, x, pca=None):
        """Fits the PCA (or takes `pca`, fitted with `pca_dim` components), then the mixture; returns self."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.mixture import GaussianMixture as SkGaussianMixture

        x = _flat(x)
        if self.n_components > len(x):
            raise ValueError(f"a mixture of {self.n_components} Gaussians needs at least as many images, "
                             f"got {len(x)}")
        self.pca_ = _pca_for(x, pca, self.pca_dim)
        z = self.pca_.transform(x)
        self.estimator_ = SkGaussianMixture(self.n_components, covariance_type="full", reg_covar=self.reg,
                                            max_iter=self.iterations, random_state=self.seed)
        with warnings.catch_warnings():
            # A fixed budget of iterations is the contract; converged_ records whether it sufficed.
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.estimator_.fit(z)
        self.weights_ = self.estimator_.weights_
        self.means_ = self.estimator_.means_
        self.covariances_ = self.estimator_.covariances_
        self.converged_, self.n_iter_ = bool(self.estimator_.converged_), int(self.estimator_.n_iter_)
        return self

    def code_log_density(self, z):
        """log density of PCA codes (n, pca_dim), in nats of the code space."""
        return self.estimator_.score_samples(np.asarray(z, np.float64))

    def pixel_log_density(self, x):
        """log density of images as points of R^D, in nats per image: the code's times the residual's."""
        x = _flat(x)
        return self.code_log_density(self.pca_.transform(x)) + self.pca_.residual_log_density(x)

    def sample(self, n, seed=0):
        """Images (n, D) in [0, 1]: a component by weight, a Gaussian code, the PCA decode."""
        rng = np.random.default_rng(seed)
        picks = rng.choice(self.n_components, n, p=self.weights_)
        z = np.empty((n, self.pca_dim))
        for k in np.unique(picks):
            idx = picks == k
            z[idx] = rng.multivariate_normal(self.means_[k], self.covariances_[k], idx.sum())
        return np.clip(self.pca_.inverse_transform(z), 0, 1)


def _kde_log_density(z, points, bandwidths):
    """(len(bandwidths), len(z)) log densities of codes under Gaussian kernels at `points`, exactly."""
    out = np.empty((len(bandwidths), len(z)))
    squares = (points**2).sum(1)
    step = max(1, (_ROWS_AT_ONCE * 1024) // max(1, len(points)))
    for i in range(0, len(z), step):
        q = z[i : i + step]
        d2 = np.maximum((q**2).sum(1)[:, None] + squares[None] - 2 * q @ points.T, 0)
        for j, h in enumerate(bandwidths):
            out[j, i : i + step] = logsumexp(-0.5 * d2 / h**2, axis=1)
    norm = points.shape[1] * np.log(np.asarray(bandwidths, np.float64) * np.sqrt(2 * np.pi))
    return out - norm[:, None] - np.log(len(points))


class KernelDensity:
    """Gaussian kernel density estimate in a PCA code space.

    Sampling a KDE is: pick a stored training code, add kernel noise, decode.
    With several candidate bandwidths, `KDE_HELD_OUT` training codes are held
    out and the bandwidth with the best mean log-likelihood on them is kept;
    with one, it is used as is and nothing is held out.

    Fitted attributes: `pca_`, `points_` (stored codes), `bandwidth_` (the
    kernel's std in code units).

    Args:
        pca_dim: size of the PCA code.
        max_points: training codes kept (a random subset).
        bandwidths: candidate kernel widths, in units of the codes' mean std.
        seed: subset and sampling seed.
    """

    def __init__(self, pca_dim=40, max_points=10000, bandwidths=KDE_BANDWIDTHS, seed=0):
        self.pca_dim, self.max_points = check_count(pca_dim, "pca_dim"), check_count(max_points, "max_points")
        self.bandwidths = tuple(float(b) for b in bandwidths)
        if not self.bandwidths or not all(np.isfinite(b) and b > 0 for b in self.bandwidths):
            raise ValueError(f"bandwidths must be positive numbers, got {bandwidths!r}")
        self.seed = seed

    def code_scale(self):
        """The codes' mean standard deviation: the unit `bandwidths` are given in."""
        return float(np.sqrt(self.pca_.explained_variance_.mean()))

    def fit(self, x, pca=None):
        """Fits the PCA (or takes `pca`, fitted with `pca_dim` components), stores codes, picks the bandwidth."""
        x = _flat(x)
        held_out = KDE_HELD_OUT if len(self.bandwidths) > 1 else 0
        if len(x) <= held_out:
            raise ValueError(f"choosing among {len(self.bandwidths)} bandwidths holds out {held_out} images: "
                             f"it needs more than that, got {len(x)}")
        self.pca_ = _pca_for(x, pca, self.pca_dim)
        z = self.pca_.transform(x)
        order = np.random.default_rng(self.seed).permutation(len(z))
        held = z[order[:held_out]]
        self.points_ = z[order[held_out : held_out + self.max_points]]
        scale = self.code_scale()
        if held_out:
            scores = _kde_log_density(held, self.points_, [h * scale for h in self.bandwidths]).mean(1)
            self.bandwidth_ = self.bandwidths[int(np.argmax(scores))] * scale
        else:
            self.bandwidth_ = self.bandwidths[0] * scale
        return self

    def code_log_density(self, z):
        """log density of PCA codes (n, pca_dim), in nats of the code space."""
        return _kde_log_density(np.asarray(z, np.float64), self.points_, [self.bandwidth_])[0]

    def pixel_log_density(self, x):
        """log density of images as points of R^D, in nats per image: the code's times the residual's."""
        x = _flat(x)
        return self.code_log_density(self.pca_.transform(x)) + self.pca_.residual_log_density(x)

    def sample(self, n, seed=0):
        rng = np.random.default_rng(seed)
        z = self.points_[rng.integers(0, len(self.points_), n)]
        z = z + rng.standard_normal(z.shape) * self.bandwidth_
        return np.clip(self.pca_.inverse_transform(z), 0, 1)


# ---- settings chosen by held-out likelihood ------------------------------------


def _one_blas_thread():
    """BLAS limited to one thread while candidates are fitted.

    EM's products are small (a component's codes by a d x d factor): on the
    2 shared cores this was measured on, two OpenBLAS threads made a 50 x 50-d
    mixture's iteration 12 s instead of 0.9 s, waiting for each other while
    other processes held the cores; one thread loses little on an idle machine.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def held_out_split(n, held_out=1 / 6, fit_rows=20000, seed=0):
    """(fit, held) row indices: the last `held_out` share of the rows, and up to `fit_rows` of the rest.

    The held-out rows are the split's last ones (for 60,000 images, the last
    10,000); the fitting rows are a random subset (seed `seed`) of the others,
    in their order.
    """
    if not (isinstance(held_out, (float, int, np.number)) and 0 < held_out < 1):
        raise ValueError(f"held_out must be a share of the images in (0, 1), got {held_out!r}")
    fit_rows = check_count(fit_rows, "fit_rows")
    n_held = int(round(n * held_out))
    if n_held < 1 or n - n_held < 2:
        raise ValueError(f"cannot hold out {held_out:.3g} of {n} images and fit on the rest")
    rest = n - n_held
    fit = np.arange(rest)
    if rest > fit_rows:
        fit = np.sort(np.random.default_rng(seed).choice(rest, fit_rows, replace=False))
    return fit, np.arange(rest, n)


def _selection(kind, n, dim, fit, held, seed, scores, best):
    for row in scores:
        row["bits_per_dim"] = bits_per_dim(row["held_out_nats"], dim)
    return {
        "kind": kind,
        "criterion": ("mean held-out log-likelihood over pixels, nats per image: the PCA code's density "
                      "times an isotropic Gaussian on the residual (variance: the discarded directions' mean)"),
        "held_out": f"train[{n - len(held)}:]",
        "held_out_images": int(len(held)),
        "fit_images": int(len(fit)),
        "seed": seed,
        "candidates": scores,
        "chosen": scores[best],
    }


def select_gaussian_mixture(flat_train, candidates=GMM_CANDIDATES, seed=0, held_out=1 / 6, fit_rows=20000,
                            iterations=100, reg=1e-4):
    """The `GaussianMixture` with the best held-out likelihood over pixels, refitted on all of `flat_train`.

    Each candidate (number of Gaussians, PCA size) is fitted on up to
    `fit_rows` images of the training split, all but its last `held_out`
    share (one PCA of the largest size is fitted, and its leading components
    serve the smaller sizes), and scored by the mean `pixel_log_density` of the
    held-out images: code densities of different sizes are not comparable,
    densities over pixels are. The best is then fitted on the whole split.

    Args:
        flat_train: `(n, ...)` training images in [0, 1].
        candidates: (n_components, pca_dim) pairs.
        seed: the fitting subset's and the mixtures' seed.
        held_out: the share of the split held out, at its end.
        fit_rows: images the candidates are fitted on, at most.
        iterations, reg: as for `GaussianMixture`.

    Returns:
        The refitted `GaussianMixture`, with `selection_`: a JSON-ready dict of
        the held-out scores of every candidate (`candidates`), the `chosen` one
        and how they were measured.

    Example:
        >>> gmm = select_gaussian_mixture(train.reshape(len(train), -1))
        >>> gmm.selection_["chosen"]
        {'n_components': 50, 'pca_dim': 50, 'held_out_nats': ..., 'bits_per_dim': ...}
    """
    with _one_blas_thread():
        return _select_gaussian_mixture(_flat(flat_train, "flat_train"), candidates, seed, held_out, fit_rows,
                                        iterations, reg)


def _select_gaussian_mixture(x, candidates, seed, held_out, fit_rows, iterations, reg):
    candidates = [(check_count(k, "n_components"), check_count(d, "pca_dim")) for k, d in candidates]
    if not candidates:
        raise ValueError("candidates must hold at least one (n_components, pca_dim) pair")
    fit, held = held_out_split(len(x), held_out, fit_rows, seed)
    too_big = [(k, d) for k, d in candidates if d > x.shape[1] or k > len(fit) or d > len(fit)]
    if too_big:
        raise ValueError(f"candidates {too_big} need more than {x.shape[1]} pixels or {len(fit)} fitting images")
    largest = PCA(max(d for _, d in candidates)).fit(x[fit])
    scores = []
    for k, d in candidates:
        model = GaussianMixture(k, pca_dim=d, iterations=iterations, seed=seed, reg=reg)
        model.fit(x[fit], pca=largest.leading(d))
        scores.append({"n_components": k, "pca_dim": d,
                       "held_out_nats": float(model.pixel_log_density(x[held]).mean())})
    best = int(np.argmax([s["held_out_nats"] for s in scores]))
    chosen = scores[best]
    model = GaussianMixture(chosen["n_components"], pca_dim=chosen["pca_dim"], iterations=iterations, seed=seed,
                            reg=reg).fit(x)
    model.selection_ = _selection("gaussian_mixture", len(x), x.shape[1], fit, held, seed, scores, best)
    return model


def select_kernel_density(flat_train, pca_dims=KDE_PCA_DIMS, bandwidths=KDE_BANDWIDTHS, max_points=10000, seed=0,
                          held_out=1 / 6, fit_rows=20000):
    """The `KernelDensity` with the best held-out likelihood over pixels, refitted on all of `flat_train`.

    As `select_gaussian_mixture`, over PCA sizes x bandwidths (in units of the
    codes' mean std at that size): the candidates store `max_points` random
    codes of the fitting images, and the held-out images score every
    bandwidth. The chosen PCA size and bandwidth (in the same units) are then
    fitted on the whole split, `max_points` random codes of it stored.

    Returns:
        The refitted `KernelDensity`, with `selection_` as for
        `select_gaussian_mixture` (each candidate with `pca_dim`, `bandwidth`
        in code stds and `bandwidth_abs` in code units).
    """
    with _one_blas_thread():
        return _select_kernel_density(_flat(flat_train, "flat_train"), pca_dims, bandwidths, max_points, seed,
                                      held_out, fit_rows)


def _select_kernel_density(x, pca_dims, bandwidths, max_points, seed, held_out, fit_rows):
    pca_dims = [check_count(d, "pca_dim") for d in pca_dims]
    bandwidths = KernelDensity(bandwidths=bandwidths).bandwidths
    if not pca_dims:
        raise ValueError("pca_dims must hold at least one PCA size")
    fit, held = held_out_split(len(x), held_out, fit_rows, seed)
    if max(pca_dims) > min(x.shape[1], len(fit)):
        raise ValueError(f"pca_dims {pca_dims} need more than {x.shape[1]} pixels or {len(fit)} fitting images")
    largest = PCA(max(pca_dims)).fit(x[fit])
    stored = x[fit][np.random.default_rng(seed).permutation(len(fit))[:max_points]]
    scores = []
    for d in pca_dims:
        pca = largest.leading(d)
        scale = float(np.sqrt(pca.explained_variance_.mean()))
        residual = pca.residual_log_density(x[held])
        codes = _kde_log_density(pca.transform(x[held]), pca.transform(stored), [h * scale for h in bandwidths])
        for h, row in zip(bandwidths, codes):
            scores.append({"pca_dim": d, "bandwidth": h, "bandwidth_abs": h * scale,
                           "held_out_nats": float((row + residual).mean())})
    best = int(np.argmax([s["held_out_nats"] for s in scores]))
    chosen = scores[best]
    model = KernelDensity(pca_dim=chosen["pca_dim"], max_points=max_points, bandwidths=(chosen["bandwidth"],),
                          seed=seed).fit(x)
    model.selection_ = _selection("kernel_density", len(x), x.shape[1], fit, held, seed, scores, best)
    return model
