"""The routing graph: Phaze-A's layouts lowered to sub-model instances and tensors."""

from __future__ import annotations

import json
from typing import Any

import networkx as nx
import pytest

from phazer.compiler import compile_model
from phazer.graph import (
    exclusive_submodels,
    output_nodes,
    side_path,
    submodel_names,
    weight_owners,
    weight_roles,
)
from phazer.graph.digraph import to_networkx
from phazer.lowering import build_routing_graph
from phazer.sides import check_sides
from phazer.spec.models import ModelSpec
from tests.helpers import GBLOCK_EXAMPLE, IAE, LIAE, ORIGINAL
from tests.helpers import PHAZE_A_REFERENCE as REFERENCE
from tests.test_golden_reference import _spec_for


def make(routing: dict[str, Any], **groups: dict[str, Any]) -> ModelSpec:
    return ModelSpec.model_validate({"routing": routing, **groups})


def weighted(spec: ModelSpec) -> nx.DiGraph:
    """The routing graph with ``has_weights`` read off the compiled IR."""
    compiled = compile_model(spec)
    assert compiled.errors == [], compiled.errors
    return compiled.graph


A, B, AB = frozenset("a"), frozenset("b"), frozenset("ab")


def edges(graph: nx.DiGraph) -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """Every edge with its tensors; also checks ``sides``/``role`` agree with ``tensors``."""
    table = {}
    for source, target, data in graph.edges(data=True):
        tensors = data["tensors"]
        assert data["sides"] == frozenset(side for side, _ in tensors)
        assert data["role"] == "+".join(dict.fromkeys(role for _, role in tensors))
        table[(source, target)] = tensors
    return table


def node_table(graph: nx.DiGraph, *keys: str) -> dict[str, tuple[Any, ...]]:
    return {node: tuple(data[key] for key in keys) for node, data in graph.nodes(data=True)}


def test_original_layout_shared_fc_split_decoders() -> None:
    graph = weighted(make(ORIGINAL))
    assert list(graph.nodes) == ["face_in_a", "face_in_b", "encoder", "fc_both", "decoder_a",
                                 "decoder_b", "face_out_a", "face_out_b"]
    assert node_table(graph, "kind", "sides", "shared", "has_weights", "group", "owner") == {
        "face_in_a": ("input", A, False, False, None, "a"),
        "face_in_b": ("input", B, False, False, None, "b"),
        "encoder": ("encoder", AB, True, True, "encoder", None),
        "fc_both": ("fc", AB, True, True, "fc", None),
        "decoder_a": ("decoder", A, False, True, "decoder", "a"),
        "decoder_b": ("decoder", B, False, True, "decoder", "b"),
        "face_out_a": ("output", A, False, False, None, "a"),
        "face_out_b": ("output", B, False, False, None, "b"),
    }
    assert edges(graph) == {
        ("face_in_a", "encoder"): (("a", "image"),),
        ("face_in_b", "encoder"): (("b", "image"),),
        ("encoder", "fc_both"): (("a", "encoding"), ("b", "encoding")),
        ("fc_both", "decoder_a"): (("a", "features"),),
        ("fc_both", "decoder_b"): (("b", "features"),),
        ("decoder_a", "face_out_a"): (("a", "image"),),
        ("decoder_b", "face_out_b"): (("b", "image"),),
    }
    assert graph.graph["sides"] == ("a", "b")
    assert graph.graph["learn_mask"] is False


def test_iae_layout_split_fc_full_shared_fc_shared_decoder() -> None:
    graph = build_routing_graph(make(IAE))
    assert submodel_names(graph) == ["encoder", "fc_a", "fc_shared", "fc_b", "decoder_both"]
    assert node_table(graph, "kind", "sides", "shared", "group") == {
        "face_in_a": ("input", A, False, None),
        "face_in_b": ("input", B, False, None),
        "encoder": ("encoder", AB, True, "encoder"),
        "fc_a": ("fc", A, False, "fc"),
        "fc_shared": ("fc_shared", AB, True, "fc"),
        "fc_b": ("fc", B, False, "fc"),
        "decoder_both": ("decoder", AB, True, "decoder"),
        "face_out_a": ("output", A, False, None),
        "face_out_b": ("output", B, False, None),
    }
    assert edges(graph) == {
        ("face_in_a", "encoder"): (("a", "image"),),
        ("face_in_b", "encoder"): (("b", "image"),),
        ("encoder", "fc_a"): (("a", "encoding"),),
        ("encoder", "fc_shared"): (("a", "encoding"), ("b", "encoding")),
        ("encoder", "fc_b"): (("b", "encoding"),),
        ("fc_a", "decoder_both"): (("a", "features"),),
        ("fc_shared", "decoder_both"): (("a", "shared_features"), ("b", "shared_features")),
        ("fc_b", "decoder_both"): (("b", "features"),),
        ("decoder_both", "face_out_a"): (("a", "image"),),
        ("decoder_both", "face_out_b"): (("b", "image"),),
    }
    assert graph.edges["fc_shared", "decoder_both"]["role"] == "shared_features"


def test_liae_layout_half_shared_fc_reuses_fc_a_for_both_sides() -> None:
    graph = build_routing_graph(make(LIAE))
    assert submodel_names(graph) == ["encoder", "fc_a", "fc_b", "decoder_both"]
    assert "fc_shared" not in graph
    # fc_a serves both sides: A's own features, and the shared features of A and B
    assert graph.nodes["fc_a"]["sides"] == AB
    assert graph.nodes["fc_a"]["shared"] is True
    assert graph.nodes["fc_a"]["owner"] == "a"
    assert graph.nodes["fc_b"]["sides"] == B
    assert edges(graph) == {
        ("face_in_a", "encoder"): (("a", "image"),),
        ("face_in_b", "encoder"): (("b", "image"),),
        # fc_a is called three times: fc_a(a) twice, fc_a(b) once
        ("encoder", "fc_a"): (("a", "encoding"), ("a", "encoding"), ("b", "encoding")),
        ("encoder", "fc_b"): (("b", "encoding"),),
        # A's decoder input is concat(fc_a(a), fc_a(a)); B's is concat(fc_b(b), fc_a(b))
        ("fc_a", "decoder_both"): (("a", "features"), ("a", "shared_features"),
                                   ("b", "shared_features")),
        ("fc_b", "decoder_both"): (("b", "features"),),
        ("decoder_both", "face_out_a"): (("a", "image"),),
        ("decoder_both", "face_out_b"): (("b", "image"),),
    }
    assert graph.edges["fc_a", "decoder_both"]["role"] == "features+shared_features"
    assert side_path(graph, "a") == ["encoder", "fc_a", "decoder_both"]
    assert side_path(graph, "b") == ["encoder", "fc_a", "fc_b", "decoder_both"]


def test_half_shared_fc_without_split_fc_feeds_fc_both_twice() -> None:
    graph = build_routing_graph(make({**LIAE, "split_fc": False, "split_decoders": True}))
    assert submodel_names(graph) == ["encoder", "fc_both", "decoder_a", "decoder_b"]
    assert edges(graph)[("fc_both", "decoder_a")] == (("a", "features"),
                                                      ("a", "shared_features"))
    assert len(edges(graph)[("encoder", "fc_both")]) == 4


def test_gblock_example_from_the_guide() -> None:
    graph = build_routing_graph(make(GBLOCK_EXAMPLE))
    assert list(graph.nodes) == [
        "face_in_a", "face_in_b", "encoder", "fc_a", "fc_gblock", "fc_b", "g_block_both",
        "decoder_a", "decoder_b", "face_out_a", "face_out_b"]
    assert node_table(graph, "kind", "sides", "group") == {
        "face_in_a": ("input", A, None),
        "face_in_b": ("input", B, None),
        "encoder": ("encoder", AB, "encoder"),
        "fc_a": ("fc", A, "fc"),
        "fc_gblock": ("fc_gblock", AB, "gblock_fc"),
        "fc_b": ("fc", B, "fc"),
        "g_block_both": ("g_block", AB, None),
        "decoder_a": ("decoder", A, "decoder"),
        "decoder_b": ("decoder", B, "decoder"),
        "face_out_a": ("output", A, None),
        "face_out_b": ("output", B, None),
    }
    assert edges(graph) == {
        ("face_in_a", "encoder"): (("a", "image"),),
        ("face_in_b", "encoder"): (("b", "image"),),
        ("encoder", "fc_a"): (("a", "encoding"),),
        ("encoder", "fc_gblock"): (("a", "encoding"), ("b", "encoding")),
        ("encoder", "fc_b"): (("b", "encoding"),),
        ("fc_a", "g_block_both"): (("a", "features"),),
        ("fc_gblock", "g_block_both"): (("a", "style"), ("b", "style")),
        ("fc_b", "g_block_both"): (("b", "features"),),
        ("g_block_both", "decoder_a"): (("a", "features"),),
        ("g_block_both", "decoder_b"): (("b", "features"),),
        ("decoder_a", "face_out_a"): (("a", "image"),),
        ("decoder_b", "face_out_b"): (("b", "image"),),
    }


def test_split_gblock_and_shared_fc_feed_each_gblock() -> None:
    graph = build_routing_graph(make({**IAE, "gblock": True, "split_gblock": True}))
    # faceswap's order (edge cases random_016, random_022): with a shared FC, the FC models
    # feed a concatenation and are listed before fc_gblock
    assert submodel_names(graph) == ["encoder", "fc_a", "fc_shared", "fc_b", "fc_gblock",
                                     "g_block_a", "g_block_b", "decoder_both"]
    table = edges(graph)
    assert table[("fc_shared", "g_block_a")] == (("a", "shared_features"),)
    assert table[("fc_shared", "g_block_b")] == (("b", "shared_features"),)
    assert table[("fc_gblock", "g_block_b")] == (("b", "style"),)
    assert table[("g_block_a", "decoder_both")] == (("a", "features"),)
    assert ("fc_a", "decoder_both") not in table
    assert graph.nodes["g_block_a"]["sides"] == A


def test_bottleneck_in_encoder_or_at_the_start_of_every_fc() -> None:
    routing = {**IAE, "gblock": True}
    in_encoder = build_routing_graph(make(routing))
    assert node_table(in_encoder, "bottleneck")["encoder"] == ("dense",)
    assert {n for n, b in in_encoder.nodes(data="bottleneck") if b} == {"encoder"}

    in_fc = build_routing_graph(make(routing, bottleneck={"type": "max_pooling",
                                                          "in_encoder": False}))
    assert {n: b for n, b in in_fc.nodes(data="bottleneck") if b} == {
        "fc_a": "max_pooling", "fc_shared": "max_pooling", "fc_gblock": "max_pooling",
        "fc_b": "max_pooling"}
    assert list(in_fc.nodes) == list(in_encoder.nodes)
    assert edges(in_fc) == edges(in_encoder)


def test_learn_mask_adds_a_mask_output_per_side() -> None:
    graph = build_routing_graph(make(IAE, decoder={"learn_mask": True}))
    assert list(graph.nodes)[-4:] == ["face_out_a", "mask_out_a", "face_out_b", "mask_out_b"]
    assert edges(graph)[("decoder_both", "mask_out_b")] == (("b", "mask"),)
    assert graph.nodes["mask_out_a"]["kind"] == "output"
    assert output_nodes(graph, "a") == ["face_out_a", "mask_out_a"]
    assert graph.graph["learn_mask"] is True


def test_upscales_in_fc_recorded_on_fc_models_only() -> None:
    graph = build_routing_graph(make({**IAE, "gblock": True}, decoder={"upscales_in_fc": 2}))
    assert {n: u for n, u in graph.nodes(data="upscales_in_fc") if u} == {
        "fc_a": 2, "fc_shared": 2, "fc_b": 2}


def test_has_weights_false_for_an_fc_model_with_nothing_to_learn() -> None:
    """Read off the IR: a depth-0 FC (the 1024 bottleneck values reshaped to 4x4x64) with
    an UpSampling2D holds no weight; a learned upsampler, an FC upscale or a bottleneck layer
    in the FC gives it some."""
    weightless = {"depth": 0, "upsampler": "upsample2d", "upsamples": 1, "dimensions": 4,
                  "max_filters": 64}
    graph = weighted(make(IAE, fc=weightless))
    assert "has_weights" not in build_routing_graph(make(IAE, fc=weightless)).nodes["fc_a"]
    assert not graph.nodes["fc_a"]["has_weights"]
    assert not graph.nodes["fc_shared"]["has_weights"]
    assert weight_owners(graph, "a") == ["encoder", "decoder_both"]
    # each of these gives the fc model weights again
    in_fc = {"type": "dense", "size": 1024, "in_encoder": False}
    for fc, extra in [({**weightless, "upsampler": "subpixel", "upsample_filters": 64}, {}),
                      (weightless, {"decoder": {"upscales_in_fc": 1}}),
                      (weightless, {"bottleneck": in_fc}),
                      (weightless, {"bottleneck": {"type": "flatten", "in_encoder": False,
                                                   "norm": "layer"},
                                    "encoder": {"type": "fs_original", "depth": 5,
                                                "max_filters": 256}})]:
        assert weighted(make(IAE, fc=fc, **extra)).nodes["fc_a"]["has_weights"], (fc, extra)
    flatten_in_fc = make(IAE, fc=weightless, bottleneck={"type": "flatten", "in_encoder": False},
                         encoder={"type": "fs_original", "depth": 5, "max_filters": 256})
    assert not weighted(flatten_in_fc).nodes["fc_a"]["has_weights"]


def test_three_sides_lower_the_same_way() -> None:
    graph = build_routing_graph(make(IAE), sides=("a", "b", "c"))
    assert submodel_names(graph) == ["encoder", "fc_a", "fc_shared", "fc_b", "fc_c",
                                     "decoder_both"]
    assert list(graph.nodes)[:3] == ["face_in_a", "face_in_b", "face_in_c"]
    assert graph.nodes["fc_shared"]["sides"] == frozenset("abc")
    assert graph.nodes["fc_c"]["sides"] == frozenset("c")
    assert edges(graph)[("encoder", "fc_shared")] == (
        ("a", "encoding"), ("b", "encoding"), ("c", "encoding"))
    assert side_path(graph, "c") == ["encoder", "fc_shared", "fc_c", "decoder_both"]
    assert graph.graph["sides"] == ("a", "b", "c")

    half = build_routing_graph(make({**LIAE, "split_decoders": True}), sides=("x", "y", "z"))
    assert half.nodes["fc_x"]["sides"] == frozenset("xyz")
    assert edges(half)[("fc_x", "decoder_z")] == (("z", "shared_features"),)
    assert exclusive_submodels(half, "y") == ["fc_y", "decoder_y"]


def test_one_side_and_bad_side_names() -> None:
    graph = build_routing_graph(make(ORIGINAL), sides=("solo",))
    assert submodel_names(graph) == ["encoder", "fc_both", "decoder_solo"]
    for bad in [(), ("a", "a"), ("both", "b"), ("A", "b"), ("a_1", "b"), ("", "b")]:
        with pytest.raises(ValueError):
            check_sides(bad)
        with pytest.raises(ValueError):
            build_routing_graph(make(ORIGINAL), sides=bad)


def test_insertion_order_is_deterministic() -> None:
    spec = make({**IAE, "gblock": True, "split_gblock": True}, decoder={"learn_mask": True})
    first, second = build_routing_graph(spec), build_routing_graph(spec)
    assert list(first.nodes(data=True)) == list(second.nodes(data=True))
    assert list(first.edges(data=True)) == list(second.edges(data=True))
    assert nx.is_directed_acyclic_graph(to_networkx(first))


def test_helpers_on_the_original_layout() -> None:
    graph = weighted(make(ORIGINAL))
    assert side_path(graph, "a") == ["encoder", "fc_both", "decoder_a"]
    assert weight_owners(graph, "b") == ["encoder", "fc_both", "decoder_b"]
    assert exclusive_submodels(graph, "a") == ["decoder_a"]
    assert weight_roles(graph, "a") == {("encoder", "encoding"), ("fc_both", "features"),
                                        ("decoder_a", "image")}
    assert weight_roles(graph, "a") != weight_roles(graph, "b")
    assert side_path(graph, "nope") == []


def _reference_cases() -> list[dict[str, Any]]:
    return json.loads(REFERENCE.read_text())["cases"]


@pytest.mark.parametrize("case", _reference_cases(), ids=lambda case: case["name"])
def test_matches_faceswap_sub_models_order_and_calls(case: dict[str, Any]) -> None:
    """faceswap's own models: same sub-models, same order, same calls, same outputs."""
    cfg, result = case["config"], case["result"]
    spec = make(
        {"split_fc": cfg["split_fc"], "shared_fc": cfg["shared_fc"],
         "gblock": cfg["enable_gblock"], "split_gblock": cfg["split_gblock"],
         "split_decoders": cfg["split_decoders"]},
        bottleneck={"type": cfg["bottleneck_type"], "norm": cfg["bottleneck_norm"],
                    "in_encoder": cfg["bottleneck_in_encoder"]},
        fc={"depth": cfg["fc_depth"], "upsampler": cfg["fc_upsampler"],
            "upsamples": cfg["fc_upsamples"]},
        decoder={"upscales_in_fc": cfg["dec_upscales_in_fc"],
                 "learn_mask": result["global_options"]["learn_mask"]})
    graph = build_routing_graph(spec)
    built = weighted(_spec_for(case))  # the preset itself, for the weights
    expected = [layer["name"] for layer in result["top_level_layers"] if layer["is_sub_model"]]
    assert submodel_names(graph) == expected
    for name, sub_model in result["sub_models"].items():
        calls = sum(1 for _, _, tensors in graph.in_edges(name, data="tensors")
                    for _, role in tensors if role not in ("shared_features", "style"))
        assert calls == sub_model["times_called_in_parent"], name
        assert built.nodes[name]["has_weights"] == (sub_model["params"] > 0), name
    outputs = [n for n, kind in graph.nodes(data="kind") if kind == "output"]
    assert len(outputs) == len(result["model_output_shapes"])
