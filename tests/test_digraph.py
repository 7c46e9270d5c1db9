"""phazer's small routing-graph class and its walks agree with networkx."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from phazer.graph.digraph import (
    CycleError,
    DiGraph,
    descendants,
    has_path,
    is_directed_acyclic_graph,
    lexicographical_topological_sort,
    to_networkx,
)


def _random_pair(seed: int, acyclic: bool) -> tuple[DiGraph, nx.DiGraph]:
    rng = random.Random(seed)
    ours, theirs = DiGraph(name=f"g{seed}"), nx.DiGraph(name=f"g{seed}")
    nodes = [f"n{i}" for i in range(rng.randint(1, 9))]
    rng.shuffle(nodes)
    for node in nodes:
        ours.add_node(node, kind="x")
        theirs.add_node(node, kind="x")
    for _ in range(rng.randint(0, 15)):
        source, target = rng.sample(nodes, 2) if len(nodes) > 1 else (nodes[0], nodes[0])
        if acyclic and nodes.index(source) > nodes.index(target):
            source, target = target, source
        if acyclic and source == target:
            continue
        ours.add_edge(source, target, role="r")
        theirs.add_edge(source, target, role="r")
    return ours, theirs


@pytest.mark.parametrize("seed", range(40))
def test_walks_match_networkx(seed: int) -> None:
    ours, theirs = _random_pair(seed, acyclic=seed % 2 == 0)
    assert list(ours.nodes(data=True)) == list(theirs.nodes(data=True))
    assert list(ours.edges(data="role")) == list(theirs.edges(data="role"))
    assert is_directed_acyclic_graph(ours) == nx.is_directed_acyclic_graph(theirs)
    for node in ours:
        assert descendants(ours, node) == nx.descendants(theirs, node)
        assert list(ours.predecessors(node)) == list(theirs.predecessors(node))
        assert ours.in_edges(node, data=True) == list(theirs.in_edges(node, data=True))
        for other in ours:
            assert has_path(ours, node, other) == nx.has_path(theirs, node, other)
    order = {node: index for index, node in enumerate(ours)}
    if nx.is_directed_acyclic_graph(theirs):
        expected = list(nx.lexicographical_topological_sort(theirs, key=order.__getitem__))
        assert lexicographical_topological_sort(ours, order.__getitem__) == expected
        assert lexicographical_topological_sort(theirs, order.__getitem__) == expected
    else:
        with pytest.raises(CycleError):
            lexicographical_topological_sort(ours, order.__getitem__)
    converted = to_networkx(ours)
    assert nx.utils.graphs_equal(converted, theirs)


def test_copy_subgraph_and_remove_node() -> None:
    graph = DiGraph(sides=("a",))
    graph.add_edge("x", "y", role="r")
    graph.add_edge("y", "z", role="s")
    copy = graph.copy()
    copy.nodes["x"]["kind"] = "changed"
    assert "kind" not in graph.nodes["x"] and copy.graph == {"sides": ("a",)}
    assert list(graph.subgraph(["z", "y"]).edges) == [("y", "z")]
    graph.remove_node("y")
    assert list(graph) == ["x", "z"] and graph.number_of_edges() == 0
    assert ("x", "y") not in graph.edges and not graph.has_edge("x", "y")
