"""Write a :class:`~phazer.diagram.model.Diagram` as Graphviz DOT text.

The text is produced by phazer itself (no Graphviz needed) and depends only on the diagram,
so the same spec always gives byte-identical DOT. Every node and edge carries a ``class``
attribute (``shared``, ``side side-a``, ``io io-a``) that Graphviz copies into SVG output.

At routing level the sides are lanes (clusters) stacked top to bottom in side order, shared
sub-models sit between them, and each column (``rank``) is ordered with invisible edges so
side A is always drawn above side B.
"""

from __future__ import annotations

from itertools import pairwise

from phazer.diagram.model import (
    IO,
    LEVEL_ROUTING,
    SHARED,
    Cluster,
    Diagram,
    Edge,
    Layer,
    Node,
)
from phazer.diagram.style import (
    FONT,
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


def quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def html(text: str) -> str:
    """Escape text for a Graphviz HTML-like label."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _attrs(pairs: list[tuple[str, str]]) -> str:
    """``[key=value, ...]``; values are written as given (already quoted or HTML)."""
    return "[" + ", ".join(f"{key}={value}" for key, value in pairs) + "]"


def node_classes(node: Node, sides: tuple[str, ...]) -> str:
    """The class names of a node: ``shared``, ``side side-a`` or ``io io-a``."""
    if node.mark == SHARED:
        return SHARED
    return f"{node.mark} {node.mark}-{node.sides[0]}"


def edge_classes(edge: Edge) -> str:
    """The class names of an edge: ``shared`` or ``side-a``, plus ``role-<role>`` words."""
    sides = SHARED if len(edge.sides) > 1 else f"side-{edge.sides[0]}"
    roles = " ".join(f"role-{role}" for role in edge.role.split("+"))
    return f"{sides} {roles}"


def _node_style(node: Node, sides: tuple[str, ...]) -> list[tuple[str, str]]:
    if node.mark == IO:
        palette = side_palette(node.sides[0], sides)
        return [("shape", "ellipse"), ("style", "filled"), ("fillcolor", quote(IO_FILL)),
                ("color", quote(palette.border))]
    if node.mark == SHARED:
        return [("shape", "box"), ("style", "filled"), ("peripheries", "2"),
                ("penwidth", "1.6"), ("fillcolor", quote(SHARED_PALETTE.fill)),
                ("color", quote(SHARED_PALETTE.border))]
    palette = side_palette(node.sides[0], sides)
    return [("shape", "box"), ("style", quote("rounded,filled")),
            ("fillcolor", quote(palette.fill)), ("color", quote(palette.border))]


def _node_label(node: Node) -> str:
    details = "<br/>".join(html(line) for line in node.notes)
    return f'<<b>{html(node.id)}</b><br/><font point-size="9">{details}</font>>'


def _node_line(node: Node, sides: tuple[str, ...], label: str | None = None) -> str:
    attrs = [("label", label or _node_label(node)), *_node_style(node, sides),
             ("class", quote(node_classes(node, sides)))]
    return f"{quote(node.id)} {_attrs(attrs)};"


def _edge_attrs(edge: Edge, sides: tuple[str, ...], with_label: bool = True
                ) -> list[tuple[str, str]]:
    palette = edge_palette(edge.sides, sides)
    attrs: list[tuple[str, str]] = []
    if with_label:
        attrs.append(("label", quote("\n".join([shape_text(edge.shape), *edge.notes]))))
    attrs += [("color", quote(palette.border)), ("fontcolor", quote(palette.border)),
              ("penwidth", "2.4" if len(edge.sides) > 1 else "1.4")]
    if "style" in edge.role.split("+"):
        attrs.append(("style", "dashed"))
    attrs.append(("class", quote(edge_classes(edge))))
    return attrs


def _legend_row(diagram: Diagram) -> str:
    """HTML cells explaining the node and edge marks."""
    cells = [f'<td bgcolor="{SHARED_PALETTE.fill}" border="2" color="{SHARED_PALETTE.border}">'
             f"shared by {html(sides_label(diagram.sides))} (double border)</td>"]
    for side in diagram.sides:
        palette = side_palette(side, diagram.sides)
        cells.append(f'<td bgcolor="{palette.fill}" border="1" color="{palette.border}">'
                     f"side {html(side_label(side))} only</td>")
    arrows = [f'<font color="{side_palette(s, diagram.sides).border}">—— '
              f"{html(side_label(s))}'s data</font>" for s in diagram.sides]
    arrows.append(f'<font color="{SHARED_PALETTE.border}"><b>━━ data of '
                  f"{html(sides_label(diagram.sides))}</b></font>")
    if any("style" in edge.role.split("+") for edge in diagram.edges):
        arrows.append("- - - style (G-Block)")
    cells.append(f'<td border="0">{"   ".join(arrows)}</td>')
    return "<tr>" + "".join(cells) + "</tr>"


def _graph_label(diagram: Diagram) -> str:
    span = len(diagram.sides) + 2
    title = (f'<tr><td align="left" border="0" colspan="{span}"><font point-size="16"><b>'
             f'{html(diagram.title)}</b></font>   <font point-size="11">'
             f"{html(diagram.subtitle)}</font></td></tr>")
    return (f'<<table border="0" cellborder="0" cellspacing="4" cellpadding="4">{title}'
            f"{_legend_row(diagram)}</table>>")


def _statement(keyword: str, pairs: list[tuple[str, str]], indent: str = _INDENT) -> str:
    """``graph [...]``, ``node [...]`` or ``edge [...]`` default attributes."""
    return f"{indent}{keyword} {_attrs(pairs)};"


def _header(diagram: Diagram, rankdir: str) -> list[str]:
    graph = [("rankdir", rankdir), ("newrank", "true"), ("nodesep", "0.3"),
             ("ranksep", "0.5"), ("fontname", quote(FONT)), ("labelloc", "t"),
             ("labeljust", "l"), ("label", _graph_label(diagram))]
    node = [("fontname", quote(FONT)), ("fontsize", "11"), ("margin", quote("0.14,0.06"))]
    edge = [("fontname", quote(FONT)), ("fontsize", "9"), ("arrowsize", "0.7")]
    return [
        f"// {diagram.title}: {diagram.level} diagram written by `phazer diagram` "
        "(same spec, same text)",
        f"digraph {quote(diagram.name)} {{",
        _statement("graph", graph), _statement("node", node), _statement("edge", edge),
    ]


def _routing_body(diagram: Diagram) -> list[str]:
    sides = diagram.sides
    lines: list[str] = []
    for side in sides:
        lane = [node for node in diagram.nodes if node.lane == side and node.mark != SHARED]
        if not lane:
            continue
        palette = side_palette(side, sides)
        lane_attrs = [("label", f"<<b>side {html(side_label(side))}</b>>"),
                      ("style", quote("filled,rounded")), ("fillcolor", quote(palette.lane)),
                      ("color", quote(palette.border)), ("fontcolor", quote(palette.border)),
                      ("class", quote(f"lane lane-{side}"))]
        lines.append(f"{_INDENT}subgraph {quote('cluster_lane_' + side)} {{")
        lines.append(_statement("graph", lane_attrs, _INDENT * 2))
        lines += [_INDENT * 2 + _node_line(node, sides) for node in lane]
        lines.append(f"{_INDENT}}}")
    lines += [_INDENT + _node_line(node, sides) for node in diagram.nodes if node.lane is None]
    for column in diagram.ranks():
        names = " ".join(f"{quote(node.id)};" for node in column)
        lines.append(f"{_INDENT}{{ rank=same; {names} }}")
        lines += [f"{_INDENT}{quote(upper.id)} -> {quote(lower.id)} [style=invis];"
                  for upper, lower in pairwise(column)]
    lines += [f"{_INDENT}{quote(edge.source)} -> {quote(edge.target)} "
              f"{_attrs(_edge_attrs(edge, sides))};" for edge in diagram.edges]
    return lines


def _layer_label(layer: Layer) -> str:
    title, detail = layer_text(layer.name, layer.kind, layer.shape, layer.params,
                               layer.repeat, layer.group)
    return f'<{html(title)}<br/><font point-size="8">{html(detail)}</font>>'


def _cluster_lines(cluster: Cluster, sides: tuple[str, ...]) -> list[str]:
    node = cluster.node
    if node.mark == SHARED:
        palette, style, width = SHARED_PALETTE, "filled,bold", "3"
    else:
        palette, style, width = side_palette(node.sides[0], sides), "filled,rounded", "1.4"
    label = (f"<<b>{html(node.id)}</b>  <font point-size=\"9\">{html(node.notes[0])} · "
             f"{html(params_text(node.params or 0))}</font>>")
    pad = _INDENT * 2
    graph = [("label", label), ("style", quote(style)), ("fillcolor", quote(palette.fill)),
             ("color", quote(palette.border)), ("penwidth", width),
             ("class", quote(node_classes(node, sides)))]
    lines = [f"{_INDENT}subgraph {quote('cluster_' + node.id)} {{",
             _statement("graph", graph, pad)]
    for layer in cluster.layers:
        attrs = [("label", _layer_label(layer)),
                 ("shape", "box"), ("style", "filled"), ("fillcolor", quote(IO_FILL)),
                 ("fontsize", "9"), ("color", quote(palette.border))]
        lines.append(f"{pad}{quote(layer.id)} {_attrs(attrs)};")
    lines += [f"{pad}{quote(source)} -> {quote(target)} [color={quote(palette.border)}];"
              for source, target in cluster.links]
    lines.append(f"{_INDENT}}}")
    return lines


def _layers_body(diagram: Diagram) -> list[str]:
    sides = diagram.sides
    lines = [_INDENT + _node_line(node, sides) for node in diagram.nodes if node.mark == IO]
    for cluster in diagram.clusters:
        lines += _cluster_lines(cluster, sides)
    for edge in diagram.edges:
        source, target = diagram.layer_endpoints(edge)
        lines.append(f"{_INDENT}{quote(source)} -> {quote(target)} "
                     f"{_attrs(_edge_attrs(edge, sides))};")
    return lines


def to_dot(diagram: Diagram) -> str:
    """The diagram as DOT text (ends with a newline)."""
    if diagram.level == LEVEL_ROUTING:
        lines = _header(diagram, "LR") + _routing_body(diagram)
    else:
        lines = _header(diagram, "TB") + _layers_body(diagram)
    lines.append("}")
    return "\n".join(lines) + "\n"
