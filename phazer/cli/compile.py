"""``phazer compile SPEC -o model.keras``: emit the Keras model and save it atomically."""

from __future__ import annotations

import argparse
from pathlib import Path

from phazer.cli.backend_option import add_backend_option, start_backend
from phazer.cli.common import add_set_option, print_issues, stderr_console, stdout_console
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.pipeline.summary import summarize


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "compile", help="emit the Keras model of a spec and save it as .keras",
        description="Validate a spec, build its Keras 3 model and save it. The model is "
                    "built on the Keras backend of --backend, training.backend or "
                    "KERAS_BACKEND (default tensorflow); the file is the same on every "
                    "backend and loads back on any with keras.saving.load_model(path, "
                    "safe_mode=True) after `import phazer.emit`.")
    parser.add_argument("spec", metavar="SPEC", help="spec file or built-in preset name")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.keras",
                        help="the model file to write (must end in .keras)")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    add_set_option(parser)
    add_backend_option(parser)
    parser.set_defaults(func=run)


def save_model_atomically(model: object, out: Path) -> None:
    """Save a Keras model next to ``out`` under a temporary name, then rename it over ``out``.

    A reader never sees a half-written model; a failed save leaves any old file untouched.
    """
    temp = out.with_name(f".{out.stem}.partial.keras")
    try:
        model.save(temp)
        temp.replace(out)
    finally:
        temp.unlink(missing_ok=True)


def run(args: argparse.Namespace) -> int:
    """Compile one spec to a .keras file."""
    console, errors = stdout_console(), stderr_console()
    out = Path(args.output)
    if out.suffix != ".keras":
        errors.print(f"phazer compile: error: {out} must end in .keras (Keras 3's format)")
        return EXIT_INVALID
    if out.exists() and not args.force:
        errors.print(f"phazer compile: error: {out} exists; pass --force to overwrite it")
        return EXIT_INVALID
    if not out.parent.is_dir():
        errors.print(f"phazer compile: error: folder {out.parent} does not exist")
        return EXIT_INVALID
    summary = summarize(args.spec, args.overrides)
    print_issues(console, [i for i in summary.issues if i.severity != "info"])
    if not summary.ok:
        return EXIT_INVALID
    backend = start_backend(args.backend, summary.report.loaded.spec.training.backend,
                            "compile", errors, spec_name=args.spec,
                            needs_tensorflow=True)   # Keras' .keras writer imports it
    if backend is None:
        return EXIT_INVALID
    from phazer.emit import EmitError, WeightsUnavailableError, emit_model

    try:
        model = emit_model(summary.model)
    except WeightsUnavailableError as exc:
        errors.print(f"phazer compile: error: {exc}\n  hint: or build with random weights: "
                     "--set encoder.imagenet_weights=false (encoder.pretrained=false for a "
                     "CLIP encoder)")
        return EXIT_INVALID
    except EmitError as exc:
        errors.print(f"phazer compile: error: {exc}")
        return EXIT_INVALID
    save_model_atomically(model, out)
    params = int(model.count_params())
    verdict = "matches the plan" if params == summary.figures.total_params else (
        f"DIFFERS from the plan's {summary.figures.total_params:,}")
    console.print(f"wrote {out}: {params:,} parameters ({verdict}), built on "
                  f"{backend.describe()}", markup=False, highlight=False)
    return EXIT_OK
