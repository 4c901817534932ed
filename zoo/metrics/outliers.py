"""How well a score tells outliers from inliers.

- `auroc`: the area under the ROC curve, exact, from the Mann-Whitney U
  statistic. An autoencoder's reconstruction error, or a model's negative
  log-likelihood, is such a score: higher means more outlying.
"""

import numpy as np


def _scores(x, name):
    x = np.asarray(x, np.float64)
    if x.ndim != 1 or len(x) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of scores, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds NaN or inf")
    return x


def auroc(scores_in, scores_out):
    """Area under the ROC curve of a score that is higher for outliers.

    The area equals P(s_out > s_in) + P(s_out == s_in) / 2 over every pair of
    one inlier and one outlier: the Mann-Whitney U statistic of the outliers
    divided by the number of pairs. It is computed exactly, with ties counted as
    half, by counting for each outlier the inliers below and level with it in
    the sorted inlier scores. No threshold grid, so no discretisation error.

    Args:
        scores_in: 1-D scores of the inliers (for example the test split of
            the training data set).
        scores_out: 1-D scores of the outliers (another data set).

    Returns:
        A float in [0, 1]: 1 when every outlier scores above every inlier, 0.5
        when the score cannot tell them apart, 0 when it ranks them backwards.

    Raises:
        ValueError: For an empty or non 1-D array, or one holding NaN or inf.

    Example:
        >>> auroc([0.1, 0.2, 0.3], [0.4, 0.5])
        1.0
        >>> auroc([0.1, 0.2], [0.2, 0.3])
        0.875
    """
    inl, out = _scores(scores_in, "scores_in"), _scores(scores_out, "scores_out")
    ranked = np.sort(inl)
    below = np.searchsorted(ranked, out, side="left")
    not_above = np.searchsorted(ranked, out, side="right")
    # Twice U in integers: below counts 2, ties count 1, so the sum is exact
    # however many scores there are.
    twice_u = int(np.sum(below, dtype=np.int64) + np.sum(not_above, dtype=np.int64))
    return twice_u / (2.0 * len(inl) * len(out))
