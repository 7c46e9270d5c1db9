"""phazer doctor: the probes, the "why no GPU" reasoning (made-up probes) and the command.

The reasoning (phazer.doctor_advice) is tested with fake machines and fake framework probes:
this machine has no GPU, so only fakes reach the GPU rules. One end-to-end run probes the real
frameworks; another puts broken stand-ins of them first on the path (one raises on import, one
hangs, one kills its process) to show the doctor outlives each.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from phazer import doctor_probe
from phazer.backend import is_installed
from phazer.cli.doctor import render_text
from phazer.doctor_advice import (
    advise,
    broken,
    install_conflicts,
    machine_gpu,
    training_device,
    why_no_gpu,
)
from tests.helpers import REPO, run_fresh

CLI = "import sys\nfrom phazer.cli.main import main\nsys.exit(main(sys.argv[1:]))\n"
FRAMEWORKS = ("tensorflow", "torch", "jax", "keras")
CPU = {"id": "CPU:0", "kind": "cpu", "name": "CPU"}


def machine(system: str = "Linux", gpus: tuple[str, ...] = ("NVIDIA RTX 4090",),
            apple: bool = False, **dists: str) -> dict[str, Any]:
    names = {name.replace("_", "-"): version for name, version in dists.items()}
    return {"system": system, "release": "6.1", "machine": "x86_64", "python": "3.11.7",
            "nvidia_gpus": list(gpus), "apple_silicon": apple, "distributions": names}


def tf_probe(gpu: bool = False, cuda_build: bool = True) -> dict[str, Any]:
    devices = [CPU] + ([{"id": "GPU:0", "kind": "gpu", "name": "NVIDIA RTX 4090"}] if gpu else [])
    return {"installed": True, "version": "2.21.0", "devices": devices,
            "cuda_build": cuda_build, "cuda_version": "12.5.1" if cuda_build else None}


def torch_probe(cuda: str | None = None, available: bool = False, mps_built: bool = False,
                mps: bool = False) -> dict[str, Any]:
    devices = [{"id": "cpu", "kind": "cpu", "name": "CPU"}]
    if available:
        devices.append({"id": "cuda:0", "kind": "gpu", "name": "NVIDIA RTX 4090"})
    if mps:
        devices.append({"id": "mps", "kind": "gpu", "name": "Apple GPU (MPS)"})
    return {"installed": True, "version": "2.13.0", "devices": devices,
            "cuda_build": cuda is not None, "cuda_version": cuda, "cuda_available": available,
            "mps_built": mps_built or mps, "mps_available": mps}


def jax_probe() -> dict[str, Any]:
    return {"installed": True, "version": "0.10.2", "default_backend": "cpu",
            "devices": [{"id": "cpu:0", "kind": "cpu", "name": "cpu"}]}


MISSING = {"installed": False, "install": "..."}


def fixes(advice) -> dict[str | None, str]:
    return {a.backend: f"{a.problem} | {a.fix}" for a in advice}


# --- the reasoning ---------------------------------------------------------------------------

def test_no_gpu_on_the_machine_means_nothing_to_explain():
    probes = {"tensorflow": tf_probe(), "torch": torch_probe(), "jax": jax_probe()}
    assert machine_gpu(machine(gpus=())) is None
    assert why_no_gpu(machine(gpus=()), probes) == []


def test_linux_nvidia_full_wheel_without_cuda_libraries_asks_for_the_cuda_extra():
    found = fixes(why_no_gpu(machine(tensorflow="2.21.0"), {"tensorflow": tf_probe()}))
    assert "CUDA libraries" in found["tensorflow"]
    assert found["tensorflow"].endswith('| pip install "phazer[cuda]"')


def test_linux_nvidia_tensorflow_cpu_is_named_as_a_cpu_only_build():
    found = fixes(why_no_gpu(machine(tensorflow_cpu="2.21.0"),
                             {"tensorflow": tf_probe(cuda_build=False)}))
    assert "tensorflow-cpu is installed: a CPU-only build" in found["tensorflow"]
    assert 'pip uninstall -y tensorflow-cpu && pip install "phazer[cuda]"' in found["tensorflow"]


def test_linux_nvidia_with_cuda_libraries_but_no_gpu_points_at_the_driver():
    found = fixes(why_no_gpu(machine(tensorflow="2.21.0", nvidia_cudnn_cu12="9.3",
                                     nvidia_cublas_cu12="12.5"), {"tensorflow": tf_probe()}))
    assert "supports CUDA 12.5.1" in found["tensorflow"]


def test_a_backend_on_the_gpu_needs_no_advice():
    probes = {"tensorflow": tf_probe(gpu=True), "torch": torch_probe("12.8", available=True),
              "jax": MISSING}
    assert why_no_gpu(machine(), probes) == []
    assert training_device(probes["tensorflow"]) == "GPU:0 (NVIDIA RTX 4090)"
    assert training_device(probes["torch"]) == "cuda:0 (NVIDIA RTX 4090)"
    assert training_device(tf_probe()) == "CPU:0"
    assert training_device({"devices": []}) is None


def test_windows_nvidia_sends_every_backend_to_torch_with_cuda():
    probes = {"tensorflow": tf_probe(cuda_build=False), "torch": torch_probe(),
              "jax": jax_probe()}
    found = fixes(why_no_gpu(machine("Windows", tensorflow="2.21.0"), probes))
    assert "no GPU support on native Windows since 2.10" in found["tensorflow"]
    assert "--backend torch" in found["tensorflow"]
    assert "CPU-only build (torch.version.cuda is None)" in found["torch"]
    assert "download.pytorch.org/whl/cu" in found["torch"]
    assert "no GPU support on native Windows" in found["jax"]


def test_torch_cuda_build_that_cannot_reach_the_gpu_points_at_the_driver():
    found = fixes(why_no_gpu(machine(), {"torch": torch_probe("12.8")}))
    assert "built for CUDA 12.8 but cannot use the GPU" in found["torch"]


def test_apple_silicon_is_sent_to_torch_on_mps():
    mac = machine("Darwin", gpus=(), apple=True, tensorflow="2.21.0")
    assert machine_gpu(mac) == "Apple Silicon GPU"
    found = fixes(why_no_gpu(mac, {"tensorflow": tf_probe(cuda_build=False),
                                   "torch": torch_probe(mps=True), "jax": jax_probe()}))
    assert set(found) == {"tensorflow", "jax"}   # torch is on the Apple GPU already
    assert "MPS" in found["tensorflow"] and 'pip install "phazer[torch]"' in found["tensorflow"]
    unbuilt = fixes(why_no_gpu(mac, {"torch": torch_probe()}))
    assert "built without MPS" in unbuilt["torch"]
    unavailable = fixes(why_no_gpu(mac, {"torch": torch_probe(mps_built=True)}))
    assert "macOS 12.3" in unavailable["torch"]


def test_jax_without_a_gpu_plugin_names_the_plugin_install():
    found = fixes(why_no_gpu(machine(jax="0.10.2"), {"jax": jax_probe()}))
    assert found["jax"].endswith('| pip install "jax[cuda12]"')
    plugged = fixes(why_no_gpu(machine(jax="0.10.2", jax_cuda12_plugin="0.10.2"),
                               {"jax": jax_probe()}))
    assert "plugin is installed but JAX sees no GPU" in plugged["jax"]


def test_missing_and_broken_backends_get_no_gpu_advice_but_broken_ones_are_reported():
    probes = {"tensorflow": MISSING, "torch": {"installed": True, "error": "OSError: libc10.so"},
              "jax": {"installed": True, "error": "no answer within 5 s", "timed_out": True}}
    assert why_no_gpu(machine(), probes) == []
    found = fixes(broken(probes))
    assert set(found) == {"torch", "jax"}
    assert "OSError: libc10.so" in found["torch"] and "--force-reinstall torch" in found["torch"]
    assert "--timeout" in found["jax"]


def test_tensorflow_beside_tensorflow_cpu_is_flagged():
    assert install_conflicts(machine(tensorflow="2.21.0")) == []
    both = machine(gpus=(), tensorflow="2.21.0", tensorflow_cpu="2.20.0")
    (advice,) = install_conflicts(both)
    assert "both installed" in advice.problem and "2.20.0" in advice.problem
    assert advise(both, {"tensorflow": tf_probe()}) == [advice]


# --- the machine probe -----------------------------------------------------------------------

def test_nvidia_gpus_from_nvidia_smi(tmp_path, monkeypatch):
    smi = tmp_path / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-1234)'\n"
                   "echo 'GPU 1: NVIDIA GeForce RTX 4090 (UUID: GPU-5678)'\n")
    smi.chmod(smi.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert doctor_probe.nvidia_gpus(tmp_path / "none") == ["NVIDIA H100 80GB HBM3",
                                                           "NVIDIA GeForce RTX 4090"]


def test_nvidia_gpus_from_the_driver_without_nvidia_smi(tmp_path, monkeypatch):
    monkeypatch.setattr(doctor_probe.shutil, "which", lambda name: None)
    (tmp_path / "0000:01:00.0").mkdir()
    (tmp_path / "0000:01:00.0" / "information").write_text(
        "Model: \t\t NVIDIA A100-SXM4-40GB\nIRQ:   \t\t 42\n")
    assert doctor_probe.nvidia_gpus(tmp_path) == ["NVIDIA A100-SXM4-40GB"]
    assert doctor_probe.nvidia_gpus(tmp_path / "none") == []


def test_installed_distributions_reads_metadata_only():
    found = doctor_probe.installed_distributions(("tensorflow", "phazer-no-such-dist"))
    assert set(found) == {"tensorflow"} and found["tensorflow"].startswith("2.21")


def test_the_text_report_says_what_runs_where():
    report = {"phazer": "0.1.0", "machine": machine(), "gpu": "NVIDIA RTX 4090",
              "backends": {"tensorflow": tf_probe(), "torch": torch_probe(),
                           "jax": {"installed": False, "install": 'pip install "phazer[jax]"'}},
              "backend": {"name": "torch", "source": "KERAS_BACKEND", "error": None,
                          "installed": True, "device": "cpu"},
              "advice": [a.as_dict() for a in why_no_gpu(
                  machine(), {"tensorflow": tf_probe(), "torch": torch_probe()})]}
    text = render_text(report)
    assert "tensorflow  2.21.0 (CUDA 12.5.1 build): CPU:0" in text
    assert "torch       2.13.0 (CPU build): cpu" in text
    assert 'jax         not installed: pip install "phazer[jax]"' in text
    assert "backend: torch (KERAS_BACKEND), training on cpu" in text
    assert "the GPU is used by no installed backend (why, below)" in text
    assert "\ntorch: this PyTorch (2.13.0) is a CPU-only build" in text


# --- the command -----------------------------------------------------------------------------

@pytest.mark.keras
def test_doctor_json_probes_the_real_frameworks_in_their_own_processes():
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    run = run_fresh(CLI, "doctor", "--json", env=env)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert run.loaded(*FRAMEWORKS) == []   # the doctor itself imports none of them
    tf = report["backends"]["tensorflow"]
    assert tf["installed"] and tf["version"].startswith("2.21")
    assert {"id": "CPU:0", "kind": "cpu", "name": "CPU"} in tf["devices"]
    assert report["backend"] == {"name": "tensorflow", "source": "KERAS_BACKEND", "error": None,
                                 "hint": None, "installed": True, "device": "CPU:0"}
    for name in ("torch", "jax"):
        probe = report["backends"][name]
        assert probe["installed"] is is_installed(name)
        assert "error" not in probe
    assert report["machine"]["python"] and report["machine"]["system"]
    assert report["gpu"] is None and report["advice"] == []   # no GPU here: nothing to explain


def _stand_ins(folder: Path, hang: bool = True) -> dict[str, str]:
    """Broken tensorflow, torch and jax first on the path: raise, hang (or raise), die."""
    (folder / "tensorflow.py").write_text("raise RuntimeError('DLL load failed: _pywrap')\n")
    (folder / "torch.py").write_text("import time\ntime.sleep(60)\n" if hang else "1 / 0\n")
    (folder / "jax.py").write_text("import os\nos.abort()\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(REPO)])}


def test_doctor_outlives_broken_frameworks_and_reports_each(tmp_path):
    env = {**_stand_ins(tmp_path), "KERAS_BACKEND": "jax"}
    run = run_fresh(CLI, "doctor", "--json", "--timeout", "2", env=env)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    backends = report["backends"]
    assert "RuntimeError: DLL load failed: _pywrap" in backends["tensorflow"]["error"]
    assert backends["torch"]["error"] == "no answer within 2 s" and backends["torch"]["timed_out"]
    assert backends["jax"]["error"].startswith("the probe exited with code")
    assert backends["torch"]["seconds"] < 10
    assert report["backend"]["device"] is None
    assert {a["backend"] for a in report["advice"]} == {"tensorflow", "torch", "jax"}


def test_an_invalid_keras_backend_is_the_one_failure(tmp_path):
    env = {**_stand_ins(tmp_path, hang=False), "KERAS_BACKEND": "pytorch"}
    run = run_fresh(CLI, "doctor", "--timeout", "3", env=env)
    assert run.returncode == 1
    assert "backend: error: KERAS_BACKEND is 'pytorch'" in run.stdout
    assert "hint: set KERAS_BACKEND to one of tensorflow, torch, jax" in run.stdout


@pytest.mark.parametrize("value", ["0", "-1", "inf", "nan"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(value):
    run = run_fresh(CLI, "doctor", "--timeout", value)
    assert run.returncode == 1
    assert f"--timeout must be a positive number of seconds, not {float(value):g}" in run.stderr
    assert run.loaded(*FRAMEWORKS) == []
