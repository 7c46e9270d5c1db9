"""``phazer train SPEC --input-a A/ --input-b B/ --model-dir M/``: train, or resume, a model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape

from phazer.cli.backend_option import add_backend_option, start_backend
from phazer.cli.common import (
    add_set_option,
    positive_int,
    print_issues,
    stderr_console,
    stdout_console,
)
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.train.distribution import STRATEGIES

if TYPE_CHECKING:
    from rich.console import Console

    from phazer.train.modeldir import SaveError
    from phazer.train.precheck import TrainInputError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "train", help="train a model on a folder of aligned faces per side (resumes a model "
                      "dir)",
        description="Build the model of a spec and train it on a folder of aligned face "
                    "images per side (png/jpg; the alpha channel is the mask): --input-a "
                    "and --input-b for a two-sided model, --input SIDE=DIR for each side of "
                    "any model. If MODEL_DIR already "
                    "holds a model, training resumes from its last save: the spec's "
                    "model-defining fields must not change, while losses, learning rate, "
                    "dropout, freezing, batch size and the other training settings may. "
                    "Saves every training.save_interval iterations and on exit; Ctrl-C saves "
                    "and stops; a NaN or infinite loss stops without saving.")
    parser.add_argument("spec", metavar="SPEC", help="spec file or built-in preset name")
    parser.add_argument("--input", dest="inputs", action="append", type=side_folder,
                        default=[], metavar="SIDE=DIR",
                        help="folder of one side's aligned faces, e.g. --input c=faces_c/; "
                             "one per side of the model (repeatable)")
    parser.add_argument("--input-a", type=Path, metavar="DIR",
                        help="folder of side A's aligned faces (the faces to replace); "
                             "the same as --input a=DIR")
    parser.add_argument("--input-b", type=Path, metavar="DIR",
                        help="folder of side B's aligned faces (the faces to swap in); "
                             "the same as --input b=DIR")
    parser.add_argument("--model-dir", required=True, type=Path, metavar="DIR",
                        help="where the model is saved; an existing model there is resumed")
    parser.add_argument("--batch-size", type=positive_int, metavar="N",
                        help="faces per side per iteration, split over the devices "
                             "(default: training.batch_size)")
    parser.add_argument("--iterations", type=positive_int, metavar="N",
                        help="iterations to train in this session (default: until Ctrl-C)")
    parser.add_argument("--min-images", type=positive_int, metavar="N",
                        help="fewest usable faces a side may have (default: 8, and a whole "
                             "batch); lower it only to try a tiny face set")
    add_set_option(parser)
    parser.add_argument("--freeze-weights", action="store_true",
                        help="freeze the sub-models listed in the spec's weights.freeze")
    parser.add_argument("--load-weights", type=Path, metavar="DIR",
                        help="a new model starts with the weights of the sub-models in "
                             "weights.load taken from this other model dir")
    parser.add_argument("--strategy", choices=STRATEGIES,
                        help="tf.distribute strategy (default: training.distribution.strategy):"
                             " default (one device), mirrored (this machine's GPUs, or --devices"
                             " logical CPU devices), multi_worker (several machines, cluster "
                             "from TF_CONFIG)")
    parser.add_argument("--devices", type=positive_int, metavar="N",
                        help="devices per machine: the first N GPUs, or N logical CPU devices "
                             "without GPUs (default: training.distribution.devices)")
    parser.add_argument("--distribute", choices=["mirrored"], help=argparse.SUPPRESS)
    parser.add_argument("--lr-finder", action="store_true",
                        help="a new model first finds its learning rate (faceswap's "
                             "--use-lr-finder; the same as --set training.lr_finder.enabled="
                             "true); a model with a rate found trains at it")
    add_backend_option(parser)
    parser.add_argument("--no-preview", dest="preview", action="store_false",
                        help="do not write preview.png at each save")
    parser.add_argument("--seed", type=int, metavar="N",
                        help="seed the first weights, the data order and the augmentation "
                             "(repeatable runs; a resume keeps the saved seed)")
    parser.set_defaults(func=run)


def side_folder(text: str) -> tuple[str, Path]:
    """``SIDE=DIR`` of ``--input`` as (side, folder)."""
    side, equals, folder = text.partition("=")
    side = side.strip()
    if not equals or not side or not folder:
        raise argparse.ArgumentTypeError(f"expected SIDE=DIR (e.g. a=faces_a/), got {text!r}")
    return side, Path(folder)


def run(args: argparse.Namespace) -> int:
    """Train one session; 0 when it ends normally or by Ctrl-C, 1 on bad input or NaN."""
    console, errors = stdout_console(), stderr_console()
    from phazer.train.precheck import TrainInputError, claim, load_spec  # no TensorFlow yet

    if args.lr_finder:
        args.overrides = [*args.overrides, "training.lr_finder.enabled=true"]
    strategy = args.strategy
    if args.distribute and not strategy:
        errors.print("phazer train: warning: --distribute mirrored is deprecated; use "
                     "--strategy mirrored", highlight=False)
        strategy = args.distribute
    try:        # a bad spec, a busy model dir or a refused resume: told before TensorFlow
        _, checked = load_spec(args.spec, args.overrides, args.batch_size)   # validated once
        lock = claim(args.spec, args.overrides, args.batch_size, args.model_dir,
                     lambda text: console.print(text, markup=False, highlight=False),
                     strategy=strategy, devices=args.devices, checked=checked)
    except TrainInputError as exc:
        report_input_error(errors, "train", exc)
        return EXIT_INVALID
    try:
        # the data pipeline is tf.data whatever the backend: TensorFlow loads too
        if start_backend(args.backend, checked.report.loaded.spec.training.backend, "train",
                         errors, spec_name=args.spec, needs_tensorflow=True) is None:
            return EXIT_INVALID
        from phazer.train.modeldir import SaveError
        from phazer.train.session import TrainOptions, train

        options = TrainOptions(spec=args.spec, inputs=args.inputs, input_a=args.input_a,
                               input_b=args.input_b, model_dir=args.model_dir,
                               overrides=args.overrides, iterations=args.iterations,
                               batch_size=args.batch_size, freeze_weights=args.freeze_weights,
                               load_weights=args.load_weights, strategy=strategy,
                               devices=args.devices, min_images=args.min_images,
                               preview=args.preview, seed=args.seed, checked=checked)
        try:
            result = train(options, console)
        except TrainInputError as exc:
            report_input_error(errors, "train", exc)
            return EXIT_INVALID
        except SaveError as exc:
            report_save_error(errors, exc)
            return EXIT_INVALID
    finally:
        lock.release(tidy=True)
    if result.stop == "nan":
        error = result.error
        names = ", ".join(f"{name} = {value}" for name, value in error.terms.items())
        errors.print(f"phazer train: error: the loss became NaN or infinite at iteration "
                     f"{error.iteration}: {escape(names)}\n"
                     f"  training stopped without saving: {escape(str(args.model_dir))} keeps "
                     f"its save of iteration {result.saved_iteration}\n"
                     "  hint: lower training.optimizer.learning_rate, raise epsilon_exponent or "
                     "turn on clipping; if the model is already damaged, restore backup/ or a "
                     "snapshot", highlight=False)
        return EXIT_INVALID
    if result.stop == "lr_finder":
        console.print(f"stopped after the learning rate finder (training.lr_finder.mode: "
                      f"graph_and_exit): {escape(str(args.model_dir))} keeps the rate found; "
                      "run the same command to train at it", highlight=False)
        return EXIT_OK
    how = "stopped by Ctrl-C" if result.stop == "interrupted" else "done"
    rate = (f"; {result.examples_per_second:.1f} examples/s"
            if result.examples_per_second else "")
    console.print(f"{how}: {escape(str(args.model_dir))} saved at iteration "
                  f"{result.saved_iteration}{rate}", highlight=False)
    return EXIT_OK


def report_save_error(errors: Console, exc: SaveError) -> None:
    """Print a failed save (a full disk...) and what the model dir still holds."""
    folder = escape(str(exc.folder))
    kept = (f"{folder} keeps its complete save of iteration {exc.kept}" if exc.kept else
            f"nothing of the model in {folder} was saved yet")
    errors.print(f"phazer train: error: {escape(str(exc))}\n  {kept}\n"
                 "  hint: free some disk space (or use another --model-dir), then run the same "
                 f"command again to resume from iteration {exc.kept}", highlight=False)


def report_input_error(errors: Console, command: str, exc: TrainInputError) -> None:
    """Print a :class:`TrainInputError` (issues, message, details, hint) on stderr."""
    if exc.issues:
        print_issues(errors, exc.issues)
    errors.print(f"phazer {command}: error: {escape(exc.message)}", highlight=False)
    for line in exc.details:
        errors.print(f"  {escape(line)}", highlight=False)
    if exc.hint:
        errors.print(f"  hint: {escape(exc.hint)}", highlight=False)
