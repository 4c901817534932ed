"""The autoencoder family."""

from zoo.models.autoencoder.autoencoder import (
    Autoencoder, ConvAutoencoder, DenoisingAutoencoder, SparseAutoencoder, StackedAutoencoder, SwapAutoencoder,
)

__all__ = ["Autoencoder", "ConvAutoencoder", "DenoisingAutoencoder", "SparseAutoencoder", "StackedAutoencoder",
           "SwapAutoencoder"]
