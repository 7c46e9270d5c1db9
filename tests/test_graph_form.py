"""The graph form of the spec (``phazer: 2``): the schema, the route grammar, and faceswap's
model plugins written in it, against the models faceswap's own code builds."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from phazer.compiler import compile_model
from phazer.plan.figures import model_figures
from phazer.spec.graph_form import GraphSpec
from phazer.spec.presets import presets_dir
from phazer.spec.routes import RouteError, Step, parse_route
from tests.faceswap_reference import assert_equals_faceswap, assert_keras_settings

GRAPHS = presets_dir()  # the fs-* presets are faceswap's models in the graph form
REFERENCE = Path(__file__).parent / "data" / "faceswap-models" / "reference.json"
# graph spec -> faceswap reference case
CASES = {"fs-original": "original_default", "fs-iae": "iae_default",
         "fs-dfl-sae": "dfl_sae_default", "fs-original-lowmem": "original_lowmem",
         "fs-dfl-h128": "dfl_h128_default", "fs-dfl-h128-lowmem": "dfl_h128_lowmem",
         "fs-lightweight": "lightweight_default", "fs-dfaker": "dfaker_default",
         "fs-dfl-sae-liae": "dfl_sae_liae", "fs-dfaker-original-lowmem": "dfaker_original_lowmem",
         "fs-unbalanced": "unbalanced_default", "fs-unbalanced-lowmem": "unbalanced_lowmem",
         "fs-realface": "realface_default", "fs-villain": "villain_default",
         "fs-villain-lowmem": "villain_lowmem", "fs-dlight": "dlight_default",
         "fs-dfl-sae-df-multiscale": "dfl_sae_df_multiscale",
         "fs-dfl-sae-liae-multiscale": "dfl_sae_liae_multiscale"}


def _reference() -> dict[str, Any]:
    return {c["name"]: c for c in json.loads(REFERENCE.read_text())["cases"]}


def load(name: str) -> GraphSpec:
    return GraphSpec.model_validate(yaml.safe_load((GRAPHS / f"{name}.yaml").read_text()))


def _layers(sub: dict[str, Any]) -> list[tuple[str, int, tuple[int, ...]]]:
    return [(layer["name"], layer["params"], tuple(layer["output_shape"][1:]))
            for layer in sub["layers"] if layer["class"] != "InputLayer"]


@pytest.mark.parametrize(("graph", "case"), CASES.items())
def test_graph_spec_equals_faceswaps_model(graph: str, case: str) -> None:
    """Total and per-sub-model params, input/output shapes and every layer's name, params and
    output shape, with faceswap's sub-model names."""
    assert_equals_faceswap(compile_model(load(graph)), _reference()[case]["result"])


def test_shared_submodel_is_called_by_every_side() -> None:
    model = compile_model(load("fs-iae")).model
    calls = [(n.submodel, n.side) for n in model.nodes if n.kind == "call"]
    assert calls.count(("inter_both", "a")) == calls.count(("inter_both", "b")) == 1
    joins = [n for n in model.nodes if n.kind == "concatenate"]
    assert [n.output_shapes[0] for n in joins] == [(4, 4, 1024), (4, 4, 1024)]


# --- the route grammar ---------------------------------------------------------------------
def test_route_grammar() -> None:
    assert parse_route("encoder -> concat(inter_a, inter_both) -> decoder") == (
        Step(("encoder",)), Step(("inter_a", "inter_both"), "concat"), Step(("decoder",)))
    assert parse_route("  encoder->decoder_a ") == (Step(("encoder",)), Step(("decoder_a",)))


@pytest.mark.parametrize(("text", "column", "words"), [
    ("encoder decoder", 9, "expected '->'"),
    ("encoder -> ", 12, "ends where a sub-model name"),
    ("encoder -> concat(a, b", 23, "closing"),
    ("encoder -> concat(a)", 20, "two or more"),
    ("encoder -> Decoder", 12, "expected a sub-model name"),
])
def test_route_errors_name_the_column(text: str, column: int, words: str) -> None:
    with pytest.raises(RouteError, match=words) as raised:
        parse_route(text)
    assert raised.value.column == column


# --- the schema and build errors ---------------------------------------------------------------
def _spec(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load((GRAPHS / "fs-original.yaml").read_text())
    data.update(changes)
    return data


@pytest.mark.parametrize(("changes", "code", "path", "words"), [
    ({"routes": {"a": "encoder -> decoder_a"}}, "PHZ213", "sides.b", "has no route"),
    ({"routes": {"a": "encoder -> decoder_a", "b": "encoder -> decoder_b",
                 "c": "encoder -> decoder_b"}}, "PHZ213", "routes.c", "not a side"),
    ({"routes": {"a": "encoder -> decoder_x", "b": "encoder -> decoder_b"}}, "PHZ212",
     "routes.a", "'decoder_x'"),
    ({"routes": {"a": "encoder decoder_a", "b": "encoder -> decoder_b"}}, "PHZ211",
     "routes.a", "column 9"),
    ({"sides": {"A": {"input": 64}, "b": {"input": 64}},
      "routes": {"A": "encoder -> decoder_a", "b": "encoder -> decoder_b"}}, "PHZ215",
     "sides.A", "side name 'A'"),
])
def test_rules_refuse_bad_graphs(tmp_path, changes: dict[str, Any], code: str, path: str,
                                 words: str) -> None:
    """Each is an issue at the field's line (the schema alone accepts them)."""
    from phazer.pipeline.validation import validate_reference

    file = tmp_path / "g.yaml"
    file.write_text(yaml.safe_dump(_spec(**changes), sort_keys=False))
    report = validate_reference(str(file))
    errors = [i for i in report.issues if i.severity == "error"]
    assert [(i.code, i.path) for i in errors] == [(code, path)]
    assert words in errors[0].message and errors[0].line is not None


def test_an_unused_submodel_is_a_warning(tmp_path) -> None:
    from phazer.pipeline.validation import validate_reference

    data = _spec()
    data["models"]["spare"] = data["models"]["decoder_a"]
    file = tmp_path / "g.yaml"
    file.write_text(yaml.safe_dump(data, sort_keys=False))
    report = validate_reference(str(file))
    assert report.ok
    assert [(i.code, i.path) for i in report.issues] == [("PHZ214", "models.spare")]


def test_a_shared_submodel_takes_one_shape() -> None:
    """Unequal sides may share an encoder only if it gets one shape: PHZ210 otherwise."""
    spec = GraphSpec.model_validate(_spec(sides={"a": {"input": 64}, "b": {"input": 128}}))
    compiled = compile_model(spec)
    assert compiled.model is None
    (issue,) = compiled.errors
    assert (issue.code, issue.path) == ("PHZ210", "routes.b")
    assert "128x128x3" in issue.message and "64x64x3" in issue.message


def test_blocks_that_do_not_fit_are_reported() -> None:
    models = _spec()["models"]
    models["decoder_a"] = [{"reshape": [3, 3, 3]}]
    compiled = compile_model(GraphSpec.model_validate(_spec(models=models)))
    (issue,) = compiled.errors
    assert (issue.code, issue.path) == ("PHZ210", "models.decoder_a.0")   # the reshape block


@pytest.mark.keras
@pytest.mark.parametrize("graph", ["fs-iae", "fs-dlight", "fs-villain-lowmem"])
def test_the_keras_model_has_faceswaps_parameter_count(graph: str) -> None:
    """iae (shared sub-models), dlight (branches, hybrid upscales, pooling, batch norm) and
    villain (separable convs, an added skip) built in Keras have faceswap's params."""
    from phazer.emit import emit_model

    expected = _reference()[CASES[graph]]["result"]
    model = emit_model(compile_model(load(graph)).model)
    assert model.count_params() == expected["total_params"]
    assert list(model.output_names) == ["face_out_a", "face_out_b"]
    subs = {layer.name: layer.count_params() for layer in model.layers if hasattr(layer, "layers")}
    assert subs == {name: sub["params"] for name, sub in expected["sub_models"].items()}


# --- the blocks' shorthands and the layer order ---------------------------------------------
def _one_model(blocks: list[Any], size: int = 16) -> Any:
    """The IR of ``blocks`` as a one-side model, with the face output it needs cut off."""
    spec = GraphSpec.model_validate({"sides": {"a": {"input": size}},
                                     "models": {"net": [*blocks, "output"]},
                                     "routes": {"a": "net"}})
    compiled = compile_model(spec)
    assert compiled.errors == []
    sub = compiled.model.submodels["net"]
    assert [op.kind for op in sub.ops[-2:]] == ["conv2d", "activation"]
    return replace(sub, ops=sub.ops[:-2])


def test_block_shorthands() -> None:
    """Bare names and scalars: ``- pixel_shuffle``, ``- avg_pool: 2``, ``- upsample: 4``,
    ``- batch_norm``; a branch's branches are lists of blocks, ``[]`` the input itself."""
    sub = _one_model([
        {"conv": {"filters": 16, "kernel": 3, "strides": 1, "norm": "instance"}},
        "pixel_shuffle", {"avg_pool": 2}, {"upsample": 4}, "batch_norm",
        {"separable_conv": {"filters": 8, "kernel": 3, "strides": 1}},
        {"branch": {"join": "add", "branches": [[{"leaky_relu": 0.2}], []]}},
    ])
    assert [(op.kind, op.shape) for op in sub.ops[1:]] == [
        ("conv2d", (16, 16, 16)), ("instance_norm", (16, 16, 16)), ("leaky_relu", (16, 16, 16)),
        ("pixel_shuffle", (32, 32, 4)), ("avg_pool2d", (16, 16, 4)),
        ("upsampling2d", (64, 64, 4)), ("batch_norm", (64, 64, 4)),
        ("separable_conv2d", (64, 64, 8)), ("activation", (64, 64, 8)),
        ("leaky_relu", (64, 64, 8)), ("add", (64, 64, 8))]
    # Keras' automatic names, numbered across the model
    assert [op.name for op in sub.ops if op.kind in ("pixel_shuffle", "avg_pool2d", "add")] == [
        "pixel_shuffler", "average_pooling2d", "add"]
    assert sub.ops[8].name == "separableconv2d_8_0_seperableconv2d"


def test_branches_are_listed_in_keras_order() -> None:
    """Deepest first, ties in build order: a 3-layer branch beside a 2-layer one interleaves
    (as faceswap's hybrid upscale shows in Keras' summary)."""
    sub = _one_model([{"upscale_hybrid": 8}])
    assert [op.name for op in sub.ops] == [
        "input_layer", "upscale_4_0_conv2d_conv2d", "upscale_4_0_conv2d_leakyrelu",
        "upscale2x_8_hyb_0_conv2d", "upscale_4_0_pixelshuffler",
        "upscale2x_8_hyb_0_upsampling2D", "upscale2x_8_hyb_0_concatenate"]
    assert sub.ops[-1].shape == (32, 32, 8)


def test_a_branch_needs_two_branches() -> None:
    with pytest.raises(ValidationError, match="at least 2"):
        GraphSpec.model_validate({"sides": {"a": {"input": 16}}, "routes": {"a": "net"},
                                  "models": {"net": [{"branch": {"branches": [["flatten"]]}}]}})


# --- through the CLI: no special case after the graph ------------------------------------------
def test_summary_json_of_a_graph_spec(capsys) -> None:
    from phazer.cli.main import main

    assert main(["summary", str(GRAPHS / "fs-iae.yaml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = _reference()["iae_default"]["result"]
    assert data["total_params"] == expected["total_params"]
    assert {s["name"]: s["params"] for s in data["submodels"]} == {
        name: sub["params"] for name, sub in expected["sub_models"].items()}
    inter_both = next(s for s in data["submodels"] if s["name"] == "inter_both")
    assert (inter_both["sides"], inter_both["calls"]) == (["a", "b"], 2)
    assert data["memory"]["total"] > 0


def test_validate_a_graph_spec_that_cannot_swap(tmp_path, capsys) -> None:
    """PHZ203 applies to graphs too: with every sub-model shared, the sides cannot swap."""
    from phazer.cli.main import main

    data = _spec(routes={"a": "encoder -> decoder_a", "b": "encoder -> decoder_a"})
    path = tmp_path / "shared.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "PHZ203" in out and "routes.b" in out
    assert main(["validate", str(GRAPHS / "fs-original.yaml")]) == 0


def test_three_identities_through_the_summary(tmp_path, capsys) -> None:
    """N sides: one shared encoder and a decoder per identity; the JSON lists the sides and
    each sub-model's users."""
    from phazer.cli.main import main

    data = _spec(sides={s: {"input": 64} for s in "abc"},
                 routes={s: f"encoder -> decoder_{s}" for s in "abc"})
    data["models"]["decoder_c"] = data["models"]["decoder_a"]
    path = tmp_path / "three.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["summary", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["sides"] == ["a", "b", "c"]
    assert {s["name"]: s["sides"] for s in summary["submodels"]} == {
        "encoder": ["a", "b", "c"], "decoder_a": ["a"], "decoder_b": ["b"],
        "decoder_c": ["c"]}
    two = json.loads((main(["summary", str(GRAPHS / "fs-original.yaml"), "--json"]),
                      capsys.readouterr().out)[1])
    decoder = next(s for s in summary["submodels"] if s["name"] == "decoder_c")
    assert decoder["params"] == next(s["params"] for s in two["submodels"]
                                     if s["name"] == "decoder_a")


# --- every layer's Keras settings, against faceswap's ----------------------------------------
@pytest.mark.keras
@pytest.mark.parametrize(("graph", "case"), CASES.items())
def test_every_layer_has_faceswaps_keras_settings(graph: str, case: str) -> None:
    """Each layer phazer emits has faceswap's class and the Keras settings faceswap's build
    recorded (filters, kernel, strides, padding, activation, slope, use_bias, initializers,
    rates, sizes): the layers are made, not built, so no weights are allocated."""
    assert_keras_settings(compile_model(load(graph)).model, _reference()[case]["result"])


# --- several outputs: masks ------------------------------------------------------------------
def test_a_mask_path_equals_faceswaps_learn_mask_build() -> None:
    """faceswap's original with learn_mask: each decoder has a second upscale path from its
    input to a 1-channel sigmoid; the model has face_out and mask_out per side."""
    document = yaml.safe_load((GRAPHS / "fs-original.yaml").read_text())
    for side in "ab":
        document["models"][f"decoder_{side}"] += [
            {"from": "input"}, {"upscale": [256, 128, 64]},
            {"output": {"channels": 1, "kernel": 5, "name": f"mask_out_{side}"}}]
    compiled = compile_model(GraphSpec.model_validate(document))
    assert compiled.errors == []
    expected = _reference()["original_default_learn_mask"]["result"]
    figures = model_figures(compiled.model)
    assert figures.total_params == expected["total_params"] == 94455560
    for sub in figures.submodels:
        ref = expected["sub_models"][sub.name]
        assert sub.params == ref["params"]
        assert [list(s) for s in sub.output_shapes] == [s[1:] for s in ref["output_shapes"]]
        ours = [(op.name, op.params.total, op.shape)
                for op in compiled.model.submodels[sub.name].ops if op.kind != "input"]
        assert ours == _layers(ref), sub.name
    assert list(compiled.model.outputs) == ["face_out_a", "mask_out_a", "face_out_b",
                                            "mask_out_b"]
    graph = compiled.graph
    assert graph.graph["learn_mask"] and graph.has_edge("decoder_b", "mask_out_b")


def test_multiscale_outputs_are_named_by_size() -> None:
    model = compile_model(load("fs-dfl-sae-df-multiscale")).model
    assert list(model.outputs) == ["face_out_a_32", "face_out_a_64", "face_out_a",
                                   "face_out_b_32", "face_out_b_64", "face_out_b"]


@pytest.mark.parametrize(("blocks", "route", "words", "path"), [
    ([{"conv": 8}, {"from": "m"}, "output"], "net", "names no earlier mark", "models.net.1"),
    (["output", {"conv": 8}], "net", "reaches no output", "models.net.1"),
    ([{"output": 1}], "net", "only outputs are masks", "models.net"),
    ([{"output": 1}, {"output": {"channels": 1, "name": "m2"}}, "output"], "net",
     "2 mask outputs", "models.net"),
    ([{"conv": 3}, {"output": 3}, {"output": {"name": "f2"}}], "net -> net", "only the "
     "sub-model that ends a route", "routes.a"),
])
def test_output_rules(tmp_path, blocks: list[Any], route: str, words: str, path: str) -> None:
    from phazer.pipeline.validation import validate_reference

    document = {"phazer": 2, "sides": {"a": {"input": 16}}, "models": {"net": blocks},
                "routes": {"a": route}}
    file = tmp_path / "g.yaml"
    file.write_text(yaml.safe_dump(document, sort_keys=False))
    found = [i for i in validate_reference(str(file)).issues if i.code == "PHZ216"]
    assert found and words in found[0].message and found[0].path == path, found
    assert found[0].line is not None


def test_a_route_that_reuses_a_submodel_is_allowed_and_said(tmp_path) -> None:
    from phazer.pipeline.validation import validate_reference

    document = {"phazer": 2, "sides": {"a": {"input": 16}},
                "models": {"same": [{"conv": {"filters": 3, "strides": 1}}],
                           "out": ["output"]},
                "routes": {"a": "same -> same -> out"}}
    file = tmp_path / "g.yaml"
    file.write_text(yaml.safe_dump(document, sort_keys=False))
    report = validate_reference(str(file))
    assert [i.code for i in report.issues if i.severity == "error"] == []
    assert any(i.code == "PHZ217" and "2 times" in i.message for i in report.issues)
    calls = [n for n in report.pipeline.compiled.model.nodes if n.submodel == "same"]
    assert len(calls) == 2


def test_a_route_that_does_not_reach_a_face_is_refused() -> None:
    spec = GraphSpec.model_validate({"sides": {"a": {"input": 16}},
                                     "models": {"enc": [{"conv": 8}]}, "routes": {"a": "enc"}})
    compiled = compile_model(spec)
    assert [(i.code, i.path) for i in compiled.errors] == [("PHZ202", "routes.a")]
    assert "8x8x8" in compiled.errors[0].message


def test_a_sides_output_size_is_checked_against_its_route() -> None:
    document = yaml.safe_load((GRAPHS / "fs-unbalanced.yaml").read_text())
    document["sides"]["b"]["output"] = 128
    assert compile_model(GraphSpec.model_validate(document)).errors == []
    document["sides"]["b"]["output"] = 256
    errors = compile_model(GraphSpec.model_validate(document)).errors
    assert [(i.code, i.path) for i in errors] == [("PHZ210", "sides.b.output")]
    assert "128x128x3" in errors[0].message and "256x256" in errors[0].message
