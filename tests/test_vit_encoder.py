"""The CLIP / FaRL vision-transformer encoders: plan figures, layer order, rules, weights.

Golden figures come from ``tests/data/phaze-a/reference.json`` (faceswap's own clipfaker
models, every layer of the nested ``visual`` model) and from Keras itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from phazer.blocks import build_encoder
from phazer.blocks.vit import vision_transformer
from phazer.catalog.encoders import ENCODERS, ViTFacts
from phazer.faceswap_import import import_faceswap
from phazer.ir.graph import PretrainedWeights, SubModelBuilder, SubModelIR
from phazer.pipeline.validation import check_spec
from phazer.spec.models import ModelSpec

DATA = Path(__file__).parent / "data"
REFERENCE = {c["name"]: c for c in json.loads((DATA / "phaze-a" / "reference.json").read_text())
             ["cases"]}
CLIP_CASES = sorted(n for n, c in REFERENCE.items()
                    if c["config"]["enc_architecture"].startswith("clipv_"))

# faceswap's layer classes in its ``visual`` model -> phazer's op kinds. faceswap draws a
# learned embedding and its merge as two layers (ClassEmbedding + Concatenate,
# PositionalEmbedding + Add, Projection + Dot); phazer's op is the pair.
PAIRED = {"ClassEmbedding": ("Concatenate", "class_token"),
          "PositionalEmbedding": ("Add", "position_embedding"),
          "Projection": ("Dot", "dense")}
KINDS = {"InputLayer": "input", "Conv2D": "conv2d", "Reshape": "reshape",
         "LayerNormalization": "layer_norm", "MultiHeadAttention": "multi_head_attention",
         "Add": "add", "Dense": "dense", "QuickGELU": "quick_gelu", "GetItem": "take_token"}


def _faceswap_visual_layers(case: dict) -> list[tuple[str, int, tuple[int, ...]]]:
    """(op kind, params, output shape) of faceswap's ``visual`` layers, pairs merged."""
    layers = case["result"]["sub_models"]["encoder"]["nested_models"]["visual"]["layers"]
    out: list[tuple[str, int, tuple[int, ...]]] = []
    index = 0
    while index < len(layers):
        layer = layers[index]
        if layer["class"] in PAIRED:
            partner, kind = PAIRED[layer["class"]]
            merged = layers[index + 1]
            assert merged["class"] == partner
            out.append((kind, layer["params"], tuple(merged["output_shapes"][0][0][1:])))
            index += 2
            continue
        out.append((KINDS[layer["class"]], layer["params"],
                    tuple(layer["output_shapes"][0][0][1:])))
        index += 1
    return out


def _spec(name: str) -> ModelSpec:
    result = import_faceswap(DATA / "faceswap-presets" / f"model_phaze_a_{name}_preset.json")
    assert result.spec is not None, result.issues
    return result.spec


@pytest.mark.parametrize("name", CLIP_CASES)
def test_encoder_layers_equal_faceswaps_visual_model(name: str) -> None:
    encoder = build_encoder(_spec(name))
    ours = [(op.kind, op.params.total, op.shape) for op in encoder.ops
            if op.kind != "input" or op.name == encoder.inputs[0]]
    expected = _faceswap_visual_layers(REFERENCE[name])
    assert ours == expected  # the flatten bottleneck adds no layer to a flat output


def test_import_keeps_the_pretrained_switch_and_reports_the_resampling() -> None:
    spec = _spec("clipfaker128")
    assert spec.encoder.type == "clipv_farl-b-16-64" and spec.encoder.pretrained is True
    codes = {issue.code: issue for issue in check_spec(spec)}
    assert "4x4" in codes["PHZ327"].message and "14x14" in codes["PHZ327"].message
    assert "PHZ208" not in codes  # keras_encoder is the transformer, as in faceswap


@pytest.mark.parametrize(("encoder", "params", "output"), [
    # openai/CLIP's published visual-tower sizes at the native input
    ("clipv_vit-b-16", 86_192_640, 512), ("clipv_vit-b-32", 87_849_216, 512),
    ("clipv_vit-l-14", 303_966_208, 768), ("clipv_vit-l-14-336px", 304_293_888, 768)])
def test_native_sizes_match_clips_visual_towers(encoder: str, params: int, output: int) -> None:
    spec = ModelSpec.model_validate({"encoder": {"type": encoder, "scaling": 100},
                                     "bottleneck": {"type": "flatten"}})
    built = build_encoder(spec)
    assert built.params.total == params
    assert built.output_shapes == ((output,),)
    assert built.input_shapes[0][0] == ENCODERS[encoder].default_size


def test_attention_flops_and_memory_grow_with_the_square_of_the_tokens() -> None:
    from phazer.plan.memory_walk import attention_costs

    def attention(px: int):
        b = SubModelBuilder("e")
        out = vision_transformer(b, b.input((px, px, 3)), ENCODERS["clipv_vit-b-16"].vit)
        return next(op for op in b.build(out).ops if op.kind == "multi_head_attention")

    small, large = attention(64), attention(224)   # 17 and 197 tokens, 12 heads of 64
    for op, tokens in ((small, 17), (large, 197)):
        projections = 4 * (2 * tokens * 768 * 768 + tokens * 768)
        matmuls = 2 * 2 * 12 * tokens * tokens * 64
        assert op.flops == projections + matmuls + tokens * 768 + 3 * 12 * tokens * tokens
        kept = attention_costs(op)[0]
        assert kept == 4 * tokens * 768 + 12 * tokens * tokens


@pytest.mark.parametrize("pooling", ["average_pooling", "max_pooling"])
def test_pooling_bottleneck_on_the_flat_embedding_is_rejected(pooling: str) -> None:
    spec = ModelSpec.model_validate({"encoder": {"type": "clipv_vit-b-32", "scaling": 50},
                                     "bottleneck": {"type": pooling}})
    issues = [i for i in check_spec(spec) if i.code == "PHZ314"]
    assert issues and issues[0].severity == "error" and issues[0].path == "bottleneck.type"
    assert "flatten" in issues[0].hint


def test_enc_scaling_zero_gives_the_minimum_input() -> None:
    spec = ModelSpec.model_validate({"encoder": {"type": "fs_original", "scaling": 0}})
    assert build_encoder(spec).input_shapes == ((32, 32, 3),)
    notes = [i for i in check_spec(spec) if i.code == "PHZ326"]
    assert notes and "32px" in notes[0].message


# --- Keras: layers and pretrained weights ------------------------------------------------------
TINY = ViTFacts(width=64, layers=2, patch=8, output=24, weights_name="tiny")


def _tiny_vit(px: int, pretrained: PretrainedWeights | None = None) -> SubModelIR:
    b = SubModelBuilder("encoder")
    out = vision_transformer(b, b.input((px, px, 3), name="face_in"), TINY)
    return b.build(out, pretrained)


def _write_h5(path: Path, model, prefix: str = "visual_") -> None:
    """A Keras HDF5 weights file in the layout faceswap's CLIPv files use (layer order)."""
    import h5py

    layers = [layer for layer in model.layers if layer.name.startswith(prefix) and layer.weights]
    with h5py.File(path, "w") as handle:
        handle.attrs["layer_names"] = [f"visual.{i}".encode() for i in range(len(layers))]
        for i, layer in enumerate(layers):
            group = handle.create_group(f"visual.{i}")
            names = [f"w{j}:0".encode() for j in range(len(layer.weights))]
            group.attrs["weight_names"] = names
            for name, weight in zip(names, layer.weights, strict=True):
                group[name.decode()] = np.asarray(weight.numpy())


@pytest.mark.keras
def test_vit_layers_compute_what_clip_does() -> None:
    keras = pytest.importorskip("keras")
    from phazer.emit.vit_layers import ClassToken, PositionEmbedding, QuickGELU, TakeToken

    x = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    gelu = keras.ops.convert_to_numpy(QuickGELU()(x))
    np.testing.assert_allclose(gelu, x / (1 + np.exp(-1.702 * x)), rtol=1e-5, atol=1e-6)
    token = ClassToken()
    with_token = keras.ops.convert_to_numpy(token(x))
    assert with_token.shape == (2, 6, 4)
    np.testing.assert_allclose(with_token[:, 0], np.broadcast_to(token.token.numpy(), (2, 4)))
    np.testing.assert_allclose(with_token[:, 1:], x)
    positions = PositionEmbedding()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(positions(x)),
                               x + positions.positions.numpy()[None], rtol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(TakeToken(0)(x)), x[:, 0])
    for layer in (token, positions, QuickGELU(), TakeToken(0)):
        config = keras.saving.serialize_keras_object(layer)
        again = keras.saving.deserialize_keras_object(config, safe_mode=True)
        assert type(again) is type(layer)


@pytest.mark.keras
def test_pretrained_weights_load_by_order_and_positions_are_resampled(tmp_path: Path) -> None:
    from phazer.emit import emit_submodel

    source = emit_submodel(_tiny_vit(32))            # the "native" 4x4 grid: 17 tokens
    weights = tmp_path / "CLIPv_tiny_v1.h5"
    _write_h5(weights, source)
    table = source.get_layer("visual_positional_embedding").positions.numpy()

    same = emit_submodel(_tiny_vit(32, PretrainedWeights("clip_vit", "clipv_vit-b-16",
                                                         str(weights))))
    for mine, theirs in zip(same.weights, source.weights, strict=True):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())

    larger = emit_submodel(_tiny_vit(64, PretrainedWeights("clip_vit", "clipv_vit-b-16",
                                                           str(weights))))
    resampled = larger.get_layer("visual_positional_embedding").positions.numpy()
    assert resampled.shape == (65, 64)                 # 8x8 grid + the class token
    np.testing.assert_array_equal(resampled[0], table[0])
    grid = resampled[1:].reshape(8, 8, 64)
    old = table[1:].reshape(4, 4, 64)
    assert np.allclose(grid.mean(axis=(0, 1)), old.mean(axis=(0, 1)), atol=0.05 * np.abs(
        old).max())                                    # a resize, not new random values
    np.testing.assert_array_equal(larger.get_layer("visual_conv1").kernel.numpy(),
                                  source.get_layer("visual_conv1").kernel.numpy())


@pytest.mark.keras
def test_missing_or_mismatched_weights_are_clear_errors(tmp_path: Path) -> None:
    from phazer.emit import WeightsUnavailableError, emit_submodel
    from phazer.emit.pretrained import PretrainedWeightsError

    missing = tmp_path / "nowhere.h5"
    with pytest.raises(WeightsUnavailableError, match=r"nowhere\.h5"):
        emit_submodel(_tiny_vit(32, PretrainedWeights("clip_vit", "clipv_vit-b-16",
                                                      str(missing))))
    other = tmp_path / "other.h5"
    _write_h5(other, emit_submodel(_tiny_vit(32)), prefix="visual_transformer_resblocks_0")
    with pytest.raises(PretrainedWeightsError, match=r"other\.h5.*layers with weights"):
        emit_submodel(_tiny_vit(32, PretrainedWeights("clip_vit", "clipv_vit-b-16",
                                                      str(other))))
    garbage = tmp_path / "garbage.h5"
    garbage.write_bytes(b"not hdf5")
    with pytest.raises(PretrainedWeightsError, match=r"garbage\.h5"):
        emit_submodel(_tiny_vit(32, PretrainedWeights("clip_vit", "clipv_vit-b-16",
                                                      str(garbage))))


@pytest.mark.keras
def test_a_vit_encoder_round_trips_a_keras_file_in_safe_mode(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras")
    from phazer.emit import emit_submodel

    model = emit_submodel(_tiny_vit(32))
    path = tmp_path / "vit.keras"
    model.save(path)
    again = keras.saving.load_model(path, safe_mode=True)
    x = np.random.default_rng(1).random((2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(again(x)),
                               keras.ops.convert_to_numpy(model(x)), rtol=1e-5, atol=1e-6)
