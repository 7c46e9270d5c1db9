"""The "faceswap's layouts side by side" section of docs/graphs.md, generated.

Used by ``scripts/gen_docs.py``. For every ``fs-*`` preset written in the graph form: its
routes (the preset's ``routes:`` lines), its sub-models with their parameters and sides (the
figures of ``phazer summary NAME --json``), its routing diagram (``docs/diagrams/NAME.svg``,
made by ``scripts/gen_diagrams.py``) and one line, derived from the routes and the figures,
on what sets the layout apart: what is shared and what is split, the joins, unequal
per-side sub-models and several outputs. Only the text between the two markers is
generated; the rest of docs/graphs.md is written by hand and kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from phazer.pipeline.summary import summarize, summary_json
from phazer.spec.graph_form import GRAPH_FORMAT_VERSION
from phazer.spec.presets import presets_dir
from phazer.spec.routes import parse_route

SECTION_HEADING = "## faceswap's layouts side by side"
BEGIN = "<!-- begin generated: faceswap layouts (python scripts/gen_docs.py) -->"
END = "<!-- end generated: faceswap layouts -->"
DIAGRAM_DIR = "diagrams"  # relative to docs/
_FORM_SUFFIX = re.compile(r",? (?:written )?in the graph form\.$")


def graph_presets() -> list[tuple[str, dict[str, Any]]]:
    """Every ``fs-*`` preset in the graph form, by name, with its YAML data."""
    found = []
    paths = sorted(presets_dir().glob("fs-*.yaml"),
                   key=lambda p: (p.stem.removesuffix("-lowmem"), p.stem.endswith("-lowmem")))
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("phazer") == GRAPH_FORMAT_VERSION:
            found.append((path.stem, data))
    return found


def _code_list(names: Iterable[str]) -> str:
    names = [f"`{name}`" for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _millions(params: int) -> str:
    return f"{params / 1e6:.1f} M"


def _blurb(data: dict[str, Any]) -> str:
    text = " ".join(str(data.get("description", "")).split())
    return _FORM_SUFFIX.sub(".", text)


def _join_facts(routes: dict[str, str]) -> list[str]:
    facts = []
    for side, route in routes.items():
        for step in parse_route(route):
            if step.join is None:
                continue
            if len(set(step.models)) == 1:
                times = {2: "twice", 3: "three times"}.get(len(step.models),
                                                           f"{len(step.models)} times")
                facts.append(f"side {side} calls `{step.models[0]}` {times} and joins the "
                             f"results ({step.join}, same weights)")
            else:
                facts.append(f"side {side} joins {_code_list(step.models)} ({step.join})")
    return facts


def _per_side_groups(routes: dict[str, str], per_side: set[str]) -> list[list[str]]:
    """Per-side sub-models that hold the same place in each side's route."""
    flat = {side: [name for step in parse_route(route) for name in step.models]
            for side, route in routes.items()}
    groups: list[list[str]] = []
    length = min(len(names) for names in flat.values())
    for index in range(length):
        names = [flat[side][index] for side in routes]
        if all(name in per_side for name in names) and len(set(names)) == len(names):
            groups.append(names)
    return groups


def distinct_line(routes: dict[str, str], summary: dict[str, Any],
                  base: dict[str, Any] | None) -> str:
    """What sets this layout apart, in one line, from its routes and figures."""
    sides = summary["sides"]
    subs = {s["name"]: s for s in summary["submodels"]}
    shared = [name for name, s in subs.items() if len(s["sides"]) == len(sides) > 1]
    per_side = {name for name, s in subs.items() if len(s["sides"]) == 1}
    parts = []
    if shared:
        parts.append(f"shared {_code_list(shared)}")
    for group in _per_side_groups(routes, per_side):
        params = [subs[name]["params"] for name in group]
        if len(set(params)) == 1:
            parts.append(f"one {_code_list(group).replace(' and ', ' / ')} per side "
                         f"(equal, {_millions(params[0])} each)")
        else:
            sizes = ", ".join(f"`{n}` {_millions(p)}" for n, p in zip(group, params, strict=True))
            parts.append(f"unequal per-side sub-models: {sizes}")
    grouped = {name for group in _per_side_groups(routes, per_side) for name in group}
    others = [name for name in subs if name in per_side and name not in grouped]
    if others:
        parts.append("only on one side: " + ", ".join(
            f"`{name}` ({subs[name]['sides'][0]})" for name in others))
    parts += _join_facts(routes)
    outputs: dict[tuple[int, ...], list[str]] = {}
    for name, s in subs.items():
        if len(s["output_shapes"]) > 1:
            sizes = tuple(shape[0] for shape in s["output_shapes"])
            outputs.setdefault(sizes, []).append(name)
    for sizes, names in outputs.items():
        verb = "each have" if len(names) > 1 else "has"
        parts.append(f"{_code_list(names)} {verb} {len(sizes)} outputs "
                     f"({', '.join(map(str, sizes))} px)")
    if base is not None:
        ratio = summary["total_params"] / base["total_params"]
        parts.append(f"{ratio:.0%} of `{base['name']}`'s parameters")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def _summary(name: str) -> dict[str, Any]:
    """``phazer summary NAME --json`` (without the memory figures)."""
    return summary_json(summarize(name))


def _layout(name: str, data: dict[str, Any], summary: dict[str, Any],
            base: dict[str, Any] | None, docs: Path) -> list[str]:
    routes = dict(data["routes"])
    route_lines = "<br>".join(f"`{side}: {route}`" for side, route in routes.items())
    models = "<br>".join(
        f"`{s['name']}` {s['params']:,} ({', '.join(s['sides'])}"
        + (f"; {s['calls']} calls" if s["calls"] > len(s["sides"]) else "") + ")"
        for s in summary["submodels"])
    models += f"<br>**total {summary['total_params']:,}**"
    diagram = f"{DIAGRAM_DIR}/{name}.svg"
    lines = [f"### `{name}`", "", _blurb(data), distinct_line(routes, summary, base), "",
             "| routes | sub-models: parameters (sides) |", "|---|---|",
             f"| {route_lines} | {models} |", ""]
    if (docs / diagram).exists():
        lines.append(f"![{name}: the routing]({diagram})")
    else:
        lines.append(f"*No diagram yet: run `python scripts/gen_diagrams.py` to make "
                     f"`docs/{diagram}`.*")
    return [*lines, ""]


def render_layouts(docs: Path) -> str:
    """The generated text between :data:`BEGIN` and :data:`END` (markers included)."""
    presets = graph_presets()
    summaries = {name: _summary(name) for name, _ in presets}
    lines = [BEGIN, "",
             "Each of faceswap's models as an `fs-*` preset: the routes, each sub-model's "
             "parameters and the sides that use it (from `phazer summary NAME --json`), and "
             "the routing diagram (`phazer diagram NAME`): a sub-model the sides share is "
             "drawn once, with a double border, and each side's own sub-models sit in that "
             "side's band. Under each layout, one line on what sets it apart, read off the "
             "same figures.", "",
             "| layout | in → out | parameters | shared | per side | joins |",
             "|---|---|---|---|---|---|"]
    for name, data in presets:
        summary = summaries[name]
        sides = summary["sides"]
        shared = [s["name"] for s in summary["submodels"] if len(s["sides"]) == len(sides)]
        split = [s["name"] for s in summary["submodels"] if len(s["sides"]) < len(sides)]
        joins = sum(1 for route in data["routes"].values() for step in parse_route(route)
                    if step.join)
        size = f"{summary['input_shape'][0]} → {summary['output_shape'][0]} px"
        lines.append(f"| [`{name}`](#{name}) | {size} | {summary['total_params']:,} | "
                     f"{', '.join(shared) or '—'} | {', '.join(split) or '—'} | "
                     f"{joins or '—'} |")
    lines.append("")
    for name, data in presets:
        base_name = name.removesuffix("-lowmem") if name.endswith("-lowmem") else None
        base = summaries.get(base_name) if base_name else None
        lines += _layout(name, data, summaries[name], base, docs)
    return "\n".join([*lines, END])


def render_graphs(existing: str, docs: Path) -> str:
    """docs/graphs.md with its generated section rewritten (appended when it is missing)."""
    generated = render_layouts(docs)
    if BEGIN in existing and END in existing:
        head, rest = existing.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        return head + generated + tail
    return existing.rstrip("\n") + f"\n\n{SECTION_HEADING}\n\n{generated}\n"
