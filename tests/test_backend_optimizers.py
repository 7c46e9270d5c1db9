"""phazer's optimizers update the same weights the same way on TensorFlow, PyTorch and JAX.

Each backend runs tests/backend_scripts/optimizer_updates.py in its own process (Keras reads
its backend once per process): every optimizer, the four clipping methods, gradient
accumulation, weight decay and float16 loss scaling with a skipped step, four updates of fixed
gradients. The arrays must agree with TensorFlow's within float32 rounding.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import REPO

pytestmark = pytest.mark.keras
SCRIPT = REPO / "tests" / "backend_scripts" / "optimizer_updates.py"
TOLERANCE = 2e-6


def updates(backend: str, folder: Path) -> dict[str, np.ndarray]:
    """The script's arrays, computed on ``backend``."""
    target = folder / f"{backend}.npz"
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, str(SCRIPT), str(target)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(target) as data:
        return {key: data[key] for key in data}


@pytest.fixture(scope="module")
def tensorflow_updates(tmp_path_factory) -> dict[str, np.ndarray]:
    return updates("tensorflow", tmp_path_factory.mktemp("optimizers"))


def test_tensorflow_reference_really_trains(tensorflow_updates):
    arrays = tensorflow_updates
    start = np.random.default_rng(7).normal(size=(3, 4)).astype(np.float32)
    for case in ("adam", "lion_autoclip", "sgd_accumulate", "adam_float16"):
        assert np.abs(arrays[f"{case}/weight0"] - start).max() > 1e-4, case
    # the inf gradient of step 2 is skipped and halves the loss scale (Keras' 2 ** 15 start)
    assert float(arrays["adam_float16/loss_scale_optimizer/dynamic_scale"]) == 2.0 ** 14


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_every_optimizer_updates_as_on_tensorflow(backend, tensorflow_updates, tmp_path):
    pytest.importorskip(backend, reason=f"{backend} is not installed: pip install "
                                        f"'phazer[{backend}]' to test that backend")
    arrays = updates(backend, tmp_path)
    assert sorted(arrays) == sorted(tensorflow_updates)
    worst = {key: float(np.abs(arrays[key] - tensorflow_updates[key]).max())
             for key in arrays}
    off = {key: value for key, value in worst.items() if value > TOLERANCE}
    assert not off, off
