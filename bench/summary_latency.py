"""Benchmark: wall time of `phazer summary PRESET --json` as a whole process, and of --keras.

Prints one JSON object. Each figure is the median of several runs in this one process tree;
compare ratios within a run, not absolute numbers across machines.

    python bench/summary_latency.py [--preset stojo] [--runs 5] [--no-keras]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time


def _time(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return elapsed, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="stojo")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-keras", action="store_true")
    args = parser.parse_args()
    base = [sys.executable, "-m", "phazer", "summary", args.preset, "--json"]
    _time(base)  # warm the file cache
    plan_times = [_time(base)[0] for _ in range(args.runs)]
    checks = [_time([sys.executable, "-c", "import sys, phazer.plan.summary as s; "
                     f"s.summarize({args.preset!r}); "
                     "print(int('tensorflow' in sys.modules))"])[1].strip()]
    report = {
        "preset": args.preset,
        "summary_json_seconds_median": round(statistics.median(plan_times), 3),
        "summary_json_seconds_all": [round(t, 3) for t in plan_times],
        "imports_tensorflow": checks[0] == "1",
    }
    if not args.no_keras:
        seconds, out = _time([*base, "--keras"])
        data = json.loads(out)
        report.update({"summary_keras_seconds": round(seconds, 3),
                       "plan_total_params": data["total_params"],
                       "keras_total_params": data["keras_total_params"]})
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
