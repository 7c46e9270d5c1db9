"""Every configuration faceswap builds, phazer builds (issue 28): the 11 model folders faceswap
wrote (``shared/faceswap-models-trained``) import and compile to faceswap's parameter counts,
sub-model by sub-model, with their widths below faceswap's GUI sliders carried over and noted
(PHZ328), exactly the options ``cases.json`` lists under ``outside_gui_range``.

The rules stricter than faceswap's build and the configurations faceswap cannot build are in
``tests/test_faceswap_builds_rules.py``.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from phazer.cli.main import main
from phazer.compiler import compile_model
from phazer.faceswap_import import import_faceswap
from phazer.faceswap_models.importer import import_plugin
from phazer.rules.gui_range import GUI_RANGES
from tests.helpers import REPO

ENV = "PHAZER_FACESWAP_MODELS_TRAINED"


def models_dir() -> Path | None:
    """The folder of faceswap-written model folders, or None when this checkout has none."""
    candidates = [os.environ.get(ENV, "")]
    candidates += [str(base / "shared" / "faceswap-models-trained") for base in (REPO.parent, REPO)]
    for candidate in candidates:
        if candidate and (Path(candidate) / "cases.json").is_file():
            return Path(candidate)
    return None


pytestmark = pytest.mark.skipif(models_dir() is None,
                                reason=f"shared/faceswap-models-trained is absent (set {ENV})")


@cache
def cases() -> dict[str, dict[str, Any]]:
    """``cases.json``'s cases by name."""
    folder = models_dir()
    assert folder is not None
    data = json.loads((folder / "cases.json").read_text(encoding="utf-8"))
    return {case["name"]: case for case in data["cases"]}


CASE_NAMES = sorted(cases()) if models_dir() is not None else []


def _ini(name: str) -> Path:
    folder = models_dir()
    assert folder is not None
    return folder / name / "train.ini"


def _expected_params(case: dict[str, Any]) -> dict[str, int]:
    """faceswap's params per top-level sub-model (a nested Keras model is inside its encoder)."""
    tree: dict[str, list[str]] = case["sub_model_tree"]
    children = {child for names in tree.values() for child in names}
    (root,) = [name for name in tree if name not in children]
    return {name: case["sub_models"][name] for name in tree[root]}


def test_all_eleven_cases_are_there() -> None:
    assert len(CASE_NAMES) == 11
    assert sum(case["plugin"] == "phaze_a" for case in cases().values()) == 10


@pytest.mark.parametrize("name", CASE_NAMES)
def test_import_then_summary_gives_faceswaps_params(name: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`phazer import-faceswap train.ini` then `phazer summary --json`: faceswap's counts
    per sub-model, and its input and output shapes, side by side, in faceswap's order."""
    case = cases()[name]
    spec = tmp_path / "x.yaml"
    model = [] if case["plugin"] == "phaze_a" else ["--model", case["plugin"]]
    assert main(["import-faceswap", str(_ini(name)), "-o", str(spec), *model]) == 0
    capsys.readouterr()
    assert main(["summary", str(spec), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    got = {sub["name"]: sub["params"] for sub in summary["submodels"]}
    assert got == _expected_params(case)
    assert summary["total_params"] == case["total_params"]
    assert summary["trainable_params"] == case["trainable_params"]
    assert not [i for i in summary["issues"] if i["severity"] == "error"]
    assert summary["side_inputs"] == {i["name"][-1]: i["shape"] for i in case["inputs"]}
    outputs = {side: [o["shape"] for o in case["outputs"] if o["side"] == side] for side in "ab"}
    single = {side: shapes[0] if len(shapes) == 1 else shapes for side, shapes in outputs.items()}
    assert summary["side_outputs"] == single  # one output: its shape; several: a list


def _used_outside(case: dict[str, Any]) -> dict[str, list[int]]:
    """``outside_gui_range`` without the fs_original options of another encoder (unused)."""
    encoder = case["config"].get("enc_architecture", "fs_original")
    return {option: entry["gui_min_max"] for option, entry in case["outside_gui_range"].items()
            if encoder == "fs_original" or not option.startswith("fs_original_")}


@pytest.mark.parametrize("name", CASE_NAMES)
def test_widths_below_the_sliders_are_carried_over_and_noted(name: str) -> None:
    """The import keeps each value and says, per option, that faceswap's GUI would not offer
    it: exactly the options the case lists, with the case's slider range."""
    case = cases()[name]
    if case["plugin"] != "phaze_a":
        result = import_plugin(_ini(name), case["plugin"])
        assert result.ok and case["outside_gui_range"] == {}
        assert not [i for i in result.issues if i.code == "PHZ328"]
        return
    result = import_faceswap(_ini(name))
    assert result.spec is not None
    notes = {i.path: i for i in result.issues if i.code == "PHZ328"}
    expected = _used_outside(case)
    assert set(notes) == set(expected)
    sliders = {slider.option: (path, slider) for path, slider in GUI_RANGES.items()}
    for option, (low, high) in expected.items():
        path, slider = sliders[option]
        assert (slider.low, slider.high) == (low, high)
        value = case["outside_gui_range"][option]["value"]
        assert f"{option} = {value} is below {low}" in notes[option].message
        assert notes[option].severity == "info" and notes[option].line is not None
        group, field = path.split(".")
        assert getattr(getattr(result.spec, group), field) == value


@pytest.mark.parametrize("name", [n for n in CASE_NAMES if n.startswith("pa")])
def test_validate_notes_the_same_widths(name: str) -> None:
    """`phazer validate` of the imported spec: the same widths, as spec fields, and no error."""
    from phazer.pipeline.validation import check_spec

    case = cases()[name]
    result = import_faceswap(_ini(name))
    assert result.spec is not None
    issues = check_spec(result.spec)
    assert not [i for i in issues if i.severity == "error"]
    noted = {i.path for i in issues if i.code == "PHZ328"}
    by_option = {slider.option: path for path, slider in GUI_RANGES.items()}
    assert noted == {by_option[option] for option in _used_outside(case)}
    assert compile_model(result.spec).errors == []
