"""Training on PyTorch and JAX continues TensorFlow's training exactly, and learns alike.

tests/backend_scripts/train_runs.py runs ``phazer train`` in one process per backend (Keras
reads its backend once per process): TensorFlow trains a model three iterations (gradient
accumulation over two steps, autoclip and weight decay on), then each backend resumes a copy of
that save for three iterations, the first finishing the gradient the base half-accumulated.
Weights and optimizer state must equal TensorFlow's own continuation within float32 rounding:
the saved optimizer state is read on every backend and the update is the same. Each backend
also trains a fresh model 30 iterations from one seed (their first weights differ: each backend
draws its own random numbers), and its loss must fall and end within 10 % of the others'.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import h5py
import numpy as np
import pytest

from phazer.train.checkpoint import read_optimizer_arrays
from phazer.train.modeldir import OPTIMIZER_FILE, STATE_FILE, WEIGHTS_FILE
from tests.helpers import REPO, write_face_folders

pytestmark = [pytest.mark.keras, pytest.mark.slow]
SCRIPT = REPO / "tests" / "backend_scripts" / "train_runs.py"
OTHERS = [name for name in ("torch", "jax") if importlib.util.find_spec(name) is not None]
MISSING = sorted({"torch", "jax"} - set(OTHERS))


def _run(backend: str, work: Path, faces: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, str(SCRIPT), str(work), str(faces)], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("backend-training")
    faces = write_face_folders(root / "faces", 24, 3)
    done = _run("tensorflow", root, faces)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    with ThreadPoolExecutor(max_workers=2) as pool:     # torch and jax side by side
        for backend, result in zip(OTHERS, pool.map(lambda b: _run(b, root, faces), OTHERS),
                                   strict=True):
            assert result.returncode == 0, (backend, result.stdout[-2000:],
                                            result.stderr[-3000:])
    return root


def weights(model_dir: Path) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    with h5py.File(model_dir / WEIGHTS_FILE) as data:
        data.visititems(lambda name, item: arrays.__setitem__(name, item[()])
                        if isinstance(item, h5py.Dataset) else None)
    return arrays


def largest_difference(one: dict[str, np.ndarray], other: dict[str, np.ndarray]) -> float:
    assert sorted(one) == sorted(other)
    return max(float(np.abs(np.asarray(one[k], np.float64) - other[k]).max()) for k in one)


def state(model_dir: Path) -> dict:
    return json.loads((model_dir / STATE_FILE).read_text())


def test_the_missing_backends_are_named():
    if MISSING:
        pytest.skip(f"not installed, not tested: {', '.join(MISSING)} (pip install "
                    f"'phazer[{MISSING[0]}]')")


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_a_resume_on_another_backend_continues_exactly(work, backend):
    if backend not in OTHERS:
        pytest.skip(f"{backend} is not installed: pip install 'phazer[{backend}]'")
    reference, resumed = work / "resume_tensorflow", work / f"resume_{backend}"
    moved = largest_difference(weights(work / "base"), weights(reference))
    assert moved > 2e-5                       # the three iterations changed the weights
    assert largest_difference(weights(resumed), weights(reference)) < moved / 100
    assert largest_difference(weights(resumed), weights(reference)) < 1e-6
    optimizer = read_optimizer_arrays(resumed / OPTIMIZER_FILE)
    expected = read_optimizer_arrays(reference / OPTIMIZER_FILE)
    assert any(key.endswith("autoclip_norms") for key in optimizer)
    assert sorted(optimizer) == sorted(expected)
    for key, value in optimizer.items():    # moments, norms: float32 rounding of their scale
        scale = float(np.abs(expected[key]).max())
        found = np.abs(np.asarray(value, np.float64) - expected[key]).max()
        assert found <= 1e-4 * scale + 1e-8, (key, found, scale)
    sessions = state(resumed)["sessions"]
    assert [s["backend"] for s in sessions] == ["tensorflow", backend]
    assert state(resumed)["iterations"] == 6


def _face_loss(entry: dict) -> float:
    return sum(value for key, value in entry.items() if key.startswith("face_out_"))


def test_thirty_iterations_lower_the_loss_alike_on_every_backend(work):
    ends = {}
    for backend in ["tensorflow", *OTHERS]:
        history = state(work / f"fresh_{backend}")["loss_history"]
        assert [entry["iteration"] for entry in history] == [10, 20, 30]
        first, last = _face_loss(history[0]), _face_loss(history[-1])
        assert last < first, (backend, first, last)
        ends[backend] = last
    assert max(ends.values()) <= 1.1 * min(ends.values()), ends
