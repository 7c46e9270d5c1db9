"""Diagrams of a model, drawn from the routing graph the compiler validates.

- :mod:`.model` — what a diagram shows (nodes, edges, layer clusters), format-free;
- :mod:`.build` — builds it from :func:`phazer.graph.routing_graph` and the plan;
- :mod:`.dot`, :mod:`.mermaid` — deterministic DOT and Mermaid text;
- :mod:`.render` — writes files, running Graphviz's ``dot`` for SVG/PNG/PDF;
- :mod:`.text` — the compact routing view ``phazer summary`` prints.

Typical use::

    diagram = diagram_for_spec(spec)             # or level="layers"
    write_diagram(diagram, "model.svg")          # .dot/.mmd need no tools
"""

from __future__ import annotations

from phazer.diagram.build import build_diagram, diagram_for_spec
from phazer.diagram.dot import to_dot
from phazer.diagram.mermaid import to_mermaid
from phazer.diagram.model import LEVELS, Cluster, Diagram, Edge, Layer, Node
from phazer.diagram.render import (
    FORMATS,
    IMAGE_FORMATS,
    INSTALL_HINT,
    TEXT_FORMATS,
    DiagramError,
    GraphvizNotFoundError,
    diagram_text,
    find_dot,
    format_of,
    render_dot,
    write_diagram,
)
from phazer.diagram.text import routing_lines, routing_text, side_flow

__all__ = [
    "FORMATS",
    "IMAGE_FORMATS",
    "INSTALL_HINT",
    "LEVELS",
    "TEXT_FORMATS",
    "Cluster",
    "Diagram",
    "DiagramError",
    "Edge",
    "GraphvizNotFoundError",
    "Layer",
    "Node",
    "build_diagram",
    "diagram_for_spec",
    "diagram_text",
    "find_dot",
    "format_of",
    "render_dot",
    "routing_lines",
    "routing_text",
    "side_flow",
    "to_dot",
    "to_mermaid",
    "write_diagram",
]
