"""Diagrams: DOT and Mermaid hold exactly the routing graph, with shared/per-side marks."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import networkx as nx
import pytest

from phazer.compiler import compile_model_ir
from phazer.diagram import (
    DiagramError,
    build_diagram,
    diagram_for_spec,
    diagram_text,
    format_of,
    to_dot,
    to_mermaid,
)
from phazer.diagram.mermaid import mermaid_id
from phazer.lowering import build_routing_graph
from phazer.plan.figures import model_figures
from phazer.spec import load_spec
from phazer.spec.models import ModelSpec
from tests.diagram_parse import dot_attr, parse_dot, parse_mermaid

GBLOCK_EXAMPLE = ["routing.shared_fc=none", "routing.gblock=true", "routing.split_decoders=true"]
# (reference, overrides): the guide's four layouts, plus G-Block + masks + every split.
CASES = {
    "original": ("original", []),
    "iae": ("iae", []),
    "liae": ("dfl-sae-liae", []),
    "gblock-example": ("iae", GBLOCK_EXAMPLE),
    "stojo": ("stojo", []),
    "busy": ("iae", ["routing.gblock=true", "routing.split_gblock=true",
                     "routing.split_decoders=true", "decoder.learn_mask=true",
                     "bottleneck.in_encoder=true"]),
}


def spec_of(case: str) -> ModelSpec:
    reference, overrides = CASES[case]
    return load_spec(reference, overrides).spec


def parts(case: str, level: str = "routing"):
    spec = spec_of(case)
    graph = build_routing_graph(spec)
    model = compile_model_ir(spec)
    diagram = build_diagram(graph, model, model_figures(model), level)
    return graph, model, diagram


def expected_mark(graph: nx.DiGraph, node: str) -> str:
    """What the marks must say, from the routing graph alone."""
    data = graph.nodes[node]
    if data["kind"] in ("input", "output"):
        (side,) = data["sides"]
        return f"io io-{side}"
    if data["shared"]:
        return "shared"
    (side,) = data["sides"]
    return f"side side-{side}"


# --- DOT -----------------------------------------------------------------------------------
@pytest.mark.parametrize("case", list(CASES))
def test_dot_has_exactly_the_routing_graph(case):
    graph, _, diagram = parts(case)
    parsed = parse_dot(to_dot(diagram))
    assert set(parsed.nodes) == set(graph.nodes)
    assert set(parsed.edges) == set(graph.edges)
    for node, attrs in parsed.nodes.items():
        assert dot_attr(attrs, "class") == expected_mark(graph, node), node
        double = dot_attr(attrs, "peripheries") == "2"
        assert double == (graph.nodes[node]["shared"] and graph.nodes[node]["kind"] not in (
            "input", "output")), node
    for (source, target), attrs in parsed.edges.items():
        sides = graph.edges[source, target]["sides"]
        side_class = "shared" if len(sides) > 1 else f"side-{next(iter(sides))}"
        assert dot_attr(attrs, "class").split()[0] == side_class, (source, target)


@pytest.mark.parametrize("case", list(CASES))
def test_dot_lanes_put_a_above_b(case):
    graph, _, diagram = parts(case)
    parsed = parse_dot(to_dot(diagram))
    for side in ("a", "b"):
        own = {n for n, s in graph.nodes(data="sides") if s == {side}}
        assert set(parsed.clusters[f"cluster_lane_{side}"]) == own
    position = {"a": 0, "b": 2}
    for column in parsed.ranks:
        keys = []
        for node in column:
            data = graph.nodes[node]
            if len(data["sides"]) == 1:
                keys.append(position[next(iter(data["sides"]))])
            else:  # shared: between the lanes (just under A for A's own FC in LIAE)
                keys.append(0.5 if data["owner"] == "a" else 1)
        assert keys == sorted(keys), column
        for upper, lower in itertools.pairwise(column):
            assert (upper, lower) in parsed.invisible


@pytest.mark.parametrize("case", list(CASES))
def test_dot_labels_show_params_and_shapes(case):
    _, model, diagram = parts(case)
    text = to_dot(diagram)
    figures = model_figures(model)
    parsed = parse_dot(text)
    for sub in figures.submodels:
        label = parsed.nodes[sub.name]
        assert f"{sub.params:,} params" in label
        assert "out " + ", ".join("x".join(map(str, s)) for s in sub.output_shapes) in label
        assert f"{sub.kind} · " in label
    for (source, _), attrs in parsed.edges.items():
        if source.startswith("face_in"):
            assert dot_attr(attrs, "label") == "x".join(map(str, figures.input_shape))


def test_iae_marks_the_shared_fc_and_both_paths():
    _, _, diagram = parts("iae")
    parsed = parse_dot(to_dot(diagram))
    assert dot_attr(parsed.nodes["fc_shared"], "class") == "shared"
    assert "fc_shared · shared by A and B" in parsed.nodes["fc_shared"]
    assert "fc · side A only" in parsed.nodes["fc_a"]
    assert dot_attr(parsed.edges["fc_shared", "decoder_both"], "label") == (
        "4x4x512\\nA, B: shared features")
    assert "in features + shared features (4x4x1024)" in parsed.nodes["decoder_both"]


def test_liae_shows_that_fc_a_doubles_as_the_shared_fc():
    _, _, diagram = parts("liae")
    parsed = parse_dot(to_dot(diagram))
    assert dot_attr(parsed.nodes["fc_a"], "class") == "shared"
    assert "fc · A&#39;s own" in parsed.nodes["fc_a"] or "fc · A's own" in parsed.nodes["fc_a"]
    assert "also shared by A and B" in parsed.nodes["fc_a"]
    assert dot_attr(parsed.nodes["fc_b"], "class") == "side side-b"
    label = dot_attr(parsed.edges["fc_a", "decoder_both"], "label")
    assert label == "16x16x512\\nA: features + shared features\\nB: shared features"
    assert "fc_shared" not in parsed.nodes


def test_gblock_style_edge_is_dashed_and_labelled():
    _, _, diagram = parts("gblock-example")
    parsed = parse_dot(to_dot(diagram))
    attrs = parsed.edges["fc_gblock", "g_block_both"]
    assert dot_attr(attrs, "style") == "dashed"
    assert dot_attr(attrs, "label") == "512\\nA, B: style"
    assert "style (G-Block)" in to_dot(diagram)
    assert "style (G-Block)" not in to_dot(parts("iae")[2])


def test_dot_quotes_awkward_names():
    spec = load_spec("original", ['name=odd "name" \\ here']).spec
    text = to_dot(diagram_for_spec(spec))
    assert 'digraph "odd \\"name\\" \\\\ here" {' in text


# --- Mermaid -------------------------------------------------------------------------------
@pytest.mark.parametrize("case", list(CASES))
def test_mermaid_has_exactly_the_routing_graph(case):
    graph, _, diagram = parts(case)
    parsed = parse_mermaid(to_mermaid(diagram))
    legend = {n for n in parsed.nodes if n.startswith("legend_")}
    assert set(parsed.nodes) - legend == set(graph.nodes)
    assert set(parsed.edges) == set(graph.edges)
    assert parsed.edge_order == list(graph.edges)
    shared = {n for n, data in graph.nodes(data=True)
              if data["shared"] and data["kind"] not in ("input", "output")}
    assert parsed.classes["shared"] - legend == shared
    for side in ("a", "b"):
        own = {n for n, data in graph.nodes(data=True)
               if data["sides"] == {side} and data["kind"] not in ("input", "output")}
        ends = {n for n, data in graph.nodes(data=True)
                if data["sides"] == {side} and data["kind"] in ("input", "output")}
        assert parsed.classes.get(f"side_{side}", set()) - legend == own
        assert parsed.classes[f"io_{side}"] == ends
        assert set(parsed.subgraphs[f"lane_{side}"]) == own | ends
    for node in shared:
        assert parsed.nodes[node][0] == "[["  # the subroutine box: double side bars
    for (source, target), (arrow, label) in parsed.edges.items():
        data = graph.edges[source, target]
        if "style" in data["role"]:
            assert arrow == "-.->"
        else:
            assert arrow == ("==>" if len(data["sides"]) > 1 else "-->")
        assert label.split("<br/>")[0]  # the shape


def test_mermaid_link_styles_cover_every_edge_once():
    _, _, diagram = parts("busy")
    parsed = parse_mermaid(to_mermaid(diagram))
    indices = [int(i) for line in parsed.link_styles for i in line.split()[1].split(",")]
    assert sorted(indices) == list(range(len(parsed.edges)))


def test_mermaid_starts_with_front_matter_title():
    text = to_mermaid(parts("iae")[2])
    assert text.startswith('---\ntitle: "iae · 64 px in, 64 px out · ')
    assert "\nflowchart LR\n" in text


# --- layer level ---------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["original", "liae", "busy"])
def test_layer_level_draws_every_layer_in_its_submodel(case):
    graph, model, diagram = parts(case, "layers")
    parsed = parse_dot(to_dot(diagram))
    for name, sub in model.submodels.items():
        assert set(parsed.clusters[f"cluster_{name}"]) == {f"{name}/{op.name}" for op in sub.ops}
    ends = {n for n, kind in graph.nodes(data="kind") if kind in ("input", "output")}
    assert set(parsed.nodes) == ends | {f"{n}/{op.name}" for n, sub in model.submodels.items()
                                        for op in sub.ops}
    internal = {(f"{n}/{i}", f"{n}/{op.name}") for n, sub in model.submodels.items()
                for op in sub.ops for i in op.inputs}
    between = set(parsed.edges) - internal
    assert len(between) == graph.number_of_edges()
    mermaid = parse_mermaid(to_mermaid(diagram))
    assert {f"sm_{n}" for n in model.submodels} <= set(mermaid.subgraphs)
    assert len(mermaid.edges) == len(parsed.edges)


def test_layer_level_routes_style_and_mask_to_the_right_layers():
    _, model, diagram = parts("busy", "layers")
    edges = set(parse_dot(to_dot(diagram)).edges)
    g_block = model.submodels["g_block_a"]
    decoder = model.submodels["decoder_a"]
    assert ("fc_gblock/" + model.submodels["fc_gblock"].outputs[0],
            f"g_block_a/{g_block.inputs[1]}") in edges
    assert (f"decoder_a/{decoder.outputs[1]}", "mask_out_a") in edges
    assert (f"decoder_a/{decoder.outputs[0]}", "face_out_a") in edges


@pytest.mark.parametrize("route", ["encoder -> middle -> middle -> decoder_a",
                                   "encoder -> middle -> decoder_a -> encoder -> decoder_a"])
def test_a_route_calling_a_sub_model_again_is_drawn(route, tmp_path):
    """Found by fuzzing (issue 15): the repeated call makes a cycle in the routing graph,
    which the column layout's topological sort refused (an internal error)."""
    from tests.pathological_specs import graph_spec

    path = tmp_path / "again.yaml"
    path.write_text(graph_spec("again", route=route), encoding="utf-8")
    spec = load_spec(str(path)).spec
    steps = [step.strip() for step in route.split("->")]
    again = {(a, b) for a, b in itertools.pairwise(steps)}
    for level in ("routing", "layers"):
        diagram = diagram_for_spec(spec, level)
        drawn = {(e.source, e.target) for e in diagram.edges}
        assert again <= drawn
        ranks = {node.id: node.rank for node in diagram.nodes}
        assert ranks["face_in_a"] < ranks["encoder"] < ranks["middle"] < ranks["face_out_a"]
        assert parse_dot(to_dot(diagram)).edges and parse_mermaid(to_mermaid(diagram)).edges


def test_unknown_level_is_refused():
    spec = spec_of("original")
    with pytest.raises(ValueError, match="unknown diagram level"):
        diagram_for_spec(spec, "pixels")


# --- formats and determinism ---------------------------------------------------------------
@pytest.mark.parametrize(("name", "fmt"), [("m.dot", "dot"), ("m.GV", "dot"), ("m.mmd", "mmd"),
                                           ("m.mermaid", "mmd"), ("x/m.svg", "svg"),
                                           ("m.png", "png"), ("m.pdf", "pdf")])
def test_format_of(name, fmt):
    assert format_of(name) == fmt


@pytest.mark.parametrize("name", ["m.txt", "m", "m.jpg"])
def test_format_of_rejects(name):
    with pytest.raises(DiagramError, match="not a diagram format"):
        format_of(name)


def test_diagram_text_is_text_formats_only():
    with pytest.raises(DiagramError):
        diagram_text(parts("original")[2], "svg")


def test_mermaid_ids_are_safe():
    assert mermaid_id("decoder_both/upscale-1.conv") == "decoder_both__upscale_1_conv"


_DIGEST = """
import hashlib, sys
from phazer.diagram import diagram_for_spec, to_dot, to_mermaid
from phazer.spec import load_spec
out = []
for ref, sets in [("iae", []), ("dfl-sae-liae", []), ("stojo", []),
                  ("iae", {sets})]:
    for level in ("routing", "layers"):
        d = diagram_for_spec(load_spec(ref, sets).spec, level)
        out.append(hashlib.sha256((to_dot(d) + to_mermaid(d)).encode()).hexdigest())
print(" ".join(out))
""".replace("{sets}", repr(CASES["busy"][1]))


def test_output_is_byte_identical_across_processes():
    """Same spec, same text, whatever the hash seed (sets and dicts must not leak order)."""
    digests = []
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-c", _DIGEST], capture_output=True,
                                text=True, env=env, check=True)
        digests.append(result.stdout.strip())
    assert digests[0] == digests[1]
    spec = spec_of("busy")
    assert to_dot(diagram_for_spec(spec)) == to_dot(diagram_for_spec(spec))
