"""Arithmetic-stage rules: what the build found, and settings that build but surprise.

The builders check every size against the tensors they build and report what cannot be
built, and what faceswap adjusts without saying (rescaled FC filters, a re-tiling reshape),
as issues (:mod:`phazer.blocks.checks`); :func:`buildable` passes them on. The other rules
read the sizes the build recorded (:class:`phazer.blocks.ResolvedSizes`) or the built IR.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from phazer.blocks.norms import GROUP_NORM_GROUPS, group_count
from phazer.blocks.sizing import encoder_input_px
from phazer.blocks.upscalers import upscaler
from phazer.catalog.encoders import ENCODERS
from phazer.issues import (
    CAP_SLOPE_SIGN,
    HUGE_LAYER,
    INPUT_RAISED_TO_MIN,
    NORM_CHANNELS,
    POSITIONS_RESAMPLED,
    RISING_DECODER_FILTERS,
    WEIGHTS_FORCE_SIZE,
    Issue,
)
from phazer.rules import RuleContext, rule

if TYPE_CHECKING:
    from phazer.blocks.context import ResolvedSizes

HUGE_LAYER_PARAMS = 1_000_000_000


def _sizes(context: RuleContext) -> ResolvedSizes:
    return context.pipeline.compiled.sizes


@rule("arithmetic", "PHZ301", "PHZ302", "PHZ303", "PHZ304", "PHZ305", "PHZ306", "PHZ307",
      "PHZ309", "PHZ310", "PHZ311", "PHZ312", "PHZ314", "PHZ315", "PHZ320", "PHZ321", "PHZ324",
      "PHZ399", "PHZ210", forms=(1, 2))
def buildable(context: RuleContext) -> Iterator[Issue]:
    """What the builders reported: why the spec cannot be built, and what faceswap adjusts.

    The builders check every condition against the shapes they are building
    (:mod:`phazer.blocks.checks`), so this rule only passes their issues on.
    """
    yield from context.pipeline.compiled.issues


def _group_norm_layout(channels: list[int]) -> str:
    parts = []
    for c in channels:
        groups = group_count(c)
        parts.append(f"{c} channels in {groups} groups of {c // groups}")
    return "; ".join(parts)


@rule("arithmetic", "PHZ308", "PHZ322", "PHZ323", "PHZ325")
def surprising_settings(context: RuleContext) -> Iterator[Issue]:
    """Settings that build, but probably not as the user expects."""
    spec = context.spec
    dec = spec.decoder
    if dec.min_filters > dec.max_filters:
        yield Issue(RISING_DECODER_FILTERS, "warning", "decoder.min_filters",
                    f"decoder.min_filters {dec.min_filters} is above decoder.max_filters "
                    f"{dec.max_filters}: the filters rise towards the output "
                    f"({list(_sizes(context).decoder_filters)})",
                    "swap the two values if you meant the usual falling curve")
    if dec.norm == "group":
        channels = sorted({upscaler(dec.upscaler).channels(f)
                           for f in _sizes(context).decoder_filters})
        odd = [c for c in channels if c % GROUP_NORM_GROUPS]
        if odd:
            yield Issue(NORM_CHANNELS, "warning", "decoder.norm",
                        f"group norm normalizes in {GROUP_NORM_GROUPS} groups, which needs "
                        f"channels that are multiples of {GROUP_NORM_GROUPS}, but upscales "
                        f"output {odd} (filters {list(_sizes(context).decoder_filters)}): "
                        f"phazer uses fewer groups there ({_group_norm_layout(odd)}); the "
                        "parameters are the same as faceswap's (2 per channel)",
                        f"make every value of the decoder filter curve a multiple of "
                        f"{GROUP_NORM_GROUPS} (check with `phazer curve`) for "
                        f"{GROUP_NORM_GROUPS} groups everywhere")
    if dec.slope_mode != "full" and dec.slope < 0:
        yield Issue(CAP_SLOPE_SIGN, "warning", "decoder.slope",
                    f"slope {dec.slope} in {dec.slope_mode} mode is used as {-dec.slope}: "
                    "capped modes only fall at the rate |slope|", f"write {-dec.slope}")
    info = ENCODERS[spec.encoder.type]
    if (info.weights_need_default_size and getattr(spec.encoder, "imagenet_weights", False)
            and spec.encoder.scaling != 100):
        yield Issue(WEIGHTS_FORCE_SIZE, "info", "encoder.scaling",
                    f"{spec.encoder.type}'s ImageNet weights need its {info.default_size}px "
                    f"input, so encoder.scaling {spec.encoder.scaling} is ignored",
                    "set encoder.scaling to 100, or imagenet_weights to false")


@rule("arithmetic", "PHZ326", "PHZ327")
def encoder_input_notes(context: RuleContext) -> Iterator[Issue]:
    """What the encoder's input size becomes when the scaling alone does not decide it."""
    spec = context.spec
    info = ENCODERS[spec.encoder.type]
    scaled = info.scaled_size(spec.encoder.scaling)
    px = encoder_input_px(spec)
    if scaled < info.min_size and px == info.min_size:
        yield Issue(INPUT_RAISED_TO_MIN, "info", "encoder.scaling",
                    f"encoder.scaling {spec.encoder.scaling}% of {info.default_size}px gives "
                    f"{scaled}px, below {spec.encoder.type}'s minimum input: the input is "
                    f"{info.min_size}px (as in faceswap)",
                    f"write the scaling that gives {info.min_size}px to say so, e.g. "
                    f"{-(-info.min_size * 100 // info.default_size)}")
    if info.vit is not None and getattr(spec.encoder, "pretrained", False) \
            and px != info.default_size:
        vit = info.vit
        yield Issue(POSITIONS_RESAMPLED, "info", "encoder.scaling",
                    f"{spec.encoder.type}'s pretrained positional embedding covers a "
                    f"{vit.grid(info.default_size)}x{vit.grid(info.default_size)} patch grid "
                    f"({info.default_size}px); at {px}px it is resampled (bicubic, class token "
                    f"kept) to {vit.grid(px)}x{vit.grid(px)} when the weights are loaded "
                    "(faceswap leaves it at random values)",
                    f"use encoder.scaling 100 for the native {info.default_size}px grid")


@rule("arithmetic", "PHZ313", forms=(1, 2))
def huge_layers(context: RuleContext) -> Iterator[Issue]:
    """A warning for any single layer above a billion parameters (4 GB of float32 weights)."""
    model = context.pipeline.model
    if model is None:
        return
    for sub in model.submodels.values():
        for op in sub.ops:
            if op.params.total > HUGE_LAYER_PARAMS:
                yield Issue(HUGE_LAYER, "warning", _blame(op.kind, sub.name, context.spec.phazer),
                            f"{sub.name}/{op.name} ({op.kind}) alone holds "
                            f"{op.params.total:,} parameters "
                            f"({op.params.total * 4 / 2**30:.1f} GiB in float32)",
                            "lower the FC/bottleneck sizes feeding it")


def _blame(kind: str, submodel: str, form: int) -> str:
    if form != 1:  # the graph form names its sub-models itself
        return f"models.{submodel}"
    if submodel.startswith("fc_gblock"):
        return "gblock_fc"
    if submodel.startswith("fc"):
        return "fc"
    if submodel.startswith("encoder"):
        return "bottleneck" if kind == "dense" else "encoder"
    return "decoder"
