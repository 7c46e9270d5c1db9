"""Why a GPU is not used: ``phazer doctor``'s reasoning over what its probes found.

Pure functions of the probes' dictionaries (:mod:`phazer.doctor_probe`): the machine (its
operating system, the NVIDIA GPUs its driver lists, an Apple Silicon Mac, the installed
distributions) and, per backend, what the framework said of itself (``installed``,
``version``, ``devices``, build facts, or ``error``). Nothing is imported or run here, so every
rule is tested with made-up probes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Probe = Mapping[str, Any]

TORCH_CUDA = ("install PyTorch's CUDA build with the pip command pytorch.org/get-started/locally "
              "gives for your system (pip install torch --index-url "
              "https://download.pytorch.org/whl/cu1NN), then pip install \"phazer[torch]\"")
USE_TORCH = ("train on PyTorch: --backend torch, or training.backend: torch in the spec, or "
             "KERAS_BACKEND=torch")


@dataclass(frozen=True)
class Advice:
    """One finding: what keeps a backend off the GPU (or broken), and what fixes it.

    Attributes:
        backend: ``tensorflow``, ``torch``, ``jax``, or None for the machine as a whole.
        problem: what is wrong, in one sentence.
        fix: what to run or change.
    """

    backend: str | None
    problem: str
    fix: str

    def as_dict(self) -> dict[str, str | None]:
        """The JSON form."""
        return {"backend": self.backend, "problem": self.problem, "fix": self.fix}


def machine_gpu(machine: Probe) -> str | None:
    """The GPU found without any framework (``NVIDIA H100``, ``Apple Silicon GPU``) or None."""
    if machine.get("nvidia_gpus"):
        return ", ".join(machine["nvidia_gpus"])
    if machine.get("apple_silicon"):
        return "Apple Silicon GPU"
    return None


def gpu_devices(probe: Probe) -> list[Mapping[str, str]]:
    """The GPUs a framework's probe lists."""
    return [device for device in probe.get("devices", ()) if device.get("kind") == "gpu"]


def training_device(probe: Probe) -> str | None:
    """The device Keras trains on with this framework: its first GPU, else its CPU."""
    devices = list(probe.get("devices", ()))
    if not devices:
        return None
    return describe_device((gpu_devices(probe) or devices)[0])


def describe_device(device: Mapping[str, str]) -> str:
    """``cuda:0 (NVIDIA H100)``; just the id where the name says no more (``CPU:0``)."""
    if device["name"].lower() in (device["id"].lower(), device["kind"]):
        return device["id"]
    return f"{device['id']} ({device['name']})"


def install_conflicts(machine: Probe) -> list[Advice]:
    """Distributions that overwrite each other: ``tensorflow`` beside ``tensorflow-cpu``."""
    dists = machine.get("distributions", {})
    if "tensorflow" in dists and "tensorflow-cpu" in dists:
        return [Advice("tensorflow",
                       f"tensorflow {dists['tensorflow']} and tensorflow-cpu "
                       f"{dists['tensorflow-cpu']} are both installed: both write the same "
                       "tensorflow/ package, so the one installed last is the one that runs "
                       "(an older phazer installed tensorflow-cpu)",
                       "pip uninstall -y tensorflow tensorflow-cpu, then pip install "
                       "\"phazer[cuda]\" (Linux with an NVIDIA GPU) or pip install phazer")]
    return []


def _tensorflow(machine: Probe, probe: Probe) -> Advice | None:
    system, dists = machine.get("system"), machine.get("distributions", {})
    if machine.get("apple_silicon"):
        return Advice("tensorflow", "TensorFlow runs on the CPU on macOS: phazer reaches the "
                      "Apple GPU through PyTorch (MPS)",
                      f"pip install \"phazer[torch]\", then {USE_TORCH}")
    if system == "Windows":
        return Advice("tensorflow", "TensorFlow has no GPU support on native Windows since "
                      "2.10", f"{TORCH_CUDA}; then {USE_TORCH} (or run phazer in WSL2 with "
                      "pip install \"phazer[cuda]\")")
    if "tensorflow-cpu" in dists and "tensorflow" not in dists:
        return Advice("tensorflow", "tensorflow-cpu is installed: a CPU-only build of "
                      "TensorFlow", "pip uninstall -y tensorflow-cpu && pip install "
                      "\"phazer[cuda]\"")
    if not probe.get("cuda_build", True):
        return Advice("tensorflow", f"this TensorFlow ({probe.get('version')}) was built "
                      "without CUDA", "pip install --force-reinstall \"phazer[cuda]\"")
    if "nvidia-cudnn-cu12" not in dists or "nvidia-cublas-cu12" not in dists:
        return Advice("tensorflow", "TensorFlow's CUDA libraries (cuDNN, cuBLAS ... from "
                      "PyPI) are not installed", "pip install \"phazer[cuda]\"")
    cuda = probe.get("cuda_version") or "12"
    return Advice("tensorflow", "TensorFlow sees no GPU although it is a CUDA build and its "
                  "CUDA libraries are installed",
                  f"check that the NVIDIA driver supports CUDA {cuda} (nvidia-smi shows the "
                  "newest CUDA it supports); TF_CPP_MIN_LOG_LEVEL=0 python -c \"import "
                  "tensorflow as tf; print(tf.config.list_physical_devices())\" prints "
                  "TensorFlow's reason")


def _torch(machine: Probe, probe: Probe) -> Advice | None:
    version = probe.get("version")
    if machine.get("apple_silicon"):
        if not probe.get("mps_built"):
            return Advice("torch", f"this PyTorch ({version}) was built without MPS",
                          "pip install --force-reinstall torch (PyPI's macOS arm64 build has "
                          "MPS)")
        return Advice("torch", "PyTorch's MPS device is not available (torch.backends.mps."
                      "is_available() is False)", "MPS needs macOS 12.3 or later on Apple "
                      "Silicon, and a native arm64 Python (not one under Rosetta)")
    if not probe.get("cuda_build"):
        return Advice("torch", f"this PyTorch ({version}) is a CPU-only build "
                      "(torch.version.cuda is None)", TORCH_CUDA)
    cuda = probe.get("cuda_version")
    return Advice("torch", f"PyTorch is built for CUDA {cuda} but cannot use the GPU "
                  "(torch.cuda.is_available() is False)",
                  f"update the NVIDIA driver to one that supports CUDA {cuda} (nvidia-smi "
                  "shows the newest CUDA it supports), or install the build for an older "
                  "CUDA from pytorch.org")


def _jax(machine: Probe, probe: Probe) -> Advice | None:
    if machine.get("apple_silicon"):
        return Advice("jax", "JAX runs on the CPU on macOS (Apple's jax-metal plugin is "
                      "experimental)", f"pip install \"phazer[torch]\", then {USE_TORCH}")
    if machine.get("system") == "Windows":
        return Advice("jax", "JAX has no GPU support on native Windows",
                      f"{TORCH_CUDA}; then {USE_TORCH} (or run phazer in WSL2 with "
                      "pip install \"jax[cuda12]\")")
    dists = machine.get("distributions", {})
    if not any(name.startswith("jax-cuda") for name in dists):
        return Advice("jax", "JAX has no GPU plugin installed (PyPI's jax is a CPU build)",
                      "pip install \"jax[cuda12]\"")
    return Advice("jax", "JAX's CUDA plugin is installed but JAX sees no GPU",
                  "check that the NVIDIA driver is recent enough for the plugin; python -c "
                  "\"import jax; print(jax.devices())\" prints JAX's reason")


RULES = {"tensorflow": _tensorflow, "torch": _torch, "jax": _jax}


def why_no_gpu(machine: Probe, probes: Mapping[str, Probe]) -> list[Advice]:
    """For each installed backend that sees no GPU on a machine that has one: why, and the fix.

    Args:
        machine: :func:`phazer.doctor_probe.probe_machine`'s result.
        probes: backend name -> its probe (``installed`` False when the package is missing;
            ``error`` when the probe failed, reported by :func:`broken`).
    """
    if machine_gpu(machine) is None:
        return []
    found = []
    for name, rule in RULES.items():
        probe = probes.get(name, {})
        if not probe.get("installed") or "error" in probe or gpu_devices(probe):
            continue
        advice = rule(machine, probe)
        if advice is not None:
            found.append(advice)
    return found


def broken(probes: Mapping[str, Probe]) -> list[Advice]:
    """Installed frameworks whose probe failed or timed out."""
    found = []
    for name, probe in probes.items():
        if not probe.get("installed") or "error" not in probe:
            continue
        if probe.get("timed_out"):
            fix = (f"phazer doctor --timeout with more seconds (a first import after an "
                   f"install is slow); python -c \"import {name}\" shows where it stops")
        else:
            fix = (f"python -c \"import {name}\" shows the failure; reinstall with pip "
                   f"install --force-reinstall {name}")
        found.append(Advice(name, f"{name} is installed but its probe failed: "
                            f"{probe['error']}", fix))
    return found


def advise(machine: Probe, probes: Mapping[str, Probe]) -> list[Advice]:
    """Every finding, in the order ``phazer doctor`` prints them."""
    return [*install_conflicts(machine), *broken(probes), *why_no_gpu(machine, probes)]
