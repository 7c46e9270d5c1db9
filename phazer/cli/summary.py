"""``phazer summary SPEC``: parameters, shapes, FLOPs and memory, before anything is built.

Without ``--keras`` or ``--measure`` this never imports TensorFlow: the figures come from the
analytic plan (``--measure`` runs TensorFlow in a child process). ``--keras`` builds the model
on the backend of ``--backend``, ``training.backend`` or ``KERAS_BACKEND``.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING

from phazer.catalog.encoders import ENCODERS
from phazer.cli.backend_option import add_backend_option, start_backend
from phazer.cli.common import (
    add_set_option,
    positive_int,
    print_issues,
    rich_table,
    stderr_console,
    stdout_console,
)
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.cli.summary_memory import (
    add_memory_options,
    batch_split_problem,
    build_memory_report,
    memory_table,
)
from phazer.pipeline import Pipeline
from phazer.pipeline.summary import Summary, summarize, summary_color_order, summary_json
from phazer.plan.figures import ModelFigures
from phazer.sides import face_in, face_out

if TYPE_CHECKING:
    from rich.table import Table


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "summary", help="parameters, shapes, FLOPs and memory per sub-model (no TensorFlow)",
        description="Validate a spec or preset and print its plan: one row per sub-model "
                    "with the sides it serves, parameters, shapes and FLOPs, then the memory "
                    "one training step needs.")
    parser.add_argument("spec", metavar="SPEC", help="spec file or built-in preset name")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--layers", action="store_true", help="also print every layer")
    parser.add_argument("--keras", action="store_true",
                        help="also build the Keras model and report its parameter count (on "
                             "the backend of --backend)")
    parser.add_argument("--batch-size", type=positive_int, default=None, metavar="N",
                        help="batch size per side for the memory figures (default: the "
                             "spec's training.batch_size)")
    add_set_option(parser)
    add_memory_options(parser)
    add_backend_option(parser)
    parser.set_defaults(func=run)


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


def _shapes(shapes: tuple[tuple[int, ...], ...]) -> str:
    return ", ".join(_shape(s) for s in shapes)


def _flops(value: int) -> str:
    for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.2f} {unit}"
    return str(value)


def _sides(names: tuple[str, ...], all_sides: tuple[str, ...]) -> str:
    label = ", ".join(names)
    return f"{label} (shared)" if len(names) > 1 and set(names) == set(all_sides) else label


def _one_face_each(sides: tuple[str, ...]) -> str:
    """``one A and one B face``, ``one A, one B and one C face``."""
    names = [f"one {side.upper()}" for side in sides]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{listed} face"


def overview_table(figures: ModelFigures, keras_params: int | None,
                   color_order: str | None = None) -> Table:
    """The model overview: input/output (and its colour order), totals and FLOPs."""
    table = rich_table(title=f"model {figures.name}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    colours = f" ({color_order.upper()})" if color_order else ""
    table.add_row("input", " / ".join(f"{face_in(s)} {_shape(figures.side_inputs[s])}"
                                      for s in figures.sides) + colours)
    table.add_row("output", " / ".join(f"{face_out(s)} {_shape(figures.face_output(s))}"
                                       for s in figures.sides))
    table.add_row("parameters", f"{figures.total_params:,} ({figures.trainable_params:,} "
                  f"trainable, {figures.non_trainable_params:,} non-trainable)")
    if keras_params is not None:
        verdict = "matches" if keras_params == figures.total_params else "DIFFERS"
        table.add_row("keras parameters", f"{keras_params:,} ({verdict})")
    table.add_row("FLOPs / example", f"{_flops(figures.forward_flops)} forward, "
                  f"{_flops(figures.train_step_flops)} per training step "
                  f"({_one_face_each(figures.sides)})")
    return table


def submodel_table(figures: ModelFigures) -> Table:
    """One row per sub-model."""
    table = rich_table(title="sub-models", title_justify="left")
    for column, justify in (("name", "left"), ("kind", "left"), ("sides", "left"),
                            ("calls", "right"), ("params", "right"), ("share", "right"),
                            ("input -> output", "left"), ("FLOPs/call", "right")):
        table.add_column(column, justify=justify)
    total = max(figures.total_params, 1)
    for sub in figures.submodels:
        table.add_row(sub.name, sub.kind, _sides(sub.sides, figures.sides), str(sub.calls),
                      f"{sub.params:,}", f"{100 * sub.params / total:.1f}%",
                      f"{_shapes(sub.input_shapes)} -> {_shapes(sub.output_shapes)}",
                      _flops(sub.flops))
    return table


def filters_table(pipeline: Pipeline, figures: ModelFigures) -> Table:
    """The resolved filter and node lists: what the curves and the rescaling produced.

    Every value is read from the compiled IR (the sizes its builders recorded).
    """
    spec, sizes = pipeline.spec, pipeline.compiled.sizes
    table = rich_table(title="resolved filters", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    encoder = figures.submodel("encoder")
    px = encoder.input_shapes[0][0]
    vit = ENCODERS[spec.encoder.type].vit
    convs = [str(lay.output_shape[-1]) for lay in encoder.layers if lay.kind == "conv2d"]
    if vit is not None:
        grid = vit.grid(px)
        table.add_row("encoder transformer", f"{vit.layers} blocks of width {vit.width} "
                      f"({vit.heads} heads), {vit.patch}px patches: {grid}x{grid} + 1 tokens")
    elif convs:
        table.add_row("encoder convs", ", ".join(convs))
    table.add_row("encoder input", f"{px}px")
    if sizes.fc_nodes:
        table.add_row("fc nodes", ", ".join(f"{n:,}" for n in sizes.fc_nodes))
    if sizes.fc_reshape is not None:
        table.add_row("fc reshape", _shape(sizes.fc_reshape))
    if sizes.fc_output_shape is not None:
        table.add_row("fc output", _shape(sizes.fc_output_shape))
    if sizes.retile is not None:
        table.add_row("decoder re-tiling",
                      f"{_shape(sizes.retile[0])} -> {_shape(sizes.retile[1])}")
    filters = [str(f) for f in sizes.decoder_filters]
    if sizes.fc_upscales:
        filters = [f"{f} (in FC)" for f in filters[:sizes.fc_upscales]] + filters[
            sizes.fc_upscales:]
    table.add_row("decoder upscales", ", ".join(filters) or "none")
    if sizes.gblock_filters is not None and spec.routing.gblock:
        table.add_row("fc_gblock nodes", ", ".join(str(n) for n in sizes.gblock_fc_nodes))
        table.add_row("g_block filters", str(sizes.gblock_filters))
    return table


def layer_tables(figures: ModelFigures) -> list[Table]:
    """One table of layers per sub-model."""
    tables = []
    for sub in figures.submodels:
        table = rich_table(title=f"{sub.name} layers", title_justify="left")
        for column in ("layer", "kind", "output", "params", "FLOPs"):
            table.add_column(column, justify="right" if column in ("params", "FLOPs")
                             else "left")
        for layer in sub.layers:
            table.add_row(layer.name, layer.kind, _shape(layer.output_shape),
                          f"{layer.params:,}", _flops(layer.flops))
        tables.append(table)
    return tables


def _keras_params(summary: Summary) -> tuple[int, float]:
    """Build the Keras model and count its parameters (the backend already started).

    Pre-trained weights are not loaded: they do not change the count and may not be
    available offline.
    """
    from phazer.emit import emit_model  # imports Keras and its backend: only on request

    model_ir = summary.model.without_pretrained()
    start = time.perf_counter()
    model = emit_model(model_ir)
    return int(model.count_params()), time.perf_counter() - start


def run(args: argparse.Namespace) -> int:
    """Print the summary of one spec."""
    summary = summarize(args.spec, args.overrides)
    if not summary.ok:
        if args.json:
            print(json.dumps(summary_json(summary), indent=2))
        else:
            print_issues(stdout_console(), summary.issues)
        return EXIT_INVALID
    keras_params, backend = None, None
    if args.keras:
        backend = start_backend(args.backend, summary.report.loaded.spec.training.backend,
                                "summary", stderr_console(), spec_name=args.spec)
        if backend is None:
            return EXIT_INVALID
        keras_params, seconds = _keras_params(summary)
    training = summary.report.loaded.spec.training
    problem = batch_split_problem(args, training)
    if problem is not None:            # a batch that does not split over --devices
        stderr_console().print(f"phazer summary: error: {problem[0]}\n  hint: {problem[1]}",
                               markup=False, highlight=False)
        return EXIT_INVALID
    memory = build_memory_report(args, summary.model, training)
    if memory.measured is not None and "error" in memory.measured:
        stderr_console().print(f"--measure failed: {memory.measured['error']}")
    summary.report.issues.extend(memory.issues())
    if args.json:
        print(json.dumps(summary_json(summary, keras_total_params=keras_params,
                                      memory=memory), indent=2))
        return EXIT_OK
    figures = summary.figures
    console = stdout_console()
    console.print(overview_table(figures, keras_params, summary_color_order(summary)))
    console.print(submodel_table(figures))
    pipeline = summary.pipeline
    from phazer.diagram.text import routing_text  # the diagram package: text output only

    console.print(routing_text(pipeline.graph))
    if pipeline.lowered.uses_phaze_a:  # the sizes Phaze-A's blocks chose (others write them)
        console.print(filters_table(pipeline, figures))
    console.print(memory_table(memory))
    if args.layers:
        for table in layer_tables(figures):
            console.print(table)
    if backend is not None:
        console.print(f"Keras model built on {backend.describe()} in {seconds:.1f} s",
                      markup=False, highlight=False)
    print_issues(console, summary.issues)
    return EXIT_OK
