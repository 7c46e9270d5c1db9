"""What an op kind is: its shapes, parameter counts, backward needs and the helpers kinds share.

An :class:`OpKind` is one value holding everything the plan knows of a kind: the attrs it
accepts, how it infers its output shape, its parameters and FLOPs, and what a training step's
backward pass keeps for it. Build one with :func:`op_kind`; nothing here registers anything
(the registry is :mod:`phazer.ir.registry`). No TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Shape = tuple[int, ...]
Attrs = Mapping[str, Any]


class IRShapeError(ValueError):
    """An op cannot be applied to its input shapes (e.g. a reshape that does not divide)."""


@dataclass(frozen=True)
class ParamCount:
    """Trainable and non-trainable parameter counts."""

    trainable: int = 0
    non_trainable: int = 0

    @property
    def total(self) -> int:
        """All parameters."""
        return self.trainable + self.non_trainable

    def __add__(self, other: ParamCount) -> ParamCount:
        return ParamCount(self.trainable + other.trainable,
                          self.non_trainable + other.non_trainable)


InferFn = Callable[[Attrs, tuple[Shape, ...]], Shape]
ParamsFn = Callable[[Attrs, tuple[Shape, ...], Shape], ParamCount]
FlopsFn = Callable[[Attrs, tuple[Shape, ...], Shape], int]


@dataclass(frozen=True)
class Backward:
    """What a training step's backward pass needs of an op (read by the memory estimate).

    Attributes:
        saves_input: its gradient needs its input, kept from the forward pass (convolutions
            and Dense layers for their weight gradient, activations for their derivative,
            normalisations for their statistics, max-pooling for its argmax).
        kernel: it has a kernel the backward pass reads again for its input gradient.
        fuses: how XLA fuses it into its neighbours, so that a tensor it makes is recomputed
            from the start of the fused chain instead of kept: "single" (an element-wise or
            layout op with one input), "all" (also with several inputs: an add), "none".
        view: whether its output is the same buffer as its input: "always" (reshape,
            flatten), "rate_zero" (a dropout at rate 0), "never".
    """

    saves_input: bool = False
    kernel: bool = False
    fuses: Literal["none", "single", "all"] = "none"
    view: Literal["never", "always", "rate_zero"] = "never"


KEEPS_NOTHING = Backward()
FUSED = Backward(fuses="single")
SAVES_INPUT = Backward(saves_input=True)
ACTIVATION = Backward(saves_input=True, fuses="single")
KERNEL = Backward(saves_input=True, kernel=True)
VIEW = Backward(fuses="single", view="always")
DROPOUT = Backward(fuses="single", view="rate_zero")

# Attrs every kind with a kernel accepts besides its own: the kernel's initializer and the
# layer's dtype (e.g. "float32" for an output that must stay float32 under mixed precision).
KERNEL_ATTRS = frozenset({"kernel_initializer", "dtype"})


@dataclass(frozen=True)
class SameAs:
    """A default that is another attr's value (a pooling window's strides: its pool size)."""

    attr: str


@dataclass(frozen=True)
class OpKind:
    """An op kind: its attrs, its three inference functions and what its backward needs.

    Attributes:
        name: the kind's name, the ``kind`` of its ops.
        infer: output shape from (attrs, input shapes); raises :class:`IRShapeError`.
        params: parameter counts from (attrs, input shapes, output shape).
        flops: forward FLOPs per example from (attrs, input shapes, output shape).
        backward: what the backward pass keeps for it (:class:`Backward`).
        attrs: the attrs its ops accept: the contract between the blocks (which set them) and
            the Keras emitter (which reads only these). Values are plain JSON types.
        defaults: the value of an attr an op leaves unset, the one place it is declared: the
            three functions see the attrs :meth:`resolve` d, and the Keras emitter reads them
            the same way. An attr with no default is required, or, where the emitter allows
            it, left to the Keras layer's own default (a norm's epsilon).

    Its Keras layer is in ``phazer/emit/ops.py`` (the only place that imports Keras); a test
    fails when a kind lacks it.
    """

    name: str
    infer: InferFn
    params: ParamsFn
    flops: FlopsFn
    backward: Backward
    attrs: frozenset[str]
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def resolve(self, attrs: Attrs) -> dict[str, Any]:
        """``attrs`` with every declared default filled in (an attr set to None is unset)."""
        return resolve_attrs(attrs, self.defaults)


def resolve_attrs(attrs: Attrs, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``attrs`` with ``defaults`` filled in where unset or None (:class:`SameAs` last)."""
    resolved = {key: value for key, value in attrs.items() if value is not None}
    for key, default in defaults.items():
        if key not in resolved and not isinstance(default, SameAs):
            resolved[key] = default
    for key, default in defaults.items():
        if key not in resolved and isinstance(default, SameAs):
            resolved[key] = resolved.get(default.attr)
    return resolved


def no_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    """The parameter count of a kind without weights."""
    return ParamCount()


def per_element(cost: int) -> FlopsFn:
    """FLOPs of ``cost`` per output element."""
    def flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
        return cost * math.prod(out)
    return flops


FREE = per_element(0)


def op_kind(name: str, infer: InferFn, *, backward: Backward, attrs: Iterable[str],
            defaults: Mapping[str, Any] | None = None, params: ParamsFn = no_params,
            flops: FlopsFn = FREE) -> OpKind:
    """An op kind, checked: ``backward`` and ``attrs`` must be given (``attrs=()`` for none).

    A kind cannot be written without saying what the memory estimate must keep for it and
    which attrs the blocks may set on it. ``infer``, ``params`` and ``flops`` are given the
    op's attrs with ``defaults`` filled in, so they index them directly.

    Raises:
        TypeError: ``backward`` is not a :class:`Backward`, an attr name is not a string, or
            a default (or the attr a :class:`SameAs` names) is not one of ``attrs``.
    """
    if not isinstance(backward, Backward):
        raise TypeError(f"op kind {name!r}: backward must be a Backward, got {backward!r}")
    declared = frozenset(attrs)
    if not all(isinstance(attr, str) for attr in declared):
        raise TypeError(f"op kind {name!r}: attr names must be strings, got {sorted(declared)}")
    defaults = dict(defaults or {})
    named = set(defaults) | {d.attr for d in defaults.values() if isinstance(d, SameAs)}
    if not named <= declared:
        raise TypeError(f"op kind {name!r}: defaults for undeclared attrs "
                        f"{sorted(named - declared)}")
    if defaults:
        infer, params, flops = (_resolving(fn, defaults) for fn in (infer, params, flops))
    return OpKind(name, infer, params, flops, backward, declared, MappingProxyType(defaults))


def _resolving(fn: Callable[..., Any], defaults: Mapping[str, Any]) -> Callable[..., Any]:
    """``fn`` called with its attrs resolved against ``defaults``."""
    def resolved(attrs: Attrs, *args: Any) -> Any:
        return fn(resolve_attrs(attrs, defaults), *args)
    return resolved


def single(ins: tuple[Shape, ...], rank: int | None = None) -> Shape:
    """The one input shape of a single-input op, of ``rank`` when given."""
    if len(ins) != 1:
        raise IRShapeError(f"expects 1 input, got {len(ins)}")
    if rank is not None and len(ins[0]) != rank:
        raise IRShapeError(f"expects a rank-{rank} input, got shape {ins[0]}")
    return ins[0]


def identity(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    """The output shape of a single-input op that keeps its input's shape."""
    return single(ins)
