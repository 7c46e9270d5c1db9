"""Measure one ``phazer`` command as a fresh process: wall time and peak resident memory.

A small wrapper process starts the command and reports ``getrusage(RUSAGE_CHILDREN)`` of its
only child, so the peak is that command's alone (the test process's own children, e.g. earlier
TensorFlow runs, do not count). The command runs with an address-space cap, so a regression
that would eat the machine's memory fails fast instead. Used by tests/test_resource_limits.py
and bench/reliability.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ADDRESS_SPACE_CAP = 8 * 2**30
"""The command's virtual-memory cap (RLIMIT_AS): far above any limit checked, below harm."""

_WRAPPER = r"""
import json, resource, subprocess, sys, time
cap, timeout, argv = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
start = time.perf_counter()
try:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=limit)
    code, err = done.returncode, done.stderr
except subprocess.TimeoutExpired as exc:
    code, err = None, (exc.stderr or b"").decode("utf-8", "replace")
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_mb": usage.ru_maxrss / 1024, "returncode": code,
                  "stderr": err[-2000:]}))
"""


@dataclass(frozen=True)
class Measurement:
    """One command's cost.

    Attributes:
        seconds: wall time of the whole process (interpreter start and imports included).
        cpu_seconds: its CPU time (user + system): what tests bound, as it does not grow
            when other processes share the cores.
        peak_mb: its peak resident set size, in MiB.
        returncode: its exit code (None when it ran past the timeout and was killed).
        stderr: the end of what it wrote to stderr.
    """

    seconds: float
    cpu_seconds: float
    peak_mb: float
    returncode: int | None
    stderr: str


def measure(args: list[str], timeout: float = 60.0, cwd: Path | None = None) -> Measurement:
    """Run ``python -m phazer ARGS`` in a fresh process and measure it."""
    command = [sys.executable, "-c", _WRAPPER, str(ADDRESS_SPACE_CAP), str(timeout),
               sys.executable, "-m", "phazer", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout + 30,
                          cwd=cwd, check=True)
    data = json.loads(done.stdout)
    return Measurement(data["seconds"], data["cpu_seconds"], data["peak_mb"], data["returncode"],
                       data["stderr"])
