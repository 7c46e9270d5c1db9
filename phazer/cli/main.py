"""The ``phazer`` entry point: dispatches to one module per command.

Each command module defines ``add_parser(subparsers)``, which registers its sub-parser and sets
``func`` to a ``run(args) -> int`` function. Exit codes: 0 success, 1 invalid input, 2 usage,
3 an internal error (a bug in phazer), 130 interrupted.

:func:`main` imports only the module of the command being run: the others are registered as
stubs from :data:`COMMAND_HELP` (the same one-line help, so ``phazer --help`` and the usage
errors read the same), which keeps a dry run from paying for every command's imports. This
module itself must stay light: standard library only at import time.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterable
from typing import Any

from phazer import __version__

# Command name -> module under phazer.cli. Order is the order shown in --help.
COMMANDS: dict[str, str] = {
    "presets": "presets",
    "new": "new",
    "validate": "validate",
    "render": "render",
    "summary": "summary",
    "diff": "diff",
    "curve": "curve",
    "diagram": "diagram",
    "compile": "compile",
    "faces": "faces",
    "train": "train",
    "swap": "swap",
    "transfer": "transfer",
    "export": "export",
    "import-faceswap": "import_faceswap",
    "schema": "schema",
    "demo": "demo",
    "doctor": "doctor",
}

# Command name -> its one-line help in ``phazer --help``; must equal the help its module's
# add_parser registers (tests/test_cli_lazy_imports.py checks).
COMMAND_HELP: dict[str, str] = {
    "presets": "list the built-in presets",
    "new": "start a spec file from a built-in preset",
    "validate": "check specs or presets: schema, routing and arithmetic rules",
    "render": "print the fully resolved spec (defaults filled, derived values)",
    "summary": "parameters, shapes, FLOPs and memory per sub-model (no TensorFlow)",
    "diff": "compare two specs: changed fields, then parameter, FLOP and memory deltas",
    "curve": "compute a filter curve (decoder filters, FC nodes) and chart it",
    "diagram": "draw the routing (or every layer) as .dot, .mmd, .svg, .png or .pdf",
    "compile": "emit the Keras model of a spec and save it as .keras",
    "faces": "write the training samples of face folders (crops and masks) as .npz or "
             "contact sheets",
    "train": "train a model on a folder of aligned faces per side (resumes a model dir)",
    "swap": "swap a folder of aligned faces with a trained model",
    "transfer": "start a model dir for a changed spec from a trained model's matching weights",
    "export": "export a trained model's swap as a standalone model (keras, saved_model, onnx)",
    "import-faceswap": ("convert a faceswap preset or train.ini to a spec, a faceswap model "
                        "folder to a model dir"),
    "schema": "write the JSON Schema of spec files",
    "demo": "train a small model on synthetic faces and measure its swap",
    "doctor": "which backends, devices and GPU phazer sees, and why a GPU is not used",
}

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130


def build_parser(full: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser with every available command registered.

    Args:
        full: the commands whose modules are imported and whose sub-parsers are complete;
            every other command gets a stub with its one-line help only. ``None`` (the
            default) means all of them (what the docs and tests read).
    """
    parser = argparse.ArgumentParser(
        prog="phazer", description="Build, check and train Phaze-A style face-swap models.")
    parser.add_argument("--version", action="version", version=f"phazer {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = set(COMMANDS) if full is None else set(full)
    for name, module_name in COMMANDS.items():
        if name not in wanted:
            if importlib.util.find_spec(f"phazer.cli.{module_name}") is not None:
                subparsers.add_parser(name, help=COMMAND_HELP[name])
            continue
        try:
            module = import_quickly(f"phazer.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"phazer.cli.{module_name}":
                continue  # command not available in this build
            raise
        module.add_parser(subparsers)
    return parser


def import_quickly(name: str) -> Any:
    """Import a module with the cyclic garbage collector paused.

    Importing a command's modules (pydantic's schema classes above all) allocates many objects
    and frees few, so the collections Python would run meanwhile find almost nothing: pausing
    them saves a few per cent of a dry run. The collector's state is put back afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return importlib.import_module(name)
    finally:
        if was_enabled:
            gc.enable()


def command_of(argv: list[str]) -> str | None:
    """The command an argument list runs: its first word not an option, if it names one."""
    word = next((arg for arg in argv if not arg.startswith("-")), None)
    return word if word in COMMANDS else None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = command_of(argv)
    parser = build_parser(() if command is None else (command,))
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
    import traceback  # only on the error path

    from phazer.issues import clip

    if os.environ.get("PHAZER_DEBUG"):
        traceback.print_exc()
    text = " ".join(str(exc).split())
    print(f"phazer: internal error: {type(exc).__name__}: {clip(text)}\n"
          f"  this is a bug in phazer, not a problem with the input (exit code "
          f"{EXIT_INTERNAL}): please report it with the command and the spec; set "
          "PHAZER_DEBUG=1 to see the traceback", file=sys.stderr)
