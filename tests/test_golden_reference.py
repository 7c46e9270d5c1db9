"""Golden parity: phazer's plan equals faceswap's Phaze-A figures for every reference case.

The expected figures come from ``tests/data/phaze-a/reference.json`` (read off models built by
faceswap itself); the specs come from importing faceswap's own preset files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from phazer.catalog.encoders import ENCODERS
from phazer.compiler import compile_model_ir
from phazer.faceswap_import import import_faceswap
from phazer.plan.figures import ModelFigures, model_figures

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parent.parent
REFERENCE = json.loads((DATA / "phaze-a" / "reference.json").read_text())
CASES = {c["name"]: c for c in REFERENCE["cases"]}


def _keras_table_available() -> bool:
    try:
        from phazer.catalog.keras_apps import load_table
        load_table()
    except (ImportError, OSError):
        return False
    return True


def _spec_for(case: dict):
    preset = case["name"].split("+")[0]
    result = import_faceswap(DATA / "faceswap-presets" / f"model_phaze_a_{preset}_preset.json")
    assert result.spec is not None, result.issues
    spec = result.spec
    if case["result"]["global_options"]["learn_mask"]:
        decoder = spec.decoder.model_copy(update={"learn_mask": True})
        spec = spec.model_copy(update={"decoder": decoder})
    return spec


def _drop_batch(shapes):
    return [tuple(s[1:]) for s in shapes]


@pytest.mark.parametrize("name", sorted(CASES))
def test_plan_matches_faceswap(name):
    case = CASES[name]
    keras_app = ENCODERS[case["config"]["enc_architecture"]].is_keras_application
    if keras_app and not _keras_table_available():
        pytest.skip("the Keras Applications table is not generated")
    assert_matches_faceswap(model_figures(compile_model_ir(_spec_for(case))), case["result"])


def assert_matches_faceswap(figures: ModelFigures, expected: dict) -> None:
    """The plan's figures equal a faceswap-built model's: totals, sub-models in faceswap's
    order with their params, shapes and calls, and the output shape."""
    assert figures.total_params == expected["total_params"]
    assert figures.trainable_params == expected["trainable_params"]
    assert figures.non_trainable_params == expected["non_trainable_params"]
    assert figures.input_shape == tuple(expected["input_shape"])
    assert [s.name for s in figures.submodels] == list(expected["sub_model_params"])
    for sub in figures.submodels:
        ref = expected["sub_models"][sub.name]
        assert sub.params == ref["params"], sub.name
        assert sub.trainable_params == ref["trainable_params"], sub.name
        assert list(sub.input_shapes) == _drop_batch(ref["input_shapes"]), sub.name
        assert list(sub.output_shapes) == _drop_batch(ref["output_shapes"]), sub.name
        assert sub.calls == ref["times_called_in_parent"], sub.name
    outputs = [tuple(s[1:]) for s in expected["model_output_shapes"]]  # faces (and masks)
    assert outputs[::len(outputs) // len(figures.sides)] == [figures.output_shape] * len(
        figures.sides)


def test_every_faceswap_preset_and_mask_variant_is_covered():
    assert len(CASES) == 20  # 17 presets + 3 learn_mask variants


@pytest.mark.parametrize("name", ["original", "dfl-sae-liae", "clipfaker128"])
def test_import_then_summary_json_cli(tmp_path, name):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = tmp_path / f"{name}.yaml"
    preset = DATA / "faceswap-presets" / f"model_phaze_a_{name}_preset.json"
    run = [sys.executable, "-m", "phazer"]
    imported = subprocess.run([*run, "import-faceswap", str(preset), "-o", str(out)],
                              capture_output=True, text=True, env=env, timeout=120)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    summary = subprocess.run([*run, "summary", str(out), "--json"], capture_output=True,
                             text=True, env=env, timeout=120)
    assert summary.returncode == 0, summary.stdout + summary.stderr
    data = json.loads(summary.stdout)
    expected = CASES[name]["result"]
    assert data["total_params"] == expected["total_params"]
    assert {s["name"]: s["params"] for s in data["submodels"]} == expected["sub_model_params"]
    assert data["input_shape"] == expected["input_shape"]
