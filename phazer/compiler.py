"""Lower a validated spec to the whole-model IR by walking its routing graph.

The routing graph (:mod:`phazer.graph`) says which sub-models exist, which sides use them and
in what order each is called; the blocks (:mod:`phazer.blocks`) build each sub-model's layers.
This module joins the two: it builds every sub-model once, then lays out the top-level graph
of calls (a shared sub-model is called once per side, and once more per side when it also
serves as the shared FC) and the concatenations that join a side's FC output with the shared
FC's, exactly in the order faceswap's Phaze-A wires them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from phazer.blocks import (
    build_decoder,
    build_encoder,
    build_fc,
    build_g_block,
    build_gblock_fc,
)
from phazer.graph import build_routing_graph, face_in, face_out, mask_out
from phazer.ir.graph import SubModelIR
from phazer.ir.model import ModelIR, TopNode, value_ref
from phazer.ir.ops import Shape
from phazer.spec.models import ModelSpec


@dataclass
class _Layout:
    """The top-level graph as it is being laid out."""

    nodes: list[TopNode] = field(default_factory=list)
    shapes: dict[str, tuple[Shape, ...]] = field(default_factory=dict)

    def add(self, node: TopNode) -> str:
        self.nodes.append(node)
        self.shapes[node.name] = node.output_shapes
        return node.name

    def call(self, sub: SubModelIR, side: str, inputs: list[str], suffix: str = "") -> str:
        name = f"{sub.name}@{side}{suffix}"
        return self.add(TopNode(name, "call", side, tuple(inputs), sub.output_shapes,
                                sub.name))

    def shape(self, ref: str) -> Shape:
        name, _, index = ref.partition("#")
        return self.shapes[name][int(index) if index else 0]


def _tensors_into(graph: nx.DiGraph, target: str) -> list[tuple[str, str, str]]:
    """(source, side, role) of every tensor flowing into ``target``, in call order."""
    found = []
    for source in graph.predecessors(target):
        for side, role in graph.edges[source, target]["tensors"]:
            found.append((source, side, role))
    return found


def _by_kind(graph: nx.DiGraph, *kinds: str) -> list[str]:
    return [n for n, data in graph.nodes(data=True) if data["kind"] in kinds]


def compile_model_ir(spec: ModelSpec, name: str | None = None) -> ModelIR:
    """Build the whole-model IR of a spec that passed validation.

    Args:
        spec: the validated spec.
        name: the model's name (defaults to the spec's name, or "phazer").

    Returns:
        The model IR: every sub-model once, plus the top-level graph and named outputs.
    """
    graph = build_routing_graph(spec)
    sides: tuple[str, ...] = graph.graph["sides"]
    layout = _Layout()
    submodels: dict[str, SubModelIR] = {}

    encoder = build_encoder(spec)
    submodels[encoder.name] = encoder
    encoded: dict[str, str] = {}
    for side in sides:
        shape = encoder.input_shapes[0]
        layout.add(TopNode(face_in(side), "input", side, (), (shape,)))
    for side in sides:
        encoded[side] = layout.call(encoder, side, [face_in(side)])
    encoding_shape = encoder.output_shapes[0]

    features: dict[str, str] = {}
    shared: dict[str, str] = {}
    style: dict[str, str] = {}
    for node in _by_kind(graph, "fc", "fc_shared", "fc_gblock"):
        kind = graph.nodes[node]["kind"]
        sub = (build_gblock_fc(spec, encoding_shape) if kind == "fc_gblock"
               else build_fc(spec, node, encoding_shape))
        submodels[node] = sub
        roles = _output_roles(graph, node)
        for _, side, _ in _tensors_into(graph, node):
            out_role = roles[side].pop(0) if roles[side] else "features"
            suffix = ":shared" if out_role == "shared_features" and kind == "fc" else ""
            ref = layout.call(sub, side, [encoded[side]], suffix)
            {"features": features, "shared_features": shared, "style": style}[out_role][
                side] = ref

    joined: dict[str, str] = {}
    for side in sides:
        if side in shared:
            concat_inputs = (features[side], shared[side])
            out = (*layout.shape(features[side])[:-1],
                   sum(layout.shape(r)[-1] for r in concat_inputs))
            joined[side] = layout.add(TopNode(f"inter_{side}", "concatenate", side,
                                              concat_inputs, (out,)))
        else:
            joined[side] = features[side]

    decoder_input = dict(joined)
    for node in _by_kind(graph, "g_block"):
        served = sorted(graph.nodes[node]["sides"], key=sides.index)
        first = served[0]
        sub = build_g_block(spec, node, layout.shape(joined[first]), layout.shape(style[first]))
        submodels[node] = sub
        for side in served:
            decoder_input[side] = layout.call(sub, side, [joined[side], style[side]])

    outputs: dict[str, str] = {}
    for node in _by_kind(graph, "decoder"):
        served = sorted(graph.nodes[node]["sides"], key=sides.index)
        sub = build_decoder(spec, node, layout.shape(decoder_input[served[0]]))
        submodels[node] = sub
        for side in served:
            call = layout.call(sub, side, [decoder_input[side]])
            outputs[face_out(side)] = value_ref(call, 0)
            if spec.decoder.learn_mask:
                outputs[mask_out(side)] = value_ref(call, 1)

    ordered = {n: submodels[n] for n in graph.nodes if n in submodels}
    return ModelIR(name or spec.name or "phazer", sides, ordered, tuple(layout.nodes),
                   {k: outputs[k] for k in sorted(outputs, key=_output_order(sides))})


def _output_roles(graph: nx.DiGraph, node: str) -> dict[str, list[str]]:
    """Per side, the roles of an FC-stage model's outputs in call order.

    A model called twice for one side (``shared_fc: half`` re-uses fc_a) produces that side's
    features on its first call and its shared features on the second.
    """
    roles: dict[str, list[str]] = {side: [] for side in graph.graph["sides"]}
    for target in graph.successors(node):
        for side, role in graph.edges[node, target]["tensors"]:
            roles[side].append(role)
    return roles


def _output_order(sides: tuple[str, ...]):
    def key(name: str) -> tuple[int, int]:
        side = name.rsplit("_", 1)[1]
        return sides.index(side), 0 if name.startswith("face") else 1
    return key
