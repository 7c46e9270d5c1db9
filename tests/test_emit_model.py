"""The Keras emitter on whole models: names, params, sharing, saving, isolation, precision."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phazer.ir.graph import SubModelBuilder, SubModelIR
from phazer.ir.model import ModelIR, TopNode

# Keras' TensorFlow backend still calls np.array(tensor) the numpy-1 way.
pytestmark = [pytest.mark.keras,
              pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")]

keras = pytest.importorskip("keras")


# --- hand-made IRs -------------------------------------------------------------------------
def _encoder(size: int, width: int) -> SubModelIR:
    b = SubModelBuilder("encoder")
    x = b.input((size, size, 3))
    for i, filters in enumerate((width, width * 2)):
        x = b.add("conv2d", x, name=f"conv_{i}", filters=filters, kernel=5, strides=2,
                  kernel_initializer="he_uniform")
        x = b.add("leaky_relu", x, negative_slope=0.1)
    x = b.add("flatten", x)
    return b.build(b.add("dense", x, units=64, kernel_initializer="glorot_uniform"))


def _fc(name: str, dim: int, filters: int, norm: bool) -> SubModelIR:
    b = SubModelBuilder(name)
    x = b.input((64,))
    x = b.add("dropout", x, rate=0.1)
    x = b.add("dense", x, units=dim * dim * filters, kernel_initializer="glorot_uniform")
    x = b.add("reshape", x, target_shape=(dim, dim, filters))
    if norm:
        x = b.add("batch_norm", x, epsilon=1e-3)
    return b.build(x)


def _decoder(name: str, dim: int, channels: int) -> SubModelIR:
    """Side b's decoder uses the convolution-aware initializers (so saving covers them)."""
    aware = name.endswith("_b")
    b = SubModelBuilder(name)
    x = b.input((dim, dim, channels))
    x = b.add("conv2d", x, name="upscale_conv2d", filters=64, kernel=3,
              kernel_initializer="icnr_conv_aware" if aware else "icnr")
    x = b.add("leaky_relu", x, negative_slope=0.1)
    x = b.add("pixel_shuffle", x, scale=2)
    x = b.add("reflection_pad", x, padding=1)
    x = b.add("conv2d", x, name="residual_conv2d", filters=16, kernel=3, padding="valid",
              kernel_initializer="variance_scaling_0.2")
    x = b.add("resize_images", x, size=2, interpolation="bilinear")
    face = b.add("conv2d", x, name="face_out_conv2d", filters=3, kernel=5,
                 kernel_initializer="conv_aware" if aware else "he_uniform")
    face = b.add("activation", face, name="face_out", function="sigmoid", dtype="float32")
    mask = b.add("conv2d", x, name="mask_out_conv2d", filters=1, kernel=5,
                 kernel_initializer="he_uniform")
    mask = b.add("activation", mask, name="mask_out", function="sigmoid", dtype="float32")
    return b.build([face, mask])


def make_model_ir(name: str = "tiny", size: int = 16, width: int = 8) -> ModelIR:
    """Two sides, a shared encoder and fc_both, per-side fc and decoders, a concatenation."""
    dim, filters = size // 4, 8
    subs = [_encoder(size, width), _fc("fc_a", dim, filters, True),
            _fc("fc_b", dim, filters, True), _fc("fc_both", dim, filters, False),
            _decoder("decoder_a", dim, 2 * filters), _decoder("decoder_b", dim, 2 * filters)]
    submodels = {sub.name: sub for sub in subs}
    nodes: list[TopNode] = []
    for side in ("a", "b"):
        nodes.append(TopNode(f"face_in_{side}", "input", side, (), ((size, size, 3),)))
    for side in ("a", "b"):
        def call(sub: str, *inputs: str, side: str = side) -> str:
            node = f"{sub}@{side}"
            nodes.append(TopNode(node, "call", side, inputs, submodels[sub].output_shapes, sub))
            return node
        encoded = call("encoder", f"face_in_{side}")
        own, shared = call(f"fc_{side}", encoded), call("fc_both", encoded)
        nodes.append(TopNode(f"inter_{side}", "concatenate", side, (own, shared),
                             ((dim, dim, 2 * filters),)))
        call(f"decoder_{side}", f"inter_{side}")
    outputs = {"face_out_a": "decoder_a@a", "face_out_b": "decoder_b@b",
               "mask_out_a": "decoder_a@a#1", "mask_out_b": "decoder_b@b#1"}
    return ModelIR(name, ("a", "b"), submodels, tuple(nodes), outputs)


def _np(value: object) -> np.ndarray:
    return keras.ops.convert_to_numpy(value)


def _count(variables: list) -> int:
    return sum(int(np.prod(v.shape)) for v in variables)


def _layer_names(model: keras.Model) -> list[str]:
    names = []
    for layer in model.layers:
        names.append(layer.name)
        if isinstance(layer, keras.Model):
            names.extend(f"{layer.name}/{n}" for n in _layer_names(layer))
    return names


def _faces(size: int = 16, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(size=(2, size, size, 3)).astype("float32") for _ in range(2)]


@pytest.fixture(scope="module")
def model_ir() -> ModelIR:
    return make_model_ir()


@pytest.fixture(scope="module")
def model(model_ir: ModelIR) -> keras.Model:
    from phazer.emit import emit_model

    return emit_model(model_ir)


# --- tests -----------------------------------------------------------------------------------
def test_names_follow_the_contract(model: keras.Model, model_ir: ModelIR) -> None:
    assert model.name == "tiny"
    assert [t.name for t in model.inputs] == ["face_in_a", "face_in_b"]
    assert model.output_names == ["face_out_a", "face_out_b", "mask_out_a", "mask_out_b"]
    layers = {layer.name: layer for layer in model.layers}
    for name in model_ir.submodels:
        assert isinstance(layers[name], keras.Model), name
    assert {"inter_a", "inter_b"} <= set(layers)
    assert type(layers["inter_a"]).__name__ == "Concatenate"
    decoder = layers["decoder_a"]
    assert sorted(op.name for op in model_ir.submodels["decoder_a"].ops) == \
        sorted(layer.name for layer in decoder.layers)


def test_param_counts_equal_the_ir(model: keras.Model, model_ir: ModelIR) -> None:
    assert model.count_params() == model_ir.params.total
    assert _count(model.trainable_weights) == model_ir.params.trainable
    assert _count(model.non_trainable_weights) == model_ir.params.non_trainable > 0
    for name, sub in model_ir.submodels.items():
        layer = model.get_layer(name)
        assert _count(layer.trainable_weights) == sub.params.trainable, name
        assert _count(layer.non_trainable_weights) == sub.params.non_trainable, name
        assert [tuple(t.shape[1:]) for t in layer.outputs] == list(sub.output_shapes), name


def test_shared_submodels_hold_one_set_of_weights(model: keras.Model,
                                                  model_ir: ModelIR) -> None:
    variables = model.weights
    assert len({id(v) for v in variables}) == len(variables)
    per_submodel = sum(len(model.get_layer(name).weights) for name in model_ir.submodels)
    assert len(variables) == per_submodel
    # Both sides really go through the one encoder: an identical input gives identical codes.
    encoder = model.get_layer("encoder")
    assert len(model_ir.calls_of("encoder")) == 2
    probe = keras.Model(model.inputs, [model.get_layer("inter_a").output,
                                       model.get_layer("inter_b").output])
    face = _faces()[0]
    inter_a, inter_b = (_np(t) for t in probe([face, face], training=False))
    channels = inter_a.shape[-1] // 2
    np.testing.assert_allclose(inter_a[..., channels:], inter_b[..., channels:], rtol=1e-6)
    assert not np.allclose(inter_a[..., :channels], inter_b[..., :channels])
    assert encoder.count_params() == model_ir.submodels["encoder"].params.total


def test_save_and_load_back_in_safe_mode(model: keras.Model, tmp_path: Path) -> None:
    path = tmp_path / "tiny.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.count_params() == model.count_params()
    assert loaded.output_names == model.output_names
    faces = _faces(seed=1)
    for before, after in zip(model(faces, training=False), loaded(faces, training=False),
                             strict=True):
        np.testing.assert_allclose(_np(before), _np(after), rtol=1e-5, atol=1e-6)


def test_two_models_in_one_process_do_not_leak() -> None:
    from phazer.emit import emit_model

    first = emit_model(make_model_ir("first"))
    other_ir = make_model_ir("other", size=32, width=12)
    other = emit_model(other_ir)
    again = emit_model(make_model_ir("first"))
    assert _layer_names(first) == _layer_names(again)
    assert [v.path for v in first.weights] == [v.path for v in again.weights]
    assert other.count_params() == other_ir.params.total
    assert first.count_params() == again.count_params() == make_model_ir().params.total
    assert not {id(v) for v in first.weights} & {id(v) for v in other.weights}
    assert not {id(v) for v in first.weights} & {id(v) for v in again.weights}


def test_icnr_gives_identical_sub_pixel_positions() -> None:
    from phazer.emit import emit_submodel

    b = SubModelBuilder("upscale")
    x = b.add("conv2d", b.input((5, 5, 6)), name="conv", filters=4 * 7, kernel=3,
              kernel_initializer="icnr")
    ir = b.build(b.add("pixel_shuffle", x, scale=2))
    model = emit_submodel(ir)
    kernel = _np(model.get_layer("conv").kernel)
    channels = kernel.shape[-1] // 4
    for position in range(1, 4):
        np.testing.assert_array_equal(kernel[..., position * channels:(position + 1) * channels],
                                      kernel[..., :channels])
    assert np.std(kernel[..., :channels]) > 0
    out = _np(model(np.random.default_rng(2).normal(size=(1, 5, 5, 6)).astype("float32")))
    block = out[:, 0::2, 0::2]
    for dy, dx in ((0, 1), (1, 0), (1, 1)):
        np.testing.assert_allclose(out[:, dy::2, dx::2], block, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("policy", "compute"), [("mixed_bfloat16", "bfloat16"),
                                                  ("mixed_float16", "float16")])
def test_build_model_computes_under_the_policy_then_restores_it(policy, compute) -> None:
    from phazer.train.build import build_model

    model = build_model(make_model_ir("policy"), policy)
    assert keras.config.dtype_policy().name == "float32"
    decoder = model.get_layer("decoder_a")
    assert decoder.get_layer("upscale_conv2d").compute_dtype == compute
    assert decoder.get_layer("face_out").compute_dtype == "float32"
    assert all(w.dtype == "float32" for w in model.weights)     # the weights stay float32
    results = model(_faces(), training=False)
    assert all(np.all(np.isfinite(_np(r))) for r in results)
    assert all(t.dtype == "float32" for t in model.outputs)


def test_float32_outputs_under_mixed_precision() -> None:
    from phazer.emit import emit_model

    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        model = emit_model(make_model_ir("mixed"))
        decoder = model.get_layer("decoder_a")
        assert decoder.get_layer("upscale_conv2d").compute_dtype == "float16"
        assert decoder.get_layer("face_out").compute_dtype == "float32"
        assert all(t.dtype == "float32" for t in model.outputs)
        results = model(_faces(), training=False)
        assert all(str(r.dtype) in ("float32", "<dtype: 'float32'>") for r in results)
        assert all(np.all(np.isfinite(_np(r))) for r in results)
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    assert keras.mixed_precision.dtype_policy().name == "float32"
