"""Benchmark: what a dry-run command costs as a whole process, and how often it repeats work.

For each command (``summary PRESET --json``, ``validate PRESET``, ``render PRESET``,
``presets``, ``presets --json``, ``diagram PRESET --format mmd -o -``, ``--help``) it reports
the median wall time and CPU seconds of the whole process (imports included), their ratio to
``python -c pass`` (measured alongside, as the floor), next to what importing pydantic and
PyYAML alone takes (``pydantic_yaml_imports``: the floor of any program built on them), and,
from one instrumented run, how
many times the process compiled the IR (counted as encoder sub-models built: every
compilation builds exactly one) and built the routing graph. The machine's load average is
recorded too: on a shared machine the figures are only comparable within one run.
``--summary-keras`` adds ``summary --keras`` (imports TensorFlow).

Prints one JSON object; compare ratios within a run, not absolute numbers across machines.

    python bench/summary_latency.py [--preset stojo] [--runs 5] [--summary-keras]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

# Run in the child: count the work, then run the CLI in-process: the IR compilations (counted
# as encoder sub-models built: every compilation builds exactly one) and the routing graphs.
_COUNTING = r"""
import json, sys
from phazer.ir import graph as ir_graph
from phazer.graph import graph_form
from phazer import compiler, pipeline
counts = {"ir_compilations": 0, "routing_graphs": 0}
init = ir_graph.SubModelBuilder.__init__
def counted_init(self, *args, **kwargs):
    init(self, *args, **kwargs)
    if self.name == "encoder":
        counts["ir_compilations"] += 1
ir_graph.SubModelBuilder.__init__ = counted_init
routing_graph = graph_form.routing_graph
def counted_graph(spec):
    counts["routing_graphs"] += 1
    return routing_graph(spec)
compiler.routing_graph = pipeline.routing_graph = counted_graph
from phazer.cli.main import main
try:
    code = main(sys.argv[1:])
finally:
    sys.stdout.flush()
    sys.stderr.write("\n@@counts " + json.dumps(counts) + "\n")
raise SystemExit(code)
"""


LIBRARY_IMPORTS = ("import yaml; from pydantic import BaseModel, BeforeValidator, Field, "
                   "StringConstraints; from pydantic.plugin._loader import get_plugins")


def _run(command: list[str]) -> tuple[float, float, str, str]:
    """Wall and CPU seconds (user + system, of the child) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return wall, cpu, result.stdout, result.stderr


def _measure(args: list[str], runs: int, floor: tuple[float, float]) -> dict[str, object]:
    command = [sys.executable, "-m", "phazer", *args]
    _run(command)  # warm the file cache
    timings = [_run(command) for _ in range(runs)]
    _, _, _, stderr = _run([sys.executable, "-c", _COUNTING, *args])
    counts = json.loads(stderr.rsplit("@@counts ", 1)[1])
    wall = statistics.median(t[0] for t in timings)
    cpu = statistics.median(t[1] for t in timings)
    return {"command": "phazer " + " ".join(args),
            "wall_seconds_median": round(wall, 3),
            "cpu_seconds_median": round(cpu, 3),
            "wall_ratio_to_python_pass": round(wall / floor[0], 1),
            "cpu_ratio_to_python_pass": round(cpu / floor[1], 1),
            **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="stojo")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--summary-keras", action="store_true")
    args = parser.parse_args()
    floor = [_run([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
    commands = [["summary", args.preset, "--json"], ["validate", args.preset],
                ["render", args.preset], ["presets"], ["presets", "--json"],
                ["diagram", args.preset, "--format", "mmd", "-o", "-"], ["--help"]]
    if args.summary_keras:
        commands.append(["summary", args.preset, "--json", "--keras"])
    imports_tf = _run([sys.executable, "-c", "import sys, phazer.pipeline.summary as s; "
                       f"s.summarize({args.preset!r}); "
                       "print(int('tensorflow' in sys.modules))"])[2].strip()
    floor_medians = (statistics.median(t[0] for t in floor), statistics.median(t[1] for t in floor))
    # what any pydantic + PyYAML program pays before its first line: the libraries' imports,
    # and pydantic's plugin loader (importlib.metadata), which it imports with the first model
    libraries = [_run([sys.executable, "-c", LIBRARY_IMPORTS]) for _ in range(args.runs)]
    load_before = os.getloadavg()[0]
    measured = [_measure(command, args.runs, floor_medians) for command in commands]
    report = {
        "preset": args.preset,
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "python_pass_wall_seconds_median": round(floor_medians[0], 3),
        "python_pass_cpu_seconds_median": round(floor_medians[1], 3),
        "pydantic_yaml_imports_wall_seconds_median": round(
            statistics.median(t[0] for t in libraries), 3),
        "commands": measured,
        "summary_imports_tensorflow": imports_tf == "1",
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
