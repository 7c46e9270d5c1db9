"""Property: any spec either fails validation with an error, or it builds (TF-free)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError

from phazer.compiler import compile_model_ir
from phazer.issues import has_errors
from phazer.pipeline.validation import check_spec
from phazer.plan.figures import model_figures
from phazer.spec.models import ModelSpec
from tests.strategies import spec_data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec_data(max_filters=128))
def test_valid_specs_always_build(data):
    try:
        spec = ModelSpec.model_validate(data)
    except ValidationError:
        return
    issues = check_spec(spec)
    if has_errors(issues):
        assert any(i.severity == "error" and i.message for i in issues)
        return
    figures = model_figures(compile_model_ir(spec))
    assert figures.total_params == sum(s.params for s in figures.submodels)
    assert figures.output_shape == (spec.output_size, spec.output_size, 3)
    assert figures.input_shape[-1] == 3
