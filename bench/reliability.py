"""Reliability figures (issue 15): fuzzed specs, resource limits, killed trainings; one JSON.

    python bench/reliability.py [--examples 2000] [--kills 5] [--seed 0] [--skip-training]

- ``fuzz``: ``--examples`` mutated presets (tests/fuzz_mutations.py, every family, every
  preset) through every entry point (tests/fuzz_entry.py): how many were tried, how many
  validated and compiled, how many raised an exception that is not phazer's own clean
  rejection (``non_phazer_exceptions``) or broke another promise (``specs_with_findings``
  counts both: a plan with a non-positive shape, a render that reads back differently), with
  the first few and the classes they fall in;
- ``resource_limits``: each spec of tests/pathological_specs.py through validate, summary,
  render and diagram --level layers, each a fresh process: wall seconds, peak RSS in MB,
  exit code, the issue code it must report, next to ``phazer validate demo`` (the baseline:
  interpreter start and imports);
- ``training``: the JSON of ``bench/reliability_training.py --kills N`` (when that file is
  there and ``--skip-training`` is not given), merged as it is.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.fuzz_entry import run_entry_points  # noqa: E402
from tests.fuzz_mutations import make_case  # noqa: E402
from tests.pathological_specs import CASES  # noqa: E402
from tests.resource_measure import measure  # noqa: E402

TRAINING = REPO / "bench" / "reliability_training.py"
COMMANDS = (["validate"], ["summary"], ["render"],
            ["diagram", "-o", "-", "--format", "dot", "--level", "layers"])


def fuzz(examples: int, seed: int, folder: Path) -> dict:
    """Mutated presets through every entry point."""
    rng = random.Random(seed)
    families: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    found: list[str] = []
    valid = compiled = exceptions = 0
    slowest = (0.0, "")
    start = time.perf_counter()
    for _ in range(examples):
        case = make_case(rng)
        path = folder / "spec.yaml"
        path.write_bytes(case.data)
        began = time.perf_counter()
        outcome = run_entry_points(path)
        took = time.perf_counter() - began
        slowest = max(slowest, (took, case.describe()))
        families[case.family] += 1
        valid += outcome.valid
        compiled += outcome.compiled
        exceptions += any(finding.exception for finding in outcome.findings)
        for finding in outcome.findings:
            classes[f"{finding.error.split(':')[0]} at {finding.where or finding.entry}"] += 1
        if outcome.findings:
            found.append(f"{case.describe()[:300]}: {outcome.findings[0]}")
    return {"specs_tried": examples, "by_family": dict(families), "validated": valid,
            "validated_and_compiled": compiled, "non_phazer_exceptions": exceptions,
            "specs_with_findings": len(found),
            "finding_classes": dict(classes), "first_findings": found[:10],
            "seconds": round(time.perf_counter() - start, 1),
            "slowest_case": {"seconds": round(slowest[0], 2), "case": slowest[1][:200]}}


def resource_limits(folder: Path) -> dict:
    """Each pathological spec through the four commands, measured as fresh processes."""
    baseline = min((measure(["validate", "demo"]) for _ in range(3)), key=lambda m: m.seconds)
    cases = []
    for case in CASES:
        path = folder / f"{case.name}.yaml"
        path.write_text(case.text(), encoding="utf-8")
        runs = {}
        for command in COMMANDS:
            result = measure([command[0], str(path), *command[1:]])
            runs[command[0]] = {"seconds": round(result.seconds, 2),
                                "peak_mb": round(result.peak_mb), "exit": result.returncode}
        validated = subprocess.run([sys.executable, "-m", "phazer", "validate", str(path),
                                    "--json"], capture_output=True, text=True, check=False)
        codes = sorted({i["code"] for i in json.loads(validated.stdout)["issues"]
                        if i["severity"] != "info"}) if validated.stdout.strip() else []
        cases.append({"name": case.name, "what": case.what, "bytes": path.stat().st_size,
                      "expected_code": case.code or None, "codes": codes,
                      "commands": runs,
                      "max_seconds": max(r["seconds"] for r in runs.values()),
                      "max_peak_mb": max(r["peak_mb"] for r in runs.values())})
    return {"baseline": {"command": "phazer validate demo",
                         "seconds": round(baseline.seconds, 2),
                         "peak_mb": round(baseline.peak_mb)},
            "limits": {"seconds_over_baseline": 2.0, "peak_mb": 500},
            "cases": cases}


def training(kills: int) -> dict | None:
    """bench/reliability_training.py's JSON, or None when the script is not there."""
    if not TRAINING.is_file():
        return None
    done = subprocess.run([sys.executable, str(TRAINING), "--kills", str(kills)],
                          capture_output=True, text=True, check=False, cwd=REPO)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": f"exit {done.returncode}: {done.stderr.strip()[-500:]}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="fuzzed specs (2000)")
    parser.add_argument("--kills", type=int, default=5, help="SIGKILLs of training (5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mutations (0)")
    parser.add_argument("--skip-training", action="store_true",
                        help="leave out bench/reliability_training.py")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="phazer-reliability-") as folder:
        result: dict = {"fuzz": fuzz(args.examples, args.seed, Path(folder)),
                        "resource_limits": resource_limits(Path(folder))}
    if not args.skip_training:
        result["training"] = training(args.kills)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
