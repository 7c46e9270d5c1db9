"""The ``keras_app`` op kind: a whole Keras Applications encoder as one opaque op (no TensorFlow).

Its output shape, parameters and FLOPs are looked up in the generated table of
:mod:`phazer.catalog.keras_apps`, which is read (about 1 MB of JSON) the first time an op of
this kind is inferred, never on import.

Attributes:
    encoder: the encoder name (``efficientnet_b4``, ``mobilenet_v2``, ...).
    input_size: the square input's side in pixels; must match the input tensor (defaults to it).
    width, depth_multiplier, dropout, minimalistic: MobileNet options, where they apply;
        omitted or ``None`` means Keras' default.
    imagenet_weights, weights_file: what the Keras emitter loads into it (no effect here).

Defines :data:`KINDS`; registers nothing (see :mod:`phazer.ir.registry`).
"""

from __future__ import annotations

from phazer.catalog.keras_apps import (
    KerasAppFigures,
    KerasAppLookupError,
    KerasAppMemory,
    keras_app_figures,
)
from phazer.ir.kinds.base import (
    SAVES_INPUT,
    Attrs,
    IRShapeError,
    OpKind,
    ParamCount,
    Shape,
    op_kind,
    single,
)

OPTION_ATTRS = ("width", "depth_multiplier", "dropout", "minimalistic")


def _figures(attrs: Attrs, ins: tuple[Shape, ...]) -> KerasAppFigures:
    height, width, channels = single(ins, 3)
    size = attrs.get("input_size", height)
    if (height, width, channels) != (size, size, 3):
        raise IRShapeError(f"{attrs['encoder']} expects a {size}x{size}x3 input, got "
                           f"{(height, width, channels)}")
    options = {name: attrs[name] for name in OPTION_ATTRS if attrs.get(name) is not None}
    try:
        return keras_app_figures(attrs["encoder"], size, **options)
    except KerasAppLookupError as exc:
        raise IRShapeError(str(exc)) from None


def _infer(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return _figures(attrs, ins).output_shape


def _params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    params = _figures(attrs, ins).params
    return ParamCount(params.trainable, params.non_trainable)


def _flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    return _figures(attrs, ins).flops


def keras_app_memory(attrs: Attrs, ins: tuple[Shape, ...]) -> KerasAppMemory | None:
    """What a training step keeps inside a ``keras_app`` op (``None``: not tabulated)."""
    return _figures(attrs, ins).memory


KINDS: tuple[OpKind, ...] = (
    op_kind("keras_app", _infer, backward=SAVES_INPUT,
            attrs={"encoder", "input_size", *OPTION_ATTRS, "imagenet_weights",
                   "weights_file"},
            params=_params, flops=_flops),
)
