"""Two plans side by side: per sub-model parameters, FLOPs and memory, and their deltas.

``phazer diff`` prints these after the field changes. Each figure is the one ``phazer summary``
reports for that spec: parameters and FLOPs per call from :mod:`phazer.plan.figures`, memory
from :func:`phazer.plan.memory.estimate_memory` (a sub-model's part: its weights with their
optimizer slots and working copies, and what its calls keep for the backward pass; the total
is the whole training step, which also holds the batch and the workspace).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from phazer.plan.figures import ModelFigures
from phazer.plan.memory import MemoryEstimate

RowChange = Literal["same", "changed", "added", "removed"]
FIGURES = ("params", "flops", "memory")


@dataclass(frozen=True)
class Pair:
    """One figure for A and for B; None where that side has no such sub-model."""

    a: int | None
    b: int | None

    @property
    def delta(self) -> int | None:
        """B minus A; a sub-model on one side only counts as 0 on the other."""
        if self.a is None and self.b is None:
            return None
        return (self.b or 0) - (self.a or 0)

    def to_json(self) -> dict[str, int | None]:
        """``{"a", "b", "delta"}``."""
        return {"a": self.a, "b": self.b, "delta": self.delta}


@dataclass(frozen=True)
class CompareRow:
    """One sub-model (or the totals) in both plans.

    Attributes:
        name: the sub-model's name ("total" for the totals row).
        change: "same" (every figure equal), "changed", "added" (only in B) or "removed"
            (only in A).
        params: parameters.
        flops: FLOPs of one call (for the totals: the forward pass of one example per side).
        memory: bytes of one training step brought by the sub-model (for the totals: the
            whole step's estimate).
    """

    name: str
    change: RowChange
    params: Pair
    flops: Pair
    memory: Pair

    def to_json(self) -> dict[str, Any]:
        """``{"name", "change", "params", "flops", "memory"}``, each figure a :class:`Pair`."""
        return {"name": self.name, "change": self.change,
                **{key: getattr(self, key).to_json() for key in FIGURES}}


@dataclass(frozen=True)
class PlanFigures:
    """What one side contributes to the comparison: its figures and memory estimate."""

    figures: ModelFigures
    memory: MemoryEstimate


def _change(a_present: bool, b_present: bool, pairs: tuple[Pair, ...]) -> RowChange:
    if not a_present:
        return "added"
    if not b_present:
        return "removed"
    return "same" if all(p.a == p.b for p in pairs) else "changed"


def compare_submodels(a: PlanFigures, b: PlanFigures) -> list[CompareRow]:
    """One row per sub-model of either plan: A's order, then those only B has."""
    subs_a = {s.name: s for s in a.figures.submodels}
    subs_b = {s.name: s for s in b.figures.submodels}
    rows = []
    for name in [*subs_a, *(n for n in subs_b if n not in subs_a)]:
        sa, sb = subs_a.get(name), subs_b.get(name)
        pairs = (Pair(sa.params if sa else None, sb.params if sb else None),
                 Pair(sa.flops if sa else None, sb.flops if sb else None),
                 Pair(a.memory.submodel_bytes.get(name) if sa else None,
                      b.memory.submodel_bytes.get(name) if sb else None))
        rows.append(CompareRow(name, _change(sa is not None, sb is not None, pairs), *pairs))
    return rows


def compare_totals(a: PlanFigures, b: PlanFigures) -> CompareRow:
    """The totals: all parameters, forward FLOPs per example, the training step's memory."""
    pairs = (Pair(a.figures.total_params, b.figures.total_params),
             Pair(a.figures.forward_flops, b.figures.forward_flops),
             Pair(a.memory.total, b.memory.total))
    return CompareRow("total", _change(True, True, pairs), *pairs)
