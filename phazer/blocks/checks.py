"""The conditions under which a schema-valid spec cannot be built, checked where it is built.

faceswap accepts many of these and then crashes deep inside the Keras build (or builds
something degenerate); phazer's builders check each one against the tensor they are about to
extend and report it through the :class:`~phazer.blocks.context.BuildContext`, naming the
fields involved, what is wrong and how to fix it. Also here: the infos for what faceswap
adjusts without saying (rescaled FC filters, a re-tiling reshape, skipped residual blocks).
``docs/arithmetic.md`` lists them with the reasoning.
"""

from __future__ import annotations

import math

from phazer.blocks.context import BuildContext, CannotBuild
from phazer.blocks.sizing import FCFilters, UpscaleChain, retile_multiple
from phazer.blocks.upscalers import UPSCALERS, upscaler
from phazer.ir.ops import Shape
from phazer.issues import (
    DECODER_RETILED,
    ENCODER_REACHES_1PX,
    ENCODER_TOO_DEEP,
    FC_DEPTH0_MISMATCH,
    FC_FILTERS_RESCALED,
    FC_FILTERS_ZERO,
    FC_RESHAPE_FLOOR8,
    FC_RESIDUAL_SKIPPED,
    FC_TOO_LARGE,
    HYBRID_ODD_FILTERS,
    MASK_WITH_FC_UPSCALES,
    REFLECT_TOO_SMALL,
    RETILE_NOT_DIVIDING,
    TOO_MANY_FC_UPSCALES,
)

FC_SIZE = ("fc.dimensions", "fc.upsamples", "output_size")


def _shape(shape: Shape) -> str:
    return "x".join(str(d) for d in shape)


def _lower_multiple(value: int, step: int) -> int:
    return max(value // step * step, step)


# --- encoder ---------------------------------------------------------------------------------
def check_fs_encoder_depth(ctx: BuildContext, px: int) -> None:
    """Faceswap's encoder on a ``px`` input: its last block must get a map its conv can take.

    The plain encoder's 'same' stride-2 convs take any map, 1x1 included (faceswap builds
    them; PHZ329 says how many blocks only see one pixel); the alt encoder's pooling and last
    'valid' 4x4 conv, and reflect padding, need a larger map (PHZ310: faceswap fails too).
    """
    enc, reflect = ctx.spec.encoder, ctx.spec.convolutions.reflect_padding
    depth = enc.depth
    paths = ("encoder.depth", "encoder.scaling")
    if enc.alt:  # the last level gets the input after depth - 1 2x2 poolings
        last, need = px // 2 ** (depth - 1), 3 if reflect else 4
        if last < need:
            fails = ("its first step fails, as reflection padding cannot pad that map"
                     if reflect else
                     "Keras refuses a pooling or 'valid' conv window larger than its input")
            ctx.stop(ENCODER_TOO_DEEP, paths,
                     f"the alt encoder's last block gets {last}x{last} from the {px}px "
                     f"input, too small for its 4x4 conv (needs {need}px); faceswap fails here "
                     f"too: {fails}",
                     f"use encoder.depth <= {max(1, int(math.log2(px / need)) + 1)} or a "
                     "larger encoder.scaling")
        return
    last = -(-px // 2 ** (depth - 1))  # 'same' stride-2 convs
    if reflect and last < 3:
        ctx.stop(ENCODER_TOO_DEEP, paths,
                 f"encoder.depth {depth} is too deep for the {px}px input with reflect "
                 f"padding: the last block gets {last}x{last}, and reflect padding needs 3px; "
                 "faceswap fails here too: it builds the model, but its first step fails, as "
                 "reflection padding cannot pad a map smaller than its padding",
                 "lower encoder.depth, raise encoder.scaling or turn reflect padding off")
    sizes = [-(-px // 2 ** i) for i in range(depth)]  # each block's input
    tiny = [i for i, size in enumerate(sizes) if size == 1]
    if tiny:
        blocks = ("the last block gets" if len(tiny) == 1
                  else f"the last {len(tiny)} blocks get")
        ctx.report(ENCODER_REACHES_1PX, "warning", paths,
                   f"encoder.depth {depth} halves the {px}px input to 1x1 before the last "
                   f"of its {depth} blocks: {blocks} a 1x1 map, so each 5x5 conv there uses "
                   "only its kernel's centre (faceswap builds it the same way)",
                   f"use encoder.depth <= {depth - len(tiny)} or a larger encoder.scaling to "
                   "give every block a map of 2px or more")


# --- FC -----------------------------------------------------------------------------------------
def check_fc_filters(ctx: BuildContext, filters: FCFilters) -> None:
    """No FC filter count may be rescaled to 0."""
    out = ctx.spec.output_size
    for path, given, scaled in filters.changes:
        if scaled == 0:
            ctx.error(FC_FILTERS_ZERO, (path, *FC_SIZE),
                      f"{path} {given} is rescaled to 0: {_rescale_reason(ctx, filters)}, so "
                      f"FC filter counts are rounded down to multiples of {filters.multiple}; "
                      "faceswap's build fails here too (its _scale_filters gives the same 0, "
                      f"and Keras refuses the {_zero_layer(path)} built from it)",
                      f"use at least {filters.multiple} filters, or choose fc.dimensions and "
                      f"fc.upsamples so that {_rescale_sizes(filters)} doubles up to {out}px")
    if any(scaled == 0 for _, _, scaled in filters.changes):
        raise CannotBuild(FC_FILTERS_ZERO)


def _zero_layer(path: str) -> str:
    if path == "fc.upsample_filters":
        return "upsampler's Conv2D of 0 filters"
    return "Reshape to 0 channels (or Dense layer of 0 units)"


def _rescale_sizes(filters: FCFilters) -> str:
    if filters.rescale_size == filters.real_size:
        return f"fc.dimensions x 2^fc.upsamples (now {filters.real_size}px)"
    return (f"both fc.dimensions x 2^fc.upsamples (now {filters.real_size}px) and "
            f"faceswap's fc.dimensions x (fc.upsamples + 1) (now {filters.rescale_size}px)")


def _rescale_reason(ctx: BuildContext, filters: FCFilters) -> str:
    d, s, final = filters.real_size, filters.rescale_dim, filters.rescale_size
    out = ctx.spec.output_size
    if final == d:
        return f"the {d}x{d} FC output cannot double up to {out}px and is re-tiled to {s}x{s}"
    return (f"faceswap sizes the FC output as fc.dimensions x (fc.upsamples + 1) = {final}px "
            f"for this rescaling (the real output is {d}px), which cannot double up to "
            f"{out}px and would re-tile to {s}x{s}")


def check_fc_reshape(ctx: BuildContext, flat: int, target: Shape,
                     filters: FCFilters) -> None:
    """The FC's flat features must fill its reshape exactly."""
    fc = ctx.spec.fc
    need = math.prod(target)
    if flat == need:
        return
    if fc.depth >= 1:  # the last Dense layer's width was floored to a multiple of 8
        area = fc.dimensions ** 2
        step = math.lcm(8 // math.gcd(8, area), filters.multiple)
        ctx.stop(FC_RESHAPE_FLOOR8, ("fc.max_filters", "fc.dimensions"),
                 f"the last FC layer needs {need} nodes ({fc.dimensions}^2 x "
                 f"{filters.max_filters}) to reshape, but layer widths are rounded down to a "
                 f"multiple of 8", f"use a multiple of {step} for fc.max_filters, e.g. "
                 f"{_lower_multiple(filters.max_filters, step)}")
    size_field = "bottleneck.size" if ctx.spec.bottleneck.type == "dense" else "bottleneck.type"
    ctx.stop(FC_DEPTH0_MISMATCH, ("fc.depth", "fc.max_filters", "fc.dimensions", size_field),
             f"with fc.depth 0 the {flat} bottleneck features are reshaped directly to "
             f"{_shape(target)}, which holds {need} values: the sizes differ",
             f"make {size_field} give exactly fc.dimensions^2 x fc.max_filters values, or "
             "use fc.depth >= 1")


def check_fc_size(ctx: BuildContext, dim: int) -> None:
    """An FC output larger than the output is re-tiled down, as faceswap builds it (PHZ301)."""
    fc, out = ctx.spec.fc, ctx.spec.output_size
    if dim > out:
        ctx.report(FC_TOO_LARGE, "warning", FC_SIZE,
                   f"the FC output is {dim}x{dim} (fc.dimensions {fc.dimensions} x "
                   f"2^{fc.upsamples} upsamples), larger than the {out}px output: as faceswap "
                   f"builds it, a plain reshape re-tiles it down to {out}x{out} and the "
                   "decoders have no upscale",
                   "lower fc.dimensions or fc.upsamples, or raise output_size, for a decoder "
                   "that upscales")


def note_fc_rescaling(ctx: BuildContext, filters: FCFilters, chain: UpscaleChain) -> None:
    """PHZ320: every FC filter count faceswap's rescaling lowers, and why."""
    out, d, s = ctx.spec.output_size, chain.start_dim, chain.retile_dim
    for path, given, scaled in filters.changes:
        if filters.rescale_size == d:
            why = f"the {d}x{d} FC output cannot double up to {out}px, so it is re-tiled to {s}x{s}"
            hint = ("choose fc.dimensions x 2^fc.upsamples that doubles up to output_size, or "
                    f"write multiples of {filters.multiple}, to keep your filter counts")
        else:
            real = f"re-tiled to {s}x{s}" if chain.retiled else "which doubles up without re-tiling"
            why = (f"faceswap's rescaling takes the FC size as fc.dimensions x (fc.upsamples + 1) "
                   f"= {filters.rescale_size}px, which cannot double up to {out}px (the real "
                   f"FC output is {d}x{d}, {real})")
            hint = ("with 2+ upsamples faceswap rescales by fc.dimensions x (fc.upsamples + 1): "
                    f"write multiples of {filters.multiple}, or choose fc.dimensions and "
                    "fc.upsamples for which that size doubles up to output_size, to keep your "
                    "filter counts")
        ctx.report(FC_FILTERS_RESCALED, "info", (path,),
                   f"{path} {given} is lowered to {scaled}, a multiple of {filters.multiple} "
                   f"({filters.rescale_dim}^2), as faceswap builds it: {why}", hint)


def check_reflect_fc_upsampler(ctx: BuildContext, dim: int) -> None:
    """Reflect padding must be able to pad the first conv of the FC's upsampler."""
    spec = ctx.spec
    method = spec.fc.upsampler
    if (spec.convolutions.reflect_padding and method in UPSCALERS
            and dim < UPSCALERS[method].reflect_min_size):
        ctx.stop(REFLECT_TOO_SMALL,
                 ("convolutions.reflect_padding", "fc.dimensions", "fc.upsampler"),
                 f"reflect padding cannot pad the {dim}x{dim} input of the FC "
                 f"{spec.fc.upsampler} conv",
                 "use fc.dimensions >= 2, upsample2d or no reflect padding")


# --- the upscale chain --------------------------------------------------------------------------
def check_fc_upscales(ctx: BuildContext, chain: UpscaleChain) -> None:
    """Upscales moved into the FC: more than exist moves them all; none with a learned mask."""
    dec = ctx.spec.decoder
    if dec.upscales_in_fc > chain.total:
        ctx.report(TOO_MANY_FC_UPSCALES, "warning", ("decoder.upscales_in_fc",),
                   f"decoder.upscales_in_fc is {dec.upscales_in_fc} but the model only has "
                   f"{chain.total} upscale{'' if chain.total == 1 else 's'}: "
                   + (f"all {chain.total} are built at the end of the FC models"
                      if chain.total else "the FC models start the chain")
                   + " and the decoders keep only their output convs, as faceswap builds "
                   "it", f"write {chain.total} to say so")
    if dec.learn_mask and dec.upscales_in_fc:
        ctx.error(MASK_WITH_FC_UPSCALES, ("decoder.learn_mask", "decoder.upscales_in_fc"),
                  "learn_mask cannot be combined with upscales in the FC models; faceswap's "
                  "build fails here too: its decoder takes the FC's face output indexed "
                  "twice, a tensor without height and width, and its first Conv2D refuses it "
                  "(\"expected min_ndim=4, found ndim=3\"; with a shared FC its Concatenate "
                  "fails first)",
                  "set decoder.upscales_in_fc to 0 or turn learn_mask off")
    if ("skip_last_residual" in dec.model_fields_set and dec.skip_last_residual
            and dec.res_blocks and 0 < chain.in_fc < chain.total
            and any(not r for r in chain.residual[:chain.in_fc])):
        ctx.report(FC_RESIDUAL_SKIPPED, "info", ("decoder.skip_last_residual",),
                   "skip_last_residual also drops the residual blocks of the last upscale "
                   "placed in the FC models (as faceswap does)")


def check_retile(ctx: BuildContext, shape: Shape, chain: UpscaleChain,
                 filters: FCFilters | None) -> Shape:
    """The re-tiling Reshape's target; an error when the values do not divide into it."""
    h, w, c = shape
    s, out = chain.retile_dim, ctx.spec.output_size
    if h * w * c % (s * s):
        multiple = math.lcm(retile_multiple(h, s), filters.multiple if filters else 1)
        ctx.stop(RETILE_NOT_DIVIDING, ("fc.upsample_filters", "fc.upsampler", *FC_SIZE),
                 f"the {_shape(shape)} FC output cannot be re-tiled to {s}x{s} for the "
                 f"{out}px output ({h * w * c} values do not divide by {s * s})",
                 f"the FC output channels (fc.upsample_filters, or fc.max_filters without "
                 f"learned upsamples) must be a multiple of {multiple} (and even for "
                 f"upscale_hybrid), or pick another fc.upsampler")
    target = (s, s, h * w * c // (s * s))
    where = "at the end of the FC models" if chain.fc_starts else "at the start of the decoder"
    purpose = f"so that {s} doubles up to {out}px" if s < out else f"to the {out}px output"
    ctx.report(DECODER_RETILED, "info", ("fc.dimensions",),
               f"the FC output {_shape(shape)} is reshaped to {_shape(target)} {where} (no "
               f"learned layer) {purpose}",
               "choose fc.dimensions x 2^fc.upsamples that doubles up to output_size to avoid "
               "the reshape")
    return target


def check_chain_start(ctx: BuildContext, chain: UpscaleChain, start: int, stop: int,
                      head: bool) -> None:
    """The chain's upscales ``start`` to ``stop``: reflect padding and hybrid residuals.

    ``head``: the part that starts the chain (its re-tiling and entry convs).
    """
    dec, s = ctx.spec.decoder, chain.retile_dim
    info = upscaler(dec.upscaler)
    if (head and chain.total and ctx.spec.convolutions.reflect_padding
            and s < info.reflect_min_size):
        first = (f"the {dec.upscaler} entry conv" if info.entry
                 else f"the first {dec.upscaler} conv")
        ctx.stop(REFLECT_TOO_SMALL,
                 ("convolutions.reflect_padding", "decoder.upscaler", *FC_SIZE),
                 f"reflect padding cannot pad the {s}x{s} input of {first}",
                 f"start the decoder at {info.reflect_min_size}px or more, or turn reflect "
                 "padding off")
    channels = upscaler(dec.upscaler).channels
    odd = sorted({f for f, res in zip(chain.filters[start:stop], chain.residual[start:stop],
                                      strict=True) if res and channels(f) != f})
    if odd:
        ctx.stop(HYBRID_ODD_FILTERS,
                 ("decoder.upscaler", "decoder.max_filters", "decoder.res_blocks"),
                 f"upscale_hybrid outputs one more channel than an odd filter count ({odd}), "
                 "so the residual blocks after it cannot add",
                 "use even decoder filters, another upscaler or no residual blocks")
