"""``phazer diff A B``: what differs between two specs, field by field, then in their figures.

A and B are spec files or preset names, in either form. Both are validated and planned as
``phazer summary`` does (no TensorFlow); the resolved specs (``phazer render``'s fields) are
compared field by field, then the plans sub-model by sub-model.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Any

from phazer.cli.common import (
    positive_int,
    print_issues,
    rich_table,
    stderr_console,
    stdout_console,
)
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.issues import clip, plural
from phazer.pipeline.summary import Summary, summarize
from phazer.plan.budget import format_bytes
from phazer.plan.compare import CompareRow, Pair, PlanFigures, compare_submodels, compare_totals
from phazer.plan.memory import estimate_memory
from phazer.plan.memory_settings import MemorySettings, training_settings
from phazer.spec.diff import FieldChange, spec_changes
from phazer.spec.graph_form import GraphSpec
from phazer.spec.models import ModelSpec

_VALUE_WIDTH = 40


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "diff", help="compare two specs: changed fields, then parameter, FLOP and memory deltas",
        description="Compare two specs or presets (either form): the fields of their resolved "
                    "specs that differ (dotted paths, A's value -> B's), then parameters, "
                    "FLOPs and memory per sub-model for A and B and the change. Exit code 0 "
                    "whether they differ or not; 1 when either is invalid.")
    parser.add_argument("a", metavar="A", help="spec file or built-in preset name")
    parser.add_argument("b", metavar="B", help="spec file or built-in preset name")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.add_argument("--batch-size", type=positive_int, default=None, metavar="N",
                        help="batch size per side for both memory figures (default: each "
                             "spec's training.batch_size)")
    parser.set_defaults(func=run)


@dataclass(frozen=True)
class Side:
    """One side of the comparison: what was asked for and what it resolved to."""

    reference: str
    spec: ModelSpec | GraphSpec
    plan: PlanFigures
    settings: MemorySettings

    def to_json(self) -> dict[str, Any]:
        """The side's header in the JSON: reference, name, form and memory settings."""
        s = self.settings
        return {"reference": self.reference, "name": self.spec.name, "form": self.spec.phazer,
                "memory_settings": {"batch_size": s.batch_size, "precision": s.precision,
                                    "optimizer": s.optimizer}}


def _side(reference: str, summary: Summary, batch_size: int | None) -> Side:
    assert summary.report.loaded is not None and summary.model is not None
    assert summary.figures is not None  # a valid summary has all three
    spec = summary.report.loaded.spec
    settings = training_settings(spec.training, batch_size=batch_size)
    memory = estimate_memory(summary.model, settings)
    return Side(reference, spec, PlanFigures(summary.figures, memory), settings)


def compared_specs(a: ModelSpec | GraphSpec, b: ModelSpec | GraphSpec
                   ) -> tuple[ModelSpec | GraphSpec, ModelSpec | GraphSpec]:
    """The specs as compared: when one is in the graph form, both are (as ``render --graph``)."""
    if isinstance(a, GraphSpec) == isinstance(b, GraphSpec):
        return a, b
    from phazer.lowering import lower

    return lower(a), lower(b)


def diff_json(a: Side, b: Side, fields: list[FieldChange]) -> dict[str, Any]:
    """The comparison as the JSON object docs/cli.md describes."""
    rows = compare_submodels(a.plan, b.plan)
    return {"valid": True, "identical": not fields, "a": a.to_json(), "b": b.to_json(),
            "fields": [change.to_json() for change in fields],
            "submodels": [row.to_json() for row in rows],
            "total": compare_totals(a.plan, b.plan).to_json()}


def invalid_json(summaries: dict[str, tuple[str, Summary]]) -> dict[str, Any]:
    """The JSON when a spec is invalid: each side's validity and its issues."""
    return {"valid": False, **{
        key: {"reference": reference, "valid": summary.ok,
              "issues": [issue.to_json() for issue in summary.issues]}
        for key, (reference, summary) in summaries.items()}}


def _value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return clip(" ".join(text.split()), _VALUE_WIDTH)


def field_lines(fields: list[FieldChange]) -> list[str]:
    """One line per changed field: ``path: old → new``, ``+ path: value``, ``- path: value``."""
    lines = []
    for change in fields:
        if change.change == "added":
            lines.append(f"  + {change.path}: {_value(change.b)}")
        elif change.change == "removed":
            lines.append(f"  - {change.path}: {_value(change.a)}")
        else:
            lines.append(f"    {change.path}: {_value(change.a)} → {_value(change.b)}")
    return lines


def _number(value: int | None, kind: str, signed: bool = False) -> str:
    if value is None:
        return "-"
    sign = "+" if signed and value > 0 else ""
    if kind == "memory":
        return sign + format_bytes(value)
    if kind == "flops":
        for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
            if abs(value) >= scale:
                return f"{sign}{value / scale:.2f} {unit}"
    return f"{sign}{value:,}"


def figures_table(rows: list[CompareRow], total: CompareRow) -> Any:
    """The sub-model table: each figure for A, B and the change."""
    table = rich_table(title="sub-models", title_justify="left")
    table.add_column("name")
    table.add_column("change")
    for label in ("params", "FLOPs/call", "memory"):
        for part in ("A", "B", "change"):
            table.add_column(f"{label} {part}" if part != "change" else "±", justify="right")
    for row in [*rows, total]:
        cells = [row.name, "" if row.change == "same" else row.change]
        for kind in ("params", "flops", "memory"):
            pair: Pair = getattr(row, kind)
            cells += [_number(pair.a, kind), _number(pair.b, kind),
                      _number(pair.delta, kind, signed=True) if pair.delta else ""]
        table.add_row(*cells, end_section=row is rows[-1] if rows else False)
    return table


def _settings_text(side: Side) -> str:
    s = side.settings
    return f"batch {s.batch_size} per side, {s.precision}, {s.optimizer}"


def print_text(a: Side, b: Side, fields: list[FieldChange], note: str) -> None:
    """The human comparison: the two specs, the changed fields, the figures."""
    console = stdout_console()
    for key, side in (("A", a), ("B", b)):
        console.print(f"{key}  {side.reference} (name {side.spec.name or '-'}, "
                      f"phazer: {side.spec.phazer})", markup=False)
    if note:
        console.print(note, markup=False)
    if not fields:
        console.print("identical: the resolved specs are the same, field for field",
                      markup=False)
        return
    console.print(f"\n{plural(len(fields), 'field')} differ"
                  f"{'s' if len(fields) == 1 else ''} (A → B; + only in B, - only in A)",
                  markup=False)
    for line in field_lines(fields):
        console.print(line, markup=False)
    console.print()
    console.print(figures_table(compare_submodels(a.plan, b.plan), compare_totals(a.plan, b.plan)))
    memory = (f"memory: {_settings_text(a)}" if a.settings == b.settings
              else f"memory: A at {_settings_text(a)}; B at {_settings_text(b)}")
    console.print(f"{memory}; total FLOPs are one forward pass of one example per side; "
                  "the total memory is the whole training step", markup=False)


def run(args: argparse.Namespace) -> int:
    """Compare two specs."""
    summaries = {"a": (args.a, summarize(args.a)), "b": (args.b, summarize(args.b))}
    if not all(summary.ok for _, summary in summaries.values()):
        if args.json:
            print(json.dumps(invalid_json(summaries), indent=2))
            return EXIT_INVALID
        console = stderr_console()
        for key, (reference, summary) in summaries.items():
            if not summary.ok:
                console.print(f"{key.upper()}: {reference} is invalid", markup=False)
                print_issues(console, [i for i in summary.issues if i.severity == "error"])
        return EXIT_INVALID
    a = _side(args.a, summaries["a"][1], args.batch_size)
    b = _side(args.b, summaries["b"][1], args.batch_size)
    spec_a, spec_b = compared_specs(a.spec, b.spec)
    fields = spec_changes(spec_a, spec_b)
    if args.json:
        print(json.dumps(diff_json(a, b, fields), indent=2))
        return EXIT_OK
    note = ("" if spec_a is a.spec and spec_b is b.spec else
            "one spec is in the graph form: both are compared in it (as `phazer render "
            "--graph` writes a Phaze-A spec)")
    print_text(a, b, fields, note)
    return EXIT_OK
