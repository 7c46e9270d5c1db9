"""``phazer doctor [--json]``: the backends, devices and GPU phazer sees, and why a GPU is unused.

Each installed framework (TensorFlow, PyTorch, JAX) is probed in a process of its own
(``python -m phazer.doctor_probe NAME``), the three at once, each with a timeout: a broken
install cannot crash the doctor, and no process imports three frameworks. The machine's GPU is
found without any framework (:mod:`phazer.doctor_probe`); the reasoning over what was found is
:mod:`phazer.doctor_advice`. Exit code 0, or 1 when ``KERAS_BACKEND`` names no backend phazer
runs on (every command that builds a model would refuse it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from phazer import __version__
from phazer.backend import BACKENDS, INSTALLS, BackendError, choose_backend, is_installed
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.doctor_advice import (
    advise,
    describe_device,
    gpu_devices,
    machine_gpu,
    training_device,
)
from phazer.doctor_probe import probe_machine

DEFAULT_TIMEOUT_S = 60.0
NO_GPU_FOUND = "none found (nvidia-smi, /proc/driver/nvidia, Apple Silicon)"
# the folder that holds the phazer package, for the probes' sys.path
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
PROBE_CODE = ("import sys; sys.path.append({root!r}); "
              "from phazer.doctor_probe import main; sys.exit(main([{name!r}]))")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "doctor", help="which backends, devices and GPU phazer sees, and why a GPU is not used",
        description="What phazer sees on this machine: phazer, Python and the OS; for "
                    "TensorFlow, PyTorch and JAX whether each is installed, its version and "
                    "the devices it sees; the backend a command would use now; and, where "
                    "the machine has a GPU that a backend does not use, why and what fixes it. "
                    "Each framework is probed in a process of its own.")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                        help=f"how long each framework's probe may take (default: "
                             f"{DEFAULT_TIMEOUT_S:g})")
    parser.set_defaults(func=run)


def probe_frameworks(timeout: float) -> dict[str, dict[str, Any]]:
    """Probe every installed framework, concurrently, each in its own process.

    Returns backend name -> the probe's dictionary, with ``installed`` and ``seconds`` added;
    ``error`` when the probe failed or gave no answer within ``timeout`` seconds.
    """
    installed = [name for name in BACKENDS if is_installed(name)]
    with ThreadPoolExecutor(max_workers=max(1, len(installed))) as pool:
        running = {name: pool.submit(_probe, name, timeout) for name in installed}
        return {name: running[name].result() if name in running
                else {"installed": False, "install": INSTALLS[name]} for name in BACKENDS}


def _probe(name: str, timeout: float) -> dict[str, Any]:
    """Run one framework's probe in a new process and read its answer."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")}
    start = time.perf_counter()
    # -P: the current folder is not put on sys.path (a folder there named like a framework
    # must not shadow it)
    process = subprocess.Popen(
        [sys.executable, "-P", "-c", PROBE_CODE.format(root=PACKAGE_ROOT, name=name)],
        env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        result: dict[str, Any] = {"error": f"no answer within {timeout:g} s", "timed_out": True}
    else:
        result = _parse(out, err, process.returncode)
    return {"installed": True, **result, "seconds": round(time.perf_counter() - start, 2)}


def _parse(out: str, err: str, returncode: int) -> dict[str, Any]:
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if returncode == 0 and lines:
        try:
            return dict(json.loads(lines[-1]))
        except ValueError:
            pass
    tail = " ".join(err.strip().splitlines()[-3:])[-400:]
    return {"error": f"the probe exited with code {returncode}" + (f": {tail}" if tail else "")}


def collect(timeout: float = DEFAULT_TIMEOUT_S) -> dict[str, Any]:
    """The whole report, as JSON types."""
    machine = probe_machine()
    probes = probe_frameworks(timeout)
    try:
        choice = choose_backend()
    except BackendError as exc:
        backend: dict[str, Any] = {"name": None, "source": None, "error": exc.message,
                                   "hint": exc.hint}
    else:
        probe = probes[choice.name]
        backend = {"name": choice.name, "source": choice.source, "error": None, "hint": None,
                   "installed": bool(probe.get("installed")),
                   "device": training_device(probe)}
    return {"phazer": __version__, "machine": machine, "gpu": machine_gpu(machine),
            "backends": probes, "backend": backend,
            "advice": [a.as_dict() for a in advise(machine, probes)]}


def _devices(probe: dict[str, Any]) -> str:
    return ", ".join(describe_device(d) for d in probe.get("devices", ())) or "-"


def _build(name: str, probe: dict[str, Any]) -> str:
    if name == "tensorflow":
        return f"CUDA {probe['cuda_version']} build" if probe.get("cuda_build") else "CPU build"
    if name == "torch":
        notes = [f"CUDA {probe['cuda_version']} build" if probe.get("cuda_build")
                 else "CPU build"]
        return ", ".join(notes + (["MPS"] if probe.get("mps_built") else []))
    return f"default backend {probe.get('default_backend')}"


def render_text(report: dict[str, Any]) -> str:
    """The report as the text ``phazer doctor`` prints."""
    machine = report["machine"]
    lines = [f"phazer {report['phazer']} · Python {machine['python']} · {machine['system']} "
             f"{machine['release']} ({machine['machine']})",
             f"GPU: {report['gpu'] or NO_GPU_FOUND}",
             ""]
    for name, probe in report["backends"].items():
        if not probe["installed"]:
            lines.append(f"{name:<11} not installed: {probe['install']}")
        elif "error" in probe:
            lines.append(f"{name:<11} installed, but its probe failed (below)")
        else:
            lines.append(f"{name:<11} {probe['version']} ({_build(name, probe)}): "
                         f"{_devices(probe)}")
    backend = report["backend"]
    lines.append("")
    if backend["error"]:
        lines += [f"backend: error: {backend['error']}", f"  hint: {backend['hint']}"]
    elif not backend["installed"]:
        lines.append(f"backend: {backend['name']} ({backend['source']}), not installed: "
                     f"{INSTALLS[backend['name']]}")
    else:
        lines.append(f"backend: {backend['name']} ({backend['source']}), training on "
                     f"{backend['device'] or 'an unknown device (its probe failed)'}")
    used = [n for n, p in report["backends"].items() if gpu_devices(p)]
    if report["gpu"]:
        lines.append(f"the GPU is used by: {', '.join(used)}" if used else
                     "the GPU is used by no installed backend (why, below)")
    else:
        lines.append("no GPU found: every backend trains on the CPU")
    for advice in report["advice"]:
        who = advice["backend"] or "machine"
        lines += ["", f"{who}: {advice['problem']}", f"  fix: {advice['fix']}"]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Probe, print the report, exit 1 only for an unusable KERAS_BACKEND."""
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        print(f"phazer doctor: error: --timeout must be a positive number of seconds, not "
              f"{args.timeout:g}", file=sys.stderr)
        return EXIT_INVALID
    report = collect(args.timeout)
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(report))
    return EXIT_INVALID if report["backend"]["error"] else EXIT_OK
