"""The configurations faceswap builds and phazer once refused build as Keras models whose
parameters and shapes are the plan's, and run (issue 28): upscales moved into the FC beyond
the upscales (also with none to move, upscale_dny's entry convs in the FC), an FC output
larger than the output (re-tiled down), an fs_original encoder down to 1x1, and widths of 1
where faceswap does not round them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from phazer.spec.models import ModelSpec
from tests.keras_plan import keras_model_of_plan
from tests.test_faceswap_builds_rules import SMALL

pytestmark = pytest.mark.keras


def _with(**groups: dict[str, Any]) -> dict[str, Any]:
    return {**SMALL, **{k: {**SMALL.get(k, {}), **v} for k, v in groups.items()}}


SPECS = {
    "upscales_in_fc_beyond": _with(decoder={"upscales_in_fc": 5}),
    "none_to_move_dny": _with(fc={"dimensions": 8, "upsamples": 3},
                              decoder={"upscaler": "upscale_dny", "upscales_in_fc": 2}),
    "fc_larger_than_output": _with(fc={"dimensions": 16, "upsamples": 3}),
    "encoder_to_1x1": _with(encoder={"type": "fs_original", "scaling": 0, "depth": 7,
                                     "min_filters": 4, "max_filters": 8}),
    "widths_of_one": _with(encoder={"type": "fs_original", "depth": 3, "min_filters": 1,
                                    "max_filters": 1},
                           bottleneck={"type": "dense", "size": 1},
                           fc={"max_filters": 1, "min_filters": 1, "dimensions": 8},
                           decoder={"min_filters": 1, "max_filters": 1, "slope_mode": "cap_min",
                                    "slope": 0.5, "res_blocks": 0}),
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_keras_model_is_the_plan_and_runs(name: str) -> None:
    model, figures = keras_model_of_plan(ModelSpec.model_validate(SPECS[name]))
    faces = [np.random.default_rng(0).random((1, *figures.input_shape), dtype=np.float32)] * 2
    outs = model(faces, training=False)
    outs = outs if isinstance(outs, list | tuple) else [outs]
    assert all(tuple(o.shape[1:]) == (64, 64, 3) for o in outs)
    assert all(np.isfinite(np.asarray(o)).all() for o in outs)
