"""The committed JSON Schema, run by a JSON Schema validator the way an editor runs it.

Every preset (both forms) passes it; wrong graph-form files (an unknown block, a bad field,
a missing group, a route that does not parse, a field of the other form) fail it; and its
route pattern agrees with phazer's own route parser.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from phazer.spec.graph_blocks import BLOCK_TYPES
from phazer.spec.json_schema import BLOCK_DEF
from phazer.spec.presets import presets_dir
from phazer.spec.routes import RouteError, parse_route, route_pattern

jsonschema = pytest.importorskip("jsonschema")

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "schemas" / "phazer.schema.json"
PRESETS = sorted(presets_dir().glob("*.yaml"))
GRAPH_PRESETS = [p for p in PRESETS if p.name.startswith("fs-")]


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(validator: Any, data: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}"
            for e in validator.iter_errors(data)]


def _iae() -> dict[str, Any]:
    return yaml.safe_load((presets_dir() / "fs-iae.yaml").read_text(encoding="utf-8"))


def test_there_are_graph_presets() -> None:
    assert len(GRAPH_PRESETS) >= 12
    for path in GRAPH_PRESETS:
        assert yaml.safe_load(path.read_text(encoding="utf-8"))["phazer"] == 2, path.name


@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
def test_every_preset_validates(validator: Any, path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert _errors(validator, data) == []


def test_every_block_form_is_accepted(validator: Any) -> None:
    data = _iae()
    data["models"]["extra"] = [
        "flatten", {"flatten": None}, {"dense": 1024}, {"dense": [1024, 2048]},
        {"conv": {"filters": 128, "kernel": 3, "norm": "instance"}},
        {"reshape": [4, 4, 64]}, {"leaky_relu": 0.2}, "pixel_shuffle",
        {"branch": [["flatten", {"dense": 8}], []]},
        {"branch": {"branches": [[{"upscale": 64}], [{"conv": 32}]], "join": "add"}},
        {"mark": "m"}, {"output": 1}, {"from": "m"}, {"output": {"channels": 3}},
    ]
    assert _errors(validator, data) == []


def test_an_extending_graph_spec_may_leave_out_its_groups(validator: Any) -> None:
    assert _errors(validator, {"phazer": 2, "extends": "fs-iae",
                               "models": {"decoder": [{"upscale": 64}, {"output": 3}]}}) == []
    assert _errors(validator, {"phazer": 2, "models": {"decoder": [{"output": 3}]}}) != []


def _wrong(change: str) -> dict[str, Any]:
    data = _iae()
    models = data["models"]
    if change == "unknown block":
        models["encoder"].append({"convv": {"filters": 128}})
    elif change == "unknown bare block":
        models["encoder"].append("flaten")
    elif change == "bad field":
        models["encoder"][0]["conv"]["kernal"] = 5
    elif change == "field out of range":
        models["encoder"][0]["conv"]["strides"] = 9
    elif change == "bad shorthand":
        models["decoder"][0] = {"upscale": "wide"}
    elif change == "bare block that needs fields":
        models["encoder"].append("conv")
    elif change == "two keys in a block":
        models["encoder"].append({"flatten": None, "dense": 1024})
    elif change == "bad block inside a branch":
        models["encoder"].append({"branch": [[{"convv": 8}], []]})
    elif change == "missing routes":
        del data["routes"]
    elif change == "missing sides":
        del data["sides"]
    elif change == "route that does not parse":
        data["routes"]["a"] = "encoder decoder"
    elif change == "bad side name":
        data["sides"]["A"] = {"input": 64}
    elif change == "switch-form field":
        data["encoder"] = {"type": "fs_original"}
    elif change == "graph field in the switch form":
        data["phazer"] = 1
    return data


@pytest.mark.parametrize("change", [
    "unknown block", "unknown bare block", "bad field", "field out of range", "bad shorthand",
    "bare block that needs fields", "two keys in a block", "bad block inside a branch",
    "missing routes", "missing sides", "route that does not parse", "bad side name",
    "switch-form field", "graph field in the switch form"])
def test_wrong_graph_specs_fail(validator: Any, change: str) -> None:
    assert _errors(validator, _wrong(change)), change


def test_a_switch_form_spec_without_version_is_checked_as_one(validator: Any) -> None:
    assert _errors(validator, {"routing": {"split_fc": True}}) == []
    assert _errors(validator, {"routing": {"split_fcc": True}})
    assert _errors(validator, {"sides": {"a": {"input": 64}}})


def test_every_block_type_has_an_entry() -> None:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    entry = schema["$defs"][BLOCK_DEF]
    mapping = next(form for form in entry["anyOf"] if form.get("type") == "object")
    assert list(mapping["properties"]) == list(BLOCK_TYPES)
    for name, (model, shorthand) in BLOCK_TYPES.items():
        forms = mapping["properties"][name]["anyOf"]
        body = schema["$defs"][forms[0]["$ref"].rsplit("/", 1)[-1]]
        assert set(body["properties"]) == set(model.model_fields) - {"block"}, name
        shorthands = [f for f in forms if f.get("description", "").startswith("Shorthand")]
        assert len(shorthands) == (shorthand is not None), name


ROUTES = ["encoder", "encoder -> decoder_a", "  encoder->decoder  ", "encoder -> concat(a, b)",
          "encoder -> concat( a ,b,c ) -> decoder", "concat(a, a) -> d", "concat_a -> b",
          "encoder decoder", "encoder ->", "-> decoder", "", "encoder -> concat(a)",
          "encoder -> concat(a, b", "concat -> b", "Encoder -> b", "a -> concat(a, concat)",
          "a,b", "a -> (b)", "a -> concat (a, b)", "a -> b2_c -> c_3",
          "encoder -> g_block with fc_gblock -> decoder", "g with s -> d", "a -> with",
          "a -> b with", "a -> with -> b", "a -> b with c with d", "a -> concat(a, b) with c",
          "a -> b with concat", "a -> bwith c", "a -> b  with  c", "a -> with_b -> c"]


@pytest.mark.parametrize("text", ROUTES)
def test_the_route_pattern_agrees_with_the_parser(text: str) -> None:
    try:
        parse_route(text)
        parses = True
    except RouteError:
        parses = False
    assert bool(re.search(route_pattern(), text)) == parses, text



def test_a_bare_yaml_off_is_accepted_as_phazer_reads_it(validator: Any) -> None:
    data = yaml.safe_load("phazer: 1\nextends: demo\ntraining:\n  xla: off\n")
    assert data["training"]["xla"] is False          # YAML 1.1, as an editor reads it
    assert _errors(validator, data) == []
    data["training"]["xla"] = "sometimes"
    assert _errors(validator, data) != []
