"""`zoo train` and `zoo finetune`: fit on a built-in set, a folder of images or (translation) two folders, and
write a preset folder."""

from zoo import uses
from zoo.cli.parsing import settings


def augment_policy(text):
    """A DiffAugment policy as given to `--augment`, checked, or exits naming the known ones."""
    if not text:
        return None
    from zoo.layers.augment import check_policy

    try:
        return ",".join(check_policy(text))
    except ValueError as err:
        raise SystemExit(f"zoo: --augment: {err}") from None


def report(meta, out):
    training = meta.get("training", {})
    shape = meta.get("recipe", {}).get("config", {}).get("image_shape")
    images = f" on {'x'.join(map(str, shape))} images" if shape else ""
    if "Translator" in meta.get("capabilities", ()):
        hint = f"zoo translate {out} --input IMAGES/ --out translated/"
    else:
        hint = f"zoo sample {out} -n 16 --out samples.png"
    print(f"{out}: {training.get('steps')} steps{images} in {training.get('wall_time_s')} s; try `{hint}`")


def cmd_train(args):
    meta = uses.train(args.arch, args.data, args.out, epochs=args.epochs, batch_size=args.batch_size,
                      seed=args.seed, precision=args.precision, learning_rate=args.lr, config=settings(args.set),
                      strategy=args.strategy, checkpoint_dir=args.checkpoint_dir, resume=args.resume,
                      data_a=args.data_a, data_b=args.data_b, paired=args.paired)
    report(meta, args.out)


def cmd_finetune(args):
    meta = uses.finetune(args.preset, args.data, args.out, epochs=args.epochs, batch_size=args.batch_size,
                         seed=args.seed, precision=args.precision, learning_rate=args.lr,
                         augment=augment_policy(args.augment), checkpoint_dir=args.checkpoint_dir,
                         resume=args.resume, data_a=args.data_a, data_b=args.data_b, paired=args.paired)
    report(meta, args.out)


def training_args(p):
    p.add_argument("--data",
                   help="built-in data set (its own image shape) or image folder (resized to the model's); "
                        "a pix2pix or CycleGAN with a task (--set task=edges|grey) makes the other side itself")
    p.add_argument("--data-a", metavar="FOLDER",
                   help="translation models, instead of --data: the folder of domain A (pix2pix: the sources)")
    p.add_argument("--data-b", metavar="FOLDER",
                   help="with --data-a: the folder of domain B (pix2pix: the targets)")
    p.add_argument("--paired", action="store_true",
                   help="with --data-a/--data-b, for pix2pix: pairs matched by file name (a/cat.png with b/cat.jpg), "
                        "every file with its partner; without it (CycleGAN) the folders are unpaired")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--precision", default="auto", choices=["auto", "float32", "mixed_float16", "mixed_bfloat16"])
    p.add_argument("--out", required=True, help="preset folder to write")
    p.add_argument("--checkpoint-dir", help="per-epoch checkpoints (default: OUT.checkpoints)")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint")


def register(add):
    p = add("train", cmd_train, "Train an architecture from scratch and write a preset folder",
            "zoo train vae --data mnist --epochs 5 --out runs/my_vae --set latent_dim=8; "
            "zoo train pix2pix --data-a sketches/ --data-b photos/ --paired --out runs/sketch2photo")
    p.add_argument("arch")
    training_args(p)
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate (default: the architecture's: 1e-3, GANs 2e-4, WGAN-GP 1e-4)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="architecture argument (JSON value); image_shape defaults to a built-in set's own, "
                        "else the architecture's")
    p.add_argument("--strategy", default=None, choices=[None, "mirrored", "multi_worker"])

    p = add("finetune", cmd_finetune, "Continue training a preset on new data and write a preset folder",
            "zoo finetune vae_mnist --data my_pngs/ --epochs 3 --out ft/")
    p.add_argument("preset")
    training_args(p)
    p.add_argument("--lr", type=float, default=None, help="default: the preset's recipe learning rate")
    p.add_argument("--augment", metavar="POLICY",
                   help="GANs: DiffAugment of the discriminator's inputs, e.g. translation,cutout (for a "
                        "few hundred images)")
