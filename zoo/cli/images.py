"""Commands that write images: sample, style-mix, reconstruct, traverse, plot-latent, translate, swap, denoise, real-or-fake."""

import sys

from zoo import uses
from zoo.cli.parsing import int_list


def cmd_sample(args):
    labels = None if args.labels is None else int_list(args.labels, "--labels")
    done = uses.sample_grid(args.name, args.out, n=args.n, seed=args.seed, labels=labels, per_label=args.per_label,
                            temperature=args.temperature, guidance=args.guidance, steps=args.steps, eta=args.eta,
                            sampler=args.sampler, truncation=args.truncation, noise_seed=args.noise_seed)
    if labels is None:
        print(f"wrote {args.out}: {done['n']} samples of {args.name} (seed {args.seed})")
    else:
        print(f"wrote {args.out}: rows are labels {','.join(map(str, labels))}, {done['per_label']} samples each "
              f"(seed {args.seed})")


def cmd_style_mix(args):
    done = uses.style_mix_grid(args.name, args.out, rows=args.rows, cols=args.cols, crossover=args.crossover,
                               seed=args.seed)
    print(f"wrote {args.out}: top row B sources, left column A sources; layers before {done['crossover']} of "
          f"{done['num_ws']} take A's code, the rest B's")


def cmd_reconstruct(args):
    done = uses.reconstruct_grid(args.name, args.data, args.out, n=args.n)
    print(f"wrote {args.out}: rows alternate input / reconstruction; MSE {done['mse']:.5f} on these "
          f"{done['n']} images")


def cmd_traverse(args):
    dims = None if args.dims is None else int_list(args.dims, "--dims")
    done = uses.traverse_grid(args.name, args.out, data=args.data, index=args.index, dims=dims, rows=args.rows,
                              value_range=args.range, steps=args.steps, label=args.label)
    print(f"wrote {args.out}: row r sets code coordinate dims[r] to {args.steps} values in "
          f"[-{args.range}, {args.range}], the others fixed at test image {args.index}'s code; "
          f"dims {done['dims']} ({done['why']})")


def cmd_plot_latent(args):
    done = uses.latent_map(args.name, args.out, data=args.data, split=args.split, n=args.n)
    how = "the first 2 principal directions of the code" if done["projected"] else "the code plane"
    print(f"wrote {args.out}: {done['n']} {done['dataset']} {done['split']} images in {how}, coloured by label")


def cmd_translate(args):
    if args.grid:
        done = uses.translate_grid(args.name, args.input, args.out, direction=args.direction, n=args.n,
                                   make_sources=args.make_sources)
        rows = "source / translation / original" if done["made_sources"] else "input / translation"
        print(f"wrote {args.out}: {done['n']} images {done['direction']}, rows {rows}")
        return 0
    done = uses.translate_images(args.name, args.input, args.out, direction=args.direction,
                                 make_sources=args.make_sources)
    made = ", sources made by the preset's task" if done["made_sources"] else ""
    where = args.out if done["kind"] == "file" else f"{len(done['written'])} images into {args.out}"
    print(f"wrote {where} ({done['direction']}{made})")
    for before, after in done["renamed"]:
        print(f"  {before} written as {after}: its format cannot hold the translation's channels")
    if done["skipped"]:
        print(f"zoo: skipped {len(done['skipped'])} file(s) that could not be read:", file=sys.stderr)
        for where, reason in done["skipped"]:
            print(f"  {where}: {reason}", file=sys.stderr)
    return 0


def cmd_swap(args):
    uses.swap_grid(args.name, args.data, args.out, to=args.to, n=args.n)
    print(f"wrote {args.out}: rows alternate input / redrawn by identity {args.to}'s decoder")


def cmd_denoise(args):
    done = uses.denoise_grid(args.name, args.out, data=args.data, noise=args.noise, kind=args.kind, n=args.n,
                             seed=args.seed)
    p = done["psnr"]
    print(f"PSNR on {done['n']} {done['dataset']} test images, {args.kind} noise {args.noise}: "
          f"noisy {p['noisy']:.2f} dB, 3x3 median {p['median']:.2f} dB, {args.name} {p['model']:.2f} dB")
    print(f"wrote {args.out}: rows are clean, noisy, median filter, {args.name}")


def cmd_real_or_fake(args):
    done = uses.real_or_fake(args.name, args.out, data=args.data, n=args.n, per_row=args.per_row, seed=args.seed)
    print(f"wrote {args.out} and its answer key {done['key']}")


def register(add):
    p = add("sample", cmd_sample, "Write a grid of samples from a pretrained model",
            "zoo sample vae_mnist -n 64 --seed 0 --out grid.png")
    p.add_argument("name", help="preset name or preset folder")
    p.add_argument("-n", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--labels", help="comma-separated class labels, for conditional models: a row each")
    p.add_argument("--per-label", type=int, default=10, help="samples per label row (default 10)")
    p.add_argument("--out", default="samples.png", help="PNG file to write")
    # Sampling options of the families that have them; a model refuses one it does not take.
    p.add_argument("--temperature", type=float, help="flows: scale of the Gaussian the samples are decoded from")
    p.add_argument("--guidance", type=float, help="conditional diffusion: classifier-free guidance scale")
    p.add_argument("--steps", type=int, help="diffusion: DDIM sampling steps")
    p.add_argument("--eta", type=float, help="diffusion: DDIM noise (0 deterministic, 1 ancestral-like)")
    p.add_argument("--sampler", help="diffusion: ddpm (ancestral, all steps) or ddim")
    p.add_argument("--truncation", type=float, help="stylegan: psi, pulling each w towards the average (1: none)")
    p.add_argument("--noise-seed", type=int, help="stylegan: draw the per-pixel noise from this seed "
                   "(default: the fixed noise stored with the weights)")

    p = add("style-mix", cmd_style_mix, "Write a style-mixing grid: coarse styles from the rows, fine from the columns",
            "zoo style-mix stylegan_celeba_32 --out mix.png")
    p.add_argument("name")
    p.add_argument("--rows", type=int, default=4, help="sources A: their codes drive the coarse layers")
    p.add_argument("--cols", type=int, default=4, help="sources B: their codes drive the layers from the crossover on")
    p.add_argument("--crossover", type=int, help="first layer taking B's code (default: half the layers)")
    p.add_argument("--seed", type=int, default=0, help="A's seed; B's is seed + 1")
    p.add_argument("--out", default="style_mix.png")

    p = add("reconstruct", cmd_reconstruct, "Write test images beside their reconstructions",
            "zoo reconstruct vae_mnist --data mnist --out rec.png")
    p.add_argument("name")
    p.add_argument("--data", required=True, help="built-in data set name or image folder")
    p.add_argument("-n", type=int, default=32)
    p.add_argument("--out", default="reconstructions.png")

    p = add("traverse", cmd_traverse, "Vary one code coordinate at a time from a test image's code",
            "zoo traverse vae_mnist --out t.png")
    p.add_argument("name")
    p.add_argument("--data", help="built-in data set (default: the preset's own)")
    p.add_argument("--index", type=int, default=0, help="which test image (default 0)")
    p.add_argument("--dims", help="comma-separated coordinates, a row each (default: the most used)")
    p.add_argument("--rows", type=int, default=8, help="how many coordinates by default (8)")
    p.add_argument("--range", type=float, default=3.0, help="values from -RANGE to RANGE (default 3)")
    p.add_argument("--steps", type=int, default=9, help="values per row (default 9)")
    p.add_argument("--label", type=int, help="class label, for conditional models")
    p.add_argument("--out", default="traversal.png")

    p = add("plot-latent", cmd_plot_latent, "Draw a data set in a model's code plane, coloured by label",
            "zoo plot-latent ae2d_mnist --out map.png")
    p.add_argument("name")
    p.add_argument("--data", help="built-in data set (default: the preset's own)")
    p.add_argument("--split", default="test")
    p.add_argument("-n", type=int, default=None, help="number of images (default: the whole split)")
    p.add_argument("--out", default="map.png")

    p = add("translate", cmd_translate,
            "Translate an image file, or a folder of images into a folder (same file names), with a pix2pix or "
            "CycleGAN preset",
            "zoo translate cycle_gan_cifar10_horse_deer --input deer/ --direction b2a --out deer_as_horses/")
    p.add_argument("name", help="preset name or preset folder")
    p.add_argument("--input", help="an image file, or a folder of images (read with its sub-folders; PNG, JPEG, BMP, "
                                   "Netpbm), resized and cropped to the model's image shape; with --grid also a "
                                   "built-in data set (default: the preset's own)")
    p.add_argument("--out", required=True,
                   help="for one image, the file to write (its folder must exist; its ending names the format); for "
                        "a folder, the folder to write, never the input folder: the same file names and formats, "
                        "at the model's image shape; with --grid, the PNG grid")
    p.add_argument("--direction", help="CycleGAN: a2b or b2a (default: the model's first, a2b)")
    sources = p.add_mutually_exclusive_group()
    sources.add_argument("--make-sources", action="store_true",
                         help="pix2pix with a task: the inputs are real images of the target domain (faces); the "
                              "preset's task (edges, grey) makes their sources, which are translated (a demo)")
    sources.add_argument("--as-sources", action="store_true",
                         help="the default: the inputs are the model's sources (your edge maps, grey photos), "
                              "translated as they are")
    p.add_argument("--grid", action="store_true",
                   help="write one PNG grid of inputs over their translations (and, with --make-sources, the "
                        "originals) instead of image files")
    p.add_argument("-n", type=int, default=16, help="with --grid: how many images (default 16)")

    p = add("swap", cmd_swap, "Redraw faces with another identity's decoder (face swap)",
            "zoo swap swap_ae_att_faces --data att_faces --to 1 --out swaps.png")
    p.add_argument("name")
    p.add_argument("--data", required=True, help="built-in data set or image folder of faces")
    p.add_argument("--to", type=int, default=1, help="the identity whose decoder draws them")
    p.add_argument("-n", type=int, default=16)
    p.add_argument("--out", default="swaps.png")

    p = add("denoise", cmd_denoise, "Denoise noisy test images; PSNR beside the noisy input and a median filter",
            "zoo denoise denoising_ae_mnist --noise 0.5 --out denoised.png")
    p.add_argument("name")
    p.add_argument("--data", help="built-in data set (default: the preset's own)")
    p.add_argument("--noise", type=float, default=0.5, help="noise level (default 0.5)")
    p.add_argument("--kind", default="gaussian", choices=["gaussian", "masking", "salt_pepper"])
    p.add_argument("-n", type=int, default=1000, help="test images to measure on (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="denoised.png")

    p = add("real-or-fake", cmd_real_or_fake,
            "Write a quiz grid mixing real test images and samples, with the answer key beside it",
            "zoo real-or-fake dcgan_mnist --out quiz.png")
    p.add_argument("name")
    p.add_argument("--data", help="built-in data set or image folder of real images (default: the preset's own)")
    p.add_argument("-n", type=int, default=16, help="images in the grid, half of them real (default 16)")
    p.add_argument("--per-row", type=int, help="images per row (default: a square grid)")
    p.add_argument("--seed", type=int, default=0, help="fixes the order, the real images and the samples")
    p.add_argument("--out", default="quiz.png", help="PNG to write; the key goes to <name>_answers.txt")
