"""A numeric field's allowed values (range and step) and the allowed values nearest a wrong one.

The schema messages for out-of-range values and wrong multiples show the whole rule (``a
multiple of 16 in [64, 2048]``) and propose only values that pass it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import annotated_types
from pydantic.fields import FieldInfo


@dataclass(frozen=True)
class Bounds:
    """A number's allowed values: an interval, and the step its values must be a multiple of.

    Attributes:
        low: the lower bound, or None.
        high: the upper bound, or None.
        low_open: the lower bound itself is not allowed.
        high_open: the upper bound itself is not allowed.
        step: values must be a multiple of it (None: any value).
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    step: float | None = None

    def interval(self) -> str:
        """``[64, 2048]``, ``[0, 1)``, ``>= 1`` or "" when unbounded."""
        if self.low is not None and self.high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"{left}{self.low}, {self.high}{right}"
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {self.low}"
        if self.high is not None:
            return f"{'<' if self.high_open else '<='} {self.high}"
        return ""

    def text(self) -> str:
        """The rule in words, e.g. ``a multiple of 16 in [64, 2048]``."""
        interval = self.interval()
        if self.step is None:
            return f"a value {'in ' if interval.startswith(('[', '(')) else ''}{interval}"
        where = f" in {interval}" if interval.startswith(("[", "(")) else (
            f" {interval}" if interval else "")
        return f"a multiple of {self.step}{where}"

    def allows(self, value: float) -> bool:
        """Whether ``value`` passes the rule."""
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        if self.high is not None and (value > self.high or
                                      (self.high_open and value == self.high)):
            return False
        return self.step is None or value % self.step == 0

    def nearest(self, value: object) -> list[float]:
        """The allowed values next to ``value``.

        These are its two neighbouring multiples, or the bound it passed moved onto the step
        ([] for a non-number, or an open bound of a float that no single value is nearest).
        """
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, float) and not math.isfinite(value)):
            return []
        if self.allows(value):
            return [value]
        candidates = {self._clamp(c) for c in self._multiples_around(value)}
        return sorted(c for c in candidates if c is not None and self.allows(c))

    def _multiples_around(self, value: float) -> list[float]:
        if self.step is None:
            return [value]
        step = self.step
        if isinstance(value, int) and isinstance(step, int):
            below = value // step * step   # exact, for ints of any size
        else:
            below = math.floor(value / step) * step
        return [below, below + step]

    def _clamp(self, value: float) -> float | None:
        """``value`` moved into the interval (onto the step), None when that is impossible."""
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return self._first_at_or_above(self.low, self.low_open)
        if self.high is not None and (value > self.high or (self.high_open and
                                                            value == self.high)):
            return self._last_at_or_below(self.high, self.high_open)
        return value

    def _first_at_or_above(self, bound: float, open_: bool) -> float | None:
        if self.step is not None:
            first = math.ceil(bound / self.step) * self.step
            return first + self.step if open_ and first == bound else first
        return None if open_ else bound

    def _last_at_or_below(self, bound: float, open_: bool) -> float | None:
        if self.step is not None:
            last = math.floor(bound / self.step) * self.step
            return last - self.step if open_ and last == bound else last
        return None if open_ else bound


def bounds_of(info: FieldInfo | None, ctx: dict | None = None) -> Bounds:
    """The bounds a field declares (its metadata), else those a pydantic error names."""
    found: dict[str, object] = {}
    for meta in info.metadata if info is not None else ():
        if isinstance(meta, annotated_types.Ge):
            found.update(low=meta.ge, low_open=False)
        elif isinstance(meta, annotated_types.Gt):
            found.update(low=meta.gt, low_open=True)
        elif isinstance(meta, annotated_types.Le):
            found.update(high=meta.le, high_open=False)
        elif isinstance(meta, annotated_types.Lt):
            found.update(high=meta.lt, high_open=True)
        elif isinstance(meta, annotated_types.MultipleOf):
            found["step"] = meta.multiple_of
    ctx = ctx or {}
    for key, field, open_ in (("ge", "low", False), ("gt", "low", True),
                              ("le", "high", False), ("lt", "high", True)):
        if key in ctx and field not in found:
            found.update({field: ctx[key], f"{field}_open": open_})
    if "multiple_of" in ctx and "step" not in found:
        found["step"] = ctx["multiple_of"]
    return Bounds(**found)  # type: ignore[arg-type]
