"""Arithmetic-stage rules: sizes that cannot be built, and what faceswap adjusts silently.

faceswap accepts many option combinations that crash deep inside the Keras build; each such
condition (see :mod:`phazer.blocks.limits`) becomes an error here, naming the fields. Where
faceswap quietly adjusts a value (rescaled FC filters, a re-tiling reshape, rising decoder
filters), phazer does the same arithmetic and says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from phazer.blocks import derive, problems
from phazer.blocks.arithmetic import Derived
from phazer.blocks.norms import GROUP_NORM_GROUPS, group_count
from phazer.blocks.upscalers import upscaler
from phazer.catalog.encoders import ENCODERS
from phazer.issues import (
    CAP_SLOPE_SIGN,
    DECODER_RETILED,
    ENCODER_INPUT_SIZE,
    FC_FILTERS_RESCALED,
    FC_RESIDUAL_SKIPPED,
    HUGE_LAYER,
    INPUT_RAISED_TO_MIN,
    NORM_CHANNELS,
    POSITIONS_RESAMPLED,
    RISING_DECODER_FILTERS,
    WEIGHTS_FORCE_SIZE,
    Issue,
)
from phazer.rules import RuleContext, rule
from phazer.spec.models import ModelSpec

HUGE_LAYER_PARAMS = 1_000_000_000


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


def _derived(context: RuleContext) -> Derived:
    cached = context.extra.get("derived")
    if cached is None:
        cached = derive(context.spec)
        context.extra["derived"] = cached
    return cached


def _keras_input_problem(context: RuleContext) -> Issue | None:
    """An error when a Keras encoder cannot take the input size the scaling gives."""
    spec = context.spec
    info = ENCODERS[spec.encoder.type]
    if not info.is_keras_application:
        return None
    from phazer.catalog.keras_apps import allowed_input_sizes

    px = _derived(context).encoder_input_px
    options = {k: getattr(spec.encoder, k) for k in ("width", "depth_multiplier",
                                                     "minimalistic")
               if hasattr(spec.encoder, k)}
    try:
        allowed = allowed_input_sizes(spec.encoder.type, **options)
    except (KeyError, ValueError) as exc:
        blamed = next((f"encoder.{k}" for k in options if k in str(exc)), "encoder")
        return Issue(ENCODER_INPUT_SIZE, "error", blamed, str(exc),
                     "phazer knows this encoder's figures only for the tabulated options "
                     "(mobilenet widths in steps of 0.05); pick one of them")
    if px in allowed:
        return None
    low = min((s for s in allowed if s > px), default=None)
    hint = (f"raise encoder.scaling so the input is at least {low}px" if low
            else "lower encoder.scaling")
    return Issue(ENCODER_INPUT_SIZE, "error", "encoder.scaling",
                 f"{spec.encoder.type} cannot take a {px}px input (scaling "
                 f"{spec.encoder.scaling}% of {info.default_size}px, floored to 16)", hint)


@rule("arithmetic", "PHZ301", "PHZ302", "PHZ303", "PHZ304", "PHZ305", "PHZ306", "PHZ307",
      "PHZ309", "PHZ310", "PHZ311", "PHZ312", "PHZ314")
def buildable(context: RuleContext) -> Iterator[Issue]:
    """Every reason the spec cannot be built, each naming the fields involved."""
    keras_issue = _keras_input_problem(context)
    if keras_issue is not None:
        yield keras_issue
        return
    for problem in problems(context.spec):
        others = list(problem.paths[1:])
        hint = problem.hint + (f" (fields involved: {', '.join(others)})" if others else "")
        yield Issue(problem.code, "error", problem.paths[0], problem.message, hint)


@rule("arithmetic", "PHZ320", "PHZ321", "PHZ324")
def silent_adjustments(context: RuleContext) -> Iterator[Issue]:
    """What faceswap adjusts without saying: rescaled FC filters, re-tiling, skipped residual."""
    if problems(context.spec):
        return
    spec, dv = context.spec, _derived(context)
    ff = dv.fc_filters
    for path, given, scaled in ff.changes:
        yield Issue(FC_FILTERS_RESCALED, "info", path,
                    f"{path} {given} is lowered to {scaled}, a multiple of {ff.multiple} "
                    f"({ff.rescale_dim}^2), as faceswap builds it: {_rescale_why(spec, dv)}",
                    _rescale_hint(dv))
    if dv.retile is not None:
        before, after = dv.retile
        where = ("at the end of the FC models" if dv.fc_upscales
                 else "at the start of the decoder")
        yield Issue(DECODER_RETILED, "info", "fc.dimensions",
                    f"the FC output {_shape(before)} is reshaped to {_shape(after)} {where} "
                    f"(no learned layer) so that {dv.retile_dim} doubles up to "
                    f"{spec.output_size}px",
                    "choose fc.dimensions x 2^fc.upsamples that doubles up to output_size "
                    "to avoid the reshape")
    dec = spec.decoder
    if ("skip_last_residual" in dec.model_fields_set and dec.skip_last_residual
            and dec.res_blocks and 0 < dv.fc_upscales < dv.total_upscales
            and any(not r for r in dv.residual_upscales[:dv.fc_upscales])):
        yield Issue(FC_RESIDUAL_SKIPPED, "info", "decoder.skip_last_residual",
                    "skip_last_residual also drops the residual blocks of the last upscale "
                    "placed in the FC models (as faceswap does)", "")


def _rescale_why(spec: ModelSpec, dv: Derived) -> str:
    ff, d = dv.fc_filters, dv.fc_dim
    if ff.rescale_size == d:
        return (f"the {d}x{d} FC output cannot double up to {spec.output_size}px, so it is "
                f"re-tiled to {dv.retile_dim}x{dv.retile_dim}")
    real = (f"re-tiled to {dv.retile_dim}x{dv.retile_dim}" if dv.retile is not None
            else "which doubles up without re-tiling")
    return (f"faceswap's rescaling takes the FC size as fc.dimensions x (fc.upsamples + 1) "
            f"= {ff.rescale_size}px, which cannot double up to {spec.output_size}px (the real "
            f"FC output is {d}x{d}, {real})")


def _rescale_hint(dv: Derived) -> str:
    ff = dv.fc_filters
    if ff.rescale_size == dv.fc_dim:
        return ("choose fc.dimensions x 2^fc.upsamples that doubles up to output_size, or "
                f"write multiples of {ff.multiple}, to keep your filter counts")
    return ("with 2+ upsamples faceswap rescales by fc.dimensions x (fc.upsamples + 1): "
            f"write multiples of {ff.multiple}, or choose fc.dimensions and fc.upsamples for "
            "which that size doubles up to output_size, to keep your filter counts")


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
                    f"({list(_derived(context).decoder_filters)})",
                    "swap the two values if you meant the usual falling curve")
    if dec.norm == "group":
        channels = sorted({upscaler(dec.upscaler).channels(f)
                           for f in _derived(context).decoder_filters})
        odd = [c for c in channels if c % GROUP_NORM_GROUPS]
        if odd:
            yield Issue(NORM_CHANNELS, "warning", "decoder.norm",
                        f"group norm normalizes in {GROUP_NORM_GROUPS} groups, which needs "
                        f"channels that are multiples of {GROUP_NORM_GROUPS}, but upscales "
                        f"output {odd} (filters {list(_derived(context).decoder_filters)}): "
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
    px = _derived(context).encoder_input_px
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


@rule("arithmetic", "PHZ313")
def huge_layers(context: RuleContext) -> Iterator[Issue]:
    """A warning for any single layer above a billion parameters (4 GB of float32 weights)."""
    if problems(context.spec) or _keras_input_problem(context) is not None:
        return
    from phazer.compiler import compile_model_ir

    model = compile_model_ir(context.spec)
    context.extra["model_ir"] = model
    for sub in model.submodels.values():
        for op in sub.ops:
            if op.params.total > HUGE_LAYER_PARAMS:
                yield Issue(HUGE_LAYER, "warning", _blame(op.kind, sub.name),
                            f"{sub.name}/{op.name} ({op.kind}) alone holds "
                            f"{op.params.total:,} parameters "
                            f"({op.params.total * 4 / 2**30:.1f} GiB in float32)",
                            "lower the FC/bottleneck sizes feeding it")


def _blame(kind: str, submodel: str) -> str:
    if submodel.startswith("fc_gblock"):
        return "gblock_fc"
    if submodel.startswith("fc"):
        return "fc"
    if submodel.startswith("encoder"):
        return "bottleneck" if kind == "dense" else "encoder"
    return "decoder"
