"""The ``phazer`` entry point: dispatches to one module per command.

Each command module defines ``add_parser(subparsers)``, which registers its sub-parser and sets
``func`` to a ``run(args) -> int`` function. Exit codes: 0 success, 1 invalid input, 2 usage.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from phazer import __version__

# Command name -> module under phazer.cli. Order is the order shown in --help.
COMMANDS: dict[str, str] = {
    "presets": "presets",
    "new": "new",
    "validate": "validate",
    "render": "render",
    "summary": "summary",
    "curve": "curve",
    "diagram": "diagram",
    "compile": "compile",
    "train": "train",
    "swap": "swap",
    "import-faceswap": "import_faceswap",
    "schema": "schema",
    "demo": "demo",
}

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available command registered."""
    parser = argparse.ArgumentParser(
        prog="phazer", description="Build, check and train Phaze-A style face-swap models.")
    parser.add_argument("--version", action="version", version=f"phazer {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS.values():
        try:
            module = importlib.import_module(f"phazer.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"phazer.cli.{module_name}":
                continue  # command not available in this build
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: report it in one line unless debugging is asked for
        if os.environ.get("PHAZER_DEBUG"):
            traceback.print_exc()
        print(f"phazer: internal error: {type(exc).__name__}: {exc}\n"
              "  this is a bug in phazer: please report it with the command and spec; "
              "set PHAZER_DEBUG=1 to see the traceback", file=sys.stderr)
        return EXIT_INVALID
