"""The routing graph: sub-model instances and the tensors between them, and its queries.

The graph is a :class:`phazer.graph.digraph.DiGraph`, which reads like a
:class:`networkx.DiGraph` without importing networkx (:func:`~phazer.graph.digraph.to_networkx`
converts it). A node is one sub-model instance (``encoder``,
``fc_a``, ``decoder_both``, ...) or one model input/output (``face_in_a``, ``face_out_b``,
``mask_out_a``). An edge is the tensors that flow from one node into another, tagged with the
sides whose data they carry and the role they play for the receiving node.

Node attributes (every node has every key):
    kind: one of :data:`NODE_KINDS`.
    sides: frozenset of the sides whose data passes through the node.
    shared: whether more than one side uses the node (so its weights learn more than one face).
    (``has_weights``, whether a node holds any weight, is not known here: the compiler reads
    it off the built IR and sets it on its copy of the graph, see
    :attr:`phazer.compiler.Compiled.graph`.)
    group: the spec group that configures the node ("encoder", "fc", "gblock_fc", "decoder"),
        or None (inputs, outputs and the G-Block, which has no settings of its own).
    owner: the side whose name the node carries (``fc_a`` -> "a"), or None for shared names.
    bottleneck: the bottleneck type ("dense", "flatten", ...) when this node starts or ends with
        the bottleneck (the encoder, or every FC model when ``bottleneck.in_encoder`` is off),
        else None.
    upscales_in_fc: decoder upscales moved to the end of this FC model (0 elsewhere).

Edge attributes:
    tensors: tuple of ``(side, role)`` pairs, one per tensor (one per call of the receiving
        sub-model on that input), in the order they are produced.
    sides: frozenset of the sides in ``tensors``.
    role: the role of the tensors, or the distinct roles joined by "+" in order of appearance
        when one edge carries several (only ``shared_fc: half`` does: the same FC output is a
        side's own features and the shared features).

A receiving node concatenates a side's ``features`` and ``shared_features`` (in that order)
into one tensor before using it; a G-Block also receives a side's ``style``.

Insertion order is deterministic: nodes by pipeline stage (inputs, encoder, FC models,
G-Blocks, decoders, outputs), within a stage in order of first use over the sides.
"""

from __future__ import annotations

from phazer.graph.digraph import (
    CycleError,
    DiGraph,
    descendants,
    lexicographical_topological_sort,
)
from phazer.sides import DEFAULT_SIDES, face_in

# Node kinds, in pipeline-stage order.
NODE_KINDS: tuple[str, ...] = (
    "input", "encoder", "fc", "fc_shared", "fc_gblock", "g_block", "decoder", "output")
SUBMODEL_KINDS: frozenset[str] = frozenset(NODE_KINDS) - {"input", "output"}
STAGE: dict[str, int] = {"input": 0, "encoder": 1, "fc": 2, "fc_shared": 2, "fc_gblock": 2,
                         "g_block": 3, "decoder": 4, "output": 5}
"""Where each kind of node sits along a route: the graph lists its nodes in this order."""

# Edge roles.
ROLE_IMAGE = "image"                      # a face: model input -> encoder, decoder -> face_out
ROLE_MASK = "mask"                        # decoder -> mask_out
ROLE_ENCODING = "encoding"                # encoder output -> every FC model
ROLE_FEATURES = "features"                # a side's own FC output / G-Block output
ROLE_SHARED_FEATURES = "shared_features"  # the shared FC output, concatenated onto features
ROLE_STYLE = "style"                      # fc_gblock output -> G-Block
ROLES: tuple[str, ...] = (ROLE_IMAGE, ROLE_MASK, ROLE_ENCODING, ROLE_FEATURES,
                          ROLE_SHARED_FEATURES, ROLE_STYLE)

# --- queries used by the rules, the diagrams and the summary ---------------------------------


def graph_sides(graph: DiGraph) -> tuple[str, ...]:
    """The side names a routing graph was lowered for."""
    return tuple(graph.graph.get("sides", DEFAULT_SIDES))


def submodel_names(graph: DiGraph) -> list[str]:
    """Every sub-model instance (not inputs/outputs), in graph order."""
    return [node for node, kind in graph.nodes(data="kind") if kind in SUBMODEL_KINDS]


def side_view(graph: DiGraph, side: str) -> DiGraph:
    """A copy of the graph keeping only the edges that carry ``side``'s data (to read)."""
    view = DiGraph(**graph.graph)
    for node, attributes in graph.nodes(data=True):
        view.add_node(node, **attributes)
    for source, target, attributes in graph.edges(data=True):
        if side in attributes.get("sides", ()):
            view.add_edge(source, target, **attributes)
    return view


def side_path(graph: DiGraph, side: str) -> list[str]:
    """The sub-models ``side``'s data flows through, from its input, in data-flow order.

    Ties are broken by graph insertion order; if the graph has a cycle, the nodes are returned
    in insertion order instead.
    """
    view = side_view(graph, side)
    start = face_in(side)
    if start not in graph:
        return []
    reached = descendants(view, start) | {start}
    order = {node: index for index, node in enumerate(graph.nodes)}
    sub = view.subgraph(reached)
    try:
        ordered = lexicographical_topological_sort(sub, key=order.__getitem__)
    except CycleError:
        ordered = sorted(reached, key=order.__getitem__)
    return [node for node in ordered if graph.nodes[node].get("kind") in SUBMODEL_KINDS]


def weight_owners(graph: DiGraph, side: str) -> list[str]:
    """The sub-models on ``side``'s path that hold trainable weights, in data-flow order."""
    return [node for node in side_path(graph, side) if graph.nodes[node].get("has_weights")]


def exclusive_submodels(graph: DiGraph, side: str) -> list[str]:
    """The sub-models only ``side`` uses (its own weights), in graph order."""
    return [node for node in submodel_names(graph) if graph.nodes[node]["sides"] == {side}]


def weight_roles(graph: DiGraph, side: str) -> frozenset[tuple[str, str]]:
    """The weights that shape ``side``'s output, as ``(sub-model, role of its output)`` pairs.

    One pair per sub-model with weights whose output carries ``side``'s data, in each role it
    plays for that side.

    Two sides with equal ``weight_roles`` are computed by exactly the same weights in the same
    way: the model cannot tell them apart, so it cannot swap one into the other.
    """
    return frozenset(
        (source, role)
        for source, _, tensors in graph.edges(data="tensors")
        if graph.nodes[source].get("has_weights")
        for tensor_side, role in tensors
        if tensor_side == side)


def output_nodes(graph: DiGraph, side: str) -> list[str]:
    """The output nodes of ``side`` (face, then mask when learned) present in the graph."""
    return [node for node, data in graph.nodes(data=True)
            if data.get("kind") == "output" and side in data.get("sides", ())]


def routing_words(graph: DiGraph) -> str:
    """What the routes share and split, in a few words: "split FC + G-Block, shared decoder".

    Read off the graph's kinds and sharing, so both forms of a spec read alike: the FC stage
    (split per side or shared, an extra shared FC, a side's FC re-used as the shared one:
    "half"), the G-Block, then the decoders.
    """
    def nodes(*kinds: str) -> list[dict]:
        return [data for _, data in graph.nodes(data=True) if data["kind"] in kinds]

    parts = []
    fcs = nodes("fc")
    split_fc = any(not data["shared"] for data in fcs)
    if fcs:
        parts.append("split FC" if split_fc else "shared FC")
    if nodes("fc_shared"):
        parts.append("shared FC" if split_fc else "extra shared FC")
    elif any(ROLE_SHARED_FEATURES in data["role"] for source, _, data in graph.edges(data=True)
             if graph.nodes[source]["kind"] == "fc"):
        parts.append("shared FC (half)" if split_fc else "FC reused (half)")
    g_blocks = nodes("g_block")
    if g_blocks:
        parts.append("G-Block" if all(data["shared"] for data in g_blocks) else "split G-Block")
    decoders = nodes("decoder")
    words = "shared decoder" if all(data["shared"] for data in decoders) else "split decoders"
    return f"{' + '.join(parts)}, {words}" if parts else words
