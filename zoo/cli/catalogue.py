"""`zoo list` and `zoo info`: the catalogue, answered without importing TensorFlow."""

from zoo import uses
from zoo.registry import list_models


def cmd_list(args):
    for name in list_models(args.pattern, pretrained=args.pretrained):
        print(name)


def cmd_info(args):
    found = uses.describe(args.name)
    if found["kind"] == "architecture":
        print(f"architecture {found['name']}: {found['class'].replace(':', '.')}")
        if found["doc"]:
            print(found["doc"])
        if found["presets"]:
            print(f"presets: {', '.join(found['presets'])}")
        return
    entry, meta = found["entry"], found["metadata"]
    if meta is None:
        print(f"{found['name']}  (not trained here: `python -m training {found['name']}` writes it)")
        print(f"  {entry.get('description', '')}")
        print(f"  architecture {entry.get('arch')}, data {entry.get('dataset')}")
        return
    print(f"{meta['preset']}  ({found['folder']})")
    print(f"  {meta.get('description') or entry.get('description', '')}")
    print(f"  architecture {meta['architecture']}, data {meta['dataset']['name']}")
    training = meta.get("training", {})
    print(f"  trained {training.get('steps')} steps in {training.get('wall_time_s')} s ({training.get('precision')})")
    for name, m in meta.get("metrics", {}).items():
        tag = " (baseline)" if m.get("baseline") else ""
        print(f"  {name}{tag}: {m['value']:.6g} {m['unit']}  [{m['evaluator']}; {m['split']}, n={m['n']}]")


def register(add):
    p = add("list", cmd_list, "List architectures and presets", "zoo list '*mnist*' --pretrained")
    p.add_argument("pattern", nargs="?", default="*", help="fnmatch pattern (default '*')")
    p.add_argument("--pretrained", action="store_true", help="only presets with trained artifacts")

    p = add("info", cmd_info, "Describe an architecture or a preset and its measured figures", "zoo info vae_mnist")
    p.add_argument("name")
