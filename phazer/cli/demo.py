"""``phazer demo``: synthetic faces, the summary, a short training and the swap's quality."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from phazer.cli.backend_option import add_backend_option, start_backend
from phazer.cli.common import positive_int, stderr_console, stdout_console
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.cli.train import report_input_error


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "demo", help="train a small model on synthetic faces and measure its swap",
        description="The main job end to end on built-in synthetic faces: draw two "
                    "identities A and B, show the model's summary, train it with the progress "
                    "bar and previews, then swap held-out A faces to B and score the result "
                    "against the ground truth (B drawn in the same poses), next to two "
                    "baselines: the unchanged A face and a reconstruction of a random B face. "
                    "Takes a few minutes on a CPU.")
    parser.add_argument("--out", type=Path, default=Path("phazer-demo"), metavar="DIR",
                        help="folder for the faces, the model dir, swap.png and quality.json "
                             "(default: ./phazer-demo; a previous demo there is replaced)")
    parser.add_argument("--minutes", type=float, default=None, metavar="N",
                        help="training time limit in minutes (default: 3.5)")
    parser.add_argument("--iterations", type=positive_int, default=None, metavar="N",
                        help="most iterations to train (default: no limit, the time limit "
                             "ends the run); a decaying learning rate ends with the run")
    parser.add_argument("--preset", default=None, metavar="SPEC",
                        help="the spec to train: a preset name or file (default: demo, a "
                             "~1M-parameter 64 px model)")
    parser.add_argument("--seed", type=int, default=None, metavar="N",
                        help="seed of the identities, poses and training data (default: 7)")
    add_backend_option(parser)
    parser.set_defaults(func=run)


def quality_table(quality: dict) -> Table:
    """The swap and the baselines: MAE and SSIM against the ground truth."""
    table = Table(title="swap A -> B against the ground truth (B in A's pose, face area); "
                        "below the line, each side redrawing its own held-out faces")
    table.add_column("images compared with the truth")
    table.add_column("MAE (lower is better)", justify="right")
    table.add_column("SSIM (higher is better)", justify="right")
    table.add_column("SSIM per face: min / median / max", justify="right")
    rows = (("swap", "the model's swap of held-out A faces"),
            ("unchanged", "baseline: the A faces unchanged"),
            ("random_b", "baseline: the model's reconstruction of random B faces"),
            ("reconstruction_a", "reconstruction of the held-out A faces (A -> A)"),
            ("reconstruction_b", "reconstruction of B in the held-out poses (B -> B)"))
    per_face = quality.get("per_face_ssim", {})
    for key, label in rows:
        if key not in quality:
            continue
        spread = per_face.get(key, {})
        table.add_row(label, f"{quality[key]['mae']:.4f}", f"{quality[key]['ssim']:.4f}",
                      f"{spread['min']:.2f} / {spread['median']:.2f} / {spread['max']:.2f}"
                      if spread.get("count") else "")
        if key == "random_b":
            table.add_section()
    return table


def run(args: argparse.Namespace) -> int:
    """Run the demo."""
    console, errors = stdout_console(), stderr_console()
    from phazer.train.demo_settings import DemoSettings, load_demo_spec

    defaults = DemoSettings()
    preset = args.preset or defaults.preset
    spec = load_demo_spec(preset)
    # the data pipeline is tf.data whatever the backend: TensorFlow loads too
    backend = start_backend(args.backend, None if spec is None else spec.training.backend,
                            "demo", errors, spec_name=preset, needs_tensorflow=True)
    if backend is None:
        return EXIT_INVALID
    from phazer.cli.main import main as phazer_main
    from phazer.train.demo import run_demo
    from phazer.train.session import TrainInputError

    settings = DemoSettings(
        preset=preset,
        minutes=defaults.minutes if args.minutes is None else args.minutes,
        iterations=args.iterations or defaults.iterations,
        seed=defaults.seed if args.seed is None else args.seed)
    if settings.minutes <= 0:
        errors.print("phazer demo: error: --minutes must be more than 0")
        return EXIT_INVALID
    console.rule(f"the model: phazer summary {escape(settings.preset)}")
    if phazer_main(["summary", settings.preset]) != EXIT_OK:
        return EXIT_INVALID
    console.rule(f"training on synthetic faces ({backend.name} backend)")
    try:
        report = run_demo(args.out, settings, console)
    except TrainInputError as exc:
        report_input_error(errors, "demo", exc)
        return EXIT_INVALID
    console.rule("result")
    console.print(quality_table(report))
    verdict = ("the swap beats both baselines" if report["beats_baselines"] else
               "the swap does NOT beat both baselines yet: train longer (--minutes, "
               "--iterations)")
    console.print(f"{report['iterations']} iterations in {report['seconds']:.0f} s: {verdict}",
                  highlight=False)
    console.print(f"see {escape(str(args.out / 'swap.png'))} (held-out A | swap | truth), "
                  f"{escape(str(args.out / 'model' / 'preview.png'))} and "
                  f"{escape(str(args.out / 'quality.json'))}", highlight=False)
    return EXIT_OK
