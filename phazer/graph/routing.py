"""Lower a spec's routing switches to a graph of sub-model instances.

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

import re
from collections.abc import Iterable, Sequence

from phazer.graph.digraph import (
    CycleError,
    DiGraph,
    descendants,
    lexicographical_topological_sort,
)
from phazer.sides import DEFAULT_SIDES, face_in, face_out, mask_out
from phazer.sides import KINDS as SIDE_NAME_KINDS
from phazer.spec.models import ModelSpec

SHARED_SUFFIX = "both"

# Node kinds, in pipeline-stage order.
NODE_KINDS: tuple[str, ...] = (
    "input", "encoder", "fc", "fc_shared", "fc_gblock", "g_block", "decoder", "output")
SUBMODEL_KINDS: frozenset[str] = frozenset(NODE_KINDS) - {"input", "output"}
_STAGE: dict[str, int] = {"input": 0, "encoder": 1, "fc": 2, "fc_shared": 2, "fc_gblock": 2,
                          "g_block": 3, "decoder": 4, "output": 5}

# Edge roles.
ROLE_IMAGE = "image"                      # a face: model input -> encoder, decoder -> face_out
ROLE_MASK = "mask"                        # decoder -> mask_out
ROLE_ENCODING = "encoding"                # encoder output -> every FC model
ROLE_FEATURES = "features"                # a side's own FC output / G-Block output
ROLE_SHARED_FEATURES = "shared_features"  # the shared FC output, concatenated onto features
ROLE_STYLE = "style"                      # fc_gblock output -> G-Block
ROLES: tuple[str, ...] = (ROLE_IMAGE, ROLE_MASK, ROLE_ENCODING, ROLE_FEATURES,
                          ROLE_SHARED_FEATURES, ROLE_STYLE)

_RESERVED_SIDES = frozenset({SHARED_SUFFIX, "shared", "gblock"})
_SIDE_NAME = re.compile(r"^[a-z0-9]+$")

Call = tuple[str, str, str]  # (source node, target node, role) for one side


def check_sides(sides: Iterable[str]) -> tuple[str, ...]:
    """Validate side names: lowercase letters/digits, unique, not a reserved suffix.

    Raises:
        ValueError: no side, a duplicate, a malformed or a reserved name.
    """
    result = tuple(sides)
    if not result:
        raise ValueError("at least one side is needed")
    for side in result:
        if not isinstance(side, str) or not _SIDE_NAME.match(side):
            raise ValueError(f"side name {side!r} must be lowercase letters and digits")
        if side in _RESERVED_SIDES:
            raise ValueError(f"side name {side!r} is reserved for shared sub-models")
    if len(set(result)) != len(result):
        raise ValueError(f"side names must be unique, got {result}")
    return result


def _side_calls(spec: ModelSpec, side: str, first_side: str) -> list[Call]:
    """The tensors one side's data produces, in data-flow order."""
    routing = spec.routing
    own_fc = f"fc_{side}" if routing.split_fc else f"fc_{SHARED_SUFFIX}"
    g_block = f"g_block_{side}" if routing.split_gblock else f"g_block_{SHARED_SUFFIX}"
    decoder = f"decoder_{side}" if routing.split_decoders else f"decoder_{SHARED_SUFFIX}"
    after_fc = g_block if routing.gblock else decoder

    calls: list[Call] = [(face_in(side), "encoder", ROLE_IMAGE),
                         ("encoder", own_fc, ROLE_ENCODING),
                         (own_fc, after_fc, ROLE_FEATURES)]
    if routing.shared_fc != "none":
        if routing.shared_fc == "full":
            shared_fc = "fc_shared"
        else:  # "half" re-uses the first side's FC model (fc_both when FC is not split)
            shared_fc = f"fc_{first_side}" if routing.split_fc else own_fc
        calls += [("encoder", shared_fc, ROLE_ENCODING),
                  (shared_fc, after_fc, ROLE_SHARED_FEATURES)]
    if routing.gblock:
        calls += [("encoder", "fc_gblock", ROLE_ENCODING),
                  ("fc_gblock", g_block, ROLE_STYLE),
                  (g_block, decoder, ROLE_FEATURES)]
    calls.append((decoder, face_out(side), ROLE_IMAGE))
    if spec.decoder.learn_mask:
        calls.append((decoder, mask_out(side), ROLE_MASK))
    return calls


def _node_attributes(spec: ModelSpec, name: str, sides: Sequence[str]) -> dict[str, object]:
    """Every attribute of a node but ``sides`` and ``shared``, derived from its name."""
    in_fc = not spec.bottleneck.in_encoder
    stem, _, suffix = name.rpartition("_")
    owner = suffix if suffix in sides else None
    attrs: dict[str, object] = {"kind": "", "group": None, "owner": owner,
                                "bottleneck": None, "upscales_in_fc": 0}
    if stem in SIDE_NAME_KINDS:
        attrs.update(kind="input" if stem == "face_in" else "output")
    elif name == "encoder":
        attrs.update(kind="encoder", group="encoder",
                     bottleneck=None if in_fc else spec.bottleneck.type)
    elif name == "fc_gblock":
        attrs.update(kind="fc_gblock", group="gblock_fc", owner=None,
                     bottleneck=spec.bottleneck.type if in_fc else None)
    elif stem == "fc" or name == "fc_shared":
        attrs.update(kind="fc_shared" if name == "fc_shared" else "fc", group="fc",
                     owner=None if name == "fc_shared" else owner,
                     bottleneck=spec.bottleneck.type if in_fc else None,
                     upscales_in_fc=spec.decoder.upscales_in_fc)
    elif stem == "g_block":
        attrs.update(kind="g_block")
    elif stem == "decoder":
        attrs.update(kind="decoder", group="decoder")
    else:  # pragma: no cover - _side_calls only produces the names above
        raise ValueError(f"unknown routing node {name!r}")
    return attrs


def _node_order(spec: ModelSpec, kind: str) -> tuple[int, int]:
    """Where a node goes in the graph's node order (ties keep the order of first use).

    faceswap's model lists its sub-models by depth from the outputs, deepest first: with a
    shared FC, the FC models feed the concatenation that joins them, so they come before the
    G-Block's fc_gblock, which feeds the G-Block directly.
    """
    after_concat = kind == "fc_gblock" and spec.routing.shared_fc != "none"
    return _STAGE[kind], int(after_concat)


def build_routing_graph(spec: ModelSpec, sides: Iterable[str] = DEFAULT_SIDES) -> DiGraph:
    """Lower the routing switches of ``spec`` to a graph of sub-model instances.

    Args:
        spec: the model spec; only its routing, bottleneck placement, FC settings (for
            ``has_weights``), ``decoder.upscales_in_fc`` and ``decoder.learn_mask`` matter.
        sides: the side names; Phaze-A has two ("a", "b") but any number lowers the same way
            (``shared_fc: half`` re-uses the first side's FC model).

    Returns:
        The routing graph; see the module docstring for the attribute contract. Graph
        attributes: ``name`` (the spec's name), ``sides`` (tuple) and ``learn_mask``.

    Raises:
        ValueError: the side names are not valid (see :func:`check_sides`).
    """
    side_names = check_sides(sides)
    calls = {side: _side_calls(spec, side, side_names[0]) for side in side_names}

    users: dict[str, list[str]] = {}  # node -> sides, in order of first use
    for side in side_names:
        for source, target, _ in calls[side]:
            for node in (source, target):
                node_users = users.setdefault(node, [])
                if side not in node_users:
                    node_users.append(side)

    graph = DiGraph(name=spec.name, sides=side_names, learn_mask=spec.decoder.learn_mask)
    attributes = {node: _node_attributes(spec, node, side_names) for node in users}
    for node in sorted(users, key=lambda n: _node_order(spec, str(attributes[n]["kind"]))):
        node_sides = frozenset(users[node])
        graph.add_node(node, **attributes[node], sides=node_sides, shared=len(node_sides) > 1)

    tensors: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for side in side_names:
        for source, target, role in calls[side]:
            tensors.setdefault((source, target), []).append((side, role))
    for (source, target), carried in tensors.items():
        roles = list(dict.fromkeys(role for _, role in carried))
        graph.add_edge(source, target, tensors=tuple(carried),
                       sides=frozenset(side for side, _ in carried), role="+".join(roles))
    return graph


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
