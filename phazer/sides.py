"""The names of a model's per-side inputs and outputs, built and read in one place.

A model has one input and one or more outputs per side: ``face_in_<side>`` (the faces fed in),
``face_out_<side>`` (the face it draws), with a mask output ``mask_out_<side>`` and, for a
multiscale decoder, ``face_out_<side>_<size>`` (the face drawn at a smaller size). The training
targets may also carry ``eye_mask_<side>`` and ``mouth_mask_<side>``: the eye and mouth areas
the penalized loss weighs more (targets only, never model outputs).
The data pipeline keys its batches by these names, the Keras model carries them and the loss
reads them back. Side names are lowercase letters and digits (``a``, ``b``, ``x2``).

Dependency-free on purpose: the plan, the data pipeline and the trainer all import it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

DEFAULT_SIDES: tuple[str, ...] = ("a", "b")
RESERVED_SIDES: frozenset[str] = frozenset({"both", "shared", "gblock"})
"""Names a side cannot take: the suffixes of shared sub-models (``fc_both``, ``fc_shared``)."""
SIDE_NAME = r"[a-z0-9]+"
"""The pattern of a side name (the one definition: the schema and the rules read it)."""

FACE_IN = "face_in"
FACE_OUT = "face_out"
MASK_OUT = "mask_out"
EYE_MASK = "eye_mask"
MOUTH_MASK = "mouth_mask"
KINDS: tuple[str, ...] = (FACE_IN, FACE_OUT, MASK_OUT, EYE_MASK, MOUTH_MASK)

_SIDE = re.compile(SIDE_NAME)
_NAME = re.compile(rf"({'|'.join(KINDS)})_({SIDE_NAME})")
_SCALED = re.compile(rf"{FACE_OUT}_({SIDE_NAME})_([0-9]+)")


def _name(kind: str, side: str) -> str:
    if not isinstance(side, str) or not _SIDE.fullmatch(side):
        raise ValueError(f"side name {side!r} must be lowercase letters and digits")
    return f"{kind}_{side}"


def face_in(side: str) -> str:
    """The name of a side's model input (``face_in_a``).

    Raises:
        ValueError: ``side`` is not a side name (lowercase letters and digits).
    """
    return _name(FACE_IN, side)


def face_out(side: str) -> str:
    """The name of a side's face output (``face_out_a``).

    Raises:
        ValueError: ``side`` is not a side name (lowercase letters and digits).
    """
    return _name(FACE_OUT, side)


def mask_out(side: str) -> str:
    """The name of a side's mask output (``mask_out_a``; only with ``decoder.learn_mask``).

    Raises:
        ValueError: ``side`` is not a side name (lowercase letters and digits).
    """
    return _name(MASK_OUT, side)


def eye_mask(side: str) -> str:
    """The name of a side's eye-area target (``eye_mask_a``; penalized loss, eye_multiplier > 1).

    Raises:
        ValueError: ``side`` is not a side name (lowercase letters and digits).
    """
    return _name(EYE_MASK, side)


def mouth_mask(side: str) -> str:
    """The name of a side's mouth-area target (``mouth_mask_a``; mouth_multiplier > 1).

    Raises:
        ValueError: ``side`` is not a side name (lowercase letters and digits).
    """
    return _name(MOUTH_MASK, side)


def scaled_face_out(side: str, size: int) -> str:
    """The name of a face a multiscale decoder draws at a smaller ``size`` (``face_out_a_32``).

    Raises:
        ValueError: ``side`` is not a side name, or ``size`` is not a positive int.
    """
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"output size {size!r} must be a positive int")
    return f"{_name(FACE_OUT, side)}_{size}"


def output_scale(name: str) -> int | None:
    """The size a ``face_out_<side>_<size>`` name carries; None for any other name."""
    match = _SCALED.fullmatch(name) if isinstance(name, str) else None
    return int(match.group(2)) if match else None


def parse(name: str) -> tuple[str, str]:
    """Split an input/output name into its kind and side: ``"mask_out_b"`` -> ``("mask_out", "b")``.

    Raises:
        ValueError: ``name`` is not ``face_in_<side>``, ``face_out_<side>[_<size>]`` or
            ``mask_out_<side>``.
    """
    scaled = _SCALED.fullmatch(name) if isinstance(name, str) else None
    if scaled is not None:
        return FACE_OUT, scaled.group(1)
    match = _NAME.fullmatch(name) if isinstance(name, str) else None
    if match is None:
        raise ValueError(f"{name!r} is not a model input or output name "
                         f"({', '.join(f'{kind}_<side>' for kind in KINDS)})")
    return match.group(1), match.group(2)


def side_of(name: str) -> str:
    """The side of an input/output name: ``"face_out_b"`` -> ``"b"``.

    Raises:
        ValueError: ``name`` is not an input or output name (see :func:`parse`).
    """
    return parse(name)[1]


def is_face_out(name: str) -> bool:
    """Whether ``name`` is a face output name (``face_out_<side>``, ``face_out_<side>_<size>``)."""
    return _kind_is(name, FACE_OUT)


def is_mask_out(name: str) -> bool:
    """Whether ``name`` is a mask output name (``mask_out_<side>``)."""
    return _kind_is(name, MASK_OUT)


def _kind_is(name: str, kind: str) -> bool:
    try:
        return parse(name)[0] == kind
    except ValueError:
        return False


def face_sides(names: Iterable[str]) -> tuple[str, ...]:
    """The sides of the face outputs among ``names``, in order (other names are ignored)."""
    return tuple(dict.fromkeys(side_of(n) for n in names if is_face_out(n)))


def other_side(side: str, sides: Sequence[str]) -> str:
    """The side a face of ``side`` is swapped to: the next one in ``sides``, cyclically.

    With sides ("a", "b") that is "b" for "a" and "a" for "b"; a single side is its own other.

    Raises:
        ValueError: ``side`` is not one of ``sides``.
    """
    order = list(sides)
    if side not in order:
        raise ValueError(f"side {side!r} is not one of {tuple(order)}")
    return order[(order.index(side) + 1) % len(order)]


def check_sides(sides: Iterable[str]) -> tuple[str, ...]:
    """Validate side names: lowercase letters/digits, unique, not a reserved suffix.

    Raises:
        ValueError: no side, a duplicate, a malformed or a reserved name.
    """
    result = tuple(sides)
    if not result:
        raise ValueError("at least one side is needed")
    for side in result:
        if not isinstance(side, str) or not _SIDE.fullmatch(side):
            raise ValueError(f"side name {side!r} must be lowercase letters and digits")
        if side in RESERVED_SIDES:
            raise ValueError(f"side name {side!r} is reserved for shared sub-models")
    if len(set(result)) != len(result):
        raise ValueError(f"side names must be unique, got {result}")
    return result
