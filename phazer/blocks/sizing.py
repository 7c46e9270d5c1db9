"""The sizes a spec asks for, decided before a layer is built: curves and rescaling.

These are the spec's decisions, not shapes: the encoder's input size, the FC filter counts
after faceswap's rescaling for the output size, the FC and fc_gblock node curves, and the
decoder's upscale chain (:class:`UpscaleChain`), which is planned from the size of the tensor
it starts from. Every shape (encoder output, FC output, decoder input, channels) comes from
the layer IR as the blocks build it (see :mod:`phazer.blocks.context`). ``docs/arithmetic.md``
explains every rule and where phazer departs from faceswap's code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from phazer.catalog.encoders import ENCODERS
from phazer.curves import filter_curve, floor8
from phazer.spec.models import ModelSpec


def scale_dim(output_size: int, dim: int) -> int:
    """The size the decoder re-tiles a ``dim`` x ``dim`` input to.

    Halve ``output_size`` while it is larger than ``dim`` and halving gives a whole number.
    The result is the largest ``output_size / 2**k`` not above ``dim``, or, when the halving
    reaches an odd number first, that odd number (which may be above ``dim``).
    """
    new_dim = output_size
    while new_dim > dim and new_dim % 2 == 0:
        new_dim //= 2
    return new_dim


def encoder_input_px(spec: ModelSpec) -> int:
    """The encoder's input size in px.

    ``max(min_size, floor16(default_size * scaling / 100))``; NASNet with ImageNet weights is
    forced to its default size, as its weights need it (as faceswap does).
    """
    info = ENCODERS[spec.encoder.type]
    if (info.weights_need_default_size and getattr(spec.encoder, "imagenet_weights", False)
            and spec.encoder.scaling != 100):
        return info.default_size
    return info.input_size(spec.encoder.scaling)


@dataclass(frozen=True)
class FCFilters:
    """The FC filter counts in use, after the rescaling for the output size.

    Attributes:
        min_filters: ``fc.min_filters`` (None when unused: depth below 2).
        max_filters: ``fc.max_filters``, the reshape depth.
        upsample_filters: ``fc.upsample_filters`` (None when unused: no upsample, or
            upsample2d).
        multiple: every rescaled count is a multiple of this (1: no rescaling).
        changes: ``(spec path, given, rescaled)`` for every count the rescaling changed.
        rescale_size: the FC size the rescaling assumes, faceswap's
            ``dimensions * (upsamples + 1)`` (the real FC output is ``dimensions *
            2**upsamples``; the two agree for 0 or 1 upsample).
        rescale_dim: ``scale_dim(output_size, rescale_size)``; the rescaling happens when it
            differs from ``rescale_size``, and ``multiple`` is its square.
        real_size: the FC output the upsamplers make, ``dimensions * 2**upsamples`` (for
            the messages that compare the two).
    """

    min_filters: int | None
    max_filters: int
    upsample_filters: int | None
    multiple: int = 1
    changes: tuple[tuple[str, int, int], ...] = ()
    rescale_size: int = 0
    rescale_dim: int = 0
    real_size: int = 0


def retile_multiple(fc_dim: int, retile_dim: int) -> int:
    """The smallest channel step that lets a fc_dim^2 map re-tile to retile_dim^2 exactly."""
    if fc_dim == retile_dim:
        return 1
    target = retile_dim ** 2
    return target // math.gcd(target, fc_dim ** 2)


def fc_filters(spec: ModelSpec) -> FCFilters:
    """The FC filter counts in use, rescaled for the output size as faceswap does.

    faceswap takes the FC size as ``final = dimensions * (upsamples + 1)`` (not the real
    ``dimensions * 2**upsamples``; the same for 0 or 1 upsample) and ``s = scale_dim(
    output_size, final)``; when ``s != final`` every FC filter count is rounded down to a
    multiple of ``s^2`` (1280 -> 1152 for output 192, dim 8, one upsample; 1024 -> 1000 for
    output 80, dim 4, one upsample). The re-tiling of the real FC output is checked
    where it is built (:func:`phazer.blocks.checks.check_retile`).
    """
    fc = spec.fc
    final = fc.dimensions * (fc.upsamples + 1)
    s = scale_dim(spec.output_size, final)
    multiple = 1 if s == final else s * s
    used = {"fc.max_filters": fc.max_filters}
    if fc.depth >= 2:
        used["fc.min_filters"] = fc.min_filters
    if fc.upsamples and fc.upsampler != "upsample2d":
        used["fc.upsample_filters"] = fc.upsample_filters
    scaled = {path: value // multiple * multiple for path, value in used.items()}
    changes = tuple((path, used[path], scaled[path]) for path in used
                    if scaled[path] != used[path])
    return FCFilters(scaled.get("fc.min_filters"), scaled["fc.max_filters"],
                     scaled.get("fc.upsample_filters"), multiple, changes, final, s,
                     fc.dimensions * 2 ** fc.upsamples)


def fc_node_curve(spec: ModelSpec, filters: FCFilters) -> tuple[int, ...]:
    """Nodes of the FC Dense layers: the curve from min to max filters x dimensions^2.

    With one layer the max filters are used (the guide's rule; faceswap's code takes the min).
    """
    fc, area = spec.fc, spec.fc.dimensions ** 2
    if fc.depth == 0:
        return ()
    if fc.depth == 1:
        return (floor8(area * filters.max_filters),)
    assert filters.min_filters is not None
    return tuple(filter_curve(area * filters.min_filters, area * filters.max_filters,
                              fc.depth, fc.slope))


def gblock_node_curve(spec: ModelSpec) -> tuple[int, ...]:
    """Nodes of the fc_gblock Dense layers: the curve from min to max nodes.

    As faceswap: with one layer the single value is the curve's start, ``min_nodes``
    (floored to 8), also when it is above ``max_nodes``.
    """
    g = spec.gblock_fc
    return tuple(filter_curve(g.min_nodes, g.max_nodes, g.depth, g.slope))


def residual_flags(spec: ModelSpec, total: int, in_fc: int) -> tuple[bool, ...]:
    """Per upscale: whether residual blocks follow it.

    ``decoder.skip_last_residual`` drops them on the last upscale of each part: the last one
    placed in the FC models and the last one of the decoders (as faceswap does).
    """
    dec = spec.decoder
    flags = []
    for idx in range(total):
        last_of_part = idx == in_fc - 1 or idx == total - 1
        flags.append(dec.res_blocks > 0 and not (dec.skip_last_residual and last_of_part))
    return tuple(flags)


@dataclass(frozen=True)
class UpscaleChain:
    """The decoder's upscale chain, planned from the size of the map it starts from.

    Attributes:
        start_dim: height/width of the map the chain starts from (the FC output).
        retile_dim: ``scale_dim(output_size, start_dim)``, the size upscaling starts at.
        total: upscales from ``retile_dim`` to the output size.
        in_fc: of which done at the end of the FC models (``decoder.upscales_in_fc``,
            at most ``total``: asking for more moves them all, as faceswap builds it).
        filters: filters of every upscale (FC ones first).
        residual: per upscale, whether residual blocks follow it.
        fc_starts: whether the FC models start the chain (``decoder.upscales_in_fc`` > 0):
            the re-tiling and the upscaler's entry convs are then theirs, even when the
            chain has no upscale to move (faceswap starts it wherever the first part is).
    """

    start_dim: int
    retile_dim: int
    total: int
    in_fc: int
    filters: tuple[int, ...]
    residual: tuple[bool, ...]
    fc_starts: bool = False

    @property
    def retiled(self) -> bool:
        """Whether the chain starts with a re-tiling reshape."""
        return self.retile_dim != self.start_dim


def upscale_chain_plan(spec: ModelSpec, start_dim: int) -> UpscaleChain:
    """Plan the upscale chain for a ``start_dim`` x ``start_dim`` FC output."""
    dec = spec.decoder
    s = scale_dim(spec.output_size, start_dim)
    total = (spec.output_size // s).bit_length() - 1  # s is output_size / 2**total
    curve = tuple(filter_curve(dec.max_filters, dec.min_filters, total, dec.slope,
                               dec.slope_mode)) if total else ()
    return UpscaleChain(start_dim, s, total, min(dec.upscales_in_fc, total), curve,
                        residual_flags(spec, total, dec.upscales_in_fc),
                        dec.upscales_in_fc > 0)
