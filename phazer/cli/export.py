"""``phazer export --model-dir M -o OUT --format keras|saved_model|onnx``: standalone swaps."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape

from phazer.catalog.export_formats import EXPORT_BACKENDS, EXPORT_FORMATS
from phazer.cli.common import stderr_console, stdout_console
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.cli.model_dir_backend import (
    add_model_dir_backend_option,
    start_model_dir_backend,
)

if TYPE_CHECKING:
    from rich.console import Console

    from phazer.train.export import ExportReport

FORMATS = EXPORT_FORMATS
HELP = "export a trained model's swap as a standalone model (keras, saved_model, onnx)"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "export", help=HELP,
        description="Write the swap of a trained model as one standalone inference model "
                    "per side, swap_to_<side>: input 'face' (float32 in [0, 1], "
                    "[N, input, input, 3], cropped to training.coverage, in the model's "
                    "colour order: export.json's input.pixels says BGR or RGB), output "
                    "'face_out_<side>' (and 'mask_out_<side>' when the model learnt a mask), "
                    "plus export.json describing them. Each export is loaded back from disk "
                    "and run next to phazer's own swap on a few faces; the largest absolute "
                    "difference is printed. --format onnx needs the optional extra "
                    "phazer[onnx] (tf2onnx, onnxruntime). keras is written on every "
                    "backend, saved_model and onnx on TensorFlow only. The backend is the "
                    "one the model was trained on (training.backend of its spec.yaml) unless "
                    "--backend or KERAS_BACKEND names another (the weights are the same on "
                    "every backend), or tensorflow for saved_model and onnx.")
    parser.add_argument("--model-dir", required=True, type=Path, metavar="DIR",
                        help="the model dir of a `phazer train` run")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUT",
                        help="folder for the exported models (must not exist, or be empty)")
    parser.add_argument("--format", default="keras", choices=FORMATS,
                        help="keras (.keras), saved_model (TensorFlow SavedModel folder) or "
                             "onnx (.onnx) (default: keras)")
    parser.add_argument("--side", action="append", metavar="SIDE",
                        help="export the swap to this side only (repeatable; default: every "
                             "side of the model)")
    parser.add_argument("--faces", type=Path, metavar="DIR",
                        help="check the exports on the first faces of this folder (default: "
                             "synthetic faces)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_model_dir_backend_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check the model dir and output (no Keras yet), then export and check each side."""
    console, errors = stdout_console(), stderr_console()
    from phazer.train.modeldir import SPEC_FILE
    from phazer.train.transfer_checks import (
        TransferError,
        check_onnx_tools,
        read_source,
        require_new_folder,
    )

    try:
        if args.format == "onnx":
            check_onnx_tools()
        source = read_source(args.model_dir)
        target = require_new_folder(args.output, "the export folder")
        if args.faces is not None and not args.faces.is_dir():
            raise TransferError(f"the faces folder {args.faces} does not exist",
                                "pass a folder of aligned faces, or leave --faces out to "
                                "check on synthetic faces")
        if start_model_dir_backend(args.backend, source.spec.training.backend, "export",
                                   errors, source.folder.file(SPEC_FILE),
                                   EXPORT_BACKENDS[args.format],
                                   f"--format {args.format}",
                                   needs_tensorflow=True) is None:  # .keras writer imports it
            return EXIT_INVALID
        from phazer.train.export import export

        report = export(source, target, args.format, args.side, args.faces)
    except TransferError as exc:
        errors.print(f"phazer export: error: {escape(exc.message)}", highlight=False)
        if exc.hint:
            errors.print(f"  hint: {escape(exc.hint)}", highlight=False)
        return EXIT_INVALID
    if args.json:
        print(json.dumps({"output": str(report.target), **report.to_dict()}, indent=2))
    else:
        print_report(console, report)
    return EXIT_OK


def print_report(console: Console, report: ExportReport) -> None:
    """One line per exported side, then how to load the files."""
    console.print(f"exported {escape(str(report.source))} (iteration "
                  f"{report.source_iterations}) as {report.format} with "
                  f"{escape(report.converter)}", highlight=False)
    for side in report.sides:
        outputs = ", ".join(f"{name} {shape[1]} px" for name, shape in side.outputs.items())
        console.print(f"  {escape(str(report.target / side.file))}: face "
                      f"{side.input_shape[1]} px -> "
                      f"{escape(outputs)}; max abs difference to phazer swap "
                      f"{side.worst:.2e} on {report.faces} {escape(report.faces_from)}",
                      highlight=False)
    console.print(f"  {escape(str(report.target / 'export.json'))}: inputs, outputs, "
                  "coverage and the check", highlight=False)
    for note in report.notes:
        console.print(f"note: {escape(note)}", highlight=False)
    if report.custom_objects == []:
        console.print("  the .keras files use Keras' own layers only: plain Keras loads them "
                      "(safe_mode=True), without phazer", highlight=False)
    if report.custom_objects:
        console.print("note: the .keras files use phazer's layers "
                      f"({', '.join(report.custom_objects)}): load them after `import "
                      "phazer.emit` (safe_mode=True works), or export --format saved_model "
                      "or onnx for tools without phazer", highlight=False)
