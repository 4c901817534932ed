"""Blocks shared by several architectures."""

from zoo.layers.augment import diff_augment

__all__ = ["diff_augment"]
