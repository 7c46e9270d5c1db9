"""Filter curves: how a sub-model moves from one filter (or node) count to another.

Phaze-A sizes repeated layers (decoder upscales, fully-connected layers) with a "filter curve":
a start count, an end count, a number of points and a slope. Every value is rounded down to a
multiple of 8.

Sign convention (the one faceswap's code uses, and so phazer): a **negative** slope moves away
from ``start`` quickly at first and then slowly; a **positive** slope moves slowly at first and
then quickly; 0 is linear. ``filter_curve(512, 64, 4, -0.45)`` is ``[512, 256, 128, 64]``. The
Phaze-A forum guide prints these slopes with the opposite sign.

Modes:
    full: every point lies on the curve from ``start`` to ``end``.
    cap_max: fall from ``start`` by a fixed ratio ``(1 - |slope|)`` per step until ``end``, and
        pad the front with ``start`` (512, 512, 256, 128, 64).
    cap_min: the same fall, padded at the back with ``end`` (512, 256, 128, 64, 64).
"""

from __future__ import annotations

from typing import Literal

SlopeMode = Literal["full", "cap_max", "cap_min"]
SLOPE_MODES: tuple[str, ...] = ("full", "cap_max", "cap_min")
SLOPE_LIMIT = 0.99


def floor8(value: float) -> int:
    """Round a value down to a multiple of 8."""
    return int(value // 8 * 8)


def _full_curve(start: int, end: int, points: int, slope: float) -> list[int]:
    if points == 1:
        return [floor8(start)]
    values = []
    for i in range(points):
        x = i / (points - 1)
        y = (x - x * slope) / (slope - abs(x) * 2 * slope + 1)
        values.append(floor8(start + y * (end - start)))
    return values


def _capped_curve(start: int, end: int, points: int, slope: float, mode: str) -> list[int]:
    ratio = 1 - abs(slope)
    values = [start]
    for _ in range(points - 1):
        values.append(max(end, floor8(values[-1] * ratio)))
        if values[-1] == end:
            break
    if len(values) < points:
        padding = [start if mode == "cap_max" else end] * (points - len(values))
        values = padding + values if mode == "cap_max" else values + padding
    return values


def filter_curve(
    start: int, end: int, points: int, slope: float, mode: SlopeMode = "full"
) -> list[int]:
    """Compute ``points`` filter counts from ``start`` to ``end``.

    Args:
        start: the first value (e.g. the decoder's max filters).
        end: the last value (e.g. the decoder's min filters).
        points: how many values to produce (>= 1).
        slope: the curve's slope in [-0.99, 0.99] (see the module docstring for the sign).
        mode: "full", "cap_max" or "cap_min".

    Returns:
        The list of ``points`` values, each a multiple of 8 (except ``start`` in the capped
        modes, which is kept as given, as faceswap does).

    Raises:
        ValueError: ``points`` < 1, the slope is out of range or the mode is unknown.
    """
    if points < 1:
        raise ValueError(f"points must be at least 1, got {points}")
    if not -SLOPE_LIMIT <= slope <= SLOPE_LIMIT:
        raise ValueError(f"slope must be within [-0.99, 0.99], got {slope}")
    if mode == "full":
        return _full_curve(start, end, points, slope)
    if mode in ("cap_max", "cap_min"):
        return _capped_curve(start, end, points, slope, mode)
    raise ValueError(f"unknown slope mode {mode!r}; expected one of {', '.join(SLOPE_MODES)}")
