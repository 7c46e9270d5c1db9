"""Tensor and shape op kinds: inputs, layout changes, merges, element-wise ops and Dense.

Defines :data:`KINDS`; registers nothing (see :mod:`phazer.ir.registry`).
"""

from __future__ import annotations

import math

from phazer.ir.kinds.base import (
    ACTIVATION,
    DROPOUT,
    FUSED,
    KEEPS_NOTHING,
    KERNEL,
    KERNEL_ATTRS,
    SAVES_INPUT,
    VIEW,
    Attrs,
    Backward,
    IRShapeError,
    OpKind,
    ParamCount,
    Shape,
    identity,
    op_kind,
    per_element,
    single,
)


def _input(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return tuple(attrs["shape"])


def _flatten(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return (math.prod(single(ins)),)


def _reshape(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    shape, target = single(ins), tuple(attrs["target_shape"])
    if math.prod(shape) != math.prod(target):
        raise IRShapeError(f"cannot reshape {shape} ({math.prod(shape)} values) to {target} "
                           f"({math.prod(target)} values)")
    return target


def _concatenate(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    if len(ins) < 2:
        raise IRShapeError("concatenate needs at least 2 inputs")
    if any(s[:-1] != ins[0][:-1] for s in ins):
        raise IRShapeError(f"cannot concatenate shapes {list(ins)} on the last axis")
    return (*ins[0][:-1], sum(s[-1] for s in ins))


def _same_shapes(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    if len(ins) < 2 or any(s != ins[0] for s in ins):
        raise IRShapeError(f"needs 2+ inputs of one shape, got {list(ins)}")
    return ins[0]


def _rescale_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    """A multiply per element, and an add when there is an offset (as TF's profiler counts)."""
    return (2 if attrs["offset"] else 1) * math.prod(out)


def _dense(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    shape = single(ins)
    return (*shape[:-1], attrs["units"])


def _dense_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    bias = attrs["use_bias"]
    return ParamCount(ins[0][-1] * attrs["units"] + (attrs["units"] if bias else 0))


def _dense_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    """Per row of the input: once per example, or once per token of a sequence."""
    bias = attrs["use_bias"]
    per_row = 2 * ins[0][-1] * attrs["units"] + (attrs["units"] if bias else 0)
    return per_row * math.prod(ins[0][:-1])


KINDS: tuple[OpKind, ...] = (
    op_kind("input", _input, backward=KEEPS_NOTHING, attrs={"shape"}),
    op_kind("flatten", _flatten, backward=VIEW, attrs=()),
    op_kind("reshape", _reshape, backward=VIEW, attrs={"target_shape"}),
    op_kind("concatenate", _concatenate, backward=KEEPS_NOTHING, attrs=()),
    op_kind("add", _same_shapes, backward=Backward(fuses="all"), attrs=(),
            flops=per_element(1)),
    op_kind("multiply", _same_shapes, backward=SAVES_INPUT, attrs=(), flops=per_element(1)),
    # element-wise, parameter-free
    op_kind("leaky_relu", identity, backward=ACTIVATION, attrs={"negative_slope"},
            flops=per_element(1)),
    # function: "sigmoid", "relu", ...; dtype "float32" keeps an output float32 under mixed
    # precision
    op_kind("activation", identity, backward=ACTIVATION, attrs={"function", "dtype"},
            flops=per_element(1)),
    op_kind("dropout", identity, backward=DROPOUT, attrs={"rate"}, flops=per_element(1)),
    op_kind("spatial_dropout", identity, backward=DROPOUT, attrs={"rate"},
            flops=per_element(1)),
    op_kind("gaussian_noise", identity, backward=FUSED, attrs={"stddev"},
            flops=per_element(1)),
    # y = x * scale + offset
    op_kind("rescale", identity, backward=FUSED, attrs={"scale", "offset"},
            defaults={"offset": 0.0}, flops=_rescale_flops),
    op_kind("dense", _dense, backward=KERNEL, attrs={"units", "use_bias"} | KERNEL_ATTRS,
            defaults={"use_bias": True, "kernel_initializer": "glorot_uniform"},
            params=_dense_params, flops=_dense_flops),
)
