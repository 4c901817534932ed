"""Classical baselines as zoo models: PCA, a Gaussian mixture and a kernel density estimate."""

from zoo.models.classical.classical import GMM, KDE, PCA

__all__ = ["GMM", "KDE", "PCA"]
