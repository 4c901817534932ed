"""Model families: one folder each, one file per architecture and its presets."""
