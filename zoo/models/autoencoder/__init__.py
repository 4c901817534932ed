"""The autoencoder family (declared here; imported when first used)."""

ARCHITECTURES = {
    "ae": "zoo.models.autoencoder.autoencoder:DenseAutoencoder",
    "stacked_ae": "zoo.models.autoencoder.autoencoder:StackedAutoencoder",
    "sparse_ae": "zoo.models.autoencoder.autoencoder:SparseAutoencoder",
    "conv_ae": "zoo.models.autoencoder.autoencoder:ConvAutoencoder",
    "denoising_ae": "zoo.models.autoencoder.autoencoder:DenoisingAutoencoder",
    "swap_ae": "zoo.models.autoencoder.autoencoder:SwapAutoencoder",
}
