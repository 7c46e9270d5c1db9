"""Golden parity on faceswap's edge cases: configurations faceswap's Phaze-A builds where
phazer's figures used to differ (or phazer refused the spec).

The expected figures come from ``tests/data/phaze-a/edge-cases.json`` (models built by
faceswap itself, same method as ``reference.json``): the G-Block FC node curve with depth 1
(min nodes, also above max), the FC filter rescaling with 2 upsamples and min > max filters,
and group norm on channel counts that are not multiples of 32.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from phazer.blocks import ResolvedSizes
from phazer.compiler import compile_model, compile_model_ir
from phazer.pipeline.validation import check_spec
from phazer.plan.figures import model_figures
from phazer.spec.models import ModelSpec
from tests.test_blocks_parity import build, is_keras, our_layers, ref_layers, shapes, to_spec
from tests.test_golden_reference import _keras_table_available, assert_matches_faceswap


def derive(spec: ModelSpec) -> ResolvedSizes:
    """The sizes the builders recorded while compiling the spec."""
    return compile_model(spec).sizes

EDGE_CASES = Path(__file__).parent / "data" / "phaze-a" / "edge-cases.json"
CASES = {case["name"]: case for case in json.loads(EDGE_CASES.read_text())["cases"]}


def _skip_without_table(case: dict[str, Any]) -> None:
    """Whole-model figures of a Keras Applications encoder need the generated table."""
    if is_keras(case) and not _keras_table_available():
        pytest.skip("the Keras Applications table is not generated")


def _layers(case: dict[str, Any], name: str, kind: str) -> list[dict[str, Any]]:
    return [layer for layer in case["result"]["sub_models"][name]["layers"]
            if layer["class"] == kind]


def test_edge_cases_loaded() -> None:
    assert sorted(CASES) == ["edge_enc_scaling_0", "random_016", "random_022", "random_031",
                             "random_051"]
    assert all(case["result"]["status"] == "ok" for case in CASES.values())


@pytest.mark.parametrize("name", sorted(CASES))
def test_figures_match_faceswap(name: str) -> None:
    case = CASES[name]
    _skip_without_table(case)
    expected = case["result"]
    spec = to_spec(case)
    assert compile_model(spec).errors == []
    assert_matches_faceswap(model_figures(compile_model_ir(spec)), expected)
    assert list(derive(spec).decoder_filters) == expected["decoder_filters"]


# --- the per-rule layer facts -------------------------------------------------------------------
def _dense_units(case: dict[str, Any], name: str) -> list[int]:
    return [layer["cfg"]["units"] for layer in _layers(case, name, "Dense")]


@pytest.mark.parametrize(("name", "nodes"), [
    ("random_022", (128,)),              # depth 1, min 128 < max 256: the min
    ("random_051", (512,)),              # depth 1, min 512 > max 128: still the min
    ("random_016", (1024, 1024)),
    ("random_031", None),                # no G-Block
])
def test_gblock_fc_nodes(name: str, nodes: tuple[int, ...] | None) -> None:
    case = CASES[name]
    dv = derive(to_spec(case))
    if nodes is None:
        assert "fc_gblock" not in case["result"]["sub_models"]
        return
    assert dv.gblock_fc_nodes == nodes
    assert list(dv.gblock_fc_nodes) == _dense_units(case, "fc_gblock")


def test_fc_rescaling_with_two_upsamples_and_min_above_max() -> None:
    """random_031: faceswap's FC size 4 x (2 + 1) = 12 re-tiles to 10 for 160 px, so every
    FC count becomes a multiple of 100; the real 16x16 output re-tiles to 10x10."""
    case = CASES["random_031"]
    spec = to_spec(case)
    dv = derive(spec)
    assert (dv.fc_filters.rescale_size, dv.fc_filters.rescale_dim) == (12, 10)
    assert dv.fc_filters.changes == (("fc.max_filters", 256, 200), ("fc.min_filters", 512, 500),
                                     ("fc.upsample_filters", 512, 500))
    for fc_name in ("fc_both", "fc_shared"):
        assert list(dv.fc_nodes) == _dense_units(case, fc_name) == [8000, 3200]
        (reshape,) = _layers(case, fc_name, "Reshape")
        assert dv.fc_reshape == tuple(reshape["cfg"]["target_shape"]) == (4, 4, 200)
        convs = [layer["cfg"]["filters"] for layer in _layers(case, fc_name, "Conv2D")]
        assert convs == [2000, 500, 2000, 500]  # upscale_fast: subpixel 4 x 500, conv 500
    for decoder in ("decoder_a", "decoder_b"):
        (retile,) = _layers(case, decoder, "Reshape")
        assert dv.retile is not None
        assert dv.retile[1] == tuple(retile["output_shapes"][0][0][1:]) == (10, 10, 2560)
    infos = [i for i in check_spec(spec) if i.code == "PHZ320"]
    assert [i.path for i in infos] == ["fc.max_filters", "fc.min_filters", "fc.upsample_filters"]
    assert all("fc.dimensions x (fc.upsamples + 1) = 12px" in i.message for i in infos)


def test_group_norm_on_channels_not_multiples_of_32() -> None:
    """random_016: upscale_hybrid outputs 384, 304, 240 and 192 channels; faceswap builds a
    group norm on each with 2 params per channel. phazer uses 32, 19, 30 and 32 groups."""
    case = CASES["random_016"]
    _skip_without_table(case)
    spec = to_spec(case)
    expected = [(tuple(layer["output_shapes"][0][0][1:])[-1], layer["params"])
                for layer in _layers(case, "decoder_both", "GroupNormalization")]
    assert expected == [(384, 768), (304, 608), (240, 480), (192, 384)]
    ir = build(spec, "decoder_both", shapes(case["result"]["sub_models"]["decoder_both"]
                                           ["input_shapes"]))
    ours = [(op.shape[-1], op.params.total, op.attr("groups")) for op in ir.ops
            if op.kind == "group_norm"]
    assert ours == [(c, p, g) for (c, p), g in zip(expected, (32, 19, 30, 32), strict=True)]
    found = [i for i in check_spec(spec) if i.code == "PHZ308"]
    assert [(i.severity, i.path) for i in found] == [("warning", "decoder.norm")]
    assert "240 channels in 30 groups of 8" in found[0].message
    assert "304 channels in 19 groups of 16" in found[0].message


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_arithmetic_errors(name: str) -> None:
    """The validator builds them too (edge_enc_scaling_0 shares every sub-model, so its
    routing has PHZ203, which phazer keeps and reports once the model is built; every other
    error is checked)."""
    case = CASES[name]
    _skip_without_table(case)
    errors = [i for i in check_spec(to_spec(case), ["arithmetic"])
              if i.severity == "error" and i.code != "PHZ203"]
    assert errors == []


# --- layer by layer -------------------------------------------------------------------------------
LAYER_CASES = [pytest.param(case, name, id=f"{case['name']}/{name}")
               for case in CASES.values() for name in case["result"]["sub_models"]
               if not (name == "encoder" and is_keras(case))]


BRANCHING = ("upscale_fast", "upscale_hybrid")  # two parallel paths per upscale


def _branches(spec: ModelSpec, name: str) -> bool:
    """Whether the sub-model has parallel paths, which Keras lists in an order of its own."""
    if name.startswith("g_block"):
        return True
    if name.startswith("decoder"):
        return spec.decoder.upscaler in BRANCHING
    if name.startswith("fc_") and name != "fc_gblock":
        return ((spec.fc.upsamples > 0 and spec.fc.upsampler in BRANCHING)
                or (spec.decoder.upscales_in_fc > 0 and spec.decoder.upscaler in BRANCHING))
    return False


@pytest.mark.parametrize(("case", "name"), LAYER_CASES)
def test_layers_match_faceswap(case: dict[str, Any], name: str) -> None:
    """Layer kinds, params, output shapes and initializers of every sub-model, in graph order
    (as a multiset where parallel branches interleave)."""
    spec = to_spec(case)
    ref = case["result"]["sub_models"][name]
    ir = build(spec, name, shapes(ref["input_shapes"]))
    if _branches(spec, name):
        assert Counter(our_layers(ir)) == Counter(ref_layers(ref))
    else:
        assert our_layers(ir) == ref_layers(ref)
