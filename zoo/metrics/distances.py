"""Distances between two sets of feature vectors (real and generated).

- `frechet_distance`: FID's formula, ||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)).
  With an evaluator's features it is "FID (domain)"; with the standard
  InceptionV3 it would be Inception FID. The two are never comparable.
- `kernel_inception_distance`: KID, the unbiased MMD^2 with the cubic polynomial
  kernel k(x, y) = (x.y / d + 1)^3, averaged over subsets, with its std.
- `precision_recall`: improved precision and recall (Kynkaenniemi et al., 2019):
  the share of generated points inside the real k-NN manifold, and the reverse.
"""

import numpy as np


def _features(x, name):
    x = np.asarray(x, np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"{name} must be a (n >= 2, dim) array of features, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds NaN or inf")
    return x


def _sqrt_psd(s):
    values, vectors = np.linalg.eigh(s)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(a, b):
    """Frechet distance between Gaussians fitted to two feature sets.

    tr((S1 S2)^(1/2)) is computed as the trace of (S1^(1/2) S2 S1^(1/2))^(1/2),
    which has the same eigenvalues and is symmetric, so no complex square root
    is needed.

    Args:
        a, b: (n, dim) feature arrays.

    Example:
        >>> frechet_distance(real_features, real_features)
        0.0
    """
    a, b = _features(a, "a"), _features(b, "b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature sizes differ: {a.shape[1]} and {b.shape[1]}")
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = _sqrt_psd(s1)
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root @ s2 @ root), 0, None)).sum()
    value = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * cross)
    return max(value, 0.0)


def kernel_inception_distance(a, b, subsets=50, subset_size=1000, seed=0):
    """KID: mean and std of the unbiased MMD^2 over random subsets.

    Args:
        a, b: (n, dim) feature arrays.
        subsets: number of subsets.
        subset_size: points per subset; at most half the smaller set, so that
            subsets differ and the std means something.

    Returns:
        (mean, std).
    """
    a, b = _features(a, "a"), _features(b, "b")
    dim = a.shape[1]
    m = int(min(subset_size, max(2, min(len(a), len(b)) // 2)))
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        kxx = (x @ x.T / dim + 1) ** 3
        kyy = (y @ y.T / dim + 1) ** 3
        kxy = (x @ y.T / dim + 1) ** 3
        off = m * (m - 1)
        values.append((kxx.sum() - np.trace(kxx)) / off + (kyy.sum() - np.trace(kyy)) / off - 2 * kxy.mean())
    return float(np.mean(values)), float(np.std(values))


def _pairwise_sq(x, y):
    return np.maximum((x * x).sum(1)[:, None] + (y * y).sum(1)[None, :] - 2 * x @ y.T, 0)


def _knn_radii(x, k):
    d = _pairwise_sq(x, x)
    # Column 0 of each sorted row is the point itself.
    return np.sqrt(np.sort(d, axis=1)[:, k])


def _coverage(manifold, radii, queries, chunk=1024):
    inside = []
    for i in range(0, len(queries), chunk):
        d = np.sqrt(_pairwise_sq(queries[i : i + chunk], manifold))
        inside.append((d <= radii[None, :]).any(axis=1))
    return float(np.concatenate(inside).mean())


def precision_recall(real, fake, k=3):
    """Improved precision and recall with k-NN manifolds.

    Precision: the share of `fake` inside the union of balls around each real
    point with radius its distance to its k-th nearest real neighbour. Recall:
    the share of `real` inside the same construction over `fake`.

    Returns:
        (precision, recall), each in [0, 1].
    """
    real, fake = _features(real, "real"), _features(fake, "fake")
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} points in each set")
    precision = _coverage(real, _knn_radii(real, k), fake)
    recall = _coverage(fake, _knn_radii(fake, k), real)
    return precision, recall
