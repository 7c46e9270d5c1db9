"""Benchmark: the memory estimate against XLA's buffer plan of real training steps, as JSON.

For every preset that fits this machine, batch size and precision: the estimate for this
device (``phazer.plan.memory``, device "cpu" here), the measurement (``phazer.probe``: real
training steps with Adam and an MAE loss, XLA's "Total bytes used" of the compiled step) and
their ratio, plus TensorFlow's allocator peak as a second figure. The issue's bands: float32
within [1.00, 1.10], mixed_bfloat16 (batch 1 and 4) within [1.00, 1.15].

    python bench/memory_estimate.py                      # the full run (long: tens of minutes)
    python bench/memory_estimate.py --presets original lightweight --batch-sizes 1 4
    python bench/memory_estimate.py --precisions mixed_bfloat16 --batch-sizes 1 4
    python bench/memory_estimate.py --markdown bench/results/memory-*.json   # the docs' table
    python bench/memory_estimate.py --keras-apps --batch-sizes 1 4   # Keras encoders

``--keras-apps`` measures, instead of the presets, ``original`` with its encoder replaced by
Keras Applications encoders (:data:`KERAS_APP_CASES`), plus the ``stojo`` and ``sym384``
presets: their internal activations come from the generated table's layer walk, which has
no band of its own in the issue; the ratios are reported as measured.

A case is skipped when its Keras Applications encoder has no memory figures in the table, or
when its estimate exceeds ``--max-memory`` (default: 75% of the available RAM).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from phazer.compiler import compile_model_ir
from phazer.plan.budget import GIB, parse_size
from phazer.plan.memory import estimate_memory
from phazer.plan.memory_report import not_counted_ops
from phazer.plan.memory_settings import MemorySettings
from phazer.probe import ProbeError, measure_memory
from phazer.spec import load_spec

PRESETS = ("original", "lightweight", "iae", "dfaker", "dfl-h128", "dfl-sae-df",
           "dfl-sae-liae", "dfl-saehd-df", "dfl-saehd-liae", "dny256", "dny512", "dny1024",
           "stojo", "sym384")
BANDS = {"float32": (1.00, 1.10), "mixed_bfloat16": (1.00, 1.15),
         "mixed_float16": (1.00, 1.15)}
# (encoder, input size in px): original's other sub-models behind a Keras Applications encoder
KERAS_APP_CASES = (("efficientnet_b0", 64), ("efficientnet_b0", 128),
                   ("efficientnet_v2_b0", 128), ("mobilenet_v2", 128), ("resnet50", 128),
                   ("densenet121", 128), ("convnext_tiny", 128), ("vgg16", 64))


def keras_app_specs(folder: Path) -> dict[str, str]:
    """Case name -> spec file, one per :data:`KERAS_APP_CASES` entry (written to ``folder``)."""
    from phazer.catalog.encoders import ENCODERS

    specs = {}
    for encoder, size in KERAS_APP_CASES:
        scaling = math.ceil(100 * size / ENCODERS[encoder].default_size)  # floored to 16 px
        path = folder / f"original-{encoder}-{size}.yaml"
        path.write_text(f"extends: original\nencoder:\n  type: {encoder}\n"
                        f"  scaling: {scaling}\n  imagenet_weights: false\n")
        specs[f"original+{encoder}@{size}"] = str(path)
    return {**specs, "stojo": "stojo", "sym384": "sym384"}


def _available_ram() -> int:
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 8 * GIB


def _case(name: str, reference: str, batch: int, precision: str, steps: int,
          limit: int) -> dict:
    settings = MemorySettings(batch_size=batch, precision=precision, device="cpu")
    model = compile_model_ir(load_spec(reference).spec)
    row: dict = {"preset": name, "batch_size": batch, "precision": precision}
    if not_counted_ops(model):
        return {**row, "skipped": "Keras Applications encoder: activations unknown to the plan"}
    estimate = estimate_memory(model, settings)
    row["estimate"] = estimate.total
    if estimate.total > limit:
        return {**row, "skipped": f"estimate {estimate.total / GIB:.1f} GiB exceeds the "
                                  f"{limit / GIB:.1f} GiB this run may use"}
    start = time.perf_counter()
    try:
        measured = measure_memory(reference, [], settings, steps=steps)
    except ProbeError as exc:
        return {**row, "skipped": f"measurement failed: {str(exc).splitlines()[0]}"}
    low, high = BANDS[precision]
    ratio = estimate.total / measured.xla_bytes
    return {**row, "measured": measured.xla_bytes, "ratio": round(ratio, 4),
            "within": low <= ratio <= high, "band": [low, high],
            "terms": {"weights": estimate.weights, "gradients": estimate.gradients,
                      "optimizer_state": estimate.optimizer_state,
                      "activations": estimate.activations, "workspace": estimate.workspace},
            "peak_at": estimate.peak_at, "allocator_peak": measured.allocator_peak,
            "seconds": round(time.perf_counter() - start, 1)}


def markdown_table(reports: list[dict]) -> str:
    """One row per preset and batch size, one estimate/measured/ratio group per precision."""
    rows: dict[tuple[str, int], dict[str, dict]] = {}
    precisions: list[str] = []
    for report in reports:
        for case in report["cases"]:
            if "ratio" not in case:
                continue
            rows.setdefault((case["preset"], case["batch_size"]), {})[case["precision"]] = case
            if case["precision"] not in precisions:
                precisions.append(case["precision"])
    header = "| preset | batch |" + "".join(f" {p} estimate | measured | ratio |"
                                            for p in precisions)
    lines = [header, "|---|---:|" + "---:|---:|---:|" * len(precisions)]
    for (preset, batch), by_precision in rows.items():
        cells = []
        for precision in precisions:
            case = by_precision.get(precision)
            cells += ([f"{case['estimate'] / 2**20:,.0f} MiB",
                       f"{case['measured'] / 2**20:,.0f} MiB", f"{case['ratio']:.3f}"]
                      if case else ["", "", ""])
        lines.append(f"| {preset} | {batch} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _measure_all(specs: dict[str, str], args: argparse.Namespace, limit: int) -> list[dict]:
    cases = []
    for precision in args.precisions:
        sizes = args.batch_sizes or ([1, 4, 16] if precision == "float32" else [1, 4])
        for name, reference in specs.items():
            for batch in sizes:
                print(f"{name} batch {batch} {precision} ...", file=sys.stderr, flush=True)
                cases.append(_case(name, reference, batch, precision, args.steps, limit))
                print(f"  {json.dumps(cases[-1].get('ratio', cases[-1].get('skipped')))}",
                      file=sys.stderr, flush=True)
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=list(PRESETS))
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=None,
                        help="default: 1 4 16 for float32, 1 4 for mixed precision")
    parser.add_argument("--precisions", nargs="+", default=["float32", "mixed_bfloat16"],
                        choices=sorted(BANDS))
    parser.add_argument("--steps", type=int, default=1,
                        help="training steps per measurement (the first compiles)")
    parser.add_argument("--max-memory", type=parse_size, default=None, metavar="SIZE",
                        help="skip cases whose estimate exceeds this (default 75%% of the "
                             "available RAM)")
    parser.add_argument("--keras-apps", action="store_true",
                        help="measure Keras Applications encoders instead of the presets")
    parser.add_argument("--markdown", nargs="+", type=Path, metavar="RESULTS",
                        help="print a Markdown table of saved results instead of measuring")
    args = parser.parse_args()
    if args.markdown:
        print(markdown_table([json.loads(path.read_text()) for path in args.markdown]))
        return
    limit = args.max_memory or int(0.75 * _available_ram())
    with tempfile.TemporaryDirectory(prefix="phazer-bench-") as folder:
        specs = (keras_app_specs(Path(folder)) if args.keras_apps
                 else {name: name for name in args.presets})
        cases = _measure_all(specs, args, limit)
    measured = [c for c in cases if "ratio" in c]
    report = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "memory_limit": limit},
        "measured_figure": "XLA 'Total bytes used' of the compiled train step (CPU)",
        "cases": cases,
        "summary": {precision: {"cases": len(rows), "within": sum(c["within"] for c in rows),
                                "min_ratio": min((c["ratio"] for c in rows), default=None),
                                "max_ratio": max((c["ratio"] for c in rows), default=None)}
                    for precision in args.precisions
                    if (rows := [c for c in measured if c["precision"] == precision])},
        "skipped": [{k: c[k] for k in ("preset", "batch_size", "precision", "skipped")}
                    for c in cases if "skipped" in c],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
