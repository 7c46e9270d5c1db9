"""Routing-stage rules: PHZ201-PHZ208."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from phazer.issues import Issue
from phazer.lowering import build_routing_graph, lower
from phazer.pipeline import Pipeline
from phazer.pipeline.validation import check_spec, validate_reference
from phazer.rules import RuleContext
from phazer.rules.routing import (
    graph_is_acyclic,
    outputs_reachable,
    sides_have_own_weights,
)
from phazer.spec.models import ModelSpec
from tests.helpers import GBLOCK_EXAMPLE, IAE, LIAE, ORIGINAL
from tests.helpers import PHAZE_A_REFERENCE as REFERENCE

ALL_SHARED = {"split_fc": False, "shared_fc": "none", "gblock": False, "split_decoders": False}
LAYOUTS = {"original": ORIGINAL, "iae": IAE, "liae": LIAE, "gblock": GBLOCK_EXAMPLE}


def make(routing: dict[str, Any] | None = None, **groups: Any) -> ModelSpec:
    return ModelSpec.model_validate({"routing": routing or {}, **groups})


def issues(spec: ModelSpec, code: str) -> list[Issue]:
    return [i for i in check_spec(spec) if i.code == code]


def context_with(graph: nx.DiGraph, spec: ModelSpec | None = None) -> RuleContext:
    """A rule context whose pipeline starts from ``graph`` (instead of the spec's own)."""
    pipeline = Pipeline(spec or make(ORIGINAL))
    pipeline.graph = graph  # replaces the cached graph
    return RuleContext(pipeline)


# --- PHZ201 / PHZ202: graph sanity ------------------------------------------------------------

@pytest.mark.parametrize("routing", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_layouts_are_acyclic_and_reach_their_outputs(routing: dict[str, Any]) -> None:
    spec = make(routing, decoder={"learn_mask": True})
    assert issues(spec, "PHZ201") == []
    assert issues(spec, "PHZ202") == []


def test_phz201_cycle_is_an_error() -> None:
    graph = build_routing_graph(make(ORIGINAL))
    graph.add_edge("decoder_a", "encoder", tensors=(("a", "features"),),
                   sides=frozenset("a"), role="features")
    found = list(graph_is_acyclic(context_with(graph)))
    assert [(i.code, i.severity, i.path) for i in found] == [("PHZ201", "error", "routing")]
    assert "encoder" in found[0].message and "decoder_a" in found[0].message


def test_phz202_output_not_reachable_along_its_side() -> None:
    graph = build_routing_graph(make(ORIGINAL))
    # the edge exists but carries the wrong side's data
    graph.edges["fc_both", "decoder_b"].update(tensors=(("a", "features"),),
                                                sides=frozenset("a"))
    found = list(outputs_reachable(context_with(graph)))
    assert [(i.code, i.severity) for i in found] == [("PHZ202", "error")]
    assert "face_out_b" in found[0].message and "face_in_b" in found[0].message

    graph = build_routing_graph(make(ORIGINAL))
    graph.remove_node("face_out_a")
    assert ["face_out_a" in i.message for i in outputs_reachable(context_with(graph))] == [True]


# --- PHZ203: cannot swap ----------------------------------------------------------------------

@pytest.mark.parametrize("routing", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_phz203_layouts_that_can_swap(routing: dict[str, Any]) -> None:
    assert issues(make(routing), "PHZ203") == []


def test_phz203_everything_shared_cannot_swap() -> None:
    (issue,) = issues(make(ALL_SHARED), "PHZ203")
    assert issue.severity == "error"
    assert issue.path == "routing.split_decoders"
    assert "encoder, fc_both, decoder_both" in issue.message
    assert "never swap" in issue.message
    assert "routing.split_decoders" in issue.hint and "routing.split_fc" in issue.hint


def test_phz203_only_a_split_gblock_is_enough_to_swap() -> None:
    routing = {**ALL_SHARED, "gblock": True, "split_gblock": True}
    assert issues(make(routing), "PHZ203") == []
    assert len(issues(make({**routing, "split_gblock": False}), "PHZ203")) == 1


def test_phz203_half_shared_fc_without_split_fc_cannot_swap() -> None:
    spec = make({**LIAE, "split_fc": False})
    assert len(issues(spec, "PHZ203")) == 1


def test_phz203_per_side_fc_models_without_weights_do_not_count() -> None:
    spec = make({**ALL_SHARED, "split_fc": True},
                fc={"depth": 0, "upsampler": "upsample2d", "upsamples": 1, "dimensions": 4,
                    "max_filters": 64})
    (issue,) = issues(spec, "PHZ203")
    assert "fc_a, fc_b" in issue.message and "hold no weights" in issue.message
    weighted = make({**ALL_SHARED, "split_fc": True}, fc={"depth": 1})
    assert issues(weighted, "PHZ203") == []


def test_phz203_checks_every_pair_of_sides() -> None:
    def three_sides(spec: ModelSpec) -> RuleContext:
        pipeline = Pipeline(spec)
        pipeline.lowered = lower(spec, sides=("a", "b", "c"))  # replaces the cached graph form
        return RuleContext(pipeline)

    context = three_sides(make(ALL_SHARED))
    pairs = [i.message.split(" pass")[0] for i in sides_have_own_weights(context)]
    assert pairs == ["sides a and b", "sides a and c", "sides b and c"]
    assert list(sides_have_own_weights(three_sides(make(IAE)))) == []


# --- PHZ204 / PHZ205: shared FC ---------------------------------------------------------------

def test_phz204_half_shared_fc_is_unbalanced() -> None:
    (issue,) = issues(make(LIAE), "PHZ204")
    assert (issue.severity, issue.path) == ("warning", "routing.shared_fc")
    assert "concat(fc_a(a), fc_a(a))" in issue.message
    assert "concat(fc_b(b), fc_a(b))" in issue.message
    assert "A->B better than B->A" in issue.message
    assert "shared_fc: full" in issue.hint


@pytest.mark.parametrize("routing", [IAE, ORIGINAL, {**LIAE, "split_fc": False}])
def test_phz204_not_for_full_none_or_unsplit(routing: dict[str, Any]) -> None:
    assert issues(make(routing), "PHZ204") == []


@pytest.mark.parametrize(("shared_fc", "words"), [("full", "two identical shared models"),
                                                  ("half", "the same tensor twice")])
def test_phz205_shared_fc_without_split_fc(shared_fc: str, words: str) -> None:
    spec = make({**ORIGINAL, "shared_fc": shared_fc})
    (issue,) = issues(spec, "PHZ205")
    assert (issue.severity, issue.path) == ("warning", "routing.shared_fc")
    assert words in issue.message
    assert "routing.split_fc: true" in issue.hint


@pytest.mark.parametrize("routing", [IAE, LIAE, ORIGINAL])
def test_phz205_not_when_fc_is_split_or_nothing_shared(routing: dict[str, Any]) -> None:
    assert issues(make(routing), "PHZ205") == []


# --- PHZ206 / PHZ208: weights.freeze / weights.load -------------------------------------------

def test_phz206_names_not_built_by_this_routing() -> None:
    spec = make(LIAE, weights={"freeze": ["encoder", "fc_both"], "load": ["decoder_a"]})
    found = issues(spec, "PHZ206")
    assert [(i.severity, i.path) for i in found] == [("error", "weights.freeze.1"),
                                                      ("error", "weights.load.0")]
    freeze, load = found
    assert "'fc_both'" in freeze.message and "routing.split_fc is false" in freeze.message
    assert "encoder, fc_a, fc_b, decoder_both" in freeze.message
    assert "'fc_a' / 'fc_b'" in freeze.hint
    assert "'decoder_both'" in load.hint


def test_phz206_fc_shared_with_half_points_at_fc_a() -> None:
    (issue,) = issues(make(LIAE, weights={"load": ["fc_shared"]}), "PHZ206")
    assert "'fc_a'" in issue.hint and "shared_fc: full" in issue.hint


def test_phz206_gblock_names_without_gblock() -> None:
    spec = make(ORIGINAL, weights={"freeze": ["g_block_both", "fc_gblock"]})
    found = issues(spec, "PHZ206")
    assert [i.path for i in found] == ["weights.freeze.0", "weights.freeze.1"]
    assert all("routing.gblock is true" in i.message for i in found)


def test_phz206_valid_names_pass() -> None:
    spec = make({**IAE, "gblock": True, "split_gblock": True},
                weights={"freeze": ["encoder", "fc_a", "fc_shared", "fc_gblock", "g_block_b"],
                         "load": ["decoder_both", "fc_b"]})
    assert issues(spec, "PHZ206") == []
    keras = make(IAE, encoder={"type": "efficientnet_b4"}, weights={"freeze": ["keras_encoder"]})
    assert issues(keras, "PHZ206") == [] and issues(keras, "PHZ208") == []


def test_phz208_keras_encoder_with_fs_original_is_info_not_error() -> None:
    spec = make(IAE, weights={"freeze": ["fc_a", "keras_encoder"]})
    (issue,) = issues(spec, "PHZ208")
    assert (issue.severity, issue.path) == ("info", "weights.freeze.1")
    assert "fs_original" in issue.message and "'encoder'" in issue.hint
    assert issues(spec, "PHZ206") == []
    # the default list (keras_encoder) is not reported when the spec leaves it alone
    assert issues(make(IAE), "PHZ208") == []


# --- PHZ207: settings without effect ----------------------------------------------------------

def no_effect_paths(spec: ModelSpec) -> list[str]:
    return [i.path for i in issues(spec, "PHZ207")]


def test_phz207_nothing_for_defaults_or_the_presets_options_left_alone() -> None:
    assert no_effect_paths(make()) == []
    assert no_effect_paths(make(ORIGINAL)) == []


def test_phz207_fc_upsample_filters() -> None:
    assert no_effect_paths(make(fc={"upsampler": "upsample2d", "upsample_filters": 256})) == [
        "fc.upsample_filters"]
    assert no_effect_paths(make(fc={"upsampler": "subpixel", "upsamples": 0,
                                    "upsample_filters": 256})) == ["fc.upsample_filters"]
    assert no_effect_paths(make(fc={"upsampler": "subpixel", "upsamples": 1,
                                    "upsample_filters": 256})) == []


def test_phz207_skip_last_residual_without_res_blocks() -> None:
    spec = make(decoder={"res_blocks": 0, "skip_last_residual": True})
    (issue,) = issues(spec, "PHZ207")
    assert issue.path == "decoder.skip_last_residual" and issue.severity == "info"
    assert "res_blocks is 0" in issue.message
    assert no_effect_paths(make(decoder={"res_blocks": 1, "skip_last_residual": True})) == []
    assert no_effect_paths(make(decoder={"res_blocks": 0, "skip_last_residual": False})) == []


def test_phz207_split_gblock_and_gblock_fc_without_gblock() -> None:
    spec = make({**ORIGINAL, "split_gblock": True}, gblock_fc={"depth": 2, "slope": 0.2})
    assert no_effect_paths(spec) == ["routing.split_gblock", "gblock_fc"]
    assert no_effect_paths(make({**GBLOCK_EXAMPLE, "split_gblock": True})) == []


def test_phz207_fc_min_filters_with_one_dense_layer() -> None:
    spec = make(fc={"depth": 1, "min_filters": 512, "max_filters": 1024})
    (issue,) = issues(spec, "PHZ207")
    assert issue.path == "fc.min_filters" and "fc.max_filters (1024)" in issue.message
    assert no_effect_paths(make(fc={"depth": 2, "min_filters": 512, "max_filters": 1024})) == []
    assert no_effect_paths(make(fc={"depth": 1, "min_filters": 512, "max_filters": 512})) == []


def test_phz207_slopes_without_a_curve() -> None:
    flat = make(GBLOCK_EXAMPLE, fc={"depth": 3, "slope": 0.3},
                gblock_fc={"slope": 0.3},
                decoder={"min_filters": 256, "max_filters": 256, "slope": 0.3})
    assert no_effect_paths(flat) == ["fc.slope", "gblock_fc.slope", "decoder.slope"]
    assert no_effect_paths(make(fc={"depth": 1, "slope": 0.3})) == ["fc.slope"]
    curved = make(GBLOCK_EXAMPLE, fc={"depth": 3, "min_filters": 512, "slope": 0.3},
                  gblock_fc={"min_nodes": 256, "slope": 0.3},
                  decoder={"min_filters": 64, "max_filters": 256, "slope": 0.3})
    assert no_effect_paths(curved) == ["gblock_fc"]  # only the style-MLP note (depth 3, 256)


def test_phz207_gblock_style_mlp_is_fixed() -> None:
    spec = make(GBLOCK_EXAMPLE, gblock_fc={"depth": 2, "min_nodes": 1024, "max_nodes": 1024})
    (issue,) = issues(spec, "PHZ207")
    assert issue.path == "gblock_fc"
    assert "3 x Dense(512)" in issue.message and "fc_gblock" in issue.message
    assert issues(make(GBLOCK_EXAMPLE, gblock_fc={"depth": 3}), "PHZ207") == []


def test_phz207_gblock_depth_one_ignores_max_nodes() -> None:
    """As faceswap, fc_gblock's one Dense layer takes min_nodes (random_022: 128, not 256)."""
    spec = make(GBLOCK_EXAMPLE, gblock_fc={"depth": 1, "min_nodes": 128, "max_nodes": 256})
    found = [i for i in issues(spec, "PHZ207") if i.path == "gblock_fc.max_nodes"]
    assert len(found) == 1
    assert "gblock_fc.min_nodes (128" in found[0].message
    equal = make(GBLOCK_EXAMPLE, gblock_fc={"depth": 1, "min_nodes": 256, "max_nodes": 256})
    assert "gblock_fc.max_nodes" not in no_effect_paths(equal)
    assert "gblock_fc.max_nodes" not in no_effect_paths(
        make(GBLOCK_EXAMPLE, gblock_fc={"depth": 2, "min_nodes": 128, "max_nodes": 256}))


# --- faceswap's presets and the validator -----------------------------------------------------

@pytest.mark.parametrize("case", json.loads(REFERENCE.read_text())["cases"],
                         ids=lambda case: case["name"])
def test_faceswap_presets_have_no_routing_error(case: dict[str, Any]) -> None:
    cfg = case["config"]
    spec = make({"split_fc": cfg["split_fc"], "shared_fc": cfg["shared_fc"],
                 "gblock": cfg["enable_gblock"], "split_gblock": cfg["split_gblock"],
                 "split_decoders": cfg["split_decoders"]})
    found = [i for i in check_spec(spec, ["routing"]) if i.severity != "info"]
    expected = [("PHZ204", "warning")] if cfg["shared_fc"] == "half" else []
    assert [(i.code, i.severity) for i in found] == expected


def test_validator_places_routing_issues_in_the_file(tmp_path: Path) -> None:
    spec_file = tmp_path / "model.yaml"
    spec_file.write_text("phazer: 1\nrouting:\n  split_fc: true\n  shared_fc: half\n"
                         "  gblock: false\n  split_decoders: false\n"
                         "weights:\n  freeze: [encoder, fc_both]\n")
    report = validate_reference(str(spec_file))
    found = {i.code: i for i in report.issues}
    assert not report.ok
    assert found["PHZ204"].line == 4
    assert found["PHZ206"].line == 8
    assert found["PHZ206"].file is not None and found["PHZ206"].file.endswith("model.yaml")
