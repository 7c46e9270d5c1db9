"""Build a :class:`~phazer.diagram.model.Diagram` from the routing graph and the plan.

The nodes and edges are exactly those of :func:`phazer.graph.routing_graph`, the graph
the routing rules check and the compiler walks; the plan (:mod:`phazer.plan.figures`) adds
parameter counts and shapes.
"""

from __future__ import annotations

from phazer.blocks.context import BuildError
from phazer.diagram.condense import cap_layers, cluster_budget, condense_repeats
from phazer.diagram.model import (
    IO,
    LEVEL_LAYERS,
    LEVEL_ROUTING,
    LEVELS,
    SHARED,
    SIDE,
    Cluster,
    Diagram,
    Edge,
    Node,
    Shape,
)
from phazer.diagram.style import (
    ANNOTATED_ROLES,
    ROLE_WORDS,
    params_text,
    shape_text,
    shapes_text,
    side_label,
    sides_label,
)
from phazer.graph import graph_sides
from phazer.graph.digraph import (
    DiGraph,
    has_path,
    is_directed_acyclic_graph,
    lexicographical_topological_sort,
)
from phazer.ir.model import ModelIR
from phazer.pipeline import Pipeline
from phazer.plan.figures import ModelFigures
from phazer.spec.models import ModelSpec

_JOINED_ROLES = ("features", "shared_features")


def diagram_for_spec(spec: ModelSpec, level: str = LEVEL_ROUTING) -> Diagram:
    """The diagram of a spec that passed validation.

    Args:
        spec: the validated spec.
        level: "routing" (one node per sub-model) or "layers" (every layer of every sub-model).

    Raises:
        ValueError: an unknown level.
        phazer.blocks.BuildError: the spec cannot be built (it did not pass validation).
    """
    pipeline = Pipeline(spec)
    if pipeline.model is None or pipeline.figures is None:
        raise BuildError(list(pipeline.compiled.issues))
    return build_diagram(pipeline.weighted_graph, pipeline.model, pipeline.figures, level)


def build_diagram(graph: DiGraph, model: ModelIR, figures: ModelFigures,
                  level: str = LEVEL_ROUTING) -> Diagram:
    """The diagram of a routing graph, with the figures of the model compiled from it.

    Args:
        graph: the routing graph.
        model: the whole-model IR compiled from the same spec (layers, shapes).
        figures: the plan figures of ``model`` (parameter counts).
        level: "routing" or "layers".

    Raises:
        ValueError: an unknown level.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown diagram level {level!r}; expected one of {', '.join(LEVELS)}")
    sides = graph_sides(graph)
    ranks = _ranks(graph)
    nodes = tuple(_node(graph, name, sides, ranks[name], model, figures) for name in graph.nodes)
    shapes = {node.id: node.output_shapes for node in nodes}
    edges = tuple(_edge(graph, source, target, sides, shapes)
                  for source, target in graph.edges)
    clusters: tuple[Cluster, ...] = ()
    if level == LEVEL_LAYERS:
        boxed = [node for node in nodes if node.mark != IO]
        budget = cluster_budget(len(boxed))
        clusters = tuple(_cluster(node, model, budget) for node in boxed)
    subtitle = (f"{_sizes_text(figures)} · {figures.total_params:,} parameters · "
                f"sides {sides_label(sides)}")
    title = figures.name if level == LEVEL_ROUTING else f"{figures.name}: layers"
    return Diagram(name=figures.name, level=level, sides=sides, title=title,
                   subtitle=subtitle, nodes=nodes, edges=edges, clusters=clusters)


def _sizes_text(figures: ModelFigures) -> str:
    """``64 px in, 64 px out``; per side when the sides differ (``A 64 px in, 64 px out; B …``)."""
    sizes = {side: (figures.side_inputs[side][0], figures.face_output(side)[0])
             for side in figures.sides}
    if len(set(sizes.values())) == 1:
        return f"{figures.input_shape[0]} px in, {figures.output_shape[0]} px out"
    return "; ".join(f"{side_label(side)} {size_in} px in, {size_out} px out"
                     for side, (size_in, size_out) in sizes.items())


def _forward_edges(graph: DiGraph) -> DiGraph:
    """``graph`` without the edges that close a cycle, taken in insertion (call) order.

    A graph-form route may call a sub-model again (``middle -> middle``,
    ``encoder -> decoder -> encoder``), so its routing graph may have cycles; the columns are
    laid out along the calls as first made. An acyclic graph is returned as it is.
    """
    if is_directed_acyclic_graph(graph):
        return graph
    forward = DiGraph()
    forward.add_nodes_from(graph.nodes)
    for source, target in graph.edges:
        if source != target and not has_path(forward, target, source):
            forward.add_edge(source, target)
    return forward


def _ranks(graph: DiGraph) -> dict[str, int]:
    """Column of each node: the longest path from an input; every output in the last column.

    Edges that close a cycle (a sub-model called again) do not count.
    """
    rank: dict[str, int] = {}
    forward = _forward_edges(graph)
    order = {node: index for index, node in enumerate(forward)}
    for name in lexicographical_topological_sort(forward, order.__getitem__):
        rank[name] = max((rank[p] + 1 for p in forward.predecessors(name)), default=0)
    last = max((r for n, r in rank.items() if graph.nodes[n]["kind"] != "output"), default=0)
    for name, kind in graph.nodes(data="kind"):
        if kind == "output":
            rank[name] = last + 1
    return rank


def _order(sides_used: tuple[str, ...], owner: str | None, sides: tuple[str, ...]) -> float:
    """Vertical position within a column: each side's lane, shared models in the middle.

    Lanes sit at 0, 2, 4, ... in side order; a model shared by every side sits in the middle
    of the lanes; a shared model named after one side (``fc_a`` doubling as the shared FC)
    sits just inside that side's lane.
    """
    if len(sides_used) == 1:
        return 2.0 * sides.index(sides_used[0])
    if owner is not None:
        return 2.0 * sides.index(owner) + 0.5
    return sum(2.0 * sides.index(s) for s in sides_used) / len(sides_used)


def _sharing_note(kind: str, sides_used: tuple[str, ...], owner: str | None) -> str:
    """The kind and who uses a sub-model: ``fc · side A only``, ``fc · shared by A and B``.

    A side's model that other sides use too (``shared_fc: half``) reads
    ``fc · A's own, also shared by A and B``.
    """
    if len(sides_used) == 1:
        return f"{kind} · side {side_label(sides_used[0])} only"
    if owner is not None:
        return f"{kind} · {side_label(owner)}'s own, also shared by {sides_label(sides_used)}"
    return f"{kind} · shared by {sides_label(sides_used)}"


def _incoming_roles(graph: DiGraph, name: str, side: str) -> list[str]:
    """The roles of the tensors ``name`` receives for one side."""
    return [role for source in graph.predecessors(name)
            for tensor_side, role in graph.edges[source, name]["tensors"] if tensor_side == side]


def _input_note(graph: DiGraph, name: str, sides_used: tuple[str, ...],
                input_shapes: tuple[Shape, ...]) -> str | None:
    """``in features + shared features (4x4x1024)`` for a node that joins or takes a style."""
    roles = _incoming_roles(graph, name, sides_used[0])
    if not ANNOTATED_ROLES & set(roles):
        return None
    joined = [ROLE_WORDS[r] for r in _JOINED_ROLES for _ in range(roles.count(r))]
    text = f"in {' + '.join(joined)} ({shape_text(input_shapes[0])})"
    if "style" in roles and len(input_shapes) > 1:
        text += f", style ({shape_text(input_shapes[1])})"
    return text


def _node(graph: DiGraph, name: str, sides: tuple[str, ...], rank: int, model: ModelIR,
          figures: ModelFigures) -> Node:
    data = graph.nodes[name]
    kind: str = data["kind"]
    sides_used = tuple(s for s in sides if s in data["sides"])
    owner = data["owner"] if data["shared"] else None
    order = _order(sides_used, owner, sides)
    if kind in ("input", "output"):
        shape = (model.node(name).output_shapes[0] if kind == "input"
                 else model.value_shape(model.outputs[name]))
        return Node(id=name, kind=kind, sides=sides_used, shared=data["shared"], mark=IO,
                    lane=sides_used[0], rank=rank, order=order, params=None,
                    output_shapes=(shape,), notes=(shape_text(shape),))
    sub = figures.submodel(name)
    notes = [_sharing_note(kind, sides_used, owner), params_text(sub.params)]
    if not data.get("has_weights", True):
        notes[-1] += " (no weights)"
    if data["bottleneck"]:
        notes.append(f"bottleneck: {data['bottleneck']}")
    if data["upscales_in_fc"]:
        notes.append(f"+{data['upscales_in_fc']} decoder upscale(s)")
    input_note = _input_note(graph, name, sides_used, sub.input_shapes)
    if input_note:
        notes.append(input_note)
    notes.append(f"out {shapes_text(sub.output_shapes)}")
    shared = bool(data["shared"])
    return Node(id=name, kind=kind, sides=sides_used, shared=shared,
                mark=SHARED if shared else SIDE, lane=None if shared else sides_used[0],
                rank=rank, order=order, params=sub.params, output_shapes=sub.output_shapes,
                notes=tuple(notes))


def _edge_notes(tensors: tuple[tuple[str, str], ...], sides: tuple[str, ...]) -> tuple[str, ...]:
    """One line per group of sides receiving the same roles, when a role needs spelling out."""
    if not ANNOTATED_ROLES & {role for _, role in tensors}:
        return ()
    per_side: dict[str, list[str]] = {}
    for side, role in tensors:
        per_side.setdefault(side, []).append(ROLE_WORDS[role])
    groups: dict[tuple[str, ...], list[str]] = {}
    for side in sides:
        if side in per_side:
            groups.setdefault(tuple(per_side[side]), []).append(side_label(side))
    return tuple(f"{', '.join(names)}: {' + '.join(words)}" for words, names in groups.items())


def _edge(graph: DiGraph, source: str, target: str, sides: tuple[str, ...],
          shapes: dict[str, tuple[Shape, ...]]) -> Edge:
    data = graph.edges[source, target]
    tensors = tuple(data["tensors"])
    index = 1 if data["role"] == "mask" else 0
    return Edge(source=source, target=target,
                sides=tuple(s for s in sides if s in data["sides"]), role=data["role"],
                tensors=tensors, shape=shapes[source][index], notes=_edge_notes(tensors, sides))


def _cluster(node: Node, model: ModelIR, budget: int) -> Cluster:
    """A sub-model's box of layers: repeated chains drawn once, at most ``budget`` boxes."""
    sub = model.submodels[node.id]
    stem = f"{node.id}/"
    ends = tuple(stem + n for n in sub.inputs) + tuple(stem + n for n in sub.outputs)
    drawn = cap_layers(condense_repeats(sub, stem), frozenset(ends), budget, stem)
    return Cluster(node=node, layers=drawn.layers, links=drawn.links,
                   inputs=tuple(stem + n for n in sub.inputs),
                   outputs=tuple(stem + n for n in sub.outputs))
