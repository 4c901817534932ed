"""Classical baselines as zoo models: PCA, a Gaussian mixture and a kernel density estimate (declared here)."""

ARCHITECTURES = {
    "pca": "zoo.models.classical.classical:PCA",
    "gmm": "zoo.models.classical.classical:GMM",
    "kde": "zoo.models.classical.classical:KDE",
}
