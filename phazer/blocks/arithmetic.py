"""The sizes every part of a Phaze-A model derives from its spec, computed without building.

:func:`derive` returns them as one frozen :class:`Derived`; :func:`problems` (in
:mod:`phazer.blocks.limits`) lists the conditions under which a spec cannot be built. The
blocks use both, so the plan, the validator and the builders share one arithmetic.
``docs/arithmetic.md`` explains every rule and where phazer departs from faceswap's code.
"""

from __future__ import annotations

import contextlib
import importlib
import math
from dataclasses import dataclass
from typing import Any

from phazer.blocks.bottleneck import bottleneck_size
from phazer.blocks.upscalers import fc_upsample_channels, upscaler
from phazer.catalog.encoders import ENCODERS
from phazer.curves import filter_curve, floor8
from phazer.ir.ops import OP_KINDS, IRShapeError, Shape
from phazer.spec.encoders import FsOriginalEncoder
from phazer.spec.models import ModelSpec

# Modules that may register the ``keras_app`` op kind (its table lives outside the blocks).
_KERAS_APP_MODULES = ("phazer.ir.keras_app", "phazer.catalog.keras_apps")


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


def keras_app_attrs(spec: ModelSpec, px: int) -> dict[str, Any]:
    """The attrs of the ``keras_app`` op for a Keras Applications encoder."""
    enc = spec.encoder
    attrs: dict[str, Any] = {"encoder": enc.type, "input_size": px,
                             "imagenet_weights": bool(getattr(enc, "imagenet_weights", False))}
    for field in ("width", "depth_multiplier", "dropout", "minimalistic"):
        if hasattr(enc, field):
            attrs[field] = getattr(enc, field)
    if getattr(enc, "weights_file", None):
        attrs["weights_file"] = enc.weights_file
    return attrs


def keras_app_available() -> bool:
    """Whether the ``keras_app`` op kind is registered (importing its table if needed)."""
    for module in _KERAS_APP_MODULES:
        if "keras_app" in OP_KINDS:
            break
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    return "keras_app" in OP_KINDS


def keras_app_shape(spec: ModelSpec, px: int) -> Shape | None:
    """The Keras encoder's output shape from the ``keras_app`` op table, if it is available."""
    if not keras_app_available():
        return None
    try:
        return tuple(OP_KINDS["keras_app"].infer(keras_app_attrs(spec, px), ((px, px, 3),)))
    except (IRShapeError, KeyError, ValueError):
        return None


def fs_encoder_shape(encoder: FsOriginalEncoder, px: int, reflect_padding: bool) -> Shape:
    """Output shape of faceswap's own encoder (before the bottleneck)."""
    if not encoder.alt:
        size = px
        for _ in range(encoder.depth):
            size = -(-size // 2)
        filters = min(encoder.max_filters, encoder.min_filters * 2 ** (encoder.depth - 1))
        return (size, size, filters)
    size = px // 2 ** (encoder.depth - 1)
    if not reflect_padding:  # the final 4x4 'valid' conv (reflect padding keeps the size)
        size -= 3
    filters = min(encoder.max_filters, encoder.min_filters * 2 ** encoder.depth)
    return (size, size, filters)


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
    """

    min_filters: int | None
    max_filters: int
    upsample_filters: int | None
    multiple: int = 1
    changes: tuple[tuple[str, int, int], ...] = ()
    rescale_size: int = 0
    rescale_dim: int = 0


@dataclass(frozen=True)
class Derived:
    """Everything derived from a spec's sizes.

    Attributes:
        encoder_input_px: encoder input height and width.
        backbone_shape: the encoder's feature map before the bottleneck (None for a Keras
            encoder whose table is not available).
        encoder_output_shape: the encoder sub-model's output (after the bottleneck when it is
            in the encoder); None when unknown.
        fc_input_size: flat size entering the FC Dense stack (after the bottleneck); None when
            unknown.
        fc_nodes: nodes of each FC Dense layer.
        fc_reshape: the FC reshape (dim, dim, max filters).
        fc_filters: FC filter counts after rescaling.
        fc_dim: FC output height/width before any decoder upscale: dim * 2**upsamples.
        fc_channels: FC output channels before any decoder upscale.
        retile_dim: the height/width the decoder chain starts from.
        retile: (from, to) shapes of the re-tiling Reshape, or None when there is none.
        total_upscales: upscales from ``retile_dim`` to the output size.
        fc_upscales: of which done at the end of the FC models.
        decoder_upscales: of which done in the decoders.
        decoder_filters: filters of every upscale (FC ones first).
        residual_upscales: per upscale, whether residual blocks follow it.
        fc_output_shape: output of each side's FC model.
        decoder_input_shape: input of the decoders (shared-FC concat doubles the channels).
        gblock_fc_nodes: nodes of each fc_gblock Dense layer.
        gblock_filters: G-Block filters (None without G-Block).
    """

    encoder_input_px: int
    backbone_shape: Shape | None
    encoder_output_shape: Shape | None
    fc_input_size: int | None
    fc_nodes: tuple[int, ...]
    fc_reshape: Shape
    fc_filters: FCFilters
    fc_dim: int
    fc_channels: int
    retile_dim: int
    retile: tuple[Shape, Shape] | None
    total_upscales: int
    fc_upscales: int
    decoder_upscales: int
    decoder_filters: tuple[int, ...]
    residual_upscales: tuple[bool, ...]
    fc_output_shape: Shape
    decoder_input_shape: Shape
    gblock_fc_nodes: tuple[int, ...]
    gblock_filters: int | None

    @property
    def fc_filters_rescaled(self) -> bool:
        """Whether the rescaling for the output size changed any FC filter count."""
        return bool(self.fc_filters.changes)


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
    separately (:func:`phazer.blocks.limits.problems`).
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
                     scaled.get("fc.upsample_filters"), multiple, changes, final, s)


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


def derive(spec: ModelSpec, backbone_shape: Shape | None = None) -> Derived:
    """Compute the derived sizes of a spec.

    Works for any schema-valid spec, including ones :func:`phazer.blocks.limits.problems`
    rejects (the figures then describe what would be attempted).

    Args:
        spec: the model spec.
        backbone_shape: the encoder's feature-map shape when the caller knows it (e.g. from
            the Keras Applications table); computed for faceswap's encoder, looked up in the
            ``keras_app`` table otherwise.
    """
    px = encoder_input_px(spec)
    vit = ENCODERS[spec.encoder.type].vit
    if isinstance(spec.encoder, FsOriginalEncoder):
        backbone_shape = fs_encoder_shape(spec.encoder, px,
                                          spec.convolutions.reflect_padding)
    elif vit is not None:
        backbone_shape = (vit.output,)
    elif backbone_shape is None:
        backbone_shape = keras_app_shape(spec, px)
    fc_input = (bottleneck_size(spec.bottleneck, backbone_shape)
                if backbone_shape is not None or spec.bottleneck.type == "dense" else None)
    encoder_out: Shape | None
    if spec.bottleneck.in_encoder:
        encoder_out = (fc_input,) if fc_input is not None else None
    else:
        encoder_out = backbone_shape

    fc, dec = spec.fc, spec.decoder
    filters = fc_filters(spec)
    d = fc.dimensions * 2 ** fc.upsamples
    channels = fc_upsample_channels(fc.upsampler, fc.upsamples, filters.upsample_filters or 0,
                                    filters.max_filters)
    s = scale_dim(spec.output_size, d)
    total = (spec.output_size // s).bit_length() - 1  # s is output_size / 2**total
    curve = tuple(filter_curve(dec.max_filters, dec.min_filters, total, dec.slope,
                               dec.slope_mode)) if total else ()
    in_fc = dec.upscales_in_fc
    shared = 2 if spec.routing.shared_fc != "none" else 1
    at_retile = channels * (shared if in_fc == 0 else 1)
    retile = None
    if s != d:
        retile = ((d, d, at_retile), (s, s, d * d * at_retile // (s * s)))
    if in_fc and in_fc <= total:
        side = s * 2 ** in_fc
        fc_out: Shape = (side, side, upscaler(dec.upscaler).channels(curve[in_fc - 1]))
    else:
        fc_out = (d, d, channels)
    dec_in = (*fc_out[:2], fc_out[2] * shared)
    return Derived(
        encoder_input_px=px, backbone_shape=backbone_shape, encoder_output_shape=encoder_out,
        fc_input_size=fc_input, fc_nodes=fc_node_curve(spec, filters),
        fc_reshape=(fc.dimensions, fc.dimensions, filters.max_filters), fc_filters=filters,
        fc_dim=d, fc_channels=channels, retile_dim=s, retile=retile, total_upscales=total,
        fc_upscales=min(in_fc, total), decoder_upscales=max(total - in_fc, 0),
        decoder_filters=curve, residual_upscales=residual_flags(spec, total, in_fc),
        fc_output_shape=fc_out, decoder_input_shape=dec_in,
        gblock_fc_nodes=gblock_node_curve(spec),
        gblock_filters=dec_in[2] if spec.routing.gblock else None)
