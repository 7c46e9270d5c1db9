"""Normalization op kinds: batch, layer, RMS, instance and group norms, and AdaIN.

A normalization counts 5 FLOPs per element (mean, variance, subtract, divide, scale-and-shift;
RMS norm 4, AdaIN 7). Defines :data:`KINDS`; registers nothing (see :mod:`phazer.ir.registry`).
"""

from __future__ import annotations

from phazer.ir.kinds.base import (
    SAVES_INPUT,
    Attrs,
    IRShapeError,
    OpKind,
    ParamCount,
    ParamsFn,
    Shape,
    identity,
    op_kind,
    per_element,
    single,
)


def _norm_params(per_channel: int, frozen_per_channel: int = 0) -> ParamsFn:
    def params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
        channels = ins[0][-1]
        return ParamCount(per_channel * channels, frozen_per_channel * channels)
    return params


def _instance_norm_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    # faceswap's InstanceNormalization (axis=None): one scalar gamma and one scalar beta
    return ParamCount(2)


def _group_norm(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    shape = single(ins)
    if shape[-1] % attrs["groups"]:
        raise IRShapeError(f"group norm with {attrs['groups']} groups needs channels "
                           f"divisible by {attrs['groups']}, got {shape[-1]}")
    return shape


def _adain(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    if len(ins) != 3:
        raise IRShapeError(f"AdaIN expects (features, beta, gamma), got {len(ins)} inputs")
    features, beta, gamma = ins
    if gamma[-1] != features[-1] or beta[-1] != features[-1]:
        raise IRShapeError(f"AdaIN style {gamma}/{beta} does not match features {features}")
    return features


_EPSILON = frozenset({"epsilon"})

KINDS: tuple[OpKind, ...] = (
    op_kind("batch_norm", identity, backward=SAVES_INPUT, attrs=_EPSILON,
            params=_norm_params(2, 2), flops=per_element(5)),
    op_kind("layer_norm", identity, backward=SAVES_INPUT, attrs=_EPSILON,
            params=_norm_params(2), flops=per_element(5)),
    op_kind("rms_norm", identity, backward=SAVES_INPUT, attrs=_EPSILON,
            params=_norm_params(1), flops=per_element(4)),
    op_kind("instance_norm", identity, backward=SAVES_INPUT, attrs=_EPSILON,
            params=_instance_norm_params, flops=per_element(5)),
    op_kind("group_norm", _group_norm, backward=SAVES_INPUT, attrs={"groups", "epsilon"},
            params=_norm_params(2), flops=per_element(5)),
    # (features, beta, gamma) -> features normalised per channel, scaled by the style
    # (faceswap's AdaInstanceNormalization's order)
    op_kind("adain", _adain, backward=SAVES_INPUT, attrs=_EPSILON, flops=per_element(7)),
)
