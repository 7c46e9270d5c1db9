"""``phazer swap --model-dir M/ --input faces/ --output out/ --to b``: swap a folder of faces."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from phazer.cli.common import stderr_console, stdout_console
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.cli.model_dir_backend import (
    add_model_dir_backend_option,
    start_model_dir_backend,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "swap", help="swap a folder of aligned faces with a trained model",
        description="Run every aligned face of a folder through one side of a trained "
                    "model: with --to b, A faces come out as B in the same pose (with more "
                    "sides, faces of any side go to the side --to names). Each face goes "
                    "through its own side's path (--from) until the routes join, then side "
                    "--to's. One PNG per input, same name with a .png suffix, at side --to's "
                    "output size (with the learnt mask as alpha when the model has one). "
                    "It runs on the backend the model was trained on (training.backend of "
                    "its spec.yaml) unless --backend or KERAS_BACKEND names another: the "
                    "weights are the same on every backend.")
    parser.add_argument("--model-dir", required=True, type=Path, metavar="DIR",
                        help="the model dir of a `phazer train` run")
    parser.add_argument("--input", required=True, type=Path, metavar="DIR",
                        help="folder of aligned faces (png/jpg)")
    parser.add_argument("--output", required=True, type=Path, metavar="DIR",
                        help="folder for the swapped faces (created; not the input folder)")
    parser.add_argument("--to", metavar="SIDE",
                        help="the side to swap the faces to: any side of the model (default: "
                             "the side after the model's first, b for sides a and b)")
    parser.add_argument("--from", dest="source", metavar="SIDE",
                        help="the side the faces are of: read at its input size, through its "
                             "path up to where the routes join (default: the side before "
                             "--to, the other one for sides a and b)")
    add_model_dir_backend_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Swap one folder: check everything first (no Keras), then build and swap.

    The backend is ``--backend``, else ``KERAS_BACKEND``, else the one the model was trained
    on (its ``training.backend``), else TensorFlow.
    """
    console, errors = stdout_console(), stderr_console()
    from phazer.train.modeldir import SPEC_FILE
    from phazer.train.swap_files import SwapError, discard_output, plan_swap

    try:
        plan = plan_swap(args.model_dir, args.input, args.output, args.to, args.source)
        for item in plan.faces.skipped:
            errors.print(f"warning: skipped {escape(str(item.path))}: {escape(item.reason)}",
                         highlight=False)
        backend = start_model_dir_backend(args.backend, plan.spec.training.backend, "swap",
                                          errors, plan.model_dir.file(SPEC_FILE))
        if backend is None:
            if plan.created:
                discard_output(plan.target)
            return EXIT_INVALID
        from phazer.train.swap import swap_folder

        result = swap_folder(args.model_dir, args.input, args.output, args.to, plan=plan)
    except SwapError as exc:
        errors.print(f"phazer swap: error: {escape(exc.message)}", highlight=False)
        if exc.hint:
            errors.print(f"  hint: {escape(exc.hint)}", highlight=False)
        return EXIT_INVALID
    scanned = {item.path for item in plan.faces.skipped}
    for item in result.skipped:
        if item.path not in scanned:     # failed after the scan (deleted or changed since)
            errors.print(f"warning: skipped {escape(str(item.path))}: "
                         f"{escape(item.reason)}", highlight=False)
    console.print(f"wrote {len(result.written)} swapped face"
                  f"{'' if len(result.written) == 1 else 's'} to {escape(str(args.output))}"
                  + (f" ({len(result.skipped)} skipped)" if result.skipped else "")
                  + f" with the {backend.name} backend ({escape(backend.source)})",
                  highlight=False)
    return EXIT_OK
