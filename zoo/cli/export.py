"""`zoo export`: a SavedModel and ONNX files, each checked against the Keras model."""

from zoo import uses
from zoo.cli.parsing import comma_list


def cmd_export(args):
    done = uses.export_preset(args.name, args.out, formats=args.formats.split(","), atol=args.atol,
                              functions=comma_list(args.functions))
    print(f"wrote {args.out}; largest difference from Keras {done['worst']:.3g} (limit {done['atol']:g})")


def register(add):
    p = add("export", cmd_export,
            "Export a model to a SavedModel and ONNX, checking parity with Keras (into a new or empty folder, "
            "or over an earlier export)",
            "zoo export vae_mnist --out exported/")
    p.add_argument("name")
    p.add_argument("--out", required=True)
    p.add_argument("--formats", default="saved_model,onnx")
    p.add_argument("--atol", type=float, default=None,
                   help="largest allowed difference from Keras (default: the model's own, 1e-4; diffusion 1e-3)")
    p.add_argument("--functions", help="comma-separated subset of the model's functions (default: all, an ONNX file "
                                       "each), e.g. translate_b2a: one CycleGAN direction alone")
