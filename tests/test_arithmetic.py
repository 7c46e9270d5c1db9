"""The derived sizes (worked examples of the guide and the shared README) and every condition
under which a spec cannot be built."""

from __future__ import annotations

from typing import Any

import pytest

from phazer.blocks import (
    BuildError,
    ResolvedSizes,
    build_decoder,
    build_encoder,
    build_fc,
    build_g_block,
    scale_dim,
)
from phazer.compiler import compile_model, compile_model_ir
from phazer.curves import filter_curve
from phazer.ir.ops import IRShapeError, reflect_same_padding
from phazer.issues import Issue
from phazer.spec.models import ModelSpec


def make(**groups: Any) -> ModelSpec:
    return ModelSpec.model_validate(groups)


def derive(spec: ModelSpec) -> ResolvedSizes:
    """The sizes the builders recorded while compiling the spec (as far as they got)."""
    return compile_model(spec).sizes


def problems(spec: ModelSpec) -> list[Issue]:
    return compile_model(spec).errors


def paths_of(spec: ModelSpec) -> list[tuple[str, ...]]:
    """Per error: the blamed field, then the other fields involved (named in the hint)."""
    found = []
    for issue in problems(spec):
        _, _, involved = issue.hint.partition("(fields involved: ")
        found.append((issue.path, *(p for p in involved.rstrip(")").split(", ") if p)))
    return found


def flagged(spec: ModelSpec, field: str) -> bool:
    return any(field in paths for paths in paths_of(spec))


# --- worked examples --------------------------------------------------------------------------
def test_guide_rescale_1280_is_1152_as_faceswap_builds_it() -> None:
    """Guide: output 192, FC dimensions 8, 1280 filters, one upsample. The guide says 1278
    (81,792 nodes, fc_a (16, 16, 1278)); faceswap's code rounds down to multiples of
    s^2 = 144 (s = 12) and builds 1152 (73,728 nodes), which phazer follows."""
    spec = make(output_size=192, fc={"dimensions": 8, "upsamples": 1, "min_filters": 1280,
                                     "max_filters": 1280, "upsampler": "upsample2d"})
    dv = derive(spec)
    assert dv.fc_filters.max_filters == 1152
    assert dv.fc_filters.multiple == 144
    assert dv.fc_nodes == (73_728,)
    assert dv.fc_output_shape == (16, 16, 1152)
    assert dv.fc_filters.changes == (("fc.max_filters", 1280, 1152),)
    assert dv.retile == ((16, 16, 1152), (12, 12, 2048))
    assert problems(spec) == []
    fc = build_fc(spec, "fc_a", dv.encoder_output_shape)
    assert fc.output_shapes == ((16, 16, 1152),)
    decoder = build_decoder(spec, "decoder_a", dv.decoder_input_shape)
    assert decoder.output_shapes == ((192, 192, 3),)


def test_readme_rescale_1024_to_1000_and_retile_8x8x500_to_5x5x1280() -> None:
    spec = make(output_size=80, fc={"dimensions": 4, "upsamples": 1, "min_filters": 1024,
                                    "max_filters": 1024, "upsampler": "subpixel",
                                    "upsample_filters": 512})
    dv = derive(spec)
    assert dv.fc_filters.max_filters == 1000
    assert dv.fc_filters.upsample_filters == 500
    assert dv.fc_output_shape == (8, 8, 500)
    assert dv.retile == ((8, 8, 500), (5, 5, 1280))
    assert dv.total_upscales - dv.fc_upscales == 4  # 5 -> 10 -> 20 -> 40 -> 80
    assert problems(spec) == []
    decoder = build_decoder(spec, "decoder_a", dv.decoder_input_shape)
    assert decoder.ops[1].kind == "reshape" and decoder.ops[1].shape == (5, 5, 1280)
    assert decoder.output_shapes == ((80, 80, 3),)


@pytest.mark.parametrize(("slope", "expected"), [(-0.45, (512, 256, 128, 64)),
                                                 (0.0, (512, 360, 208, 64)),
                                                 (0.45, (512, 440, 312, 64))])
def test_decoder_filter_lists(slope: float, expected: tuple[int, ...]) -> None:
    """The guide's 4-upscale example (8 -> 128 px), with the code's sign convention."""
    spec = make(output_size=128, fc={"dimensions": 8, "upsamples": 0},
                decoder={"min_filters": 64, "max_filters": 512, "slope": slope})
    dv = derive(spec)
    assert dv.total_upscales == 4
    assert dv.decoder_filters == expected


def test_scale_dim() -> None:
    assert scale_dim(192, 16) == 12
    assert scale_dim(128, 16) == 16
    assert scale_dim(80, 8) == 5
    assert scale_dim(80, 4) == 5  # halving stops at an odd size, above the input
    assert scale_dim(384, 3) == 3
    assert scale_dim(64, 128) == 64


def test_curve_single_point_floors_and_rising_cap_max() -> None:
    """As faceswap: a 1-point full curve is floored to 8; cap modes stop at the end value."""
    assert filter_curve(500, 64, 1, 0.0) == [496]
    assert filter_curve(256, 512, 3, 0.5, "cap_max") == [256, 256, 512]
    assert filter_curve(256, 512, 3, 0.5, "cap_min") == [256, 512, 512]


# --- where phazer and faceswap's code part ways -------------------------------------------------
def test_depth_one_uses_max_filters() -> None:
    spec = make(fc={"depth": 1, "dimensions": 4, "min_filters": 256, "max_filters": 1024})
    assert derive(spec).fc_nodes == (16 * 1024,)
    assert problems(spec) == []


def test_rescaling_uses_faceswaps_fc_size() -> None:
    """dim 4 with 2 upsamples is 16 px, which doubles to 128 (no re-tiling), but faceswap's
    rescaling takes the FC size as dim * (upsamples + 1) = 12 px, which re-tiles to 8: every
    count becomes a multiple of 64 (1000 -> 960, 500 -> 448)."""
    spec = make(output_size=128, fc={"dimensions": 4, "upsamples": 2, "max_filters": 1000,
                                     "upsampler": "subpixel", "upsample_filters": 500})
    dv = derive(spec)
    assert dv.chain.start_dim == 16 and dv.retile is None
    assert (dv.fc_filters.rescale_size, dv.fc_filters.rescale_dim) == (12, 8)
    assert dv.fc_filters.changes == (("fc.max_filters", 1000, 960),
                                     ("fc.upsample_filters", 500, 448))
    assert dv.fc_output_shape == (16, 16, 448)
    assert problems(spec) == []


def test_rescaling_with_min_above_max_filters() -> None:
    """random_031 of the edge cases: output 160, dim 4, 2 upsamples (faceswap's FC size 12,
    s = 10: multiples of 100), min 512 > max 256: Dense 8000 -> 3200, reshape 4x4x200,
    upsample filters 500; the real 16x16 output re-tiles to 10x10."""
    spec = make(output_size=160, fc={"depth": 2, "dimensions": 4, "upsamples": 2,
                                     "min_filters": 512, "max_filters": 256, "slope": -0.8,
                                     "upsampler": "upscale_fast", "upsample_filters": 512})
    dv = derive(spec)
    assert dv.fc_filters.multiple == 100
    assert dv.fc_nodes == (8000, 3200)
    assert dv.fc_reshape == (4, 4, 200)
    assert dv.fc_output_shape == (16, 16, 500)
    assert dv.retile == ((16, 16, 500), (10, 10, 1280))
    assert problems(spec) == []


def test_rescaling_that_leaves_a_retile_not_dividing() -> None:
    """dim 5, 2 upsamples, output 240: faceswap's FC size 15 doubles up, so nothing is
    rescaled, but the real 20x20 output re-tiles to 15x15, which 512 channels cannot fill;
    the hint asks for a multiple of 9."""
    spec = make(output_size=240, fc={"dimensions": 5, "upsamples": 2, "max_filters": 512,
                                     "upsampler": "upsample2d"})
    dv = derive(spec)
    assert dv.fc_filters.changes == () and dv.chain.retile_dim == 15
    (found,) = [p for p in problems(spec) if p.code == "PHZ305"]
    assert "multiple of 9" in found.hint


def test_skip_last_residual_applies_to_each_part() -> None:
    spec = make(output_size=256, fc={"dimensions": 4, "upsamples": 0},
                decoder={"upscales_in_fc": 2, "res_blocks": 1, "skip_last_residual": True})
    dv = derive(spec)
    assert dv.total_upscales == 6
    assert dv.residual_upscales == (True, False, True, True, True, False)


@pytest.mark.parametrize(("min_nodes", "max_nodes", "expected"), [
    (128, 256, (128,)),   # random_022 of the edge cases
    (512, 128, (512,)),   # random_051: min above max
    (500, 128, (496,)),   # floored to 8
])
def test_gblock_depth_one_uses_min_nodes(min_nodes: int, max_nodes: int,
                                         expected: tuple[int, ...]) -> None:
    """As faceswap: fc_gblock's one-point curve is its start, min_nodes floored to 8."""
    spec = make(gblock_fc={"depth": 1, "min_nodes": min_nodes, "max_nodes": max_nodes})
    assert derive(spec).gblock_fc_nodes == expected


# --- cannot-build conditions ------------------------------------------------------------------
def test_filters_rescaled_to_zero() -> None:
    spec = make(output_size=80, fc={"dimensions": 4, "upsamples": 1, "max_filters": 16,
                                    "min_filters": 16, "upsampler": "upsample2d"})
    assert flagged(spec, "fc.max_filters")
    assert "rescaled to 0" in problems(spec)[0].message


def test_node_floor_breaks_reshape() -> None:
    spec = make(output_size=384, fc={"dimensions": 3, "upsamples": 0, "min_filters": 1540,
                                     "max_filters": 1540})
    assert derive(spec).fc_nodes == (13_856,)  # 9 x 1540 = 13,860 floored to 8
    assert flagged(spec, "fc.max_filters")
    assert "e.g. 1536" in problems(spec)[0].hint


def test_depth_zero_needs_matching_bottleneck() -> None:
    spec = make(fc={"depth": 0, "dimensions": 4, "max_filters": 512},
                bottleneck={"type": "dense", "size": 1024})
    assert flagged(spec, "fc.depth")
    ok = make(fc={"depth": 0, "dimensions": 4, "max_filters": 64, "upsamples": 0},
              bottleneck={"type": "dense", "size": 1024})
    assert not flagged(ok, "fc.depth")


def test_retile_that_does_not_divide() -> None:
    """upscale_hybrid outputs 2 * ceil(f / 2) channels: 526 for 525 filters, which does not
    re-tile from 8x8 to 5x5."""
    spec = make(output_size=80, fc={"dimensions": 4, "upsamples": 1, "max_filters": 1000,
                                    "upsampler": "upscale_hybrid", "upsample_filters": 525})
    assert derive(spec).fc_upsampled_shape == (8, 8, 526)
    assert flagged(spec, "fc.upsample_filters")


@pytest.mark.parametrize(("encoder", "groups", "message"), [
    ({"type": "fs_original", "alt": True, "depth": 7, "scaling": 13}, {}, "4x4 conv"),
    ({"type": "fs_original", "depth": 6, "scaling": 7}, {"convolutions": {"reflect_padding": True}},
     "too deep"),
])
def test_encoder_too_deep(encoder: dict[str, Any], groups: dict[str, Any], message: str) -> None:
    spec = make(encoder=encoder, **groups)
    found = problems(spec)
    assert found and found[0].path == "encoder.depth" and message in found[0].message
    assert "faceswap fails here too" in found[0].message


def test_encoder_reaching_1px_builds_with_a_warning() -> None:
    """faceswap's 'same' stride-2 convs take a 1x1 map: the plain encoder builds (PHZ329)."""
    spec = make(encoder={"type": "fs_original", "depth": 8, "scaling": 7})
    assert problems(spec) == []
    (found,) = [i for i in compile_model(spec).issues if i.code == "PHZ329"]
    assert (found.severity, found.path) == ("warning", "encoder.depth")
    assert "the last 2 blocks get a 1x1 map" in found.message


def test_more_fc_upscales_than_exist() -> None:
    """faceswap moves every upscale into the FC (its slice of the filter list ends early)."""
    spec = make(output_size=64, fc={"dimensions": 16, "upsamples": 0},
                decoder={"upscales_in_fc": 3})
    assert derive(spec).total_upscales == 2 and derive(spec).fc_upscales == 2
    assert problems(spec) == []
    (found,) = [i for i in compile_model(spec).issues if i.code == "PHZ306"]
    assert (found.severity, found.path) == ("warning", "decoder.upscales_in_fc")


def test_learn_mask_with_fc_upscales() -> None:
    spec = make(decoder={"learn_mask": True, "upscales_in_fc": 1})
    assert flagged(spec, "decoder.learn_mask")
    assert "faceswap's build fails here too" in problems(spec)[0].message


def test_fc_output_larger_than_output() -> None:
    """faceswap re-tiles it down (its _reshape_for_output) and builds no upscale: PHZ301."""
    spec = make(output_size=64, fc={"dimensions": 16, "upsamples": 3})
    assert problems(spec) == []
    assert derive(spec).retile == ((128, 128, 1024), (64, 64, 4096))
    assert derive(spec).total_upscales == 0
    (found,) = [i for i in compile_model(spec).issues if i.code == "PHZ301"]
    assert (found.severity, found.path) == ("warning", "fc.dimensions")


@pytest.mark.parametrize(("channels", "groups"), [
    (512, 32), (64, 32), (304, 19), (240, 30), (520, 26), (24, 24), (16, 16), (8, 8)])
def test_group_count(channels: int, groups: int) -> None:
    """The largest group count <= 32 that divides the channels."""
    from phazer.blocks.norms import group_count

    assert group_count(channels) == groups


def test_group_norm_on_any_channel_count_builds() -> None:
    """faceswap builds group norm on 304 channels (random_016) with 2 params per channel."""
    spec = make(decoder={"norm": "group", "max_filters": 520})
    assert not flagged(spec, "decoder.norm")
    dv = derive(spec)
    ir = build_decoder(spec, "decoder_a", dv.decoder_input_shape)
    norms = [(op.shape[-1], op.attr("groups"), op.params.total) for op in ir.ops
             if op.kind == "group_norm"]
    assert norms == [(c, {520: 26, 256: 32, 136: 17, 64: 32}[c], 2 * c)
                     for c in dv.decoder_filters]


def test_hybrid_odd_filters_before_residual_blocks() -> None:
    spec = make(decoder={"upscaler": "upscale_hybrid", "max_filters": 513,
                         "slope_mode": "cap_max", "slope": 0.5, "res_blocks": 1})
    assert flagged(spec, "decoder.upscaler")


@pytest.mark.parametrize(("groups", "field"), [
    ({"output_size": 64, "fc": {"dimensions": 2, "upsamples": 0},
      "decoder": {"upscaler": "upscale_dny"}}, "decoder.upscaler"),
    ({"output_size": 64, "fc": {"dimensions": 1, "upsamples": 0}}, "decoder.upscaler"),
    ({"fc": {"dimensions": 1, "upsamples": 1, "upsampler": "subpixel"}}, "fc.upsampler"),
])
def test_reflect_padding_on_tiny_maps(groups: dict[str, Any], field: str) -> None:
    assert not flagged(make(**groups), field)
    spec = make(**groups, convolutions={"reflect_padding": True})
    assert flagged(spec, field)


def test_builders_refuse_a_spec_with_problems() -> None:
    """A builder on its own raises a BuildError carrying the issues; the compiler returns
    them with no model."""
    spec = make(decoder={"learn_mask": True, "upscales_in_fc": 1})
    with pytest.raises(BuildError, match="cannot be built") as raised:
        compile_model_ir(spec)
    assert [i.code for i in raised.value.issues if i.severity == "error"] == ["PHZ307"]
    compiled = compile_model(spec)
    assert compiled.model is None and [i.path for i in compiled.errors] == ["decoder.learn_mask"]
    with pytest.raises(BuildError, match="learn_mask"):
        build_fc(spec, "fc_a", (1024,))
    with pytest.raises(ValueError, match="unknown FC"):
        build_fc(make(), "fc_gblock", (1024,))
    assert build_fc(make(), "fc_x2", (1024,)).name == "fc_x2"  # any side's name


# --- convolution switches -----------------------------------------------------------------------
def test_reflect_padding_keeps_shapes_and_params() -> None:
    plain, padded = make(), make(convolutions={"reflect_padding": True})
    enc_a, enc_b = build_encoder(plain), build_encoder(padded)
    assert enc_a.output_shapes == enc_b.output_shapes and enc_a.params == enc_b.params
    assert [op.attr("padding") for op in enc_b.ops if op.kind == "conv2d"] == ["valid"] * 4
    assert sum(op.kind == "reflection_pad_same" for op in enc_b.ops) == 4
    dv = derive(padded)
    dec_a = build_decoder(plain, "decoder_a", dv.decoder_input_shape)
    dec_b = build_decoder(padded, "decoder_a", dv.decoder_input_shape)
    assert dec_a.params == dec_b.params and dec_a.output_shapes == dec_b.output_shapes
    assert reflect_same_padding(64, 5, 2) == (1, 2)
    assert reflect_same_padding(7, 5, 2) == (2, 2)
    assert reflect_same_padding(8, 1, 1) == (0, 0)


def test_reflect_padding_keeps_the_alt_encoders_last_conv_same_size() -> None:
    """faceswap's conv block pads instead of honouring 'valid' when reflect padding is on."""
    spec = make(encoder={"type": "fs_original", "alt": True, "depth": 7, "scaling": 25,
                         "min_filters": 16, "max_filters": 512},
                convolutions={"reflect_padding": True})
    assert derive(spec).backbone_shape == (4, 4, 512)
    assert build_encoder(spec).output_shapes == ((1024,),)  # dense bottleneck


def test_reflect_pad_op_rejects_tiny_inputs() -> None:
    from phazer.ir.graph import SubModelBuilder
    b = SubModelBuilder("t")
    with pytest.raises(IRShapeError):
        b.add("reflection_pad_same", b.input((2, 2, 8)), kernel=5, strides=2)


def test_initializers_follow_the_switches() -> None:
    def inits(spec: ModelSpec) -> set[tuple[str, str]]:
        dv = derive(spec)
        ir = build_decoder(spec, "decoder_a", dv.decoder_input_shape)
        return {(op.name.split("_")[0], op.attr("kernel_initializer")) for op in ir.ops
                if op.kind in ("conv2d", "conv2d_transpose")}

    assert inits(make()) == {("upscale", "he_uniform"), ("residual", "he_uniform"),
                             ("residual", "variance_scaling_0.2"), ("face", "he_uniform")}
    assert inits(make(convolutions={"icnr_init": True})) == {
        ("upscale", "icnr"), ("residual", "he_uniform"), ("residual", "variance_scaling_0.2"),
        ("face", "he_uniform")}
    assert inits(make(convolutions={"conv_aware_init": True, "icnr_init": True})) == {
        ("upscale", "icnr_conv_aware"), ("residual", "conv_aware"), ("face", "conv_aware")}
    resize = make(decoder={"upscaler": "resize_images"}, convolutions={"icnr_init": True})
    assert ("upscale", "glorot_uniform") in inits(resize)  # the transposed conv


# --- upscalers no reference case uses -----------------------------------------------------------
def _first_upscale(upscaler: str, filters: int) -> list[tuple[str, int, tuple[int, ...]]]:
    """The one upscale 32 -> 64 px (cap mode keeps an unrounded filter count)."""
    spec = make(output_size=64, fc={"dimensions": 16, "upsamples": 1},
                decoder={"upscaler": upscaler, "max_filters": filters, "min_filters": filters,
                         "slope_mode": "cap_max", "res_blocks": 0, "gaussian_noise": False})
    ir = build_decoder(spec, "decoder_a", (32, 32, 100))
    return [(op.kind, op.params.total, op.shape) for op in ir.ops[1:-2]]


def test_upscale_fast_layers() -> None:
    conv, sub = 9 * 100 * 64 + 64, 9 * 100 * 256 + 256
    assert _first_upscale("upscale_fast", 64) == [
        ("conv2d", conv, (32, 32, 64)), ("upsampling2d", 0, (64, 64, 64)),
        ("conv2d", sub, (32, 32, 256)), ("leaky_relu", 0, (32, 32, 256)),
        ("pixel_shuffle", 0, (64, 64, 64)), ("add", 0, (64, 64, 64)),
        ("leaky_relu", 0, (64, 64, 64))]


def test_upscale_hybrid_layers() -> None:
    half = 37 - 37 // 2  # 19 per branch: 38 channels out of 37 filters
    assert _first_upscale("upscale_hybrid", 37) == [
        ("conv2d", 9 * 100 * 4 * half + 4 * half, (32, 32, 76)),
        ("leaky_relu", 0, (32, 32, 76)), ("pixel_shuffle", 0, (64, 64, 19)),
        ("conv2d", 9 * 100 * half + half, (32, 32, 19)), ("upsampling2d", 0, (64, 64, 19)),
        ("concatenate", 0, (64, 64, 38)), ("leaky_relu", 0, (64, 64, 38))]


def test_norm_registry_in_the_decoder() -> None:
    for norm, kind, params in [("batch", "batch_norm", 4 * 64), ("layer", "layer_norm", 128),
                               ("rms", "rms_norm", 64), ("group", "group_norm", 128),
                               ("instance", "instance_norm", 2)]:
        spec = make(output_size=64, fc={"dimensions": 16, "upsamples": 1},
                    decoder={"norm": norm, "max_filters": 64, "min_filters": 64})
        ir = build_decoder(spec, "decoder_a", (32, 32, 64))
        found = [op for op in ir.ops if op.kind == kind]
        assert len(found) == 1 and found[0].params.total == params


def test_gblock_filters_follow_features() -> None:
    ir = build_g_block(make(), "g_block_a", (8, 8, 96), (512,))
    assert ir.output_shapes == ((8, 8, 96),)
    with pytest.raises(ValueError):
        build_g_block(make(), "g_block_X", (8, 8, 96), (512,))


def test_registries_cover_the_spec() -> None:
    from typing import get_args

    from phazer.blocks import NORMS, UPSCALERS
    from phazer.catalog.norms import BOTTLENECK_NORMS, CONV_BLOCK_NORMS
    from phazer.catalog.upscalers import FC_UPSAMPLERS
    from phazer.spec.graph_blocks import ConvBlock
    from phazer.spec.models import BottleneckSpec, DecoderSpec, Upsampler, Upscaler

    assert get_args(Upscaler) == tuple(UPSCALERS)
    assert get_args(Upsampler) == FC_UPSAMPLERS
    assert get_args(DecoderSpec.model_fields["norm"].annotation) == tuple(NORMS)
    for variant in get_args(get_args(BottleneckSpec)[0]):
        assert get_args(variant.model_fields["norm"].annotation) == BOTTLENECK_NORMS
    assert set(BOTTLENECK_NORMS) <= set(NORMS)
    conv_norm = get_args(ConvBlock.model_fields["norm"].annotation)
    assert get_args(conv_norm[0]) == CONV_BLOCK_NORMS and conv_norm[1] is type(None)
