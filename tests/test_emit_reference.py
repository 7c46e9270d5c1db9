"""End to end against faceswap: spec -> ModelIR -> Keras has Phaze-A's exact parameter counts.

Covers every reference case whose encoder is phazer's own (the Keras Applications backbones
need the generated table); the cases come from ``tests/data/phaze-a/reference.json`` through
the helpers of ``test_blocks_parity``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.test_blocks_parity import CASES, is_keras, shapes, to_spec

pytestmark = [pytest.mark.keras, pytest.mark.slow]


@pytest.mark.parametrize("case", [c for c in CASES if not is_keras(c)], ids=lambda c: c["name"])
def test_emitted_model_matches_faceswap(case: dict[str, Any]) -> None:
    from phazer.compiler import compile_model_ir
    from phazer.emit import emit_model

    result = case["result"]
    model_ir = compile_model_ir(to_spec(case), name=case["name"])
    model = emit_model(model_ir)
    trainable = sum(int(np.prod(v.shape)) for v in model.trainable_weights)
    assert (model.count_params(), trainable) == (result["total_params"],
                                                 result["trainable_params"])
    assert [t.name for t in model.inputs] == ["face_in_a", "face_in_b"]
    assert model.output_names == list(model_ir.outputs)
    for name, ref in result["sub_models"].items():
        sub = model.get_layer(name)
        assert sub.count_params() == ref["params"], name
        assert [tuple(t.shape[1:]) for t in sub.outputs] == shapes(ref["output_shapes"]), name
