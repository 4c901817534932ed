"""Classical baselines the neural models must beat, in plain numpy.

- `PCA`: the best linear code of a given size, for reconstruction error.
- `BernoulliMixture`: a mixture of products of Bernoullis fitted by EM, scored
  with the same grey-level Bernoulli likelihood as a Bernoulli VAE, so its test
  log-likelihood is directly comparable with the VAE's.
"""

import numpy as np


class PCA:
    """Principal components from the covariance's eigenvectors (exact).

    Args:
        n_components: the code size.

    Example:
        >>> pca = PCA(16).fit(train.reshape(len(train), -1))
        >>> rec = pca.inverse_transform(pca.transform(test_flat))
    """

    def __init__(self, n_components):
        self.n_components = int(n_components)

    def fit(self, x):
        x = np.asarray(x, np.float64).reshape(len(x), -1)
        if self.n_components > x.shape[1]:
            raise ValueError(f"n_components must be at most {x.shape[1]}, got {self.n_components}")
        self.mean_ = x.mean(axis=0)
        cov = np.cov(x - self.mean_, rowvar=False)
        values, vectors = np.linalg.eigh(cov)
        order = np.argsort(values)[::-1][: self.n_components]
        self.components_ = vectors[:, order].T
        self.explained_variance_ = values[order]
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
