"""The Keras side of every op kind: one small layer factory per kind.

``EMITTERS[kind]`` builds the Keras layer for an :class:`~phazer.ir.graph.Op` of that kind,
named ``op.name``. A factory reads only the attrs :data:`phazer.ir.ops.OP_ATTRS` lists for its
kind (enforced by :func:`_attr`), resolved against the kind's declared defaults
(:attr:`phazer.ir.kinds.base.OpKind.defaults`, the one place a default is written, which the
IR's shape inference reads too); an attr without a declared default is required, or, through
:func:`_given`, left to the Keras layer's own default. Adding an op kind is one entry here;
the conformance test checks every kind against the IR's figures.
The ``input`` kind has no entry: :mod:`phazer.emit.model` turns inputs into ``keras.Input``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras

from phazer.emit.applications import build_keras_app
from phazer.emit.conv_transpose import Conv2DTranspose
from phazer.emit.errors import EmitError
from phazer.emit.initializers import get_initializer
from phazer.emit.layers import (
    AdaIN,
    InstanceNormalization,
    PixelShuffle,
    ReflectionPadding2D,
    ResizeImages,
)
from phazer.emit.vit_layers import ClassToken, PositionEmbedding, QuickGELU, TakeToken
from phazer.ir.graph import Op
from phazer.ir.ops import OP_ATTRS, OP_KINDS, reflect_same_padding

L = keras.layers
LayerFactory = Callable[[Op], keras.layers.Layer]


@dataclass(frozen=True)
class Emitter:
    """How one op kind becomes Keras.

    Attributes:
        factory: builds the layer for an op.
        takes_list: the layer is called on the list of the op's inputs (merges, AdaIN);
            otherwise on its single input.
        self_attention: the layer is called as ``layer(x, x)`` (query and value are its one
            input).
    """

    factory: LayerFactory
    takes_list: bool = False
    self_attention: bool = False


def _attr(op: Op, key: str) -> Any:
    """An attr of ``op`` that its kind's contract allows, its kind's default when not set.

    Raises:
        EmitError: the kind does not list ``key``, or the op leaves unset an attr that has
            no default.
    """
    value = _resolved(op, key)
    if value is None:
        raise EmitError(f"{op.name} ({op.kind}): attr {key!r} is required")
    return value


def _resolved(op: Op, key: str) -> Any:
    """``op``'s attr ``key`` (or its kind's declared default), None when neither is set."""
    if key not in OP_ATTRS.get(op.kind, ()):
        raise EmitError(f"the {op.kind!r} emitter reads attr {key!r}, which OP_ATTRS does not "
                        f"list for that kind")
    return OP_KINDS[op.kind].resolve(op.attrs).get(key)


def _given(op: Op, **keywords: str) -> dict[str, Any]:
    """Keras keyword -> attr value, for the attrs that are set (Keras' default otherwise)."""
    values = {kw: _resolved(op, attr) for kw, attr in keywords.items()}
    return {kw: value for kw, value in values.items() if value is not None}


def _base(op: Op) -> dict[str, Any]:
    """The keywords every layer gets: its name, and its dtype when the op fixes one."""
    kwargs: dict[str, Any] = {"name": op.name}
    if "dtype" in OP_ATTRS.get(op.kind, ()) and op.attrs.get("dtype"):
        kwargs["dtype"] = op.attrs["dtype"]
    return kwargs


def _initializer(op: Op) -> Any:
    name = _attr(op, "kernel_initializer")
    try:
        return get_initializer(name)
    except EmitError as exc:
        raise EmitError(f"{op.name} ({op.kind}): {exc}") from None


def _conv(layer: type[keras.layers.Layer]) -> LayerFactory:
    def factory(op: Op) -> keras.layers.Layer:
        return layer(_attr(op, "filters"), _attr(op, "kernel"), strides=_attr(op, "strides"),
                     padding=_attr(op, "padding"), use_bias=_attr(op, "use_bias"),
                     kernel_initializer=_initializer(op), **_base(op))
    return factory


def _dense(op: Op) -> keras.layers.Layer:
    return L.Dense(_attr(op, "units"), use_bias=_attr(op, "use_bias"),
                   kernel_initializer=_initializer(op), **_base(op))


def _spatial_dropout(op: Op) -> keras.layers.Layer:
    layers = {2: L.SpatialDropout1D, 3: L.SpatialDropout2D, 4: L.SpatialDropout3D}
    rank = len(op.input_shapes[0])
    if rank not in layers:
        raise EmitError(f"{op.name}: spatial dropout needs a rank 2-4 input, got {rank}")
    return layers[rank](_attr(op, "rate"), **_base(op))


def _reflection_pad_same(op: Op) -> keras.layers.Layer:
    """Reflect-pad so that a following 'valid' conv (kernel, strides) gives 'same' sizes."""
    kernel, stride = _attr(op, "kernel"), _attr(op, "strides")
    height, width = op.input_shapes[0][:2]
    return ReflectionPadding2D((reflect_same_padding(height, kernel, stride),
                                reflect_same_padding(width, kernel, stride)), **_base(op))


def _attention(op: Op) -> keras.layers.Layer:
    return L.MultiHeadAttention(_attr(op, "heads"), _attr(op, "key_dim"), **_base(op))


def _pool(layer: type[keras.layers.Layer]) -> LayerFactory:
    def factory(op: Op) -> keras.layers.Layer:
        return layer(_attr(op, "pool"), strides=_attr(op, "strides"),
                     padding=_attr(op, "padding"), **_base(op))
    return factory


def _separable_conv(op: Op) -> keras.layers.Layer:
    return L.SeparableConv2D(_attr(op, "filters"), _attr(op, "kernel"),
                             strides=_attr(op, "strides"),
                             padding=_attr(op, "padding"),
                             depth_multiplier=_attr(op, "depth_multiplier"),
                             use_bias=_attr(op, "use_bias"),
                             depthwise_initializer=_initializer(op),
                             pointwise_initializer=_initializer(op), **_base(op))


EMITTERS: dict[str, Emitter] = {
    "flatten": Emitter(lambda op: L.Flatten(**_base(op))),
    "reshape": Emitter(lambda op: L.Reshape(tuple(_attr(op, "target_shape")), **_base(op))),
    "concatenate": Emitter(lambda op: L.Concatenate(axis=-1, **_base(op)), takes_list=True),
    "add": Emitter(lambda op: L.Add(**_base(op)), takes_list=True),
    "multiply": Emitter(lambda op: L.Multiply(**_base(op)), takes_list=True),
    "leaky_relu": Emitter(lambda op: L.LeakyReLU(**_given(op, negative_slope="negative_slope"),
                                                 **_base(op))),
    "activation": Emitter(lambda op: L.Activation(_attr(op, "function"), **_base(op))),
    "dropout": Emitter(lambda op: L.Dropout(_attr(op, "rate"), **_base(op))),
    "spatial_dropout": Emitter(_spatial_dropout),
    "gaussian_noise": Emitter(lambda op: L.GaussianNoise(_attr(op, "stddev"), **_base(op))),
    "rescale": Emitter(lambda op: L.Rescaling(_attr(op, "scale"), offset=_attr(op, "offset"),
                                              **_base(op))),
    "dense": Emitter(_dense),
    "conv2d": Emitter(_conv(L.Conv2D)),
    "conv2d_transpose": Emitter(_conv(Conv2DTranspose)),   # faceswap's (torch's) window
    "separable_conv2d": Emitter(_separable_conv),
    "pixel_shuffle": Emitter(lambda op: PixelShuffle(_attr(op, "scale"), **_base(op))),
    "upsampling2d": Emitter(lambda op: L.UpSampling2D(
        _attr(op, "size"), interpolation=_attr(op, "interpolation"), **_base(op))),
    "resize_images": Emitter(lambda op: ResizeImages(
        _attr(op, "size"), interpolation=_attr(op, "interpolation"), **_base(op))),
    "reflection_pad": Emitter(lambda op: ReflectionPadding2D(_attr(op, "padding"),
                                                             **_base(op))),
    "reflection_pad_same": Emitter(_reflection_pad_same),
    "max_pool2d": Emitter(_pool(L.MaxPooling2D)),
    "avg_pool2d": Emitter(_pool(L.AveragePooling2D)),
    "global_avg_pool": Emitter(lambda op: L.GlobalAveragePooling2D(**_base(op))),
    "global_max_pool": Emitter(lambda op: L.GlobalMaxPooling2D(**_base(op))),
    "batch_norm": Emitter(lambda op: L.BatchNormalization(**_given(op, epsilon="epsilon"),
                                                          **_base(op))),
    "layer_norm": Emitter(lambda op: L.LayerNormalization(**_given(op, epsilon="epsilon"),
                                                          **_base(op))),
    "rms_norm": Emitter(lambda op: L.RMSNormalization(**_given(op, epsilon="epsilon"),
                                                      **_base(op))),
    "instance_norm": Emitter(lambda op: InstanceNormalization(**_given(op, epsilon="epsilon"),
                                                              **_base(op))),
    "group_norm": Emitter(lambda op: L.GroupNormalization(
        groups=_attr(op, "groups"), **_given(op, epsilon="epsilon"), **_base(op))),
    "adain": Emitter(lambda op: AdaIN(**_given(op, epsilon="epsilon"), **_base(op)),
                     takes_list=True),
    "keras_app": Emitter(build_keras_app),
    "class_token": Emitter(lambda op: ClassToken(**_base(op))),
    "position_embedding": Emitter(lambda op: PositionEmbedding(**_base(op))),
    "multi_head_attention": Emitter(_attention, self_attention=True),
    "quick_gelu": Emitter(lambda op: QuickGELU(**_base(op))),
    "take_token": Emitter(lambda op: TakeToken(_attr(op, "index"), **_base(op))),
}


def build_layer(op: Op) -> keras.layers.Layer:
    """The Keras layer for one op (any kind but ``input``).

    Raises:
        EmitError: no emitter for the op's kind, or its attrs cannot be emitted.
    """
    emitter = EMITTERS.get(op.kind)
    if emitter is None:
        raise EmitError(f"{op.name}: no Keras emitter for op kind {op.kind!r}; add one to "
                        f"phazer/emit/ops.py EMITTERS")
    return emitter.factory(op)
