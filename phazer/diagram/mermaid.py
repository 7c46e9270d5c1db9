"""Write a :class:`~phazer.diagram.model.Diagram` as a Mermaid flowchart (``.mmd``).

Mermaid renders in GitHub, GitLab and many editors with no local tools. The node shapes carry
the same marks as the terminal view and docs/routing.md: a shared sub-model is a subroutine
box ``[[name]]`` (double side bars), a side's own sub-model a rounded box ``(name)``, inputs
and outputs are stadiums. Colours come from ``classDef`` classes named ``shared``,
``side_<side>`` and ``io_<side>``; edges carrying several sides are thick (``==>``), style
edges dotted (``-.->``). The text depends only on the diagram, so it is deterministic.
"""

from __future__ import annotations

import re

from phazer.diagram.model import IO, LEVEL_ROUTING, SHARED, Cluster, Diagram, Edge, Node
from phazer.diagram.style import (
    IO_FILL,
    SHARED_PALETTE,
    edge_palette,
    layer_text,
    params_text,
    shape_text,
    side_label,
    side_palette,
    sides_label,
)

_INDENT = "  "
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def mermaid_id(text: str) -> str:
    """A Mermaid-safe id: ``decoder_both/upscale_0`` -> ``decoder_both__upscale_0``."""
    return _ID_UNSAFE.sub("_", text.replace("/", "__"))


def _text(text: str) -> str:
    """Escape text for a double-quoted Mermaid label."""
    return text.replace('"', "#quot;")


def node_class(node: Node) -> str:
    """The class of a node: ``shared``, ``side_a`` or ``io_a``."""
    return SHARED if node.mark == SHARED else f"{node.mark}_{node.sides[0]}"


def _node_shape(node: Node, label: str) -> str:
    if node.mark == SHARED:
        return f'[["{label}"]]'
    if node.mark == IO:
        return f'(["{label}"])'
    return f'("{label}")'


def _node_line(node: Node) -> str:
    label = "<br/>".join([f"<b>{_text(node.id)}</b>", *(_text(n) for n in node.notes)])
    return f"{mermaid_id(node.id)}{_node_shape(node, label)}"


def _arrow(edge: Edge) -> str:
    if "style" in edge.role.split("+"):
        return "-.->"
    return "==>" if len(edge.sides) > 1 else "-->"


def _edge_line(edge: Edge, source: str, target: str) -> str:
    label = "<br/>".join(_text(line) for line in (shape_text(edge.shape), *edge.notes))
    return f'{mermaid_id(source)} {_arrow(edge)}|"{label}"| {mermaid_id(target)}'


def _class_defs(diagram: Diagram) -> list[str]:
    lines = [f"classDef {SHARED} fill:{SHARED_PALETTE.fill},stroke:{SHARED_PALETTE.border},"
             "stroke-width:3px,color:#000"]
    for side in diagram.sides:
        palette = side_palette(side, diagram.sides)
        lines.append(f"classDef side_{side} fill:{palette.fill},stroke:{palette.border},"
                     "stroke-width:1px,color:#000")
        lines.append(f"classDef io_{side} fill:{IO_FILL},stroke:{palette.border},"
                     "stroke-width:1px,color:#000")
    return [_INDENT + line for line in lines]


def _class_assignments(members: dict[str, list[str]]) -> list[str]:
    return [f"{_INDENT}class {','.join(ids)} {name}" for name, ids in members.items() if ids]


def _link_styles(diagram: Diagram, edges: list[tuple[int, Edge]]) -> list[str]:
    """One ``linkStyle`` per colour, listing the indices of the links drawn in it."""
    groups: dict[tuple[str, str], list[str]] = {}
    for index, edge in edges:
        palette = edge_palette(edge.sides, diagram.sides)
        width = "3px" if len(edge.sides) > 1 else "1.5px"
        groups.setdefault((palette.border, width), []).append(str(index))
    return [f"{_INDENT}linkStyle {','.join(indices)} stroke:{color},stroke-width:{width}"
            for (color, width), indices in groups.items()]


def _legend(diagram: Diagram, members: dict[str, list[str]]) -> list[str]:
    pad = _INDENT * 2
    lines = [f'{_INDENT}subgraph legend ["legend"]',
             f'{pad}legend_shared[["shared by {_text(sides_label(diagram.sides))}"]]']
    members[SHARED].append("legend_shared")
    for side in diagram.sides:
        lines.append(f'{pad}legend_{side}("side {_text(side_label(side))} only")')
        members.setdefault(f"side_{side}", []).append(f"legend_{side}")
    lines.append(f"{_INDENT}end")
    return lines


def _front_matter(diagram: Diagram) -> list[str]:
    title = f"{diagram.title} · {diagram.subtitle}".replace('"', "'")
    return ["---", f'title: "{title}"', "---",
            f"%% {diagram.title}: {diagram.level} diagram written by `phazer diagram` "
            "(same spec, same text)"]


def _routing_body(diagram: Diagram, members: dict[str, list[str]]) -> list[str]:
    lines = ["flowchart LR"]
    for side in diagram.sides:
        lane = [n for n in diagram.nodes if n.lane == side and n.mark != SHARED]
        if not lane:
            continue
        lines.append(f'{_INDENT}subgraph lane_{side} ["side {_text(side_label(side))}"]')
        lines += [_INDENT * 2 + _node_line(node) for node in lane]
        lines.append(f"{_INDENT}end")
    lines += [_INDENT + _node_line(node) for node in diagram.nodes if node.lane is None]
    for node in diagram.nodes:
        members.setdefault(node_class(node), []).append(mermaid_id(node.id))
    edges = list(enumerate(diagram.edges))
    lines += [_INDENT + _edge_line(edge, edge.source, edge.target) for _, edge in edges]
    lines += _legend(diagram, members)
    lines += _class_defs(diagram) + _class_assignments(members) + _link_styles(diagram, edges)
    for side in diagram.sides:
        if any(n.lane == side and n.mark != SHARED for n in diagram.nodes):
            palette = side_palette(side, diagram.sides)
            lines.append(f"{_INDENT}style lane_{side} fill:{palette.lane},"
                         f"stroke:{palette.border}")
    return lines


def _cluster_lines(cluster: Cluster) -> list[str]:
    node = cluster.node
    title = f"{node.id} · {node.notes[0]} · {params_text(node.params or 0)}"
    pad = _INDENT * 2
    lines = [f'{_INDENT}subgraph sm_{mermaid_id(node.id)} ["{_text(title)}"]',
             f"{pad}direction TB"]
    for layer in cluster.layers:
        title, detail = layer_text(layer.name, layer.kind, layer.shape, layer.params,
                                   layer.repeat, layer.group)
        lines.append(f'{pad}{mermaid_id(layer.id)}["{_text(title)}<br/>{_text(detail)}"]')
    lines += [f"{pad}{mermaid_id(source)} --> {mermaid_id(target)}"
              for source, target in cluster.links]
    lines.append(f"{_INDENT}end")
    return lines


def _layers_body(diagram: Diagram, members: dict[str, list[str]]) -> list[str]:
    lines = ["flowchart TB"]
    lines += [_INDENT + _node_line(node) for node in diagram.nodes if node.mark == IO]
    links = 0
    for cluster in diagram.clusters:
        lines += _cluster_lines(cluster)
        links += len(cluster.links)
    for node in diagram.nodes:
        if node.mark == IO:
            members.setdefault(node_class(node), []).append(mermaid_id(node.id))
    edges = []
    for edge in diagram.edges:
        source, target = diagram.layer_endpoints(edge)
        lines.append(_INDENT + _edge_line(edge, source, target))
        edges.append((links, edge))
        links += 1
    lines += _legend(diagram, members)
    lines += _class_defs(diagram) + _class_assignments(members) + _link_styles(diagram, edges)
    for cluster in diagram.clusters:
        node = cluster.node
        palette = (SHARED_PALETTE if node.mark == SHARED
                   else side_palette(node.sides[0], diagram.sides))
        width = "3px" if node.mark == SHARED else "1px"
        lines.append(f"{_INDENT}style sm_{mermaid_id(node.id)} fill:{palette.fill},"
                     f"stroke:{palette.border},stroke-width:{width}")
    return lines


def to_mermaid(diagram: Diagram) -> str:
    """The diagram as Mermaid flowchart text (ends with a newline)."""
    members: dict[str, list[str]] = {SHARED: []}
    body = (_routing_body(diagram, members) if diagram.level == LEVEL_ROUTING
            else _layers_body(diagram, members))
    return "\n".join(_front_matter(diagram) + body) + "\n"
