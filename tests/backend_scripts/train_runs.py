"""The training runs of tests/test_backend_training.py, on the backend KERAS_BACKEND names.

``python train_runs.py WORK FACES``: the TensorFlow run first trains ``WORK/base`` for three
iterations (with gradient accumulation, autoclip and weight decay) and copies it to
``WORK/resume_<backend>`` for each backend. Every backend then resumes its copy for three more
iterations (the first of them finishing the half-accumulated gradient the base left), and
trains a fresh ``WORK/fresh_<backend>`` for 30 iterations from seed 3.
Everything goes through ``phazer train`` as a user runs it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import keras

from phazer.cli.main import main

SPEC = str(Path(__file__).resolve().parents[1] / "specs" / "tiny.yaml")
FEATURES = ["--set", "training.optimizer.gradient_accumulation=2",
            "--set", "training.optimizer.clipping=autoclip",
            "--set", "training.optimizer.weight_decay=0.01"]
BACKENDS = ("tensorflow", "torch", "jax")


def train(faces: Path, model_dir: Path, iterations: int, seed: int, *extra: str) -> None:
    """One ``phazer train`` session (batch 4, no preview, no XLA on TensorFlow); fails loudly."""
    code = main(["train", SPEC, "--input-a", str(faces / "a"), "--input-b", str(faces / "b"),
                 "--model-dir", str(model_dir), "--iterations", str(iterations),
                 "--batch-size", "4", "--seed", str(seed), "--no-preview",
                 "--set", "training.xla=off", *extra])      # no XLA trial: a compile saved
    if code != 0:
        raise SystemExit(f"phazer train {model_dir} exited {code}")


def run(work: Path, faces: Path) -> None:
    """The base (TensorFlow only), the resume and the fresh run of this backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        train(faces, work / "base", 3, 1, *FEATURES)
        for name in BACKENDS:
            shutil.copytree(work / "base", work / f"resume_{name}")
    train(faces, work / f"resume_{backend}", 3, 1, *FEATURES)
    train(faces, work / f"fresh_{backend}", 30, 3, "--set", "training.save_interval=10")


if __name__ == "__main__":
    run(Path(sys.argv[1]), Path(sys.argv[2]))
