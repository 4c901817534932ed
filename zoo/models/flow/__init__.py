"""Normalising flows with exact likelihood: `real_nvp` and `glow` (declared here; imported when first used)."""

ARCHITECTURES = {
    "real_nvp": "zoo.models.flow.flow:RealNVP",
    "glow": "zoo.models.flow.flow:Glow",
}
