"""`phazer diff A B`: the changed fields of the resolved specs, then the figures per sub-model.

The figures are checked against `phazer summary --json` of each side (and the memory model's
own per-sub-model estimate), the field changes against the preset files' own values.
"""

from __future__ import annotations

import json

import pytest
import yaml

from phazer.cli.main import main
from phazer.pipeline.validation import validate_reference
from phazer.plan.memory import estimate_memory
from phazer.plan.memory_settings import MemorySettings
from phazer.spec.diff import FieldChange, data_changes
from phazer.spec.presets import preset_path
from tests.helpers import write


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str) -> dict:
    code, out, _ = run(capsys, *argv, "--json")
    assert code == 0
    return json.loads(out)


def summary_json(capsys, *argv: str) -> dict:
    assert main(["summary", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def preset_data(name: str) -> dict:
    return yaml.safe_load(preset_path(name).read_text(encoding="utf-8"))


def test_changed_fields_are_the_presets_differences(capsys):
    result = run_json(capsys, "original", "dfaker")
    changes = {f["path"]: f for f in result["fields"]}
    original, dfaker = preset_data("original"), preset_data("dfaker")
    assert changes["output_size"] == {"path": "output_size", "change": "changed",
                                      "a": original["output_size"], "b": dfaker["output_size"]}
    for key in ("max_filters", "slope", "res_blocks"):
        assert original["decoder"][key] != dfaker["decoder"][key]
        assert changes[f"decoder.{key}"]["a"] == original["decoder"][key]
        assert changes[f"decoder.{key}"]["b"] == dfaker["decoder"][key]
    assert "encoder.type" not in changes  # both fs_original
    assert result["identical"] is False and result["valid"] is True


def test_figures_match_each_sides_summary(capsys):
    result = run_json(capsys, "original", "dfaker")
    a, b = summary_json(capsys, "original"), summary_json(capsys, "dfaker")
    rows = {row["name"]: row for row in result["submodels"]}
    assert list(rows) == [s["name"] for s in a["submodels"]]
    for sub_a, sub_b in zip(a["submodels"], b["submodels"], strict=True):
        row = rows[sub_a["name"]]
        assert row["params"] == {"a": sub_a["params"], "b": sub_b["params"],
                                 "delta": sub_b["params"] - sub_a["params"]}
        assert row["flops"] == {"a": sub_a["flops"], "b": sub_b["flops"],
                                "delta": sub_b["flops"] - sub_a["flops"]}
        assert row["change"] == ("same" if sub_a["params"] == sub_b["params"]
                                 and sub_a["flops"] == sub_b["flops"] else "changed")
    total = result["total"]
    assert total["params"]["a"] == a["total_params"] == 82_062_470
    assert total["params"]["b"] == b["total_params"] == 113_330_822
    assert total["params"]["delta"] == 113_330_822 - 82_062_470
    assert total["flops"]["a"] == a["flops_per_example"]["forward"]
    assert total["memory"] == {"a": a["memory"]["total"], "b": b["memory"]["total"],
                               "delta": b["memory"]["total"] - a["memory"]["total"]}


def test_submodel_memory_is_the_estimates_part(capsys):
    report = validate_reference("iae")
    estimate = estimate_memory(report.pipeline.model, MemorySettings(batch_size=16))
    main_out = run_json(capsys, "original", "iae")
    rows = {row["name"]: row for row in main_out["submodels"]}
    for name, size in estimate.submodel_bytes.items():
        assert rows[name]["memory"]["b"] == size
    assert sum(estimate.submodel_bytes.values()) < main_out["total"]["memory"]["b"]


def test_submodels_on_one_side_only_are_added_or_removed(capsys):
    result = run_json(capsys, "original", "iae")
    rows = {row["name"]: row for row in result["submodels"]}
    assert rows["fc_both"]["change"] == "removed"
    assert rows["fc_both"]["params"]["b"] is None
    assert rows["fc_both"]["params"]["delta"] == -rows["fc_both"]["params"]["a"]
    assert rows["decoder_both"]["change"] == "added"
    assert rows["decoder_both"]["params"]["a"] is None
    assert rows["decoder_both"]["params"]["delta"] == rows["decoder_both"]["params"]["b"] > 0
    assert list(rows).index("decoder_both") > list(rows).index("decoder_b")  # B's extras last
    assert sum(r["params"]["delta"] for r in rows.values()) == result["total"]["params"]["delta"]
    code, out, _ = run(capsys, "original", "iae")
    assert code == 0
    assert "removed" in out and "added" in out and "routing.split_fc: false → true" in out


def test_identical_specs_say_so(capsys, tmp_path):
    # the same model spelt differently: through extends, a default written out
    spelt = write(tmp_path, "same.yaml", """
        phazer: 1
        extends: original
        decoder:
          learn_mask: false
        """)
    code, out, _ = run(capsys, "original", str(spelt))
    assert code == 0
    assert "identical" in out and "sub-models" not in out
    result = run_json(capsys, "original", str(spelt))
    assert result["identical"] is True and result["fields"] == []
    assert {row["change"] for row in result["submodels"]} == {"same"}


def test_one_changed_value_is_one_field(capsys, tmp_path):
    child = write(tmp_path, "child.yaml", "phazer: 1\nextends: original\nfc:\n  depth: 2\n")
    code, out, _ = run(capsys, "original", str(child))
    assert code == 0
    assert "1 field differs" in out and "fc.depth: 1 → 2" in out
    assert run_json(capsys, "original", str(child))["fields"] == [
        {"path": "fc.depth", "change": "changed", "a": 1, "b": 2}]


def test_graph_form_against_switch_form(capsys):
    result = run_json(capsys, "original", "fs-original")
    assert result["a"]["form"] == 1 and result["b"]["form"] == 2
    paths = {f["path"] for f in result["fields"]}
    assert "routes.a" in paths and "phaze_a" in paths  # compared in the graph form
    assert result["total"]["params"]["delta"] == 0  # the same model, written two ways
    code, out, _ = run(capsys, "original", "fs-original")
    assert code == 0 and "graph form" in out


def test_batch_size_applies_to_both_memory_figures(capsys):
    result = run_json(capsys, "original", "dfaker", "--batch-size", "4")
    assert result["a"]["memory_settings"]["batch_size"] == 4
    summary = summary_json(capsys, "dfaker", "--batch-size", "4")
    assert result["total"]["memory"]["b"] == summary["memory"]["total"]


def test_invalid_spec_prints_its_errors_and_exits_1(capsys, tmp_path):
    bad = write(tmp_path, "bad.yaml", "phazer: 1\nextends: original\noutput_size: 100\n")
    code, out, err = run(capsys, "original", str(bad))
    assert code == 1 and out == ""
    assert f"B: {bad} is invalid" in err
    assert f"{bad}:3:14 output_size" in err and "error[PHZ105]" in err
    assert "Traceback" not in err
    code, out, _ = run(capsys, str(bad), "original", "--json")
    assert code == 1
    result = json.loads(out)
    assert result["valid"] is False and result["a"]["valid"] is False
    assert result["b"]["valid"] is True
    assert [i["code"] for i in result["a"]["issues"] if i["severity"] == "error"] == ["PHZ105"]


def test_unknown_reference_and_usage(capsys):
    code, _, err = run(capsys, "no-such-preset", "original")
    assert code == 1 and "PHZ001" in err
    with pytest.raises(SystemExit) as caught:
        main(["diff", "original"])
    assert caught.value.code == 2


def test_lists_of_values_change_whole_and_lists_of_blocks_item_by_item():
    a = {"freeze": ["encoder"], "models": {"m": [{"conv": {"filters": 8}}, {"dense": {"u": 1}}]}}
    b = {"freeze": ["encoder", "fc_a"], "models": {"m": [{"conv": {"filters": 16}},
                                                          {"dense": {"u": 1}}]}, "x": 1}
    assert data_changes(a, b) == [
        FieldChange("freeze", "changed", ["encoder"], ["encoder", "fc_a"]),
        FieldChange("models.m[0].conv.filters", "changed", 8, 16),
        FieldChange("x", "added", b=1)]
    assert data_changes(b, a)[-1] == FieldChange("x", "removed", a=1)
    assert data_changes({"v": 1}, {"v": 1.0}) == [FieldChange("v", "changed", 1, 1.0)]
    assert data_changes({"v": True}, {"v": 1}) == [FieldChange("v", "changed", True, 1)]


def test_docs_json_example_is_what_phazer_prints(capsys):
    from tests.helpers import REPO

    text = (REPO / "docs" / "diff.md").read_text(encoding="utf-8")
    block = text.split("```json\n", 1)[1].split("```", 1)[0]
    example = json.loads(block)
    real = run_json(capsys, "original", "iae")
    assert list(example) == list(real)
    assert example["a"] == real["a"] and example["b"] == real["b"]
    assert example["total"] == real["total"]
    assert all(field in real["fields"] for field in example["fields"])
    assert all(row in real["submodels"] for row in example["submodels"])
