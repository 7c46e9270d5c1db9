"""``phazer new OUT.yaml --from PRESET``: start a spec from a built-in preset."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.fileio import atomic_write_text
from phazer.spec.presets import preset_names, preset_path
from phazer.spec.text_edit import set_top_level_scalar
from phazer.suggest import did_you_mean


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "new", help="start a spec file from a built-in preset",
        description="Copy a built-in preset's YAML (comments included) to OUT, with `name:` "
                    "set to OUT's file name without its extension. Refuses to overwrite an "
                    "existing file unless --force is given.")
    parser.add_argument("out", metavar="OUT", help="the spec file to write, e.g. my.yaml")
    parser.add_argument("--from", dest="preset", required=True, metavar="PRESET",
                        help="the built-in preset to copy (see `phazer presets`)")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    parser.set_defaults(func=run)


def _fail(message: str, hint: str = "") -> int:
    print(f"phazer new: error: {message}", file=sys.stderr)
    if hint:
        print(f"  hint: {hint}", file=sys.stderr)
    return EXIT_INVALID


def new_spec_text(preset: str, name: str) -> str:
    """The text of a built-in preset with its top-level ``name:`` set to ``name``.

    Raises:
        KeyError: there is no preset of that name.
        ValueError: the preset's file is not a YAML mapping.
    """
    path = preset_path(preset)
    if path is None:
        raise KeyError(preset)
    return set_top_level_scalar(path.read_text(encoding="utf-8"), "name", name)


def run(args: argparse.Namespace) -> int:
    """Write the new spec file."""
    out = Path(args.out)
    try:
        text = new_spec_text(args.preset, out.stem)
    except KeyError:
        return _fail(f"no built-in preset named '{args.preset}'",
                     did_you_mean(args.preset, preset_names())
                     or "run `phazer presets` to list them")
    except ValueError as exc:
        return _fail(f"preset '{args.preset}' cannot be copied: {exc}")
    if out.is_dir():
        return _fail(f"{out} is a directory", "give a file name, e.g. my.yaml")
    if out.exists() and not args.force:
        return _fail(f"{out} already exists", "pass --force to overwrite it")
    if not out.parent.is_dir():
        return _fail(f"folder {out.parent} does not exist", "create it first")
    try:
        atomic_write_text(out, text)
    except OSError as exc:
        return _fail(f"cannot write {out}: {exc.strerror or exc}")
    print(f"wrote {out} from preset '{args.preset}'; next: phazer validate {out}")
    return EXIT_OK
