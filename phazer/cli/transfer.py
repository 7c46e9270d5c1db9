"""``phazer transfer OLD_MODEL_DIR NEW_SPEC -o NEW_MODEL_DIR``: carry trained weights over."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape

from phazer.cli.common import add_set_option, rich_table, stderr_console, stdout_console
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.cli.tensorflow_import import quiet_tensorflow

if TYPE_CHECKING:
    from rich.console import Console

    from phazer.train.transfer_report import TransferReport

HELP = "start a model dir for a changed spec from a trained model's matching weights"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "transfer", help=HELP,
        description="Make a new model dir for NEW_SPEC whose weights are taken from the "
                    "trained model in OLD_MODEL_DIR wherever they fit: sub-models are "
                    "matched by name, then their layers by name, and a weight is copied when "
                    "its shape is the same; everything else starts from fresh initial "
                    "values. Works across the switch form and the graph form. The optimizer "
                    "starts fresh; `phazer train NEW_SPEC --model-dir NEW_MODEL_DIR ...` "
                    "continues from the new model dir.")
    parser.add_argument("old_model_dir", metavar="OLD_MODEL_DIR", type=Path,
                        help="the model dir of a `phazer train` run")
    parser.add_argument("spec", metavar="NEW_SPEC", help="spec file or built-in preset name")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="NEW_MODEL_DIR",
                        help="the new model dir (must not exist, or be empty)")
    add_set_option(parser)
    parser.add_argument("--map", dest="mapping", action="append", type=submodel_pair,
                        default=[], metavar="NEW=OLD",
                        help="take a new sub-model's weights from an old sub-model of another "
                             "name, e.g. --map fc_a=fc_both --map fc_b=fc_both after "
                             "splitting the FC (repeatable)")
    parser.add_argument("--seed", type=int, metavar="N",
                        help="seed the initial values of the weights that are not copied")
    parser.add_argument("--verbose", action="store_true",
                        help="list every layer, not only each sub-model's counts")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def submodel_pair(text: str) -> tuple[str, str]:
    """``NEW=OLD`` of ``--map`` as (new, old)."""
    new, equals, old = (part.strip() for part in text.partition("="))
    if not equals or not new or not old:
        raise argparse.ArgumentTypeError(f"expected NEW=OLD (e.g. fc_a=fc_both), got {text!r}")
    return new, old


def run(args: argparse.Namespace) -> int:
    """Check everything (no TensorFlow yet), then build both models, copy and write."""
    console, errors = stdout_console(), stderr_console()
    from phazer.cli.train import report_input_error
    from phazer.train.precheck import TrainInputError, load_spec
    from phazer.train.transfer_checks import TransferError, read_source, require_new_folder

    try:
        spec, summary = load_spec(args.spec, args.overrides, None)
        source = read_source(args.old_model_dir)
        target = require_new_folder(args.output, "the new model dir")
        quiet_tensorflow()
        from phazer.train.transfer import transfer

        report = transfer(source, spec, summary.model, args.spec, target, args.seed,
                          dict(args.mapping))
    except TrainInputError as exc:
        report_input_error(errors, "transfer", exc)
        return EXIT_INVALID
    except TransferError as exc:
        errors.print(f"phazer transfer: error: {escape(exc.message)}", highlight=False)
        if exc.hint:
            errors.print(f"  hint: {escape(exc.hint)}", highlight=False)
        return EXIT_INVALID
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        sets = "".join(f" --set {item}" for item in args.overrides)
        print_report(console, report, args.verbose,
                     f"phazer train {args.spec}{sets} --model-dir {args.output} ...")
    return EXIT_OK


def print_report(console: Console, report: TransferReport, verbose: bool, command: str
                 ) -> None:
    """The table: per sub-model counts (with ``verbose``, a row per layer) and the totals.

    Args:
        console: where to print.
        report: what the transfer did.
        verbose: a row per layer too.
        command: the ``phazer train`` command that continues (shown last).
    """
    from phazer.train.transfer_report import COPIED, FRESH, PARTLY

    console.print(f"transfer from {escape(str(report.source))} (iteration "
                  f"{report.source_iterations}) to {escape(str(report.target))}, spec "
                  f"{escape(report.spec)}", highlight=False)
    table = rich_table("sub-model" + (" / layer" if verbose else ""), "status", "layers copied",
                       "re-initialised", "params copied", "why (shapes: old vs new)")
    for sub in report.submodels:
        partly = f" ({sub.count(PARTLY)} partly)" if sub.count(PARTLY) else ""
        table.add_row(escape(sub.name), sub.status,
                      f"{sub.count(COPIED)}/{len(sub.layers)}{partly}", str(sub.count(FRESH)),
                      f"{sub.copied_params:,}/{sub.params:,}", escape(sub.reason))
        for layer in sub.layers if verbose else ():
            table.add_row(f"  {escape(layer.name)}", layer.status, "", "",
                          f"{layer.copied_params:,}/{layer.params:,}", escape(layer.reason))
    console.print(table)
    for name in report.dropped_submodels:
        console.print(f"not carried over: {escape(name)} (not in the new model)",
                      highlight=False)
    dropped_layers = sum(len(sub.dropped_layers) for sub in report.submodels)
    if dropped_layers:
        console.print(f"not carried over: {dropped_layers} layer"
                      f"{'s' if dropped_layers != 1 else ''} of the old model that the new "
                      "sub-models do not have" + ("" if verbose else " (--verbose: which)"),
                      highlight=False)
        for sub in report.submodels if verbose else ():
            for name in sub.dropped_layers:
                console.print(f"  {escape(sub.name)}/{escape(name)}", highlight=False)
    totals = report.totals()
    console.print(f"copied {totals['copied_layers']} of {totals['layers']} layers "
                  f"({totals['copied_params']:,} of {totals['params']:,} parameters); "
                  f"{totals['reinitialised_layers']} re-initialised"
                  + (f", {totals['partly_copied_layers']} partly copied"
                     if totals["partly_copied_layers"] else ""), highlight=False)
    console.print(f"next: {escape(command)} continues from these weights with a fresh "
                  "optimizer", highlight=False)
