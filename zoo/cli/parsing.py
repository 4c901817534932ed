"""Argument parsing shared by the command groups: what turns command-line text into values."""

import json


def int_list(text, what):
    """`"0,1,2"` as `[0, 1, 2]`, or exits saying what `what` takes."""
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise SystemExit(f"zoo: {what} takes comma-separated integers, e.g. 0,1,2; got {text!r}") from None


def settings(pairs):
    """`--set key=value` pairs as a dict, each value read as JSON where it parses (else kept as text)."""
    config = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"zoo: --set takes key=value (a JSON value), got {pair!r}")
        key, value = pair.split("=", 1)
        try:
            config[key] = json.loads(value)
        except json.JSONDecodeError:
            config[key] = value
    return config


def comma_list(text):
    """`"a,b"` as `["a", "b"]` (None stays None)."""
    return None if text is None else [v for v in text.split(",") if v]
