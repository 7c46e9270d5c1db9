"""The real ``phazer train`` stopped by Ctrl-C and killed by SIGKILL at random moments.

One model dir goes through: a run stopped by SIGINT (while a second ``phazer train`` on the
same model dir is refused), then ``PHAZER_RELIABILITY_KILLS`` runs (default 2) each killed by
SIGKILL at a random moment after its first iteration and each resuming the one before, then
a resume in this process. The runs and checks are ``bench/reliability_training.py``'s.
"""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import subprocess

import pytest

from tests.helpers import REPO

pytestmark = [pytest.mark.keras, pytest.mark.slow]

pytest.importorskip("tensorflow")

KILLS = int(os.environ.get("PHAZER_RELIABILITY_KILLS", "2"))


def _bench():
    spec = importlib.util.spec_from_file_location(
        "reliability_training", REPO / "bench" / "reliability_training.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ctrl_c_and_random_kills_never_lose_a_save(face_folders, tmp_path):
    bench = _bench()
    faces = face_folders(8, seed=21)
    model_dir = tmp_path / "model"
    refused = []

    def second_trainer() -> None:       # the plain CLI, not the bench's tracing wrapper
        argv = bench.command(faces, model_dir, 5, 0)
        argv[1:4] = ["-m", "phazer"]
        refused.append(subprocess.run(argv, capture_output=True, text=True, timeout=120))

    code, lines = bench.run_once(bench.command(faces, model_dir, 100000, 0), 0.5,
                                 signal.SIGINT, second_trainer)
    output = "\n".join(lines)
    assert code == 0, output[-3000:]
    reached = bench.last_number(lines, r"step (\d+)")
    assert f"stopped by Ctrl-C: {model_dir} saved at iteration {reached}" in output
    assert refused[0].returncode == 1
    assert "is in use by another phazer train (pid" in refused[0].stderr
    assert "Traceback" not in refused[0].stderr

    rng = random.Random(os.environ.get("PHAZER_RELIABILITY_SEED"))
    resumed_at, snapshots = reached, set()
    for kill in range(KILLS):
        code, lines = bench.run_once(bench.command(faces, model_dir, 100000, 0),
                                     rng.uniform(*bench.KILL_WINDOW))
        output = "\n".join(lines)
        assert code == -signal.SIGKILL, output[-3000:]
        assert f"resuming {model_dir} at iteration {resumed_at} " in output
        if kill:
            assert "is no longer running (killed?); taking the model dir over" in output
        reached = bench.last_number(lines, r"step (\d+)")
        saved = bench.last_number(lines, r"iteration (\d+): saved")
        result = bench.check(model_dir, snapshots)
        assert result["files_lost"] == 0 and not result["temporaries_left"], result
        # at most the iterations since the last completed save are lost
        assert saved <= result["iterations"] <= reached, (saved, result, reached)
        assert reached - result["iterations"] <= bench.SAVE_INTERVAL
        resumed_at, snapshots = result["iterations"], result["snapshots"]

    from rich.console import Console

    from phazer.train.session import TrainOptions, prepare

    options = TrainOptions(spec="demo", input_a=faces / "a", input_b=faces / "b",
                           model_dir=model_dir, batch_size=2, seed=0, preview=False,
                           show_bar=False, overrides=["training.xla=off"])
    prepared = prepare(options, Console(quiet=True))
    assert prepared.resumed and prepared.trainer.state.iterations == resumed_at
    prepared.trainer.run(iter(prepared.dataset), 1)
    left = [p for p in model_dir.rglob("*") if p.name in (".saving", ".commit")
            or p.name.endswith(".tmp")]
    assert not left, left
