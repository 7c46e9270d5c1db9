"""Any spec written in the graph form: ``phazer render --graph``.

A Phaze-A spec's routing switches become sides, Phaze-A block sub-models named as faceswap
names them (``encoder``, ``fc_a``, ``fc_both``, ``fc_gblock``, ``g_block_both``,
``decoder_a``) and one route per side read off its routing graph; every other section moves
under ``phaze_a``. The result builds the same model, layer for layer. A graph-form spec is
already one.
"""

from __future__ import annotations

from typing import Any

from phazer.blocks.sizing import encoder_input_px
from phazer.graph.digraph import DiGraph
from phazer.graph.routing import (
    ROLE_FEATURES,
    ROLE_SHARED_FEATURES,
    ROLE_STYLE,
    build_routing_graph,
)
from phazer.spec.graph_form import GRAPH_FORMAT_VERSION, GraphSpec, PhazeASettings
from phazer.spec.models import ModelSpec

_BLOCK_OF_KIND = {"encoder": "encoder", "fc": "fc", "fc_shared": "fc", "fc_gblock": "fc_gblock",
                  "g_block": "g_block", "decoder": "decoder"}


def _feeding(graph: DiGraph, side: str, role: str) -> list[str]:
    """The sub-models whose output reaches the next stage as ``role`` on ``side``, in order."""
    found = []
    for source, _, data in graph.edges(data=True):
        found.extend(source for s, r in data["tensors"] if s == side and r == role)
    return found


def _serving(graph: DiGraph, side: str, kind: str) -> str | None:
    return next((n for n, d in graph.nodes(data=True)
                 if d["kind"] == kind and side in d["sides"]), None)


def _route(graph: DiGraph, side: str) -> str:
    encoder = _serving(graph, side, "encoder")
    features = _feeding(graph, side, ROLE_FEATURES)
    fc = [n for n in features if graph.nodes[n]["kind"] in ("fc", "fc_shared")]
    shared = _feeding(graph, side, ROLE_SHARED_FEATURES)
    steps = [encoder]
    if fc:
        steps.append(f"concat({fc[0]}, {shared[0]})" if shared else fc[0])
    g_block = _serving(graph, side, "g_block")
    if g_block is not None:
        style = _feeding(graph, side, ROLE_STYLE)
        steps.append(f"{g_block} with {style[0]}")
    steps.append(_serving(graph, side, "decoder"))
    return " -> ".join(steps)


def graph_form_of(spec: ModelSpec | GraphSpec) -> GraphSpec:
    """``spec`` in the graph form (a graph-form spec is returned as it is)."""
    if isinstance(spec, GraphSpec):
        return spec
    graph = build_routing_graph(spec)
    sides = graph.graph["sides"]
    models: dict[str, Any] = {}
    for node, data in graph.nodes(data=True):
        if data["kind"] in _BLOCK_OF_KIND:
            models[node] = {"phaze_a": _BLOCK_OF_KIND[data["kind"]]}
    settings = {name: value for name, value in spec.model_dump().items()
                if name in PhazeASettings.model_fields}
    size = encoder_input_px(spec)
    return GraphSpec.model_validate({
        "phazer": GRAPH_FORMAT_VERSION, "name": spec.name, "description": spec.description,
        "tagline": spec.tagline, "use": spec.use,
        "sides": {side: {"input": size, "output": spec.output_size} for side in sides},
        "phaze_a": settings,
        "models": models, "routes": {side: _route(graph, side) for side in sides},
        "training": spec.training.model_dump()})
