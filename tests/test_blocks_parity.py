"""Parity of phazer's blocks with faceswap's Phaze-A, sub-model by sub-model.

Golden figures come only from ``tests/data/phaze-a/reference.json`` (models built by faceswap
itself). Every non-CLIP case is turned into a ModelSpec and each of its sub-models is built
with phazer's blocks from the input shapes the reference shows.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from phazer.blocks import (
    build_decoder,
    build_encoder,
    build_fc,
    build_g_block,
    build_gblock_fc,
)
from phazer.blocks.bottleneck import add_bottleneck
from phazer.blocks.context import BuildContext
from phazer.blocks.encoder import PIXEL_SCALING
from phazer.catalog.encoders import ENCODERS
from phazer.compiler import compile_model
from phazer.ir.graph import SubModelBuilder, SubModelIR
from phazer.spec.faceswap_names import MODEL_OPTIONS
from phazer.spec.models import ModelSpec

REFERENCE = Path(__file__).parent / "data" / "phaze-a" / "reference.json"
CASES = [case for case in json.loads(REFERENCE.read_text())["cases"]
         if not case["config"]["enc_architecture"].startswith("clipv")]
NOT_ARCHITECTURE = {"freeze_layers", "load_layers"}

# Keras layer class -> IR op kind (for the layer-by-layer checks).
KINDS = {
    "InputLayer": "input", "Conv2D": "conv2d", "LeakyReLU": "leaky_relu",
    "PixelShuffler": "pixel_shuffle", "Add": "add", "Activation": "activation",
    "Flatten": "flatten", "Dense": "dense", "Dropout": "dropout", "Reshape": "reshape",
    "UpSampling2D": "upsampling2d", "MaxPooling2D": "max_pool2d",
    "KResizeImages": "resize_images", "Conv2DTranspose": "conv2d_transpose",
    "GaussianNoise": "gaussian_noise", "AdaInstanceNormalization": "adain",
    "GlobalMaxPooling2D": "global_max_pool", "Concatenate": "concatenate",
    "GlobalAveragePooling2D": "global_avg_pool", "GroupNormalization": "group_norm",
    "LayerNormalization": "layer_norm", "RMSNormalization": "rms_norm",
}
INITIALIZERS = {"HeUniform": "he_uniform", "GlorotUniform": "glorot_uniform",
                "HeNormal": "he_normal", "VarianceScaling": "variance_scaling_0.2"}


def to_spec(case: dict[str, Any]) -> ModelSpec:
    """A ModelSpec from a reference case's faceswap options."""
    config, data = case["config"], {}
    encoder = config["enc_architecture"]
    for option, value in config.items():
        path, applies_to = MODEL_OPTIONS[option]
        if option in NOT_ARCHITECTURE or (applies_to is not None and encoder not in applies_to):
            continue
        if option == "bottleneck_size" and config["bottleneck_type"] != "dense":
            continue
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    data.setdefault("decoder", {})["learn_mask"] = case["result"]["global_options"]["learn_mask"]
    return ModelSpec.model_validate(data)


def shapes(raw: list[list[int | None]]) -> list[tuple[int, ...]]:
    return [tuple(shape[1:]) for shape in raw]


def build(spec: ModelSpec, name: str, input_shapes: list[tuple[int, ...]]) -> SubModelIR:
    if name == "encoder":
        return build_encoder(spec)
    if name == "fc_gblock":
        return build_gblock_fc(spec, input_shapes[0])
    if name.startswith("fc_"):
        return build_fc(spec, name, input_shapes[0])
    if name.startswith("g_block"):
        return build_g_block(spec, name, input_shapes[0], input_shapes[1])
    return build_decoder(spec, name, input_shapes[0])


def is_keras(case: dict[str, Any]) -> bool:
    return ENCODERS[case["config"]["enc_architecture"]].is_keras_application


SUBMODELS = [pytest.param(case, name, id=f"{case['name']}/{name}")
             for case in CASES for name in case["result"]["sub_models"]]


def test_reference_cases_loaded() -> None:
    assert len(CASES) == 17
    assert sum(case["kind"] == "learn_mask" for case in CASES) == 3


@pytest.mark.parametrize(("case", "name"), SUBMODELS)
def test_submodel_params_and_shapes(case: dict[str, Any], name: str) -> None:
    spec = to_spec(case)
    ref = case["result"]["sub_models"][name]
    input_shapes = shapes(ref["input_shapes"])
    keras_encoder = name == "encoder" and is_keras(case)
    ir = build(spec, name, input_shapes)
    trainable, frozen = ref["trainable_params"], ref["non_trainable_params"]
    ours = ir.params
    if keras_encoder:  # compare everything but the Keras Applications backbone itself
        (nested,) = ref["nested_models"].values()
        trainable -= nested["trainable_params"]
        frozen -= nested["non_trainable_params"]
        for op in ir.ops:
            if op.kind == "keras_app":
                ours = type(ours)(ours.trainable - op.params.trainable,
                                  ours.non_trainable - op.params.non_trainable)
    assert (ours.trainable, ours.non_trainable) == (trainable, frozen)
    assert list(ir.input_shapes) == input_shapes
    assert list(ir.output_shapes) == shapes(ref["output_shapes"])


@pytest.mark.parametrize("case", [c for c in CASES if is_keras(c)], ids=lambda c: c["name"])
def test_keras_encoder_parts_around_the_backbone(case: dict[str, Any]) -> None:
    """Without the Keras table: the scaling op and the bottleneck after the backbone."""
    spec = to_spec(case)
    ref = case["result"]["sub_models"]["encoder"]
    layers = ref["layers"]
    backbone = next(layer for layer in layers if layer["class"] == "Functional")
    scaling_layers = [layer["class"] for layer in layers[1:layers.index(backbone)]]
    scale = PIXEL_SCALING[ENCODERS[spec.encoder.type].pixel_range]
    assert scaling_layers == {None: [], (255.0, 0.0): ["Multiply"],
                              (2.0, -1.0): ["Multiply", "Subtract"]}[scale]
    b = SubModelBuilder("encoder")
    x = add_bottleneck(b, b.input(tuple(backbone["output_shapes"][0][0][1:])), spec.bottleneck,
                       BuildContext(spec))
    ir = b.build(x)
    (nested,) = ref["nested_models"].values()
    assert ir.params.trainable == ref["trainable_params"] - nested["trainable_params"]
    assert ir.params.non_trainable == (ref["non_trainable_params"]
                                       - nested["non_trainable_params"])
    assert list(ir.output_shapes) == shapes(ref["output_shapes"])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_derived_sizes_match_reference(case: dict[str, Any]) -> None:
    spec = to_spec(case)
    result = case["result"]
    subs = result["sub_models"]
    compiled = compile_model(spec)
    assert compiled.errors == []
    dv = compiled.sizes
    assert list(dv.decoder_filters) == result["decoder_filters"]
    assert dv.encoder_input_px == result["input_shape"][0]
    fc_name = next(name for name in subs if name in ("fc_a", "fc_both"))
    assert dv.fc_output_shape == shapes(subs[fc_name]["output_shapes"])[0]
    decoder = next(name for name in subs if name.startswith("decoder"))
    assert dv.decoder_input_shape == shapes(subs[decoder]["input_shapes"])[0]
    if not is_keras(case):
        assert (dv.encoder_output_shape,) == tuple(shapes(subs["encoder"]["output_shapes"]))
    gblock = [name for name in subs if name.startswith("g_block")]
    if gblock:
        assert dv.gblock_filters == shapes(subs[gblock[0]]["output_shapes"])[0][-1]
    else:
        assert dv.gblock_filters is None
    assert dv.fc_filters is not None and not dv.fc_filters.changes and dv.retile is None


def ref_layers(ref: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(KINDS[layer["class"]], layer["params"], tuple(layer["output_shapes"][0][0][1:]),
             INITIALIZERS.get(layer.get("cfg", {}).get("kernel_initializer")))
            for layer in ref["layers"]]


def our_layers(ir: SubModelIR) -> list[tuple[Any, ...]]:
    return [(op.kind, op.params.total, op.shape, op.attr("kernel_initializer"))
            for op in ir.ops]


LAYER_CASES = [pytest.param(case, name, id=f"{case['name']}/{name}")
               for case in CASES for name in case["result"]["sub_models"]
               if not (name == "encoder" and is_keras(case))]


@pytest.mark.parametrize(("case", "name"), LAYER_CASES)
def test_layers_in_order(case: dict[str, Any], name: str) -> None:
    """Layer kinds, params, output shapes and initializers, in graph order (names ignored).

    Keras lists a multi-branch graph (G-Block, a decoder with a mask chain) in an order of
    its own, so those are compared as multisets.
    """
    spec = to_spec(case)
    ref = case["result"]["sub_models"][name]
    ir = build(spec, name, shapes(ref["input_shapes"]))
    expected, ours = ref_layers(ref), our_layers(ir)
    mask = spec.decoder.learn_mask and name.startswith("decoder")
    if name.startswith("g_block") or mask:
        assert Counter(ours) == Counter(expected)
    else:
        assert ours == expected
