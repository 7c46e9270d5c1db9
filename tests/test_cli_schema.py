"""`phazer schema` and the committed schemas/phazer.schema.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phazer.cli.main import main
from phazer.spec.graph_form import GraphSpec
from phazer.spec.json_schema import (
    GRAPH_FORM_DEF,
    SWITCH_FORM_DEF,
    form_schema,
    schema_text,
    spec_json_schema,
)
from phazer.spec.models import GROUPS, ModelSpec

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "schemas" / "phazer.schema.json"


def test_committed_schema_matches_the_models():
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "schemas/phazer.schema.json is out of date: run `phazer schema` (or "
        "`python scripts/gen_docs.py`) and commit the result")


def test_schema_header_and_order():
    schema = spec_json_schema()
    assert list(schema)[:4] == ["$schema", "$id", "title", "description"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:phazer:")
    assert schema["if"] == {"properties": {"phazer": {"const": 2}}, "required": ["phazer"]}
    assert schema["then"] == {"$ref": f"#/$defs/{GRAPH_FORM_DEF}"}
    assert schema["else"] == {"$ref": f"#/$defs/{SWITCH_FORM_DEF}"}
    switch = form_schema(schema, SWITCH_FORM_DEF)
    assert switch["additionalProperties"] is False
    assert list(switch["properties"]) == ["extends", *ModelSpec.model_fields]
    assert set(GROUPS) <= set(switch["properties"])
    graph = form_schema(schema, GRAPH_FORM_DEF)
    assert graph["additionalProperties"] is False
    assert list(graph["properties"]) == ["extends", *GraphSpec.model_fields]


def test_schema_text_is_stable():
    text = schema_text()
    assert text == schema_text()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert json.loads(text) == spec_json_schema()


def test_variant_tags_are_required():
    defs = spec_json_schema()["$defs"]
    for name in ("FsOriginalEncoder", "KerasEncoder", "MobileNetV1Encoder", "DenseBottleneck",
                 "PoolingBottleneck", "FlattenBottleneck"):
        assert "type" in defs[name]["required"], name


def test_schema_ranges_and_descriptions():
    schema = spec_json_schema()
    output = form_schema(schema, SWITCH_FORM_DEF)["properties"]["output_size"]
    assert (output["minimum"], output["maximum"], output["multipleOf"]) == (64, 2048, 16)
    decoder = schema["$defs"]["DecoderSpec"]["properties"]
    assert (decoder["slope"]["minimum"], decoder["slope"]["maximum"]) == (-0.99, 0.99)
    assert "dec_filter_slope" in decoder["slope"]["description"]
    fc = schema["$defs"]["FullyConnectedSpec"]["properties"]
    assert fc["dropout"]["exclusiveMaximum"] == 1.0


def test_stdout(capsys):
    assert main(["schema", "-o", "-"]) == 0
    assert capsys.readouterr().out == schema_text()


def test_writes_the_default_path(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["schema"]) == 0
    assert (tmp_path / "schemas" / "phazer.schema.json").read_text() == schema_text()
    assert "wrote schemas/phazer.schema.json" in capsys.readouterr().out


def test_writes_a_chosen_path_atomically(tmp_path):
    out = tmp_path / "s.json"
    out.write_text("old")
    assert main(["schema", "-o", str(out)]) == 0
    assert out.read_text() == schema_text()
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_unwritable_path_exits_1(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["schema", "-o", str(blocker / "s.json")]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as caught:
        main(["schema", "--format", "yaml"])
    assert caught.value.code == 2
