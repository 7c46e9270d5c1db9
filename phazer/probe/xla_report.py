"""Read XLA's buffer plan of a compiled train step from an ``--xla_dump_to`` directory.

With ``XLA_FLAGS=--xla_dump_to=DIR``, XLA writes for every module it compiles a
``*memory-usage-report.txt`` whose first line is ``Total bytes used: N (...)``: the size of
every buffer the module's execution needs at once - its parameters (weights, optimizer slots,
the batch), its outputs that do not alias a parameter, and the preallocated temporary buffer
its buffer assignment packed every intermediate value into. Keras 3 compiles the train step
as a function named ``one_step_on_data``. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TRAIN_STEP_PATTERN = "one_step_on_data"
"""A substring of the dumped module's file name for Keras 3's train step."""

_TOTAL = re.compile(r"^Total bytes used: (\d+)")
_TEMP = re.compile(r"^allocation \d+: size (\d+), preallocated-temp:", re.MULTILINE)


@dataclass(frozen=True)
class XlaPlan:
    """One module's buffer plan.

    Attributes:
        module: the report's file name.
        total_bytes: "Total bytes used".
        temp_bytes: the preallocated temporary buffer (from the buffer-assignment dump, when
            it is there), else None.
    """

    module: str
    total_bytes: int
    temp_bytes: int | None


class XlaReportError(RuntimeError):
    """No usable memory-usage report was found."""


def read_total(path: Path) -> int:
    """The "Total bytes used" figure of one memory-usage report.

    Raises:
        XlaReportError: the file does not start with that line.
    """
    with path.open(encoding="utf-8") as handle:
        match = _TOTAL.match(handle.readline())
    if match is None:
        raise XlaReportError(f"{path.name} does not start with 'Total bytes used'")
    return int(match.group(1))


def _temp_bytes(report: Path) -> int | None:
    name = report.name.replace("-memory-usage-report.txt", "-buffer-assignment.txt")
    assignment = report.with_name(name)
    if not assignment.is_file():
        return None
    match = _TEMP.search(assignment.read_text(encoding="utf-8", errors="replace"))
    return int(match.group(1)) if match else None


def train_step_plan(dump_dir: Path, pattern: str = TRAIN_STEP_PATTERN) -> XlaPlan:
    """The buffer plan of the train-step module dumped in ``dump_dir``.

    When the step was compiled more than once (e.g. for a different batch shape), the
    largest plan is returned.

    Raises:
        XlaReportError: no report of a module whose name contains ``pattern``.
    """
    reports = [p for p in Path(dump_dir).glob("*memory-usage-report.txt") if pattern in p.name]
    if not reports:
        raise XlaReportError(f"no XLA memory-usage report for a module named like {pattern!r} "
                             f"in {dump_dir}: was the train step compiled with XLA?")
    plans = [XlaPlan(p.name, read_total(p), _temp_bytes(p)) for p in reports]
    return max(plans, key=lambda plan: plan.total_bytes)
