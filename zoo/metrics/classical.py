"""Classical baselines the neural models must beat, in plain numpy.

- `PCA`: the best linear code of a given size, for reconstruction error.
- `BernoulliMixture`: a mixture of products of Bernoullis fitted by EM, scored
  with the same grey-level Bernoulli likelihood as a Bernoulli VAE, so its test
  log-likelihood is directly comparable with the VAE's.
"""

import numpy as np


class PCA:
    """Principal components: the covariance's top eigenvectors.

    Exact (an eigendecomposition of the covariance) up to `EXACT_MAX_DIM`
    pixels. Past it (64x64 colour faces have 12,288) the d x d covariance costs
    minutes and gigabytes, so the top components come from randomized subspace
    iteration instead (Halko, Martinsson & Tropp, 2011: 8 power iterations, 20
    extra directions, a fixed seed), which needs only products with the data.

    Args:
        n_components: the code size.

    Example:
        >>> pca = PCA(16).fit(train.reshape(len(train), -1))
        >>> rec = pca.inverse_transform(pca.transform(test_flat))
    """

    def __init__(self, n_components):
        self.n_components = int(n_components)

    EXACT_MAX_DIM = 4096

    def fit(self, x):
        x = np.asarray(x, np.float64).reshape(len(x), -1)
        if self.n_components > x.shape[1]:
            raise ValueError(f"n_components must be at most {x.shape[1]}, got {self.n_components}")
        self.mean_ = x.mean(axis=0)
        if x.shape[1] > self.EXACT_MAX_DIM:
            return self._fit_randomized(x - self.mean_)
        cov = np.cov(x - self.mean_, rowvar=False)
        values, vectors = np.linalg.eigh(cov)
        order = np.argsort(values)[::-1][: self.n_components]
        self.components_ = vectors[:, order].T
        self.explained_variance_ = values[order]
        return self

    def _fit_randomized(self, centred, oversample=20, power_iterations=8, seed=0):
        k = min(self.n_components + oversample, *centred.shape)
        basis = np.random.default_rng(seed).standard_normal((centred.shape[1], k))
        q, _ = np.linalg.qr(centred @ basis)
        for _ in range(power_iterations):
            q, _ = np.linalg.qr(centred.T @ q)
            q, _ = np.linalg.qr(centred @ q)
        _, singular, vt = np.linalg.svd(q.T @ centred, full_matrices=False)
        self.components_ = vt[: self.n_components]
        self.explained_variance_ = singular[: self.n_components] ** 2 / (len(centred) - 1)
        return self

    def transform(self, x):
        x = np.asarray(x, np.float64).reshape(len(x), -1)
        return (x - self.mean_) @ self.components_.T

    def inverse_transform(self, codes):
        return codes @ self.components_ + self.mean_

    def reconstruct(self, images):
        flat = self.inverse_transform(self.transform(images))
        return np.clip(flat, 0, 1).reshape(np.shape(images)).astype(np.float32)


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
    """Gaussian mixture with full covariances, fitted by EM, in a PCA code space.

    Fitting in the space of the first `n_components_pca` principal components
    keeps the covariances well conditioned and the model small; samples are
    decoded back to pixels by the PCA.

    Args:
        n_components: number of Gaussians.
        pca_dim: size of the PCA code the mixture lives in.
        iterations: EM iterations.
        seed: initialisation seed.
        reg: added to each covariance's diagonal.
    """

    def __init__(self, n_components=20, pca_dim=40, iterations=50, seed=0, reg=1e-4):
        self.n_components, self.pca_dim, self.iterations = int(n_components), int(pca_dim), int(iterations)
        self.seed, self.reg = seed, reg

    def _log_gauss(self, z):
        out = np.empty((len(z), self.n_components))
        for k in range(self.n_components):
            chol = np.linalg.cholesky(self.covariances_[k])
            # Whiten with the inverse factor once: one matmul over all points.
            white = (z - self.means_[k]) @ np.linalg.inv(chol).T
            out[:, k] = (-0.5 * np.sum(white**2, axis=1) - np.log(np.diag(chol)).sum()
                         - 0.5 * self.pca_dim * np.log(2 * np.pi))
        return out

    def fit(self, x):
        x = np.asarray(x, np.float64).reshape(len(x), -1)
        self.pca_ = PCA(self.pca_dim).fit(x)
        z = self.pca_.transform(x)
        rng = np.random.default_rng(self.seed)
        self.means_ = z[rng.choice(len(z), self.n_components, replace=False)]
        self.covariances_ = np.repeat(np.cov(z, rowvar=False)[None], self.n_components, axis=0)
        self.weights_ = np.full(self.n_components, 1.0 / self.n_components)
        eye = np.eye(self.pca_dim) * self.reg
        for _ in range(self.iterations):
            log_joint = self._log_gauss(z) + np.log(self.weights_)
            resp = np.exp(log_joint - np.logaddexp.reduce(log_joint, axis=1, keepdims=True))
            counts = resp.sum(0) + 1e-10
            self.weights_ = counts / counts.sum()
            self.means_ = (resp.T @ z) / counts[:, None]
            for k in range(self.n_components):
                d = z - self.means_[k]
                self.covariances_[k] = (resp[:, k, None] * d).T @ d / counts[k] + eye
        return self

    def sample(self, n, seed=0):
        """Images (n, D) in [0, 1]: a component by weight, a Gaussian code, the PCA decode."""
        rng = np.random.default_rng(seed)
        picks = rng.choice(self.n_components, n, p=self.weights_)
        z = np.empty((n, self.pca_dim))
        for k in np.unique(picks):
            idx = picks == k
            z[idx] = rng.multivariate_normal(self.means_[k], self.covariances_[k], idx.sum())
        return np.clip(self.pca_.inverse_transform(z), 0, 1)


class KernelDensity:
    """Gaussian kernel density estimate in a PCA code space.

    Sampling a KDE is: pick a training code, add kernel noise, decode. The
    bandwidth is chosen by held-out log-likelihood from a small grid.

    Args:
        pca_dim: size of the PCA code.
        max_points: training codes kept (a random subset).
        bandwidths: candidate kernel widths, in units of the codes' mean std.
        seed: subset and sampling seed.
    """

    def __init__(self, pca_dim=40, max_points=10000, bandwidths=(0.1, 0.2, 0.3, 0.5, 0.7, 1.0), seed=0):
        self.pca_dim, self.max_points, self.bandwidths, self.seed = int(pca_dim), int(max_points), bandwidths, seed

    def _log_density(self, z, h):
        d2 = np.maximum((z**2).sum(1)[:, None] + (self.points_**2).sum(1)[None] - 2 * z @ self.points_.T, 0)
        log_k = -0.5 * d2 / h**2 - self.pca_dim * np.log(h * np.sqrt(2 * np.pi))
        return np.logaddexp.reduce(log_k, axis=1) - np.log(len(self.points_))

    def fit(self, x):
        x = np.asarray(x, np.float64).reshape(len(x), -1)
        self.pca_ = PCA(self.pca_dim).fit(x)
        z = self.pca_.transform(x)
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(len(z))
        held = z[order[:1000]]
        self.points_ = z[order[1000 : 1000 + self.max_points]]
        scale = float(np.sqrt(self.pca_.explained_variance_.mean()))
        scores = {h: self._log_density(held, h * scale).mean() for h in self.bandwidths}
        self.bandwidth_ = max(scores, key=scores.get) * scale
        return self

    def sample(self, n, seed=0):
        rng = np.random.default_rng(seed)
        z = self.points_[rng.integers(0, len(self.points_), n)]
        z = z + rng.standard_normal(z.shape) * self.bandwidth_
        return np.clip(self.pca_.inverse_transform(z), 0, 1)
