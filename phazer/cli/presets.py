"""``phazer presets``: a table of the built-in presets."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass

from rich import box
from rich.markup import escape
from rich.table import Table

from phazer.cli.common import print_issues, stderr_console, stdout_console
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.graph import routing_words
from phazer.issues import Issue, SpecError
from phazer.pipeline import Pipeline
from phazer.plan.budget import format_bytes, gpu_overhead_bytes
from phazer.plan.memory import estimate_memory
from phazer.plan.memory_report import approximate_ops, not_counted_ops
from phazer.plan.memory_settings import MemorySettings
from phazer.spec import load_spec
from phazer.spec.describe import (
    first_sentence,
    lead_clause,
)
from phazer.spec.graph_form import PhazeABlock
from phazer.spec.presets import preset_names, presets_dir

_MIN_FLEX_WIDTH = 12


@dataclass(frozen=True)
class PresetColumn:
    """One column of the presets table and its key in the JSON output.

    Attributes:
        header: the table header.
        key: the JSON key.
        value: the JSON value for a preset, from its name and pipeline (its spec, and its
            IR compiled once for every column).
        text: the table cell for that value.
        justify: the cell alignment.
        wrap: the cell may wrap onto several lines when the terminal is narrow.
        truncate: each line of the cell is cut with "…" when the terminal is narrow.
        marker: a prefix for the table cell of a preset (not in the JSON), e.g. "~".
        table_cell: the table cell instead of ``text(value)``, when the table shows
            something other than the JSON (the one-line tagline for the description).
        in_table: shown in the table (else only in the JSON).
    """

    header: str
    key: str
    value: Callable[[str, Pipeline], object]
    text: Callable[[object], str] = str
    justify: str = "left"
    wrap: bool = False
    truncate: bool = False
    marker: Callable[[str, Pipeline], str] | None = None
    table_cell: Callable[[str, Pipeline], str] | None = None
    in_table: bool = True

    def cell(self, name: str, pipeline: Pipeline) -> str:
        """The table cell of a preset."""
        prefix = self.marker(name, pipeline) if self.marker else ""
        if self.table_cell is not None:
            return prefix + self.table_cell(name, pipeline)
        return prefix + self.text(self.value(name, pipeline))


def preset_columns() -> list[PresetColumn]:
    """The columns of ``phazer presets``, in display order.

    A column must compute a real figure: the table never shows a placeholder number. The
    estimated VRAM is the memory model's training step at batch 16 per side (float32, Adam)
    plus the fixed GPU terms (``docs/memory.md``); it is left out ("-", null) for a
    Keras Applications encoder the table has no memory figures for. For the others, whose
    internal activations are less closely checked, the table marks the figure with "~".
    The description column shows the one-line ``tagline`` and the intended ``use`` under it;
    the JSON keeps the description's first sentence and adds ``tagline`` and ``use``.
    """
    return [
        PresetColumn("name", "name", lambda name, p: name),
        PresetColumn("out px", "output_size", lambda name, p: output_px(p), justify="right"),
        PresetColumn("encoder", "encoder", lambda name, p: encoder_name(p)),
        PresetColumn("in px", "encoder_input_size", lambda name, p: input_px(p),
                     justify="right"),
        PresetColumn("routing", "routing", lambda name, p: routing_text(p), wrap=True),
        PresetColumn("params", "total_params", lambda name, p: plan_params(p),
                     lambda value: f"{value / 1e6:.1f}M" if isinstance(value, int) else "-",
                     justify="right"),
        PresetColumn("VRAM @16", "est_vram_batch16", lambda name, p: plan_vram(p),
                     lambda value: format_bytes(value) if isinstance(value, int) else "-",
                     justify="right",
                     marker=lambda name, p: "~" if vram_is_approximate(p) else ""),
        PresetColumn("description", "description",
                     lambda name, p: first_sentence(p.spec.description), truncate=True,
                     table_cell=lambda name, p: description_cell(p)),
        PresetColumn("tagline", "tagline", lambda name, p: p.spec.tagline, in_table=False),
        PresetColumn("use", "use", lambda name, p: p.spec.use, in_table=False),
    ]


def description_cell(pipeline: Pipeline) -> str:
    """The description cell: the one-line tagline, then (dimmed) the intended use.

    Without a tagline, the lead clause of the description's first sentence.
    """
    spec = pipeline.spec
    cell = escape(spec.tagline or lead_clause(first_sentence(spec.description)))
    return f"{cell}\n[dim]use: {escape(spec.use)}[/dim]" if spec.use else cell


def output_px(pipeline: Pipeline) -> int | None:
    """The face size the model draws for its first side (as built, or as the spec asks)."""
    figures = pipeline.figures
    if figures is not None:
        return figures.output_shape[0]
    return next(iter(pipeline.lowered.sides.values())).output


def input_px(pipeline: Pipeline) -> int | None:
    """The first side's input size."""
    return next(iter(pipeline.lowered.sides.values())).input


def encoder_name(pipeline: Pipeline) -> str:
    """The encoder: a Phaze-A encoder's type, or the name of the sub-model the faces enter."""
    spec, graph = pipeline.lowered, pipeline.graph
    first = next(n for n in graph.nodes if graph.nodes[n]["kind"] == "encoder")
    if isinstance(spec.models[first], PhazeABlock):
        return spec.phaze_a.encoder.type
    return first


def routing_text(pipeline: Pipeline) -> str:
    """What is shared and what is split, in a few words (read off the routing graph)."""
    return routing_words(pipeline.graph)


def plan_vram(pipeline: Pipeline, batch_size: int = 16) -> int | None:
    """GPU memory to train the spec at ``batch_size`` per side (float32, Adam), or None.

    None when the plan cannot be built or holds a Keras Applications encoder without memory
    figures in the table.
    """
    model = pipeline.model
    if model is None or not_counted_ops(model):
        return None
    settings = MemorySettings(batch_size=batch_size)
    return estimate_memory(model, settings).total + gpu_overhead_bytes(model, settings)


def vram_is_approximate(pipeline: Pipeline) -> bool:
    """The spec's VRAM figure includes a Keras Applications encoder's tabulated activations."""
    model = pipeline.model
    return model is not None and bool(approximate_ops(model))


def plan_params(pipeline: Pipeline) -> int | None:
    """The spec's total parameter count from the plan, or None when it cannot be built."""
    model = pipeline.model
    return model.params.total if model is not None else None


def load_presets() -> list[tuple[str, Pipeline | None, list[Issue]]]:
    """Every built-in preset: its name, its pipeline (None when invalid) and the load issues."""
    loaded: list[tuple[str, Pipeline | None, list[Issue]]] = []
    for name in preset_names():
        try:
            loaded.append((name, Pipeline(load_spec(name).spec), []))
        except SpecError as exc:
            loaded.append((name, None, exc.issues))
    return loaded


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "presets", help="list the built-in presets",
        description="List the built-in presets: output size, encoder and its input size, "
                    "routing, parameters, memory, what each is and what it is for. Any "
                    "command that takes a spec file also takes a preset name.")
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    parser.add_argument("--wrap", action="store_true",
                        help="wrap the description column (what each preset is and its use) "
                             "instead of cutting it at the terminal's width")
    parser.set_defaults(func=run)


def _json_rows(columns: list[PresetColumn],
               presets: list[tuple[str, Pipeline | None, list[Issue]]]) -> list[dict]:
    rows = []
    for name, pipeline, issues in presets:
        if pipeline is None:
            rows.append({"name": name, "valid": False, "issues": [i.to_json() for i in issues]})
        else:
            rows.append({"valid": True, **{c.key: c.value(name, pipeline) for c in columns}})
    return rows


def _table(columns: list[PresetColumn],
           presets: list[tuple[str, Pipeline | None, list[Issue]]], wrap: bool = False) -> Table:
    table = Table(title="built-in presets", title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False, padding=(0, 1, 0, 0), expand=True)
    columns = [column for column in columns if column.in_table]
    for column in columns:
        table.add_column(column.header, justify=column.justify,  # type: ignore[arg-type]
                         no_wrap=not (column.wrap or (wrap and column.truncate)),
                         overflow="fold" if wrap and column.truncate else "ellipsis",
                         ratio=1 if column.wrap or column.truncate else None,
                         min_width=_MIN_FLEX_WIDTH if column.wrap or column.truncate else None)
    for name, pipeline, issues in presets:
        if pipeline is None:
            reason = escape(issues[0].message) if issues else ""
            cells = [name, *("?" for _ in columns[1:-1]), f"[red]invalid:[/red] {reason}"]
        else:
            cells = [column.cell(name, pipeline) for column in columns]
        table.add_row(*cells)
    return table


def run(args: argparse.Namespace) -> int:
    """Print the table (or JSON) of built-in presets."""
    columns = preset_columns()
    presets = load_presets()
    if args.json:
        print(json.dumps(_json_rows(columns, presets), indent=2))
    elif not presets:
        stderr_console().print(f"no built-in presets found in {presets_dir()}")
    else:
        stdout_console().print(_table(columns, presets, args.wrap), soft_wrap=False)
    broken = [issue for _, pipeline, issues in presets if pipeline is None for issue in issues]
    if broken and not args.json:
        print_issues(stderr_console(), broken)
    return EXIT_INVALID if broken else EXIT_OK
