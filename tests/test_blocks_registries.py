"""The block registries: every encoder has a backbone builder, every upscaler says what it
needs, and the spec's name lists are the catalog's."""

from __future__ import annotations

from dataclasses import replace
from typing import get_args

import pytest

from phazer.blocks import UPSCALERS, build_encoder
from phazer.blocks.encoder import BACKBONES, keras_app_attrs
from phazer.catalog.encoders import ENCODERS, encoder_names
from phazer.catalog.keras_apps import KERAS_ARGUMENTS
from phazer.catalog.upscalers import FC_UPSAMPLERS, UPSAMPLE2D, UPSCALER_FACTS
from phazer.compiler import compile_model
from phazer.ir.ops import OP_ATTRS
from phazer.spec.encoders import ENCODER_VARIANTS, ClipEncoderName, KerasEncoderName
from phazer.spec.models import ModelSpec


def test_every_encoder_has_a_backbone_builder() -> None:
    assert {info.builder for info in ENCODERS.values()} == set(BACKBONES)


def test_the_spec_accepts_exactly_the_catalogs_encoders() -> None:
    """The spec's encoder names are read from the catalog: an encoder added there is in the
    spec, and no spec name lacks catalog facts."""
    spec_names = set()
    for variant in ENCODER_VARIANTS:
        spec_names |= set(get_args(variant.model_fields["type"].annotation))
    assert spec_names == set(ENCODERS)
    assert set(get_args(ClipEncoderName)) == set(encoder_names("vision_transformer"))
    assert "mobilenet" not in get_args(KerasEncoderName)  # has its own options model


def test_keras_options_are_listed_once() -> None:
    """The options the spec's Keras encoders take are the ones the op and the table know."""
    spec_options = set()
    for variant in ENCODER_VARIANTS:
        spec_options |= set(variant.model_fields)
    keras_only = spec_options - {"type", "scaling", "imagenet_weights", "weights_file",
                                 "depth", "min_filters", "max_filters", "alt", "pretrained"}
    assert keras_only == set(KERAS_ARGUMENTS)
    assert set(KERAS_ARGUMENTS) <= OP_ATTRS["keras_app"]
    spec = ModelSpec.model_validate({"encoder": {"type": "mobilenet", "width": 0.5}})
    attrs = keras_app_attrs(spec, 224)
    assert (attrs["width"], attrs["depth_multiplier"], attrs["dropout"]) == (0.5, 1, 0.001)


@pytest.mark.parametrize("name", sorted(UPSCALERS))
def test_reflect_padding_limit_is_what_the_upscaler_needs(name: str, monkeypatch) -> None:
    """Each upscaler's reflect_min_size is the smallest decoder start that builds with reflect
    padding: at it the model builds; one below it is refused (PHZ311), and without the check
    the IR's own reflect-padding op refuses it too (PHZ399), so the limit is not too strict."""
    limit = UPSCALERS[name].reflect_min_size

    def errors(start: int) -> list[str]:
        spec = ModelSpec.model_validate({
            "output_size": start * 64, "fc": {"dimensions": start, "upsamples": 0},
            "decoder": {"upscaler": name}, "convolutions": {"reflect_padding": True}})
        return [i.code for i in compile_model(spec).errors]

    assert errors(max(limit, 1)) == []
    if limit > 1:
        assert errors(limit - 1) == ["PHZ311"]
        monkeypatch.setitem(UPSCALERS, name, replace(UPSCALERS[name], reflect_min_size=1))
        assert errors(limit - 1) == ["PHZ399"]


def test_every_catalog_upscaler_has_a_builder() -> None:
    """The builders are keyed by the catalog's names, and an upscaler has entry blocks
    exactly where the catalog (which the spec's fc.upsampler choices are read from) says."""
    assert list(UPSCALERS) == list(UPSCALER_FACTS)
    assert {n for n, i in UPSCALERS.items() if i.entry is not None} == {
        n for n, f in UPSCALER_FACTS.items() if f.has_entry}
    assert set(FC_UPSAMPLERS) == {n for n, i in UPSCALERS.items() if i.entry is None} | {
        UPSAMPLE2D}


def test_an_encoder_is_dispatched_by_its_builder() -> None:
    vit = ModelSpec.model_validate({"encoder": {"type": "clipv_vit-b-32", "scaling": 100}})
    kinds = {op.kind for op in build_encoder(vit).ops}
    assert "multi_head_attention" in kinds and "keras_app" not in kinds
    keras = ModelSpec.model_validate({"encoder": {"type": "resnet50", "scaling": 100}})
    assert "keras_app" in {op.kind for op in build_encoder(keras).ops}


@pytest.mark.parametrize("name", list(UPSCALER_FACTS))
def test_an_upscaler_is_usable_in_both_forms(name: str) -> None:
    """One catalog entry makes an upscaler a decoder.upscaler, an fc.upsampler (without entry
    blocks) and a graph-form ``upscaler`` block built by the same builder as Phaze-A's."""
    from phazer.blocks.conv import ConvSettings
    from phazer.ir.graph import SubModelBuilder
    from phazer.spec.graph_form import GraphSpec

    ModelSpec.model_validate({"decoder": {"upscaler": name}})
    if not UPSCALER_FACTS[name].has_entry:
        ModelSpec.model_validate({"fc": {"upsampler": name}})
    spec = GraphSpec.model_validate({
        "sides": {"a": {"input": 16}}, "routes": {"a": "net"},
        "models": {"net": [{"conv": {"filters": 8, "kernel": 3, "strides": 1}},
                           {"upscaler": {"type": name, "filters": 8}}, "output"]}})
    compiled = compile_model(spec)
    assert compiled.errors == []
    graph_ops = {op.name: op for op in compiled.model.submodels["net"].ops}
    b = SubModelBuilder("net")
    x = b.input((16, 16, 8), name="input_layer")
    y = UPSCALERS[name].build(b, x, 8, ConvSettings(), f"{name}_8_0")
    phaze_a = b.build(y).ops[1:]
    assert phaze_a
    for op in phaze_a:
        assert (graph_ops[op.name].kind, graph_ops[op.name].shape, graph_ops[op.name].attrs) == (
            op.kind, op.shape, op.attrs)


def test_every_graph_block_has_a_builder() -> None:
    """BLOCK_TYPES is the one list of graph-form blocks: the union the spec reads is built
    from it, and the IR has a builder for each block but the path blocks."""
    from typing import get_args

    from phazer.blocks.sequence import BLOCK_BUILDERS
    from phazer.spec.graph_blocks import BLOCK_TYPES, PATH_BLOCKS, Block

    assert set(BLOCK_BUILDERS) == set(BLOCK_TYPES) - set(PATH_BLOCKS)
    assert get_args(get_args(Block)[0]) == tuple(model for model, _ in BLOCK_TYPES.values())
