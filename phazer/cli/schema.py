"""``phazer schema [-o PATH]``: write the spec's JSON Schema (for editors and docs)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.fileio import atomic_write_text
from phazer.spec.json_schema import DEFAULT_SCHEMA_PATH, schema_text


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "schema", help="write the JSON Schema of spec files",
        description="Write the JSON Schema (draft 2020-12) of phazer spec files. Point your "
                    "editor's YAML support at it for completion and checks, e.g. a first "
                    "line `# yaml-language-server: $schema=schemas/phazer.schema.json`.")
    parser.add_argument("-o", "--output", default=DEFAULT_SCHEMA_PATH, metavar="PATH",
                        help=f"where to write it; '-' for stdout (default: "
                             f"{DEFAULT_SCHEMA_PATH})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the schema to the chosen file or stdout."""
    text = schema_text()
    if args.output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    out = Path(args.output)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out, text)
    except OSError as exc:
        print(f"phazer schema: error: cannot write {out}: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {out}")
    return EXIT_OK
