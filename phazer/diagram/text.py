"""A compact terminal rendering of the routing graph: one flow line per side.

Uses the notation of docs/routing.md: ``[name]`` is a sub-model used by several sides,
``(name)`` one side's own, ``+`` joins a side's features with the shared features and ``~``
is the G-Block's style input::

    A  face_in_a → [encoder] → (fc_a) + [fc_shared] → [decoder_both] → face_out_a
    B  face_in_b → [encoder] → (fc_b) + [fc_shared] → [decoder_both] → face_out_b
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from phazer.diagram.style import SHARED_PALETTE, side_label, side_palette, sides_label
from phazer.graph import graph_sides, output_nodes
from phazer.graph.digraph import DiGraph
from phazer.sides import face_out

# The roles that continue a side's main line; the others join it from the side.
_MAIN_ROLES = ("image", "encoding", "features")
_JOIN_SYMBOL = {"shared_features": "+", "style": "~"}


@dataclass(frozen=True)
class Step:
    """One node on a side's flow line.

    Attributes:
        node: the routing-graph node.
        joins: ``(symbol, node)`` pairs that join the line just before this node
            (``("+", "fc_shared")``, ``("~", "fc_gblock")``), in routing order.
    """

    node: str
    joins: tuple[tuple[str, str], ...] = ()


def side_flow(graph: DiGraph, side: str) -> list[Step]:
    """One side's path from its input to its face output, with what joins it on the way.

    Walks back from ``face_out_<side>`` along the edges carrying the side's image, encoding
    or own features; shared features and style inputs are recorded as joins.
    """
    node = face_out(side)
    if node not in graph:
        return []
    steps: list[Step] = []
    seen: set[str] = set()
    while node is not None and node not in seen:
        seen.add(node)
        main: str | None = None
        joins: list[tuple[str, str]] = []
        for source in graph.predecessors(node):
            for tensor_side, role in graph.edges[source, node]["tensors"]:
                if tensor_side != side:
                    continue
                if role in _MAIN_ROLES and main is None:
                    main = source
                elif role in _JOIN_SYMBOL:
                    joins.append((_JOIN_SYMBOL[role], source))
        joins.sort(key=lambda join: join[0] != "+")  # shared features first, then style
        steps.append(Step(node, tuple(joins)))
        node = main
    return steps[::-1]


def _mark(graph: DiGraph, node: str) -> str:
    data = graph.nodes[node]
    if data["kind"] in ("input", "output"):
        return node
    return f"[{node}]" if data["shared"] else f"({node})"


def _style(graph: DiGraph, node: str, sides: tuple[str, ...]) -> str:
    data = graph.nodes[node]
    if data["kind"] in ("input", "output"):
        return ""
    if data["shared"]:
        return f"bold {SHARED_PALETTE.text}"
    (side,) = data["sides"]
    return side_palette(side, sides).text


def routing_line(graph: DiGraph, side: str) -> Text:
    """One side's flow line as styled text (``A  face_in_a → [encoder] → ...``)."""
    sides = graph_sides(graph)
    line = Text()
    line.append(f"{side_label(side)}  ", style=f"bold {side_palette(side, sides).text}")
    steps = side_flow(graph, side)
    for index, step in enumerate(steps):
        if index:
            for symbol, source in step.joins:
                line.append(f" {symbol} ")
                line.append(_mark(graph, source), style=_style(graph, source, sides))
            line.append(" → ")
        line.append(_mark(graph, step.node), style=_style(graph, step.node, sides))
    extra = [n for n in output_nodes(graph, side) if n != face_out(side)]
    if steps and extra:
        line.append(", " + ", ".join(extra))
    return line


def routing_legend(graph: DiGraph) -> str:
    """The key to the marks used for this graph."""
    sides = graph_sides(graph)
    roles = {role for _, _, tensors in graph.edges(data="tensors") for _, role in tensors}
    parts = [f"[name] shared by {sides_label(sides)}", "(name) one side only"]
    if "shared_features" in roles:
        parts.append("+ joined with the shared features")
    if "style" in roles:
        parts.append("~ G-Block style input")
    return " · ".join(parts)


def routing_lines(graph: DiGraph) -> list[str]:
    """The routing as plain text lines: a heading with the key, then one line per side."""
    heading = f"routing  ({routing_legend(graph)})"
    return [heading, *(f"  {routing_line(graph, side).plain}" for side in graph_sides(graph))]


def routing_text(graph: DiGraph) -> Text:
    """The routing of a spec's routing graph as styled text for a rich console."""
    text = Text()
    text.append("routing", style="italic")
    text.append(f"  {routing_legend(graph)}", style="dim")
    for side in graph_sides(graph):
        text.append("\n  ")
        text.append_text(routing_line(graph, side))
    return text
