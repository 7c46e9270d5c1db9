"""The routing graph of a graph-form spec (``phazer: 2``), from its routes.

The graph has the same nodes, attributes and edge roles as the one lowered from Phaze-A's
switches (:mod:`phazer.graph.routing`), so the rules, the routing text and the diagrams read
both alike. A Phaze-A block's ``kind`` is the block's; another sub-model's follows its place
on the routes: ``encoder`` when a side's
input feeds it, ``decoder`` when it makes a side's face, ``fc`` in between. A join's first
model carries the side's ``features``, the others ``shared_features`` (as a shared FC does).
"""

from __future__ import annotations

from phazer.graph.digraph import DiGraph
from phazer.graph.routes import parse_route
from phazer.graph.routing import (
    ROLE_ENCODING,
    ROLE_FEATURES,
    ROLE_IMAGE,
    ROLE_MASK,
    ROLE_SHARED_FEATURES,
    ROLE_STYLE,
)
from phazer.sides import face_in, face_out, mask_out
from phazer.spec.graph_form import GraphSpec, PhazeABlock

Tensor = tuple[str, str, str]  # (source, target, role) for one side


def _side_tensors(spec: GraphSpec, side: str) -> list[Tensor]:
    tensors: list[Tensor] = []
    previous = [face_in(side)]
    steps = parse_route(spec.routes[side])
    for step in steps:
        if step.style:
            tensors.append((steps[0].models[0], step.style, ROLE_ENCODING))
            tensors.append((step.style, step.models[0], ROLE_STYLE))
        for target in step.models:
            for index, source in enumerate(previous):
                role = ROLE_IMAGE if source == face_in(side) else (
                    ROLE_FEATURES if index == 0 else ROLE_SHARED_FEATURES)
                tensors.append((source, target, role))
        previous = list(step.models)
    tensors.extend((source, face_out(side), ROLE_IMAGE if i == 0 else ROLE_SHARED_FEATURES)
                   for i, source in enumerate(previous))
    if len(previous) == 1 and previous[0] in spec.models \
            and "mask" in spec.output_roles(previous[0]):
        tensors.append((previous[0], mask_out(side), ROLE_MASK))
    return tensors


def _kind(spec: GraphSpec, graph: DiGraph, node: str) -> str:
    model = spec.models.get(node)
    if isinstance(model, PhazeABlock):
        return model.phaze_a
    if node.startswith("face_in_"):
        return "input"
    if node.startswith(("face_out_", "mask_out_")):
        return "output"
    if any(p.startswith("face_in_") for p in graph.predecessors(node)):
        return "encoder"
    if any(s.startswith(("face_out_", "mask_out_")) for s in graph.successors(node)):
        return "decoder"
    return "fc"


def graph_form_routing(spec: GraphSpec) -> DiGraph:
    """The routing graph of a graph-form spec (no ``has_weights`` yet: the IR sets it)."""
    sides = tuple(spec.sides)
    graph = DiGraph(sides=sides)
    for side in sides:
        graph.add_node(face_in(side))
    for side in sides:
        for source, target, role in _side_tensors(spec, side):
            for node in (source, target):
                if node not in graph:
                    graph.add_node(node)
                graph.nodes[node].setdefault("sides", set()).add(side)
            if not graph.has_edge(source, target):
                graph.add_edge(source, target, tensors=())
            edge = graph.edges[source, target]
            edge["tensors"] = (*edge["tensors"], (side, role))
    for node, data in graph.nodes(data=True):
        used = frozenset(data.get("sides", ()))
        owner = node.rsplit("_", 1)[-1] if node.rsplit("_", 1)[-1] in sides else None
        data.update(sides=used, shared=len(used) > 1, group=None, owner=owner,
                    bottleneck=None, upscales_in_fc=0)
    for node in graph.nodes:
        graph.nodes[node]["kind"] = _kind(spec, graph, node)
    graph.graph["learn_mask"] = any(n.startswith("mask_out_") for n in graph.nodes)
    for _, _, data in graph.edges(data=True):
        data["sides"] = frozenset(side for side, _ in data["tensors"])
        data["role"] = "+".join(dict.fromkeys(role for _, role in data["tensors"]))
    return graph
