"""Image op kinds: convolutions, upscaling, padding and pooling (rank-3 ``(h, w, c)`` maps).

Defines :data:`KINDS`; registers nothing (see :mod:`phazer.ir.registry`).
"""

from __future__ import annotations

import math

from phazer.ir.kinds.base import (
    FUSED,
    KEEPS_NOTHING,
    KERNEL,
    KERNEL_ATTRS,
    SAVES_INPUT,
    Attrs,
    IRShapeError,
    OpKind,
    ParamCount,
    SameAs,
    Shape,
    op_kind,
    single,
)

_CONV_ATTRS = frozenset({"filters", "kernel", "strides", "padding", "use_bias"}) | KERNEL_ATTRS
_CONV_DEFAULTS = {"strides": 1, "padding": "same", "use_bias": True,
                  "kernel_initializer": "glorot_uniform"}
_RESIZE_DEFAULTS = {"interpolation": "nearest"}
_POOL_DEFAULTS = {"pool": 2, "strides": SameAs("pool"), "padding": "valid"}


def conv_output_size(size: int, kernel: int, stride: int, padding: str) -> int:
    """Spatial output size of a convolution or pooling window."""
    if padding == "same":
        return -(-size // stride)
    out = (size - kernel) // stride + 1
    if out < 1:
        raise IRShapeError(f"a {kernel}x{kernel} 'valid' window does not fit a {size}px input")
    return out


def reflect_same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Reflect padding (before, after) that makes a 'valid' window act like 'same' padding.

    The total is ``kernel - stride`` when ``size`` divides by ``stride``, else
    ``kernel - size % stride`` (never negative); the smaller half goes before.
    """
    total = max(kernel - (stride if size % stride == 0 else size % stride), 0)
    return total // 2, total - total // 2


# --- convolutions ----------------------------------------------------------------------------
def _conv_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    k = attrs["kernel"]
    bias = attrs["filters"] if attrs["use_bias"] else 0
    return ParamCount(k * k * ins[0][-1] * attrs["filters"] + bias)


def _conv_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    k = attrs["kernel"]
    bias = math.prod(out) if attrs["use_bias"] else 0
    return 2 * k * k * ins[0][-1] * math.prod(out) + bias


def _conv2d(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, _ = single(ins, 3)
    k, s, pad = attrs["kernel"], attrs["strides"], attrs["padding"]
    return (conv_output_size(h, k, s, pad), conv_output_size(w, k, s, pad), attrs["filters"])


def _deconv_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    k = attrs["kernel"]
    bias = math.prod(out) if attrs["use_bias"] else 0
    return 2 * k * k * math.prod(ins[0]) * attrs["filters"] + bias


def _conv2d_transpose(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, _ = single(ins, 3)
    s = attrs["strides"]
    if attrs["padding"] != "same":
        raise IRShapeError("only 'same' padding is supported for transposed convolutions")
    return (h * s, w * s, attrs["filters"])


def _separable_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    # a k x k depthwise kernel per input channel (times the depth multiplier), then a 1x1
    # pointwise conv to the filters, with one bias per filter
    k, cin, depth = attrs["kernel"], ins[0][-1], attrs["depth_multiplier"]
    bias = attrs["filters"] if attrs["use_bias"] else 0
    return ParamCount(k * k * cin * depth + cin * depth * attrs["filters"] + bias)


def _separable_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    k, cin, depth = attrs["kernel"], ins[0][-1], attrs["depth_multiplier"]
    positions = out[0] * out[1]
    bias = math.prod(out) if attrs["use_bias"] else 0
    return 2 * positions * cin * depth * (k * k + attrs["filters"]) + bias


# --- resampling and padding ------------------------------------------------------------------
def _pixel_shuffle(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, c = single(ins, 3)
    r = attrs["scale"]
    if c % (r * r):
        raise IRShapeError(f"pixel shuffle x{r} needs channels divisible by {r * r}, got {c}")
    return (h * r, w * r, c // (r * r))


def _resize_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    return 0 if attrs["interpolation"] == "nearest" else 4 * math.prod(out)


def _upscaled(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, c = single(ins, 3)
    size = attrs["size"]
    return (h * size, w * size, c)


def _reflection_pad(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, c = single(ins, 3)
    p = attrs["padding"]
    if p >= h or p >= w:
        raise IRShapeError(f"reflection padding {p} needs an input larger than {h}x{w}")
    return (h + 2 * p, w + 2 * p, c)


def _reflection_pad_same(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, c = single(ins, 3)
    k, s = attrs["kernel"], attrs["strides"]
    pad_h, pad_w = reflect_same_padding(h, k, s), reflect_same_padding(w, k, s)
    if max(pad_h) >= h or max(pad_w) >= w:
        raise IRShapeError(f"reflect padding {pad_h} for a {k}x{k} stride-{s} conv needs an "
                           f"input larger than {h}x{w}")
    return (h + sum(pad_h), w + sum(pad_w), c)


# --- pooling -----------------------------------------------------------------------------------
def _pool_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    return math.prod(ins[0])


def _max_pool2d(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    h, w, c = single(ins, 3)
    k, pad = attrs["pool"], attrs["padding"]
    s = attrs["strides"]
    return (conv_output_size(h, k, s, pad), conv_output_size(w, k, s, pad), c)


def _avg_pool_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    k = attrs["pool"]
    return k * k * math.prod(out)


def _global_pool(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return (single(ins, 3)[-1],)


KINDS: tuple[OpKind, ...] = (
    op_kind("conv2d", _conv2d, backward=KERNEL, attrs=_CONV_ATTRS, defaults=_CONV_DEFAULTS,
            params=_conv_params, flops=_conv_flops),
    op_kind("conv2d_transpose", _conv2d_transpose, backward=KERNEL, attrs=_CONV_ATTRS,
            defaults=_CONV_DEFAULTS, params=_conv_params, flops=_deconv_flops),
    # depthwise k x k then pointwise 1x1 (Keras' SeparableConv2D)
    op_kind("separable_conv2d", _conv2d, backward=KERNEL,
            attrs=_CONV_ATTRS | {"depth_multiplier"},
            defaults={**_CONV_DEFAULTS, "depth_multiplier": 1}, params=_separable_params,
            flops=_separable_flops),
    op_kind("pixel_shuffle", _pixel_shuffle, backward=FUSED, attrs={"scale"},
            defaults={"scale": 2}),
    # interpolation: "nearest" | "bilinear"
    op_kind("upsampling2d", _upscaled, backward=FUSED, attrs={"size", "interpolation"},
            defaults=_RESIZE_DEFAULTS, flops=_resize_flops),
    op_kind("resize_images", _upscaled, backward=FUSED, attrs={"size", "interpolation"},
            defaults=_RESIZE_DEFAULTS, flops=_resize_flops),
    op_kind("reflection_pad", _reflection_pad, backward=FUSED, attrs={"padding"}),
    # faceswap's ReflectionPadding2D: the reflect padding that makes the following 'valid'
    # conv (kernel, strides) give "same" output sizes; see reflect_same_padding()
    op_kind("reflection_pad_same", _reflection_pad_same, backward=FUSED,
            attrs={"kernel", "strides"}, defaults={"strides": 1}),
    op_kind("max_pool2d", _max_pool2d, backward=SAVES_INPUT,
            attrs={"pool", "strides", "padding"}, defaults=_POOL_DEFAULTS, flops=_pool_flops),
    # the mean of each window: its gradient spreads evenly, so it keeps nothing
    op_kind("avg_pool2d", _max_pool2d, backward=KEEPS_NOTHING,
            attrs={"pool", "strides", "padding"}, defaults=_POOL_DEFAULTS,
            flops=_avg_pool_flops),
    op_kind("global_avg_pool", _global_pool, backward=KEEPS_NOTHING, attrs=(),
            flops=_pool_flops),
    op_kind("global_max_pool", _global_pool, backward=SAVES_INPUT, attrs=(),
            flops=_pool_flops),
)
