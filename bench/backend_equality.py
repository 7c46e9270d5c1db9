"""Same weights, same outputs: every built-in preset on TensorFlow, PyTorch and JAX.

For each preset (its pretrained weights left out, as a model dir's load does), TensorFlow
builds the model with seeded random weights and saves them; PyTorch and JAX build the same
model and load that file. Each feeds the same fixed random example (one face per side) and
keeps every output; the figure is the largest absolute difference of any output from
TensorFlow's (float32; issue 29 asks for <= 1e-5). The workers are those of
``tests/test_backend_equality.py`` (:mod:`tests.backend_worker`): one process per backend,
TensorFlow running ahead while the other two follow, one preset's weights on disk at a time.

A preset over the limit is run again on TensorFlow in float64 (the same weights; layers and
example in float64): the exact outputs. When TensorFlow's own float32 outputs are about as far
from them as the others' (within ``ROUNDING_FACTOR`` times), the difference is float32 rounding
that the model amplifies, not another function. The exit status is 1 when that fails.

    python bench/backend_equality.py [--presets demo original ...] [--json OUT]

Writes ``bench/results/backend-equality.json`` (figures and seconds per preset and backend),
which ``tests/test_backend_equality.py`` reads: every preset must be in it, within the limit
or its difference float32 rounding.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.backend_worker import (  # noqa: E402
    REFERENCE,
    differences,
    installed_backends,
    run_workers,
)

TOLERANCE = 1e-5
# A preset over TOLERANCE passes as rounding when no backend's float32 outputs are further than
# this many times TensorFlow's own from the exact (float64) outputs
ROUNDING_FACTOR = 5.0
RESULTS = REPO / "bench" / "results" / "backend-equality.json"


def main(argv: Sequence[str] | None = None) -> int:
    """Check every preset (or those named); print one line per preset; write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presets", nargs="+", help="default: every built-in preset")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"default: {RESULTS}")
    args = parser.parse_args(argv)
    from phazer.spec.presets import preset_names

    presets = args.presets or preset_names()
    backends = installed_backends()
    items = [f"preset:{name}" for name in presets]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="backend-equality-") as folder:
        results, timings = run_workers(items, Path(folder), backends)
    wall = time.perf_counter() - start
    found = differences(results)
    others = [b for b in backends if b != REFERENCE]
    print(f"{'preset':28s} " + " ".join(f"{b + ' max|diff|':>18s}" for b in others)
          + "   seconds per backend (build + weights + predict)")
    for item in items:
        cost = "  ".join(f"{b} {sum(timings[item][b].values()):5.1f}" for b in backends)
        print(f"{item.split(':', 1)[1]:28s} "
              + " ".join(f"{found[item][b]:18.2e}" for b in others) + f"   {cost}")
    worst = max((v for per in found.values() for v in per.values()), default=0.0)
    print(f"{len(items)} presets on {', '.join(backends)} in {wall:.0f} s; worst {worst:.2e} "
          f"(limit {TOLERANCE:g})")
    over = [item for item, per in found.items() if max(per.values()) > TOLERANCE]
    from_exact = float64_check(over, results) if over else {}
    args.json.write_text(json.dumps({
        "backends": backends, "tolerance": TOLERANCE, "wall_seconds": round(wall, 1),
        "versions": {name: version(name) for name in ("keras", *backends)},
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "max_abs_diff": found,
        "rounding_factor": ROUNDING_FACTOR, "float32_from_exact": from_exact,
        "seconds": {item: {b: {stage: round(s, 2) for stage, s in per.items()}
                           for b, per in timings[item].items()} for item in items}},
        indent=1) + "\n")
    rounding = all(max(per.values()) <= ROUNDING_FACTOR * per[REFERENCE]
                   for per in from_exact.values())
    return 0 if rounding else 1


def float64_check(items: Sequence[str], float32: dict[str, dict[str, np.ndarray]]
                  ) -> dict[str, dict[str, float]]:
    """How far each backend's float32 outputs are from exact arithmetic, for ``items``.

    TensorFlow runs the presets again in float64 (the same weights): the exact outputs, which
    float32 rounds. A preset whose backends differ by more than the limit is rounding alone
    when TensorFlow's own float32 result is as far from exact as the others'.

    Returns:
        item -> backend -> the largest absolute difference of its float32 outputs from the
        float64 ones.
    """
    wide = [item.replace("preset:", "preset64:", 1) for item in items]
    with tempfile.TemporaryDirectory(prefix="backend-equality-64-") as folder:
        exact = run_workers(wide, Path(folder), [REFERENCE])[0][REFERENCE]
    report = {}
    for item, item64 in zip(items, wide, strict=True):
        keys = [key for key in exact if key.startswith(item64 + "/")]
        report[item] = {backend: max(float(np.max(np.abs(
            outputs[key.replace(item64, item, 1)].astype(np.float64) - exact[key])))
            for key in keys) for backend, outputs in float32.items()}
        print(f"{item.split(':', 1)[1]:28s} float32 from exact (TensorFlow float64): "
              + "  ".join(f"{b} {v:.2e}" for b, v in report[item].items()))
    return report

if __name__ == "__main__":
    raise SystemExit(main())
