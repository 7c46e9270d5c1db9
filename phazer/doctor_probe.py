"""What ``phazer doctor`` reads off this machine and off each Keras backend's framework.

Two kinds of probe:

* :func:`probe_machine`: the operating system, an NVIDIA GPU (``nvidia-smi -L``, else the
  driver's ``/proc/driver/nvidia/gpus``), an Apple Silicon Mac and the installed distributions
  that matter (``tensorflow`` beside ``tensorflow-cpu``, TensorFlow's CUDA libraries). No
  framework is imported, so this answers even where every framework is broken.
* :func:`probe_framework`: imports one framework (TensorFlow, PyTorch or JAX) and lists the
  devices it sees. ``phazer doctor`` runs it as ``python -m phazer.doctor_probe NAME`` in a
  process of its own per framework, with a timeout: a broken install (a crash in a native
  library, a hang while a driver loads) costs that probe, not the doctor, and three frameworks
  never share one process. It prints one JSON object on stdout.

Both return plain dictionaries of JSON types, which :mod:`phazer.doctor_advice` reads.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

# the distributions whose presence explains a GPU that is not used
DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "nvidia-cudnn-cu12", "nvidia-cublas-cu12",
                 "torch", "jax", "jaxlib", "jax-cuda12-plugin", "jax-cuda13-plugin")
NVIDIA_SMI_TIMEOUT_S = 10.0
PROC_NVIDIA = Path("/proc/driver/nvidia/gpus")


def installed_distributions(names: tuple[str, ...] = DISTRIBUTIONS) -> dict[str, str]:
    """``name -> version`` of the distributions among ``names`` that are installed."""
    found = {}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def nvidia_gpus(proc_dir: Path = PROC_NVIDIA) -> list[str]:
    """The NVIDIA GPUs the driver reports, by name; empty where there is none (or no driver).

    ``nvidia-smi -L`` when it is on the PATH (Linux, Windows, WSL), else the Linux driver's
    ``/proc/driver/nvidia/gpus/*/information`` files.
    """
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            done = subprocess.run([smi, "-L"], capture_output=True, text=True,
                                  timeout=NVIDIA_SMI_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired):
            done = None
        if done is not None and done.returncode == 0:
            # "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-...)"
            return [line.split(":", 1)[1].split("(UUID", 1)[0].strip()
                    for line in done.stdout.splitlines() if line.startswith("GPU ")]
    names = []
    for info in sorted(proc_dir.glob("*/information")) if proc_dir.is_dir() else ():
        try:
            text = info.read_text(errors="replace")
        except OSError:
            continue
        model = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                      if line.startswith("Model:")), "NVIDIA GPU")
        names.append(model)
    return names


def probe_machine() -> dict[str, Any]:
    """The operating system, the GPUs found without any framework, the distributions."""
    system, machine = platform.system(), platform.machine()
    return {
        "system": system,
        "release": platform.release(),
        "machine": machine,
        "python": platform.python_version(),
        "nvidia_gpus": nvidia_gpus(),
        "apple_silicon": system == "Darwin" and machine == "arm64",
        "distributions": installed_distributions(),
    }


def _device(device_id: str, kind: str, name: str) -> dict[str, str]:
    return {"id": device_id, "kind": kind, "name": name}


def _probe_tensorflow() -> dict[str, Any]:
    import tensorflow as tf

    devices = []
    for device in tf.config.list_physical_devices():
        kind = device.device_type.lower()
        name = device.device_type
        if kind == "gpu":
            name = tf.config.experimental.get_device_details(device).get("device_name", name)
        devices.append(_device(device.name.replace("/physical_device:", ""), kind, name))
    build = tf.sysconfig.get_build_info()
    return {"version": tf.__version__, "devices": devices,
            "cuda_build": bool(build.get("is_cuda_build", False)),
            "cuda_version": build.get("cuda_version")}


def _probe_torch() -> dict[str, Any]:
    import torch

    devices = [_device("cpu", "cpu", "CPU")]
    cuda_available = bool(torch.cuda.is_available())
    if cuda_available:
        devices += [_device(f"cuda:{i}", "gpu", torch.cuda.get_device_name(i))
                    for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    mps_built = bool(mps is not None and mps.is_built())
    mps_available = bool(mps is not None and mps.is_available())
    if mps_available:
        devices.append(_device("mps", "gpu", "Apple GPU (MPS)"))
    return {"version": torch.__version__, "devices": devices,
            "cuda_build": torch.version.cuda is not None, "cuda_version": torch.version.cuda,
            "cuda_available": cuda_available, "mps_built": mps_built,
            "mps_available": mps_available}


def _probe_jax() -> dict[str, Any]:
    import jax

    devices = []
    for device in jax.devices():
        platform_name = device.platform.lower()
        kind = platform_name if platform_name in ("cpu", "tpu") else "gpu"
        devices.append(_device(f"{platform_name}:{device.id}", kind, device.device_kind))
    return {"version": jax.__version__, "devices": devices,
            "default_backend": jax.default_backend()}


PROBES = {"tensorflow": _probe_tensorflow, "torch": _probe_torch, "jax": _probe_jax}


def probe_framework(name: str) -> dict[str, Any]:
    """Import the framework of backend ``name`` and read its version and devices.

    Returns a dictionary with ``version`` and ``devices`` (each ``id``, ``kind``: ``cpu``,
    ``gpu`` or ``tpu``, and ``name``) and facts of that framework's build; ``error`` instead
    when the import or a query raised.
    """
    try:
        return PROBES[name]()
    except Exception as exc:   # a broken install is a finding, not a crash
        text = " ".join(str(exc).split())
        return {"error": f"{type(exc).__name__}: {text}"[:500]}


def main(argv: list[str] | None = None) -> int:
    """``python -m phazer.doctor_probe NAME``: print the probe of one framework as JSON."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in PROBES:
        print(f"usage: python -m phazer.doctor_probe {{{','.join(PROBES)}}}", file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    result = probe_framework(args[0])
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
