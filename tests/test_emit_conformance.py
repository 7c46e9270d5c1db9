"""Every IR op kind against Keras: same output shape, same trainable/non-trainable params."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from phazer.ir.graph import SubModelBuilder, Tensor
from phazer.ir.ops import OP_ATTRS, OP_KINDS, Backward
from tests.helpers import load_script

# Keras' TensorFlow backend still calls np.array(tensor) the numpy-1 way.
pytestmark = [pytest.mark.keras,
              pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")]

Build = Callable[[SubModelBuilder], Tensor]


def _one(shape: tuple[int, ...], kind: str, **attrs: object) -> Build:
    return lambda b: b.add(kind, b.input(shape), **attrs)


def _two(shapes: tuple[tuple[int, ...], ...], kind: str, **attrs: object) -> Build:
    def build(b: SubModelBuilder) -> Tensor:
        inputs = [b.input(shape, name=f"in_{i}") for i, shape in enumerate(shapes)]
        return b.add(kind, inputs, **attrs)
    return build


def _adain(b: SubModelBuilder) -> Tensor:
    features = b.input((6, 6, 8), name="features")
    style = b.input((8,), name="style")
    gamma = b.add("dense", style, name="gamma", units=8, kernel_initializer="he_normal")
    beta = b.add("dense", style, name="beta", units=8, kernel_initializer="he_normal")
    return b.add("adain", [features, beta, gamma], epsilon=1e-3)


# (case id, op kind, builder); several cases per kind where the attrs change the figures.
CASES: list[tuple[str, str, Build]] = [
    ("flatten", "flatten", _one((4, 4, 3), "flatten")),
    ("reshape", "reshape", _one((48,), "reshape", target_shape=(4, 4, 3))),
    ("concatenate", "concatenate", _two(((4, 4, 3), (4, 4, 5)), "concatenate")),
    ("add", "add", _two(((4, 4, 3), (4, 4, 3)), "add")),
    ("multiply", "multiply", _two(((6,), (6,)), "multiply")),
    ("leaky_relu", "leaky_relu", _one((4, 4, 3), "leaky_relu", negative_slope=0.1)),
    ("activation", "activation", _one((4, 4, 3), "activation", function="sigmoid",
                                      dtype="float32")),
    ("dropout", "dropout", _one((16,), "dropout", rate=0.5)),
    ("spatial_dropout", "spatial_dropout", _one((4, 4, 8), "spatial_dropout", rate=0.2)),
    ("gaussian_noise", "gaussian_noise", _one((4, 4, 3), "gaussian_noise", stddev=1.0)),
    ("rescale", "rescale", _one((8, 8, 3), "rescale", scale=2.0, offset=-1.0)),
    ("dense", "dense", _one((12,), "dense", units=16, kernel_initializer="glorot_uniform")),
    ("dense-nobias", "dense", _one((12,), "dense", units=16, use_bias=False,
                                   kernel_initializer="he_normal")),
    ("conv2d", "conv2d", _one((8, 8, 3), "conv2d", filters=16, kernel=5, strides=2,
                              padding="same", kernel_initializer="he_uniform")),
    ("conv2d-valid-nobias", "conv2d", _one((9, 9, 4), "conv2d", filters=8, kernel=4, strides=1,
                                           padding="valid", use_bias=False,
                                           kernel_initializer="variance_scaling_0.2")),
    ("conv2d-icnr", "conv2d", _one((4, 4, 8), "conv2d", filters=32, kernel=3,
                                   kernel_initializer="icnr")),
    ("conv2d-conv_aware", "conv2d", _one((4, 4, 8), "conv2d", filters=8, kernel=3,
                                         kernel_initializer="conv_aware")),
    ("conv2d_transpose", "conv2d_transpose", _one((4, 4, 8), "conv2d_transpose", filters=6,
                                                  kernel=3, strides=2, padding="same",
                                                  kernel_initializer="glorot_uniform")),
    ("separable_conv2d", "separable_conv2d", _one((8, 8, 6), "separable_conv2d", filters=10,
                                                  kernel=5, strides=2, padding="same",
                                                  kernel_initializer="glorot_uniform")),
    ("separable_conv2d-x2-valid-nobias", "separable_conv2d", _one(
        (9, 9, 4), "separable_conv2d", filters=6, kernel=3, strides=1, padding="valid",
        depth_multiplier=2, use_bias=False, kernel_initializer="he_uniform")),
    ("pixel_shuffle", "pixel_shuffle", _one((4, 4, 16), "pixel_shuffle", scale=2)),
    ("upsampling2d", "upsampling2d", _one((4, 4, 3), "upsampling2d", size=2,
                                          interpolation="nearest")),
    ("upsampling2d-x4-bilinear", "upsampling2d", _one((4, 4, 3), "upsampling2d", size=4,
                                                      interpolation="bilinear")),
    ("resize_images", "resize_images", _one((4, 4, 3), "resize_images", size=2,
                                            interpolation="bilinear")),
    ("reflection_pad", "reflection_pad", _one((6, 6, 3), "reflection_pad", padding=2)),
    ("reflection_pad_same", "reflection_pad_same", _one((9, 9, 3), "reflection_pad_same",
                                                        kernel=5, strides=2)),
    ("max_pool2d", "max_pool2d", _one((8, 8, 3), "max_pool2d", pool=2)),
    ("avg_pool2d", "avg_pool2d", _one((8, 8, 3), "avg_pool2d", pool=2)),
    ("avg_pool2d-same-stride1", "avg_pool2d", _one((7, 7, 3), "avg_pool2d", pool=3, strides=1,
                                                   padding="same")),
    ("global_avg_pool", "global_avg_pool", _one((4, 4, 5), "global_avg_pool")),
    ("global_max_pool", "global_max_pool", _one((4, 4, 5), "global_max_pool")),
    ("batch_norm", "batch_norm", _one((4, 4, 6), "batch_norm", epsilon=1e-3)),
    ("layer_norm", "layer_norm", _one((4, 4, 6), "layer_norm", epsilon=1e-3)),
    ("rms_norm", "rms_norm", _one((4, 4, 6), "rms_norm", epsilon=1e-8)),
    ("instance_norm", "instance_norm", _one((4, 4, 6), "instance_norm", epsilon=1e-3)),
    ("group_norm", "group_norm", _one((4, 4, 8), "group_norm", groups=4, epsilon=1e-6)),
    ("adain", "adain", _adain),
    ("class_token", "class_token", _one((9, 16), "class_token")),
    ("position_embedding", "position_embedding", _one((10, 16), "position_embedding")),
    ("multi_head_attention", "multi_head_attention", _one((10, 16), "multi_head_attention",
                                                          heads=2, key_dim=8)),
    ("multi_head_attention-wide", "multi_head_attention", _one((5, 12), "multi_head_attention",
                                                               heads=3, key_dim=6)),
    ("quick_gelu", "quick_gelu", _one((10, 16), "quick_gelu")),
    ("take_token", "take_token", _one((10, 16), "take_token", index=0)),
    ("dense-tokens", "dense", _one((10, 16), "dense", units=24,
                                   kernel_initializer="glorot_uniform")),
    ("keras_app", "keras_app", _one((32, 32, 3), "keras_app", encoder="mobilenet_v3_small",
                                    input_size=32, width=1.0, minimalistic=False,
                                    imagenet_weights=False)),
]


def _weights(variables: list) -> int:
    return sum(int(np.prod(v.shape)) for v in variables)


def test_every_op_kind_is_complete() -> None:
    """An op kind is one unit: a test fails while any part of any kind is missing or stale.

    Each kind declares its attrs, its shape, parameter and FLOP functions and its backward
    needs in its definition (phazer/ir/kinds); it has a Keras emitter (phazer/emit/ops.py) and
    a conformance case here; and the Keras layers the keras_app memory table maps to a kind
    (scripts/keras_app_memory.py) map to existing kinds.
    """
    from phazer.emit import EMITTERS

    for name, kind in OP_KINDS.items():
        assert kind.name == name
        assert isinstance(kind.attrs, frozenset) and all(isinstance(a, str) for a in kind.attrs), \
            f"{name} does not declare its attrs as a frozenset of names"
        assert OP_ATTRS[name] is kind.attrs, f"{name}: OP_ATTRS is not read off the kind"
        assert isinstance(kind.backward, Backward), f"{name} does not declare its backward"
        assert all(callable(f) for f in (kind.infer, kind.params, kind.flops)), name
    kinds = set(OP_KINDS) - {"input"}
    assert not kinds - set(EMITTERS), f"op kinds without a Keras emitter: {kinds - set(EMITTERS)}"
    assert not set(EMITTERS) - kinds, f"emitters of no op kind: {set(EMITTERS) - kinds}"
    covered = {kind for _, kind, _ in CASES}
    assert not kinds - covered, f"op kinds without a conformance case: {kinds - covered}"
    assert not covered - kinds, f"conformance cases of no op kind: {covered - kinds}"
    mapped = set(load_script("keras_app_memory").KIND_OF_LAYER.values())
    assert not mapped - set(OP_KINDS), f"keras_app_memory maps layers to {mapped - set(OP_KINDS)}"


@pytest.mark.parametrize(("kind", "build"), [pytest.param(kind, build, id=case_id)
                                             for case_id, kind, build in CASES])
def test_op_conforms_to_keras(kind: str, build: Build) -> None:
    import keras

    from phazer.emit import emit_submodel

    b = SubModelBuilder(f"case_{kind}")
    out = build(b)
    ir = b.build(out)
    op = next(op for op in ir.ops if op.name == out.op)

    model = emit_submodel(ir)

    assert tuple(model.outputs[0].shape[1:]) == op.shape
    layer = model.get_layer(op.name)
    assert _weights(layer.trainable_weights) == op.params.trainable
    assert _weights(layer.non_trainable_weights) == op.params.non_trainable
    assert _weights(model.trainable_weights) == ir.params.trainable
    assert _weights(model.non_trainable_weights) == ir.params.non_trainable
    # The layer runs, and its real output has the IR's shape too.
    rng = np.random.default_rng(0)
    batch = [rng.uniform(size=(2, *shape)).astype("float32") for shape in ir.input_shapes]
    result = model(batch if len(batch) > 1 else batch[0], training=False)
    assert tuple(result.shape) == (2, *op.shape)
    assert np.all(np.isfinite(keras.ops.convert_to_numpy(result)))
