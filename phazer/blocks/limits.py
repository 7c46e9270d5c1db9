"""The conditions under which a schema-valid spec cannot be built.

faceswap accepts many of these and then crashes deep inside the Keras build (or builds
something degenerate); phazer reports them up front. Each :class:`Problem` names the fields
involved, says what is wrong and hints at a fix; the validator turns them into issues, and the
builders refuse a spec that has any (:func:`require_buildable`). ``docs/arithmetic.md`` lists
them with the reasoning.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from phazer.blocks.arithmetic import Derived, derive, retile_multiple
from phazer.blocks.upscalers import upscaler
from phazer.ir.ops import Shape
from phazer.issues import (
    ENCODER_TOO_DEEP,
    FC_DEPTH0_MISMATCH,
    FC_FILTERS_ZERO,
    FC_RESHAPE_FLOOR8,
    FC_TOO_LARGE,
    HYBRID_ODD_FILTERS,
    MASK_WITH_FC_UPSCALES,
    POOLING_FLAT_FEATURES,
    REFLECT_TOO_SMALL,
    RETILE_NOT_DIVIDING,
    TOO_MANY_FC_UPSCALES,
)
from phazer.spec.encoders import FsOriginalEncoder
from phazer.spec.models import ModelSpec


class Problem(NamedTuple):
    """Why a spec cannot be built: issue code, fields involved, what is wrong, how to fix it."""

    code: str
    paths: tuple[str, ...]
    message: str
    hint: str


_FC_SIZE = ("fc.dimensions", "fc.upsamples", "output_size")
_SUBPIXEL_BASED = ("subpixel", "upscale_fast", "upscale_hybrid")


def _lower_multiple(value: int, step: int) -> int:
    return max(value // step * step, step)


def _rescale_sizes(dv: Derived) -> str:
    """The FC size(s) that must double up to the output to avoid any rescaling."""
    ff = dv.fc_filters
    if ff.rescale_size == dv.fc_dim:
        return f"fc.dimensions x 2^fc.upsamples (now {dv.fc_dim}px)"
    return (f"both fc.dimensions x 2^fc.upsamples (now {dv.fc_dim}px) and faceswap's "
            f"fc.dimensions x (fc.upsamples + 1) (now {ff.rescale_size}px)")


def _rescale_reason(spec: ModelSpec, dv: Derived) -> str:
    """Why the FC filter counts are rescaled (faceswap's rule, see ``fc_filters``)."""
    ff, d = dv.fc_filters, dv.fc_dim
    s, final = ff.rescale_dim, ff.rescale_size
    if final == d:
        return (f"the {d}x{d} FC output cannot double up to {spec.output_size}px and is "
                f"re-tiled to {s}x{s}")
    return (f"faceswap sizes the FC output as fc.dimensions x (fc.upsamples + 1) = {final}px "
            f"for this rescaling (the real output is {d}px), which cannot double up to "
            f"{spec.output_size}px and would re-tile to {s}x{s}")


def _fc_problems(spec: ModelSpec, dv: Derived) -> list[Problem]:
    fc, out = spec.fc, []
    d, s, ff = dv.fc_dim, dv.retile_dim, dv.fc_filters
    if d > spec.output_size:
        out.append(Problem(FC_TOO_LARGE, _FC_SIZE, f"the FC output is {d}x{d} (fc.dimensions "
                           f"{fc.dimensions} x 2^{fc.upsamples} upsamples), larger than the "
                           f"{spec.output_size}px output", "lower fc.dimensions or "
                           "fc.upsamples, or raise output_size"))
        return out
    for path, given, scaled in ff.changes:
        if scaled == 0:
            out.append(Problem(
                FC_FILTERS_ZERO, (path, *_FC_SIZE), f"{path} {given} is rescaled to 0: "
                               f"{_rescale_reason(spec, dv)}, so FC filter counts are rounded "
                               f"down to multiples of {ff.multiple}",
                               f"use at least {ff.multiple} filters, or choose fc.dimensions "
                               f"and fc.upsamples so that {_rescale_sizes(dv)} doubles up "
                               f"to {spec.output_size}px"))
    area = fc.dimensions ** 2
    if fc.depth >= 1 and ff.max_filters and area * ff.max_filters % 8:
        step = math.lcm(8 // math.gcd(8, area), ff.multiple)
        out.append(Problem(
            FC_RESHAPE_FLOOR8, ("fc.max_filters", "fc.dimensions"), f"the last FC layer needs "
                           f"{area * ff.max_filters} nodes ({fc.dimensions}^2 x "
                           f"{ff.max_filters}) to reshape, but layer widths are rounded down "
                           f"to a multiple of 8", f"use a multiple of {step} for "
                           f"fc.max_filters, e.g. {_lower_multiple(ff.max_filters, step)}"))
    if fc.depth == 0 and dv.fc_input_size is not None:
        need = area * ff.max_filters
        if dv.fc_input_size != need:
            size_field = ("bottleneck.size" if spec.bottleneck.type == "dense"
                          else "bottleneck.type")
            out.append(Problem(FC_DEPTH0_MISMATCH, ("fc.depth", "fc.max_filters",
                                                    "fc.dimensions", size_field),
                               f"with fc.depth 0 the {dv.fc_input_size} bottleneck features "
                               f"are reshaped directly to {fc.dimensions}x{fc.dimensions}x"
                               f"{ff.max_filters}, which holds {need} values: the sizes "
                               "differ", f"make {size_field} give exactly fc.dimensions^2 x "
                               "fc.max_filters values, or use fc.depth >= 1"))
    if dv.retile is not None:
        (_, _, channels), _ = dv.retile
        if d * d * channels % (s * s):
            out.append(Problem(
                RETILE_NOT_DIVIDING, ("fc.upsample_filters", "fc.upsampler", *_FC_SIZE),
                               f"the {d}x{d}x{channels} FC output cannot be re-tiled to "
                               f"{s}x{s} for the {spec.output_size}px output ({d * d * channels}"
                               f" values do not divide by {s * s})",
                               f"the FC output channels (fc.upsample_filters, or "
                               f"fc.max_filters without learned upsamples) must be a multiple "
                               f"of {math.lcm(retile_multiple(d, s), ff.multiple)} (and even "
                               f"for upscale_hybrid), or pick another fc.upsampler"))
    return out


def _decoder_problems(spec: ModelSpec, dv: Derived) -> list[Problem]:
    dec, out = spec.decoder, []
    if dec.upscales_in_fc > dv.total_upscales:
        out.append(Problem(
            TOO_MANY_FC_UPSCALES, ("decoder.upscales_in_fc",), f"decoder.upscales_in_fc is "
                           f"{dec.upscales_in_fc} but the model only has "
                           f"{dv.total_upscales} upscales", f"use at most {dv.total_upscales}"))
    if dec.learn_mask and dec.upscales_in_fc:
        out.append(Problem(
            MASK_WITH_FC_UPSCALES, ("decoder.learn_mask", "decoder.upscales_in_fc"), "learn_mask "
                           "cannot be combined with upscales in the FC models (faceswap "
                           "always fails to build this)", "set decoder.upscales_in_fc to 0 "
                           "or turn learn_mask off"))
    channels = [upscaler(dec.upscaler).channels(f) for f in dv.decoder_filters]
    odd = sorted({f for f, c, res in zip(dv.decoder_filters, channels, dv.residual_upscales,
                                         strict=True) if res and c != f})
    if odd:
        out.append(Problem(
            HYBRID_ODD_FILTERS, ("decoder.upscaler", "decoder.max_filters", "decoder.res_blocks"),
                           f"upscale_hybrid outputs one more channel than an odd filter count "
                           f"({odd}), so the residual blocks after it cannot add",
                           "use even decoder filters, another upscaler or no residual blocks"))
    return out


def _flat_features_problems(spec: ModelSpec, dv: Derived) -> list[Problem]:
    """A global pooling bottleneck needs a feature map; a CLIP encoder gives a flat vector."""
    shape, kind = dv.backbone_shape, spec.bottleneck.type
    if shape is None or len(shape) != 1 or kind not in ("average_pooling", "max_pooling"):
        return []
    return [Problem(POOLING_FLAT_FEATURES, ("bottleneck.type", "encoder.type"),
                    f"the {kind} bottleneck pools over height and width, but the "
                    f"{spec.encoder.type} encoder outputs a flat {shape[0]}-value vector",
                    "use bottleneck.type flatten (keeps the vector) or dense")]


def _encoder_problems(spec: ModelSpec, dv: Derived) -> list[Problem]:
    enc, reflect = spec.encoder, spec.convolutions.reflect_padding
    if not isinstance(enc, FsOriginalEncoder):
        return _flat_features_problems(spec, dv)
    px, depth = dv.encoder_input_px, enc.depth
    paths = ("encoder.depth", "encoder.scaling")
    if enc.alt:
        last = px // 2 ** (depth - 1)
        need = 3 if reflect else 4
        if last < need:
            return [Problem(
                ENCODER_TOO_DEEP, paths, f"the alt encoder's last block gets {last}x{last} "
                            f"from the {px}px input, too small for its 4x4 conv (needs {need}px)",
                            f"use encoder.depth <= {max(1, int(math.log2(px / need)) + 1)} "
                            f"or a larger encoder.scaling")]
        return []
    last = -(-px // 2 ** (depth - 1))
    need = 3 if reflect else 2
    if last < need:
        return [Problem(
            ENCODER_TOO_DEEP, paths, f"encoder.depth {depth} is too deep for the {px}px input: the "
                        f"last block gets {last}x{last}" + (" (reflect padding needs 3px)"
                                                            if reflect else ""),
                        "lower encoder.depth or raise encoder.scaling")]
    return []


def _reflect_problems(spec: ModelSpec, dv: Derived) -> list[Problem]:
    if not spec.convolutions.reflect_padding:
        return []
    out, fc, dec = [], spec.fc, spec.decoder
    if fc.upsamples and fc.upsampler in _SUBPIXEL_BASED and fc.dimensions < 2:
        out.append(Problem(
            REFLECT_TOO_SMALL, ("convolutions.reflect_padding", "fc.dimensions", "fc.upsampler"),
                           f"reflect padding cannot pad the {fc.dimensions}x"
                           f"{fc.dimensions} input of the FC {fc.upsampler} conv",
                           "use fc.dimensions >= 2, upsample2d or no reflect padding"))
    s = dv.retile_dim
    if dv.total_upscales and dec.upscaler == "upscale_dny" and s < 3:
        out.append(Problem(
            REFLECT_TOO_SMALL, ("convolutions.reflect_padding", "decoder.upscaler", *_FC_SIZE),
                           f"reflect padding cannot pad the {s}x{s} input of the upscale_dny "
                           f"4x4 entry conv", "start the decoder at 3px or more, or turn "
                           "reflect padding off"))
    if dv.total_upscales and dec.upscaler in _SUBPIXEL_BASED and s < 2:
        out.append(Problem(
            REFLECT_TOO_SMALL, ("convolutions.reflect_padding", "decoder.upscaler", *_FC_SIZE),
                           f"reflect padding cannot pad the {s}x{s} input of the first "
                           f"{dec.upscaler} conv", "start the decoder at 2px or more, or turn "
                           "reflect padding off"))
    return out


def problems(spec: ModelSpec, backbone_shape: Shape | None = None) -> list[Problem]:
    """Every reason the spec cannot be built (empty when it can).

    Args:
        spec: a schema-valid spec.
        backbone_shape: the Keras encoder's output shape when the caller knows it (enables
            the fc.depth 0 check for pooling/flatten bottlenecks on Keras encoders).
    """
    dv = derive(spec, backbone_shape)
    return [*_encoder_problems(spec, dv), *_fc_problems(spec, dv),
            *_decoder_problems(spec, dv), *_reflect_problems(spec, dv)]


def require_buildable(spec: ModelSpec, backbone_shape: Shape | None = None) -> Derived:
    """The derived sizes of a buildable spec.

    Raises:
        ValueError: listing every problem, when the spec cannot be built.
    """
    found = problems(spec, backbone_shape)
    if found:
        lines = "\n".join(f"- {', '.join(p.paths)}: {p.message} (hint: {p.hint})"
                          for p in found)
        raise ValueError(f"the spec cannot be built:\n{lines}")
    return derive(spec, backbone_shape)
