"""The compiled Keras model equals the plan; saving is atomic and loads back with safe_mode."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError

from phazer.cli.main import main
from phazer.compiler import compile_model_ir
from phazer.issues import has_errors
from phazer.pipeline.validation import check_spec
from phazer.plan.figures import model_figures
from phazer.spec import load_spec
from phazer.spec.models import ModelSpec
from tests.helpers import TINY_SPEC as TINY
from tests.keras_plan import keras_model_of_plan
from tests.strategies import spec_data

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")


def _assert_keras_equals_plan(spec: ModelSpec) -> None:
    model, figures = keras_model_of_plan(spec)
    assert [tuple(i.shape[1:]) for i in model.inputs] == [figures.input_shape] * 2


def test_compile_writes_a_model_that_loads_with_safe_mode(tmp_path, capsys):
    import phazer.emit  # noqa: F401  (registers the custom layers)

    out = tmp_path / "tiny.keras"
    assert main(["compile", TINY, "-o", str(out)]) == 0
    assert "matches the plan" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.keras"]
    loaded = keras.saving.load_model(out, safe_mode=True)
    plan = model_figures(compile_model_ir(load_spec(TINY).spec))
    assert loaded.count_params() == plan.total_params
    assert loaded.output_names == ["face_out_a", "face_out_b"]
    assert [i.name for i in loaded.inputs] == ["face_in_a", "face_in_b"]


def test_compile_refuses_to_overwrite_and_bad_suffix(tmp_path, capsys):
    out = tmp_path / "model.keras"
    out.write_text("keep me")
    assert main(["compile", TINY, "-o", str(out)]) == 1
    assert out.read_text() == "keep me"
    assert main(["compile", TINY, "-o", str(tmp_path / "model.h5")]) == 1
    assert "must end in .keras" in capsys.readouterr().err


def test_imagenet_weights_missing_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty-keras-home"))
    out = tmp_path / "m.keras"
    code = main(["compile", "original", "-o", str(out), "--set",
                 "encoder={type: mobilenet_v3_small, scaling: 29, imagenet_weights: true}"])
    captured = capsys.readouterr()
    assert code == 1, captured
    assert "imagenet_weights=false" in captured.err
    assert not out.exists()


def test_two_specs_in_one_process_do_not_leak():
    first = load_spec(TINY).spec
    second = load_spec(TINY, ["decoder.max_filters=48", "routing.split_decoders=false",
                              "routing.split_fc=true"]).spec
    _assert_keras_equals_plan(first)
    _assert_keras_equals_plan(second)
    _assert_keras_equals_plan(first)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec_data(max_filters=64))
def test_any_valid_spec_builds_in_keras_exactly_as_planned(data):
    try:
        spec = ModelSpec.model_validate(data)
    except ValidationError:
        return
    if has_errors(check_spec(spec)):
        return
    _assert_keras_equals_plan(spec)
