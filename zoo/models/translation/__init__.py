"""Image-to-image translation: pix2pix (paired, Isola et al. 2017) and CycleGAN (unpaired, Zhu et al. 2017).

Declared here, imported when first used. The named transforms that build
paired tasks from real images (`edges`, `grey`) are in `tasks`.
"""

ARCHITECTURES = {
    "pix2pix": "zoo.models.translation.pix2pix:Pix2Pix",
    "cycle_gan": "zoo.models.translation.cycle_gan:CycleGAN",
}
