"""The ``phazer`` entry point: dispatches to one module per command.

Each command module defines ``add_parser(subparsers)``, which registers its sub-parser and sets
``func`` to a ``run(args) -> int`` function. Exit codes: 0 success, 1 invalid input, 2 usage,
3 an internal error (a bug in phazer), 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from phazer import __version__
from phazer.issues import clip

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

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130


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
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: report it in one line unless debugging is asked for
        report_internal_error(exc)
        return EXIT_INTERNAL


def report_internal_error(exc: BaseException) -> None:
    """Say on stderr that phazer itself failed (not the input), and how to report it."""
    if os.environ.get("PHAZER_DEBUG"):
        traceback.print_exc()
    text = " ".join(str(exc).split())
    print(f"phazer: internal error: {type(exc).__name__}: {clip(text)}\n"
          f"  this is a bug in phazer, not a problem with the input (exit code "
          f"{EXIT_INTERNAL}): please report it with the command and the spec; set "
          "PHAZER_DEBUG=1 to see the traceback", file=sys.stderr)
