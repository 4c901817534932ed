"""How well a score tells outliers from inliers.

- `auroc`: the area under the ROC curve (`sklearn.metrics.roc_auc_score`,
  ties counted as half). An autoencoder's reconstruction error, or a model's
  negative log-likelihood, is such a score: higher means more outlying.
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
    one inlier and one outlier (the Mann-Whitney U statistic of the outliers
    divided by the number of pairs): `sklearn.metrics.roc_auc_score` with the
    outliers as the positive class, which integrates the ROC curve through
    every distinct score, so there is no threshold grid.

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
    from sklearn.metrics import roc_auc_score

    inl, out = _scores(scores_in, "scores_in"), _scores(scores_out, "scores_out")
    labels = np.concatenate([np.zeros(len(inl)), np.ones(len(out))])
    return float(roc_auc_score(labels, np.concatenate([inl, out])))
