"""The routing graph of a spec, read off its routes (every spec is in the graph form by now).

A node is a sub-model (or a side's input or output), an edge the tensors one node gives
another, tagged with the side and the role (see :mod:`phazer.graph.routing` for the contract).
A sub-model's ``kind`` follows its place on the routes: ``encoder`` when a side's face feeds
it, ``decoder`` when it draws a side's face, ``g_block`` when a route conditions it (``with``),
``fc_shared`` when its output only ever joins another's as shared features, ``fc`` in between;
a Phaze-A block is the block it is (a Phaze-A ``fc`` that only serves as shared features is
``fc_shared``). The first step's output is the ``encoding``; a join's first model carries the
side's ``features``, the others its ``shared_features``.
"""

from __future__ import annotations

from phazer.graph.digraph import DiGraph
from phazer.graph.routing import (
    ROLE_ENCODING,
    ROLE_FEATURES,
    ROLE_IMAGE,
    ROLE_MASK,
    ROLE_SHARED_FEATURES,
    ROLE_STYLE,
    STAGE,
)
from phazer.sides import KINDS as SIDE_NAME_KINDS
from phazer.sides import face_in, face_out, mask_out
from phazer.spec.graph_form import GraphSpec, PhazeABlock
from phazer.spec.routes import Step, parse_route

Tensor = tuple[str, str, str]  # (source, target, role) for one side

_GROUP = {"encoder": "encoder", "fc": "fc", "fc_shared": "fc", "fc_gblock": "gblock_fc",
          "decoder": "decoder"}
"""The ``phaze_a`` settings group that configures each Phaze-A block."""


def _role(source: str, index: int, first: tuple[str, ...], side: str) -> str:
    if source == face_in(side):
        return ROLE_IMAGE
    if source in first:
        return ROLE_ENCODING
    return ROLE_FEATURES if index == 0 else ROLE_SHARED_FEATURES


def _side_tensors(spec: GraphSpec, side: str, steps: tuple[Step, ...]) -> list[Tensor]:
    tensors: list[Tensor] = []
    previous = [face_in(side)]
    first = steps[0].models
    for step in steps:
        if step.style:
            tensors.append((first[0], step.style, ROLE_ENCODING))
            tensors.append((step.style, step.models[0], ROLE_STYLE))
        for target in step.models:
            tensors.extend((source, target, _role(source, index, first, side))
                           for index, source in enumerate(previous))
        previous = list(step.models)
    tensors.extend((source, face_out(side), ROLE_IMAGE if i == 0 else ROLE_SHARED_FEATURES)
                   for i, source in enumerate(previous))
    if len(previous) == 1 and previous[0] in spec.models \
            and "mask" in spec.output_roles(previous[0]):
        tensors.append((previous[0], mask_out(side), ROLE_MASK))
    return tensors


def _kind(spec: GraphSpec, graph: DiGraph, node: str) -> str:
    stem = node.rpartition("_")[0]
    if node not in spec.models:
        return "input" if stem == "face_in" else "output"
    roles = {role for *_, data in graph.out_edges(node, data=True)
             for _, role in data["tensors"]}
    model = spec.models[node]
    if isinstance(model, PhazeABlock):
        return "fc_shared" if model.phaze_a == "fc" and roles == {ROLE_SHARED_FEATURES} \
            else model.phaze_a
    kinds = {graph.nodes[n].get("io") for n in graph.predecessors(node)} | {
        graph.nodes[n].get("io") for n in graph.successors(node)}
    if "input" in kinds:
        return "encoder"
    if "output" in kinds:
        return "decoder"
    if any(ROLE_STYLE in (r for _, r in graph.edges[p, node]["tensors"])
           for p in graph.predecessors(node)):
        return "g_block"
    return "fc_shared" if roles == {ROLE_SHARED_FEATURES} else "fc"


def _phaze_a_attributes(spec: GraphSpec, kind: str) -> dict[str, object]:
    """``group``, ``bottleneck`` and ``upscales_in_fc`` of a Phaze-A block of ``kind``."""
    settings = spec.phaze_a
    in_fc = not settings.bottleneck.in_encoder
    bottleneck = None
    if (kind == "encoder" and not in_fc) or (kind in ("fc", "fc_shared", "fc_gblock") and in_fc):
        bottleneck = settings.bottleneck.type
    return {"group": _GROUP.get(kind), "bottleneck": bottleneck,
            "upscales_in_fc": settings.decoder.upscales_in_fc if kind in ("fc", "fc_shared")
            else 0}


def _owner(node: str, kind: str, sides: tuple[str, ...]) -> str | None:
    """The side whose name the node carries (``fc_a`` -> a), or None."""
    suffix = node.rpartition("_")[2]
    return suffix if suffix in sides and kind not in ("fc_shared", "fc_gblock") else None


def routing_graph(spec: GraphSpec) -> DiGraph:
    """The routing graph of a spec (no ``has_weights`` yet: the compiler reads it off the IR).

    Nodes are listed by their place along the routes (:data:`~phazer.graph.routing.STAGE`),
    ties in order of first use over the sides; a style feeder (``fc_gblock``) follows the
    sub-models a join concatenates, as Keras lists them.
    """
    sides = tuple(spec.sides)
    graph = DiGraph(name=spec.name, sides=sides)
    steps = {side: parse_route(spec.routes[side]) for side in sides}
    tensors: dict[tuple[str, str], list[tuple[str, str]]] = {}
    users: dict[str, list[str]] = {face_in(side): [side] for side in sides}
    for side in sides:
        for source, target, role in _side_tensors(spec, side, steps[side]):
            for node in (source, target):
                if side not in users.setdefault(node, []):
                    users[node].append(side)
            tensors.setdefault((source, target), []).append((side, role))
    scratch = DiGraph()
    for node in users:
        scratch.add_node(node, io="input" if node.rpartition("_")[0] == "face_in" else
                         "output" if node not in spec.models else None)
    for (source, target), carried in tensors.items():
        scratch.add_edge(source, target, tensors=tuple(carried))
    kinds = {node: _kind(spec, scratch, node) for node in users}
    joined = any(step.join for route in steps.values() for step in route)
    first_use = {node: index for index, node in enumerate(users)}

    def order(node: str) -> tuple[int, int, int]:
        return STAGE[kinds[node]], int(joined and kinds[node] == "fc_gblock"), first_use[node]

    for node in sorted(users, key=order):
        used = frozenset(users[node])
        phaze_a = isinstance(spec.models.get(node), PhazeABlock)
        attributes = _phaze_a_attributes(spec, kinds[node]) if phaze_a else {
            "group": None, "bottleneck": None, "upscales_in_fc": 0}
        graph.add_node(node, kind=kinds[node], **attributes,
                       owner=_owner(node, kinds[node], sides) if node.rpartition("_")[0]
                       not in SIDE_NAME_KINDS else users[node][0],
                       sides=used, shared=len(used) > 1)
    for (source, target), carried in tensors.items():
        graph.add_edge(source, target, tensors=tuple(carried),
                       sides=frozenset(side for side, _ in carried),
                       role="+".join(dict.fromkeys(role for _, role in carried)))
    graph.graph["learn_mask"] = any(kind == "output" and node.startswith("mask_out_")
                                    for node, kind in kinds.items())
    return graph
