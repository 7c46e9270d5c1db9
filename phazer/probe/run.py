"""Run the measuring worker in a child process and read XLA's plan of the train step."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from phazer.plan.memory import MemorySettings
from phazer.probe.xla_report import TRAIN_STEP_PATTERN, XlaReportError, train_step_plan


class ProbeError(RuntimeError):
    """The measuring process failed (its last lines of output are in the message)."""


@dataclass(frozen=True)
class Measurement:
    """What real training steps took.

    Attributes:
        xla_bytes: XLA's "Total bytes used" for the compiled train step: the figure the
            estimate is checked against.
        xla_temp_bytes: the part of it that is the preallocated temporary buffer (or None).
        allocator_peak: TensorFlow's allocator peak over the measured steps
            (``get_memory_info(device)["peak"]`` after ``reset_memory_stats``): includes the
            allocator's chunk rounding, so it is a second figure only.
        device: the TensorFlow device the steps ran on ("CPU:0" or "GPU:0").
        steps: training steps run.
        seconds: wall time of the steps (the first one compiles).
    """

    xla_bytes: int
    xla_temp_bytes: int | None
    allocator_peak: int
    device: str
    steps: int
    seconds: float

    def to_json(self) -> dict:
        """Plain JSON data."""
        return {"xla_bytes": self.xla_bytes, "xla_temp_bytes": self.xla_temp_bytes,
                "allocator_peak": self.allocator_peak, "device": self.device,
                "steps": self.steps, "seconds": self.seconds}


def _xla_flags(dump_dir: str) -> str:
    ours = (f"--xla_dump_to={dump_dir} "
            f"--xla_dump_hlo_module_re=.*{TRAIN_STEP_PATTERN}.*")
    return f"{os.environ.get('XLA_FLAGS', '')} {ours}".strip()


def measure_memory(reference: str, overrides: list[str] | None, settings: MemorySettings,
                   steps: int = 2, timeout: float | None = None) -> Measurement:
    """Train the spec's model for ``steps`` real steps and measure its memory.

    Args:
        reference: a spec file or preset name.
        overrides: ``--set`` overrides.
        settings: batch size, precision and optimizer (the device is the machine's).
        steps: training steps to run (at least 1; the first compiles the step, and with two
            or more the allocator peak is taken over the later ones).
        timeout: seconds before the child is stopped (None: no limit).

    Raises:
        ProbeError: the child failed, or XLA wrote no plan for the train step.
    """
    request = {"reference": reference, "overrides": list(overrides or []),
               "batch_size": settings.batch_size, "precision": settings.precision,
               "optimizer": settings.optimizer, "momentum": settings.momentum,
               "centered": settings.centered, "amsgrad": settings.amsgrad,
               "steps": max(1, steps)}
    with tempfile.TemporaryDirectory(prefix="phazer-xla-") as dump_dir:
        env = {**os.environ, "XLA_FLAGS": _xla_flags(dump_dir),
               "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
        try:
            done = subprocess.run(
                [sys.executable, "-m", "phazer.probe.worker", json.dumps(request)],
                capture_output=True, text=True, env=env, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ProbeError(f"the measuring process took more than {timeout:.0f} s") from exc
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise ProbeError(f"the measuring process failed (exit {done.returncode}):\n{tail}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        try:
            plan = train_step_plan(Path(dump_dir))
        except XlaReportError as exc:
            raise ProbeError(str(exc)) from exc
    return Measurement(plan.total_bytes, plan.temp_bytes, result["allocator_peak"],
                       result["device"], request["steps"], result["seconds"])
