"""Lower a validated spec to the whole-model IR by walking its routing graph.

The routing graph (:mod:`phazer.graph`) says which sub-models exist, which sides use them and
in what order each is called; the blocks (:mod:`phazer.blocks`) build each sub-model's layers.
This module joins the two: it builds every sub-model once, then lays out the top-level graph
of calls (a shared sub-model is called once per side, and once more per side when it also
serves as the shared FC) and the concatenations that join a side's FC output with the shared
FC's, exactly in the order faceswap's Phaze-A wires them.

:func:`compile_model` never raises for a spec that cannot be built: it returns a
:class:`Compiled` holding the issues the builders reported (and no model).
:func:`compile_model_ir` is the same for callers that need the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from phazer.blocks import (
    BuildContext,
    BuildError,
    CannotBuild,
    ResolvedSizes,
    build_decoder,
    build_encoder,
    build_fc,
    build_g_block,
    build_gblock_fc,
)
from phazer.graph import SUBMODEL_KINDS, build_routing_graph
from phazer.graph.digraph import DiGraph
from phazer.ir.graph import SubModelIR
from phazer.ir.model import ModelIR, TopNode, value_ref
from phazer.ir.ops import IRShapeError, Shape
from phazer.issues import BUILD_FAILED, Issue
from phazer.limits import layer_call_issue
from phazer.sides import FACE_OUT, face_in, face_out, mask_out, parse
from phazer.spec.graph_form import GraphSpec
from phazer.spec.models import ModelSpec


@dataclass(frozen=True)
class Compiled:
    """The result of compiling a spec: the model (when it could be built) and what was said.

    Attributes:
        spec: the spec compiled.
        graph: the routing graph; once the model is built, every sub-model node carries
            ``has_weights`` read off the IR (whether the sub-model holds any parameter).
        model: the whole-model IR, or None when the spec cannot be built.
        issues: what the builders reported: errors (why it cannot be built) and infos
            (what faceswap adjusts without saying).
        sizes: the sizes the builders recorded (partial when the build stopped).
    """

    spec: ModelSpec | GraphSpec
    graph: DiGraph
    model: ModelIR | None
    issues: tuple[Issue, ...]
    sizes: ResolvedSizes

    @property
    def errors(self) -> list[Issue]:
        """The reasons the spec cannot be built (empty when it was built)."""
        return [i for i in self.issues if i.severity == "error"]


def compile_model(spec: ModelSpec | GraphSpec, graph: DiGraph | None = None,
                  name: str | None = None) -> Compiled:
    """Compile a spec whose routing passed validation; never raises for what cannot be built.

    Args:
        spec: the spec, in either form (a graph-form spec is compiled by
            :func:`phazer.compile_graph.compile_graph_spec`, which lowers its own routes).
        graph: its routing graph, when the caller has built it already (Phaze-A form).
        name: the model's name (defaults to the spec's name, or "phazer").
    """
    if isinstance(spec, GraphSpec):
        from phazer.compile_graph import compile_graph_spec  # it imports this module

        return compile_graph_spec(spec, name)
    graph = build_routing_graph(spec) if graph is None else graph
    context = BuildContext(spec)
    try:
        model = _lay_out(context, graph, name or spec.name or "phazer")
    except CannotBuild:
        model = None
    except IRShapeError as exc:
        model = None
        context.issues.append(Issue(
            BUILD_FAILED, "error", "", f"shape error: {exc}",
            "this spec passed validation but cannot be built; please report it with the "
            "spec attached"))
    if model is not None and (too_large := layer_call_issue(model)) is not None:
        context.issues.append(too_large)
    if model is not None and context.errors:
        model = None
    if model is not None:
        graph = with_weights(graph, model)
    return Compiled(spec, graph, model, tuple(context.issues), context.sizes)


def with_weights(graph: DiGraph, model: ModelIR) -> DiGraph:
    """A copy of ``graph`` whose nodes say whether their sub-model holds weights (the IR's)."""
    weighted = graph.copy()
    for node, data in weighted.nodes(data=True):
        if data["kind"] in SUBMODEL_KINDS:
            data["has_weights"] = model.submodels[node].params.total > 0
        else:
            data["has_weights"] = False
    return weighted


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


def _tensors_into(graph: DiGraph, target: str) -> list[tuple[str, str, str]]:
    """(source, side, role) of every tensor flowing into ``target``, in call order."""
    found = []
    for source in graph.predecessors(target):
        for side, role in graph.edges[source, target]["tensors"]:
            found.append((source, side, role))
    return found


def _by_kind(graph: DiGraph, *kinds: str) -> list[str]:
    return [n for n, data in graph.nodes(data=True) if data["kind"] in kinds]


def compile_model_ir(spec: ModelSpec | GraphSpec, name: str | None = None) -> ModelIR:
    """Build the whole-model IR of a spec that passed validation.

    Args:
        spec: the validated spec.
        name: the model's name (defaults to the spec's name, or "phazer").

    Returns:
        The model IR: every sub-model once, plus the top-level graph and named outputs.

    Raises:
        BuildError: the spec cannot be built (with every issue the builders reported).
    """
    compiled = compile_model(spec, name=name)
    if compiled.model is None:
        raise BuildError(list(compiled.issues))
    return compiled.model


def _lay_out(context: BuildContext, graph: DiGraph, name: str) -> ModelIR:
    """Build every sub-model in ``context`` and lay out the top-level graph of calls."""
    spec = context.spec
    sides: tuple[str, ...] = graph.graph["sides"]
    layout = _Layout()
    submodels: dict[str, SubModelIR] = {}

    encoder = build_encoder(spec, context)
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
        sub = (build_gblock_fc(spec, encoding_shape, context) if kind == "fc_gblock"
               else build_fc(spec, node, encoding_shape, context))
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
        sub = build_g_block(spec, node, layout.shape(joined[first]), layout.shape(style[first]),
                            context)
        submodels[node] = sub
        for side in served:
            decoder_input[side] = layout.call(sub, side, [joined[side], style[side]])

    outputs: dict[str, str] = {}
    for node in _by_kind(graph, "decoder"):
        served = sorted(graph.nodes[node]["sides"], key=sides.index)
        sub = build_decoder(spec, node, layout.shape(decoder_input[served[0]]), context)
        submodels[node] = sub
        for side in served:
            call = layout.call(sub, side, [decoder_input[side]])
            outputs[face_out(side)] = value_ref(call, 0)
            if spec.decoder.learn_mask:
                outputs[mask_out(side)] = value_ref(call, 1)

    ordered = {n: submodels[n] for n in graph.nodes if n in submodels}
    return ModelIR(name, sides, ordered, tuple(layout.nodes),
                   {k: outputs[k] for k in sorted(outputs, key=_output_order(sides))})


def _output_roles(graph: DiGraph, node: str) -> dict[str, list[str]]:
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
    """Outputs by side, the face before the mask."""
    def key(name: str) -> tuple[int, int]:
        kind, side = parse(name)
        return sides.index(side), 0 if kind == FACE_OUT else 1
    return key
