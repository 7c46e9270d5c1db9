"""What a diagram shows, independent of the output format.

A :class:`Diagram` is built from the routing graph and the plan (see :mod:`.build`) and read
by the writers (:mod:`.dot`, :mod:`.mermaid`). Every sequence in it is already in drawing
order, so a writer only has to format it: the same spec always gives the same text.
"""

from __future__ import annotations

from dataclasses import dataclass

Shape = tuple[int, ...]

LEVEL_ROUTING = "routing"
LEVEL_LAYERS = "layers"
LEVELS: tuple[str, ...] = (LEVEL_ROUTING, LEVEL_LAYERS)

# How a node is marked: used by several sides, one side's own sub-model, an input or output.
SHARED = "shared"
SIDE = "side"
IO = "io"


@dataclass(frozen=True)
class Node:
    """One routing-graph node: a sub-model instance, a model input or a model output.

    Attributes:
        id: the routing-graph node name (``fc_a``, ``face_in_b``); unique.
        kind: the routing-graph kind (``encoder``, ``fc``, ..., ``input``, ``output``).
        sides: the sides whose data passes through it, in side order.
        shared: whether several sides use it (its weights learn more than one face).
        mark: "shared", "side" (one side's own sub-model) or "io" (an input or output).
        lane: the side lane it is drawn in, or None for the shared middle.
        rank: the column it is drawn in (0 = inputs), counted along the data flow.
        order: its position within the column, top to bottom (smaller is higher).
        params: its parameter count (None for inputs and outputs).
        output_shapes: the shapes it produces.
        notes: extra lines under the name (what it is, its input, its bottleneck, ...).
    """

    id: str
    kind: str
    sides: tuple[str, ...]
    shared: bool
    mark: str
    lane: str | None
    rank: int
    order: float
    params: int | None
    output_shapes: tuple[Shape, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Edge:
    """One routing-graph edge: the tensors flowing from one node into another.

    Attributes:
        source: the producing node's id.
        target: the receiving node's id.
        sides: the sides whose data it carries, in side order.
        role: the routing-graph role (``features``, ``shared_features+features``, ...).
        tensors: the ``(side, role)`` pairs it carries, in order.
        shape: the shape of every tensor on it.
        notes: what the tensors are for the receiving node, one line per side, when that is
            not obvious (shared features, style); empty otherwise.
    """

    source: str
    target: str
    sides: tuple[str, ...]
    role: str
    tensors: tuple[tuple[str, str], ...]
    shape: Shape
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Layer:
    """One layer of a sub-model (layer level only).

    Attributes:
        id: unique across the diagram: ``<sub-model>/<layer>``.
        name: the layer's name inside its sub-model.
        kind: the op kind (``conv2d``, ``dense``, ...).
        shape: its output shape.
        params: its parameter count (of one copy, when it stands for several).
        repeat: how many times it repeats: a chain repeating a pattern of ``group`` layers
            is drawn as one copy of the pattern (see :mod:`.condense`); 1 otherwise.
        group: the length of the repeated pattern it belongs to (1: itself).
        hidden: for a box standing for layers left out (kind ``omitted``), how many boxes
            it replaces; 0 for a real layer.
    """

    id: str
    name: str
    kind: str
    shape: Shape
    params: int
    repeat: int = 1
    group: int = 1
    hidden: int = 0


@dataclass(frozen=True)
class Cluster:
    """One sub-model drawn with its layers (layer level only).

    Attributes:
        node: the routing-graph node it draws.
        layers: its layers in build order.
        links: ``(source layer id, target layer id)`` pairs inside the sub-model.
        inputs: the ids of its input layers, in the sub-model's input order.
        outputs: the ids of its output layers, in the sub-model's output order.
    """

    node: Node
    layers: tuple[Layer, ...]
    links: tuple[tuple[str, str], ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class Diagram:
    """A whole drawing.

    Attributes:
        name: the model's name.
        level: "routing" or "layers".
        sides: the model's sides, in order (the lanes, top to bottom).
        title: the headline (the model's name and the level).
        subtitle: the sizes and parameter count.
        nodes: every routing-graph node, in graph order.
        edges: every routing-graph edge, in graph order.
        clusters: at layer level, one per sub-model in graph order; empty at routing level.
    """

    name: str
    level: str
    sides: tuple[str, ...]
    title: str
    subtitle: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...] = ()

    def node(self, node_id: str) -> Node:
        """A node by id."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def cluster(self, node_id: str) -> Cluster:
        """A sub-model's cluster by node id (layer level)."""
        for cluster in self.clusters:
            if cluster.node.id == node_id:
                return cluster
        raise KeyError(node_id)

    def layer_endpoints(self, edge: Edge) -> tuple[str, str]:
        """The layer (or input/output node) ids a routing edge joins at layer level.

        The edge leaves the source sub-model's output layer (its second output for a mask)
        and enters the target's input layer (its second input for a G-Block's style).
        """
        roles = edge.role.split("+")
        source, target = edge.source, edge.target
        if self.node(source).mark != IO:
            outputs = self.cluster(source).outputs
            source = outputs[1 if "mask" in roles and len(outputs) > 1 else 0]
        if self.node(target).mark != IO:
            inputs = self.cluster(target).inputs
            target = inputs[1 if "style" in roles and len(inputs) > 1 else 0]
        return source, target

    def ranks(self) -> list[list[Node]]:
        """The nodes column by column, each column top to bottom."""
        columns: dict[int, list[Node]] = {}
        for node in self.nodes:
            columns.setdefault(node.rank, []).append(node)
        return [sorted(columns[r], key=lambda n: n.order) for r in sorted(columns)]
