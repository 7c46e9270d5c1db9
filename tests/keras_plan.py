"""The emitted Keras model of a spec, checked against the plan (imports TensorFlow: Keras tests).

Shared by the tests that build models: total and per-sub-model parameters and every sub-model's
output shapes equal :func:`phazer.plan.figures.model_figures`.
"""

from __future__ import annotations

from typing import Any

from phazer.compiler import compile_model_ir
from phazer.plan.figures import ModelFigures, model_figures


def keras_model_of_plan(spec: Any) -> tuple[Any, ModelFigures]:
    """Emit the spec's Keras model, assert it is the plan, and return it with the figures."""
    from phazer.emit import emit_model

    model_ir = compile_model_ir(spec)
    figures = model_figures(model_ir)
    model = emit_model(model_ir)
    assert model.count_params() == figures.total_params
    for sub in figures.submodels:
        layer = model.get_layer(sub.name)
        assert layer.count_params() == sub.params, sub.name
        outputs = layer.output if isinstance(layer.output, list) else [layer.output]
        assert [tuple(o.shape[1:]) for o in outputs] == list(sub.output_shapes), sub.name
    return model, figures
