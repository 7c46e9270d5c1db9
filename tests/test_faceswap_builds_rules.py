"""Every configuration faceswap builds, phazer builds (issue 28): the rules once stricter than
faceswap's build are warnings with faceswap's build, and what faceswap cannot build stays an
error naming faceswap's failure.

The expected structures follow faceswap's ``plugins/train/model/phaze_a.py`` (commit in
``tests/data/phaze-a/reference.json``): ``UpscaleBlocks`` slices the filter list with
``[0:dec_upscales_in_fc]`` in the FC and ``[dec_upscales_in_fc:]`` in the decoder, so asking
for more upscales than exist moves them all; the FC calls it (re-tiling, upscale_dny's entry
convs) whenever ``dec_upscales_in_fc`` > 0; the plain fs_original encoder's 'same' stride-2
convs take a 1x1 map. The README of ``shared/faceswap-models-trained`` lists the two
configurations faceswap cannot build.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from phazer.compiler import compile_model
from phazer.issues import CODES
from phazer.pipeline.validation import check_spec, validate_reference
from phazer.rules.gui_range import GUI_RANGES
from phazer.spec.graph_form import GraphSpec
from phazer.spec.models import ModelSpec
from phazer.spec.presets import preset_names
from tests.test_faceswap_builds import cases, models_dir

FACESWAP_MIRROR = Path("/work/.mirror/deepfakes+faceswap/repo")


def make(**groups: Any) -> ModelSpec:
    return ModelSpec.model_validate(groups)


def params(spec: ModelSpec) -> dict[str, int]:
    compiled = compile_model(spec)
    assert compiled.errors == [], compiled.errors
    assert compiled.model is not None
    return {name: sub.params.total for name, sub in compiled.model.submodels.items()}


def codes(spec: ModelSpec | GraphSpec, code: str) -> list[Any]:
    return [i for i in check_spec(spec) if i.code == code]


def output_conv(kernel: int, channels: int) -> int:
    """faceswap's Conv2DOutput: a kernel x kernel conv to 3 channels with bias."""
    return kernel * kernel * channels * 3 + 3


# --- upscales moved into the FC beyond the upscales -------------------------------------------
SMALL = {"output_size": 64, "routing": {"split_fc": True, "gblock": False},
         "encoder": {"type": "fs_original", "depth": 3, "min_filters": 16, "max_filters": 32},
         "bottleneck": {"type": "dense", "size": 128},
         "fc": {"depth": 1, "min_filters": 32, "max_filters": 32, "dimensions": 4,
                "upsamples": 1, "upsampler": "upsample2d"},
         "decoder": {"min_filters": 16, "max_filters": 64, "res_blocks": 1}}


@pytest.mark.parametrize("asked", [4, 6])
def test_more_fc_upscales_than_exist_builds_all_of_them_in_the_fc(asked: int) -> None:
    """8x8 FC output to 64 px: 3 upscales. Asking for more builds what faceswap builds with
    them all in the FC: the same FC as 3, decoders of only their output conv."""
    every = params(make(**{**SMALL, "decoder": {**SMALL["decoder"], "upscales_in_fc": 3}}))
    beyond = make(**{**SMALL, "decoder": {**SMALL["decoder"], "upscales_in_fc": asked}})
    assert params(beyond) == every
    filters = compile_model(beyond).sizes.decoder_filters
    assert every["decoder_both"] == output_conv(5, filters[-1])
    (warning,) = codes(beyond, "PHZ306")
    assert warning.severity == "warning" and warning.path == "decoder.upscales_in_fc"
    assert f"is {asked} but the model only has 3 upscales" in warning.message
    assert not [i for i in check_spec(beyond) if i.severity == "error"]


def test_fc_upscales_with_none_to_move_still_start_the_chain_in_the_fc() -> None:
    """A 64x64 FC output (8 px, 3 upsamples) for 64 px has no upscale; with upscales_in_fc
    the FC still starts the chain, so upscale_dny's two entry convs (4x4 then 3x3 to
    decoder.max_filters) are the FC's and the decoder is its output conv alone."""
    spec = {**SMALL, "fc": {**SMALL["fc"], "dimensions": 8, "upsamples": 3},
            "decoder": {**SMALL["decoder"], "upscaler": "upscale_dny"}}
    inside = params(make(**spec))
    moved = make(**{**spec, "decoder": {**spec["decoder"], "upscales_in_fc": 1}})
    entry = (4 * 4 * 32 * 64 + 64) + (3 * 3 * 64 * 64 + 64)
    got = params(moved)
    assert got["fc_a"] == inside["fc_a"] + entry
    assert got["decoder_both"] == output_conv(5, 64) == inside["decoder_both"] - entry
    assert compile_model(moved).sizes.total_upscales == 0
    assert "the FC models start the chain" in codes(moved, "PHZ306")[0].message


def test_learn_mask_with_fc_upscales_names_faceswaps_failure() -> None:
    """README: faceswap indexes the FC's [face, mask] twice and its first Conv2D fails."""
    spec = make(**{**SMALL, "decoder": {**SMALL["decoder"], "upscales_in_fc": 1,
                                        "learn_mask": True}})
    (error,) = [i for i in check_spec(spec) if i.severity == "error"]
    assert error.code == "PHZ307" and error.path == "decoder.learn_mask"
    assert "faceswap's build fails here too" in error.message
    assert "expected min_ndim=4, found ndim=3" in error.message


def test_fc_output_larger_than_the_output_is_retiled_down() -> None:
    """faceswap's _reshape_for_output: _scale_dim(64, 128) is 64, so the 128x128x32 FC output
    is reshaped to 64x64x128 and the decoder builds no upscale (its output conv alone)."""
    spec = make(**{**SMALL, "fc": {**SMALL["fc"], "dimensions": 16, "upsamples": 3}})
    assert params(spec)["decoder_both"] == output_conv(5, 128)
    (warning,) = codes(spec, "PHZ301")
    assert (warning.severity, warning.path) == ("warning", "fc.dimensions")
    assert "re-tiles it down to 64x64" in warning.message


# --- the fs_original encoder down to 1x1 ----------------------------------------------------
def test_encoder_reaching_1x1_builds_as_faceswap() -> None:
    """32 px, depth 7: blocks get 32, 16, 8, 4, 2, 1, 1 px; faceswap's 'same' convs build all
    seven, each with its full 5x5 kernel (the parameters do not depend on the map)."""
    deep = {**SMALL, "encoder": {"type": "fs_original", "scaling": 0, "depth": 7,
                                 "min_filters": 4, "max_filters": 8}}
    spec = make(**deep)
    widths = [4, 8, 8, 8, 8, 8, 8]
    ins = [3, *widths[:-1]]
    convs = sum(25 * cin * cout + cout for cin, cout in zip(ins, widths, strict=True))
    assert params(spec)["encoder"] == convs + 8 * 128 + 128  # + the dense bottleneck
    (warning,) = codes(spec, "PHZ329")
    assert (warning.severity, warning.path) == ("warning", "encoder.depth")
    assert "the last 2 blocks get a 1x1 map" in warning.message
    assert codes(make(**{**deep, "encoder": {**deep["encoder"], "depth": 5}}), "PHZ329") == []


@pytest.mark.parametrize("encoder", [
    {"type": "fs_original", "scaling": 0, "depth": 5, "alt": True},
    {"type": "fs_original", "scaling": 0, "depth": 5},
])
def test_encoders_faceswap_cannot_build_stay_errors(encoder: dict[str, Any]) -> None:
    """The alt layout's pooling and 4x4 'valid' conv on a 2x2 map; reflect padding of 2x2."""
    spec = make(**{**SMALL, "encoder": encoder,
                   "convolutions": {"reflect_padding": not encoder.get("alt", False)}})
    (error,) = [i for i in check_spec(spec) if i.severity == "error"]
    assert error.code == "PHZ310" and "faceswap fails here too" in error.message


# --- widths -----------------------------------------------------------------------------------
def _field(path: str) -> tuple[type, str]:
    from phazer.spec.encoders import FsOriginalEncoder
    from phazer.spec.models import DecoderSpec, DenseBottleneck, FullyConnectedSpec, GBlockFCSpec

    group, name = path.split(".")
    owner = {"encoder": FsOriginalEncoder, "bottleneck": DenseBottleneck,
             "fc": FullyConnectedSpec, "gblock_fc": GBlockFCSpec, "decoder": DecoderSpec}[group]
    return owner, name


@pytest.mark.parametrize("path", sorted(GUI_RANGES))
def test_every_width_option_has_the_one_policy(path: str) -> None:
    """From 1 (0 is refused), its description names faceswap's slider and the policy."""
    owner, name = _field(path)
    field = owner.model_fields[name]
    low = [m.ge for m in field.metadata if getattr(m, "ge", None) is not None]
    high = [m.le for m in field.metadata if getattr(m, "le", None) is not None]
    slider = GUI_RANGES[path]
    assert low == [1] and high[0] >= slider.high
    assert f"(faceswap: {slider.option}; its GUI offers {slider.low}-{slider.high})" in str(
        field.description)
    assert "PHZ328" in str(field.description) and "PHZ316" in str(field.description)
    group, _ = path.split(".")
    extra = {"type": "fs_original"} if group == "encoder" else (
        {"type": "dense"} if group == "bottleneck" else {})
    with pytest.raises(ValidationError):
        make(**{group: {**extra, name: 0}})


def test_sliders_are_faceswaps() -> None:
    """The ranges of cases.json's outside_gui_range, and of faceswap's phaze_a_defaults.py
    where its source is at hand."""
    by_option = {slider.option: slider for slider in GUI_RANGES.values()}
    if models_dir() is not None:
        for case in cases().values():
            for option, entry in case["outside_gui_range"].items():
                assert [by_option[option].low, by_option[option].high] == entry["gui_min_max"]
    if not FACESWAP_MIRROR.is_dir():
        return
    source = subprocess.run(["git", "-C", str(FACESWAP_MIRROR), "show",
                             "HEAD:plugins/train/model/phaze_a_defaults.py"],
                            capture_output=True, text=True, check=True).stdout
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for keyword in node.value.keywords:
                if keyword.arg == "min_max":
                    found[node.targets[0].id] = tuple(ast.literal_eval(keyword.value))
    for option, slider in by_option.items():
        assert found[option] == (slider.low, slider.high), option


def test_widths_of_one_build_where_faceswaps_rounding_keeps_them() -> None:
    """fs_original filters, the bottleneck and capped decoder curves are not rounded to 8."""
    spec = make(**{**SMALL, "encoder": {"type": "fs_original", "depth": 3, "min_filters": 1,
                                        "max_filters": 1},
                   "bottleneck": {"type": "dense", "size": 1},
                   "decoder": {"min_filters": 1, "max_filters": 1, "slope_mode": "cap_min",
                               "slope": 0.5, "res_blocks": 0}})
    got = params(spec)
    # three 5x5 convs of 1 filter (64 px -> 8x8x1), then Dense(1) on the 64 features
    assert got["encoder"] == (25 * 3 + 1) + 2 * (25 + 1) + (64 * 1 + 1)
    assert compile_model(spec).sizes.decoder_filters == (1, 1, 1)
    notes = {i.path for i in codes(spec, "PHZ328")}
    assert notes == {"encoder.min_filters", "encoder.max_filters", "bottleneck.size",
                     "fc.max_filters", "decoder.min_filters", "decoder.max_filters"}
    assert CODES["PHZ328"].severity == "info"


@pytest.mark.parametrize(("groups", "path"), [
    ({"decoder": {"min_filters": 4, "max_filters": 64}}, "decoder.min_filters"),
    ({"fc": {"depth": 2, "min_filters": 1, "max_filters": 32, "dimensions": 2}},
     "fc.min_filters"),
    ({"routing": {"gblock": True}, "gblock_fc": {"depth": 2, "min_nodes": 4, "max_nodes": 64}},
     "gblock_fc.min_nodes"),
])
def test_a_width_faceswap_rounds_to_zero_is_an_error(groups: dict[str, Any], path: str) -> None:
    """faceswap floors these curves to multiples of 8: a 0 is a layer Keras refuses."""
    merged = {**SMALL, **{k: {**SMALL.get(k, {}), **v} for k, v in groups.items()}}
    errors = [i for i in check_spec(make(**merged)) if i.severity == "error"]
    assert [(i.code, i.path) for i in errors] == [("PHZ316", path)]
    assert "faceswap's build fails here too" in errors[0].message


def test_readme_fc_filters_rounded_to_zero() -> None:
    """README: 96 px, fc_dimensions 4, fc_upsamples 1, fc_max_filters 32: faceswap's
    _scale_filters rounds the FC filters to 0 and its build fails."""
    spec = make(**{**SMALL, "output_size": 96, "fc": {**SMALL["fc"], "max_filters": 32,
                                                      "min_filters": 32}})
    errors = [i for i in check_spec(spec) if i.severity == "error"]
    assert [(i.code, i.path) for i in errors] == [("PHZ302", "fc.max_filters")]
    assert "faceswap's build fails here too" in errors[0].message


def test_graph_form_notes_its_phaze_a_settings() -> None:
    spec = GraphSpec.model_validate({
        "phazer": 2, "sides": {"a": {"input": 64}, "b": {"input": 64}},
        "phaze_a": {"output_size": 64, "encoder": {"type": "fs_original", "max_filters": 64},
                    "fc": {"max_filters": 64, "upsamples": 1, "upsampler": "upsample2d"}},
        "models": {"encoder": {"phaze_a": "encoder"}, "fc": {"phaze_a": "fc"},
                   "decoder_a": {"phaze_a": "decoder"}, "decoder_b": {"phaze_a": "decoder"}},
        "routes": {"a": "encoder > fc > decoder_a", "b": "encoder > fc > decoder_b"}})
    assert {i.path for i in codes(spec, "PHZ328")} == {
        "phaze_a.encoder.max_filters", "phaze_a.fc.max_filters"}


def test_presets_get_no_new_warning() -> None:
    """Every preset validates without a warning or error of the new policy's codes; only
    the demo (a tiny model by design) has widths below faceswap's sliders, as infos."""
    noted = {}
    for name in preset_names():
        report = validate_reference(name)
        found = [i for i in report.issues if i.code in ("PHZ306", "PHZ316", "PHZ328", "PHZ329")]
        assert all(i.severity == "info" for i in found), name
        if found:
            noted[name] = sorted(i.path for i in found)
    assert noted == {"demo": ["decoder.max_filters", "encoder.max_filters", "fc.max_filters",
                              "fc.upsample_filters"]}


# --- faceswap's other models: the same width policy in their importer -------------------------
def _plugin(tmp_path: Path, plugin: str, config: dict[str, Any]) -> Any:
    from phazer.faceswap_models.importer import import_plugin
    from tests.test_import_plugins import write_ini

    return import_plugin(write_ini(tmp_path, plugin, config), plugin)


def test_plugin_widths_off_the_slider_are_carried_over(tmp_path: Path) -> None:
    """unbalanced's Dense(nodes) and its convs of complexity_encoder x 1, 2, 4, 6, 8: off the
    slider (1000 is off its steps of 64, 8 below its 64) they build as given."""
    result = _plugin(tmp_path, "unbalanced", {"input_size": 64, "nodes": 1000,
                                              "complexity_encoder": 8})
    assert result.ok, [i.message for i in result.issues if i.severity == "error"]
    notes = {i.path: i for i in result.issues if i.code == "PHZ328"}
    assert set(notes) == {"[model.unbalanced] nodes", "[model.unbalanced] complexity_encoder"}
    assert "off the steps of 64" in notes["[model.unbalanced] nodes"].message
    assert "below 64, the smallest" in notes["[model.unbalanced] complexity_encoder"].message
    encoder = result.document["models"]["encoder"]
    assert encoder[0]["conv"]["filters"] == [8, 16]
    assert encoder[1]["conv"]["filters"] == [32, 48, 64]
    assert next(b["dense"]["units"] for b in encoder if "dense" in b)[0] == 1000
    assert compile_model(result.spec).errors == []


@pytest.mark.parametrize(("plugin", "config", "model"), [
    ("unbalanced", {"complexity_decoder_a": 3}, "decoder_a"),    # 3 // 4 filters
    ("realface", {"dense_nodes": 1}, "decoder_a"),               # int(1 / 1.5) units
])
def test_plugin_widths_that_make_a_layer_of_zero_are_refused(tmp_path: Path, plugin: str,
                                                             config: dict[str, Any],
                                                             model: str) -> None:
    result = _plugin(tmp_path, plugin, config)
    errors = [i for i in result.issues if i.severity == "error"]
    assert not result.ok and [i.code for i in errors] == ["PHZ316"]
    assert model in errors[0].message and "faceswap's build fails here too" in errors[0].message


def test_plugin_sizes_off_the_slider_stay_refused(tmp_path: Path) -> None:
    """Image sizes are not widths: dfl_sae's input_size 272 is refused (PHZ405)."""
    result = _plugin(tmp_path, "dfl_sae", {"input_size": 272, "encoder_dims": 8})
    assert [(i.code, i.path) for i in result.issues if i.severity == "error"] == [
        ("PHZ405", "[model.dfl_sae] input_size")]


def test_unused_widths_are_not_noted(tmp_path: Path) -> None:
    """G-Block nodes without the G-Block, upsample filters of upsample2d: nothing to note."""
    from phazer.faceswap_import import import_faceswap
    from tests.helpers import edit_ini

    spec = make(**{**SMALL, "gblock_fc": {"min_nodes": 16, "max_nodes": 16},
                   "fc": {**SMALL["fc"], "upsample_filters": 16}})
    assert {i.path for i in codes(spec, "PHZ328")} == {
        "encoder.max_filters", "fc.max_filters", "decoder.max_filters"}
    ini = edit_ini(tmp_path, {"enable_gblock": "False", "fc_gblock_min_nodes": "16"})
    result = import_faceswap(ini)
    assert result.spec is not None
    assert not [i for i in result.issues if i.path == "fc_gblock_min_nodes"]
