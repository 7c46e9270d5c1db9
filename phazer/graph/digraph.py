"""A small directed graph with networkx's interface, for the routing graph.

Importing networkx costs about as much as the rest of a dry run (it loads every algorithm
family), while the routing graph needs a dict of nodes and edges and four graph walks. So the
routing graph is this class, which reads like a :class:`networkx.DiGraph` (``graph.graph``,
``nodes[n]``, ``nodes(data=...)``, ``edges[u, v]``, ``edges(data=...)``, ``in_edges``,
``successors``, ``predecessors``, ``add_node``, ``add_edge``, ``copy``, ...), and the walks
below work on either kind of graph. :func:`to_networkx` converts it for anything else
(the diagrams; networkx is imported there, not on the dry-run path).

Nodes and edges keep insertion order, as networkx's do.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import networkx as nx

Node = Hashable


class Walkable(Protocol):
    """What the walks need of a graph (this module's :class:`DiGraph` or networkx's)."""

    def successors(self, node: Any) -> Iterator[Any]:
        """The nodes ``node`` has an edge to."""

    def predecessors(self, node: Any) -> Iterator[Any]:
        """The nodes with an edge to ``node``."""

    def __iter__(self) -> Iterator[Any]:
        """The nodes."""


class CycleError(ValueError):
    """The graph has a cycle, so it has no topological order."""


def _data(attributes: dict[str, Any], data: bool | str, default: Any) -> Any:
    return attributes if data is True else attributes.get(data, default)  # type: ignore[arg-type]


class NodeView:
    """``graph.nodes``: iterate, test membership, ``[node]`` for its attributes, or call."""

    __slots__ = ("_nodes",)

    def __init__(self, nodes: dict[Node, dict[str, Any]]) -> None:
        self._nodes = nodes

    def __iter__(self) -> Iterator[Node]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, node: object) -> bool:
        return node in self._nodes

    def __getitem__(self, node: Node) -> dict[str, Any]:
        return self._nodes[node]

    def __call__(self, data: bool | str = False, default: Any = None) -> list[Any]:
        """The nodes; with ``data``, ``(node, attributes)`` or ``(node, attributes[data])``."""
        if data is False:
            return list(self._nodes)
        return [(node, _data(attrs, data, default)) for node, attrs in self._nodes.items()]


class EdgeView:
    """``graph.edges``: iterate ``(u, v)``, ``[u, v]`` for its attributes, or call."""

    __slots__ = ("_succ",)

    def __init__(self, succ: dict[Node, dict[Node, dict[str, Any]]]) -> None:
        self._succ = succ

    def __iter__(self) -> Iterator[tuple[Node, Node]]:
        return ((u, v) for u, targets in self._succ.items() for v in targets)

    def __len__(self) -> int:
        return sum(len(targets) for targets in self._succ.values())

    def __contains__(self, edge: object) -> bool:
        if not isinstance(edge, tuple) or len(edge) != 2:
            return False
        source, target = edge
        return target in self._succ.get(source, {})

    def __getitem__(self, edge: tuple[Node, Node]) -> dict[str, Any]:
        source, target = edge
        return self._succ[source][target]

    def __call__(self, nbunch: Iterable[Node] | Node | None = None, data: bool | str = False,
                 default: Any = None) -> list[Any]:
        """The edges (out of ``nbunch`` if given); with ``data``, a third item as for nodes."""
        if nbunch is None:
            sources: Iterable[Node] = self._succ
        elif nbunch in self._succ:
            sources = [nbunch]
        else:
            sources = [n for n in nbunch if n in self._succ]  # type: ignore[union-attr]
        if data is False:
            return [(u, v) for u in sources for v in self._succ[u]]
        return [(u, v, _data(attrs, data, default))
                for u in sources for v, attrs in self._succ[u].items()]


class DiGraph:
    """A directed graph with attributes on the graph, its nodes and its edges.

    Args:
        **attributes: the graph's attributes (``graph.graph``).
    """

    def __init__(self, **attributes: Any) -> None:
        self.graph: dict[str, Any] = dict(attributes)
        self._node: dict[Node, dict[str, Any]] = {}
        self._succ: dict[Node, dict[Node, dict[str, Any]]] = {}
        self._pred: dict[Node, dict[Node, dict[str, Any]]] = {}

    @property
    def nodes(self) -> NodeView:
        """The nodes, in insertion order."""
        return NodeView(self._node)

    @property
    def edges(self) -> EdgeView:
        """The edges, by source in node order, then in insertion order."""
        return EdgeView(self._succ)

    def add_node(self, node: Node, **attributes: Any) -> None:
        """Add ``node`` (if new) and update its attributes."""
        if node not in self._node:
            self._node[node] = {}
            self._succ[node] = {}
            self._pred[node] = {}
        self._node[node].update(attributes)

    def add_nodes_from(self, nodes: Iterable[Node]) -> None:
        """Add every node of ``nodes``."""
        for node in nodes:
            self.add_node(node)

    def add_edge(self, source: Node, target: Node, **attributes: Any) -> None:
        """Add the edge ``source -> target`` (and its nodes if new); update its attributes."""
        for node in (source, target):
            if node not in self._node:
                self.add_node(node)
        data = self._succ[source].get(target, {})
        data.update(attributes)
        self._succ[source][target] = data
        self._pred[target][source] = data

    def remove_node(self, node: Node) -> None:
        """Remove ``node`` and its edges."""
        for target in self._succ.pop(node):
            del self._pred[target][node]
        for source in self._pred.pop(node):
            del self._succ[source][node]
        del self._node[node]

    def in_edges(self, node: Node, data: bool | str = False,
                 default: Any = None) -> list[Any]:
        """The edges into ``node``; ``data`` as for :attr:`edges`."""
        if data is False:
            return [(source, node) for source in self._pred[node]]
        return [(source, node, _data(attrs, data, default))
                for source, attrs in self._pred[node].items()]

    def out_edges(self, node: Node, data: bool | str = False,
                  default: Any = None) -> list[Any]:
        """The edges out of ``node``; ``data`` as for :attr:`edges`."""
        return self.edges(node, data=data, default=default)

    def successors(self, node: Node) -> Iterator[Node]:
        """The nodes ``node`` has an edge to."""
        return iter(self._succ[node])

    def predecessors(self, node: Node) -> Iterator[Node]:
        """The nodes with an edge to ``node``."""
        return iter(self._pred[node])

    def has_node(self, node: Node) -> bool:
        """Whether ``node`` is in the graph."""
        return node in self._node

    def has_edge(self, source: Node, target: Node) -> bool:
        """Whether the edge ``source -> target`` is in the graph."""
        return target in self._succ.get(source, {})

    def number_of_nodes(self) -> int:
        """How many nodes."""
        return len(self._node)

    def number_of_edges(self) -> int:
        """How many edges."""
        return len(self.edges)

    def is_directed(self) -> bool:
        """Always true."""
        return True

    def copy(self) -> DiGraph:
        """A copy with its own attribute dicts (the values themselves are shared)."""
        return self.subgraph(self._node)

    def subgraph(self, nodes: Iterable[Node],
                 keep_edge: Callable[[Node, Node], bool] | None = None) -> DiGraph:
        """A copy of the graph on ``nodes`` (those present), keeping the edges between them.

        Args:
            nodes: the nodes to keep; graph order is kept, not this iterable's.
            keep_edge: if given, only the edges it accepts are kept.
        """
        wanted = set(nodes)
        copy = DiGraph(**self.graph)
        for node, attributes in self._node.items():
            if node in wanted:
                copy.add_node(node, **attributes)
        for source, target, attributes in self.edges(data=True):
            if source in wanted and target in wanted and (
                    keep_edge is None or keep_edge(source, target)):
                copy.add_edge(source, target, **attributes)
        return copy

    def __iter__(self) -> Iterator[Node]:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def __contains__(self, node: object) -> bool:
        return node in self._node

    def __repr__(self) -> str:
        return f"DiGraph({len(self._node)} nodes, {len(self.edges)} edges)"


# --- walks (on this DiGraph or a networkx one) --------------------------------------------


def descendants(graph: Walkable, source: Node) -> set[Node]:
    """Every node reachable from ``source``, but never ``source`` itself (as networkx)."""
    seen: set[Node] = set()
    stack = [source]
    while stack:
        for target in graph.successors(stack.pop()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    seen.discard(source)
    return seen


def has_path(graph: Walkable, source: Node, target: Node) -> bool:
    """Whether ``target`` is ``source`` or reachable from it."""
    return source == target or target in descendants(graph, source)


def lexicographical_topological_sort(graph: Walkable,
                                     key: Callable[[Node], Any]) -> list[Node]:
    """The topological order that takes the smallest ``key`` first wherever there is a choice.

    The same order as :func:`networkx.lexicographical_topological_sort` (it is unique for a
    ``key`` that orders all nodes).

    Raises:
        CycleError: the graph has a cycle.
    """
    nodes = list(graph)
    waiting = {node: 0 for node in nodes}
    for node in nodes:
        for target in graph.successors(node):
            waiting[target] += 1
    ready = [(key(node), index, node) for index, node in enumerate(nodes)
             if waiting[node] == 0]
    heapq.heapify(ready)
    order: list[Node] = []
    position = {node: index for index, node in enumerate(nodes)}
    while ready:
        _, _, node = heapq.heappop(ready)
        order.append(node)
        for target in graph.successors(node):
            waiting[target] -= 1
            if waiting[target] == 0:
                heapq.heappush(ready, (key(target), position[target], target))
    if len(order) != len(nodes):
        raise CycleError("the graph has a cycle")
    return order


def is_directed_acyclic_graph(graph: Walkable) -> bool:
    """Whether the graph has no cycle (a self-loop is a cycle)."""
    nodes = list(graph)
    position = {node: index for index, node in enumerate(nodes)}
    try:
        lexicographical_topological_sort(graph, position.__getitem__)
    except CycleError:
        return False
    return True


def to_networkx(graph: DiGraph | nx.DiGraph) -> nx.DiGraph:
    """The same graph as a :class:`networkx.DiGraph` (imports networkx); nx graphs as given."""
    import networkx as nx  # only for the algorithms phazer does not walk itself

    if isinstance(graph, nx.DiGraph):
        return graph
    converted = nx.DiGraph(**graph.graph)
    for node, attributes in graph.nodes(data=True):
        converted.add_node(node, **attributes)
    for source, target, attributes in graph.edges(data=True):
        converted.add_edge(source, target, **attributes)
    return converted
