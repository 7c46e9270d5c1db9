"""The Keras Applications table against freshly built Keras models (slow: builds with Keras).

A sample of encoders is rebuilt at sizes and options chosen to exercise what the generator
derives rather than builds: padding that depends on the parity of a feature map (EfficientNet,
MobileNetV2/V3 at sizes whose ``size / 16`` is odd), MobileNet options, non-multiple-of-16
minimum sizes and NASNet's size-dependent graph. FLOPs are counted on the built model with the
generator's own counter, so this checks the table's derivation, not the counting convention.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import pytest

from phazer.catalog.encoders import ENCODERS
from phazer.catalog.keras_apps import keras_app_figures, keras_app_kwargs
from tests.helpers import load_script

pytestmark = [pytest.mark.keras, pytest.mark.slow]

keras = pytest.importorskip("keras")

SAMPLES: list[tuple[str, int, dict[str, Any]]] = [
    ("efficientnet_b0", 240, {}),
    ("efficientnet_b3", 208, {}),
    ("efficientnet_v2_b0", 96, {}),
    ("mobilenet", 80, {"width": 0.25, "depth_multiplier": 3}),
    ("mobilenet_v2", 208, {"width": 0.35}),
    ("mobilenet_v2", 112, {"width": 0.1}),
    ("mobilenet_v3_small", 112, {"width": 0.6, "minimalistic": True}),
    ("mobilenet_v3_large", 48, {"width": 1.25}),
    ("nasnet_mobile", 80, {}),
    ("resnet50_v2", 32, {}),
    ("inception_v3", 75, {}),
    ("xception", 71, {}),
    ("densenet121", 48, {}),
    ("vgg19", 64, {}),
    ("convnext_tiny", 48, {}),
]


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_script("gen_keras_apps_table")


@pytest.mark.parametrize(("encoder", "size", "options"), SAMPLES,
                         ids=[f"{e}-{s}-{'-'.join(map(str, o.values()))}" for e, s, o in SAMPLES])
def test_table_matches_a_fresh_build(generator: ModuleType, encoder: str, size: int,
                                     options: dict[str, Any]) -> None:
    keras.backend.clear_session()
    constructor = getattr(keras.applications, ENCODERS[encoder].keras_name)
    model = constructor(input_shape=(size, size, 3), weights=None,
                        **keras_app_kwargs(encoder, **options))
    figures = keras_app_figures(encoder, size, **options)
    trainable = sum(math.prod(v.shape) for v in model.trainable_weights)
    non_trainable = sum(math.prod(v.shape) for v in model.non_trainable_weights)
    assert (trainable, non_trainable) == tuple(figures.params)
    assert tuple(model.output.shape[1:]) == figures.output_shape
    assert generator.graph_flops(model, generator.node_shapes(model)) == figures.flops


def test_keras_refuses_sizes_below_the_minimum(generator: ModuleType) -> None:
    info = ENCODERS["inception_v3"]
    message = generator.preflight(info, keras_app_kwargs("inception_v3"), 64)
    assert message is not None and "75" in message
    assert generator.preflight(info, keras_app_kwargs("inception_v3"), 75) is None
