"""One ``phazer train`` per model dir, and the checks done before TensorFlow (no TensorFlow).

A helper process holds a model dir's lock the way ``phazer train`` does; the real CLI runs in
a fresh interpreter (its own ``sys.modules``, so it shows whether TensorFlow was imported).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from phazer.spec import load_spec
from phazer.train.lock import LOCK_FILE, ModelDirLock, read_holder
from phazer.train.modeldir import ModelDir, TrainState, spec_text
from phazer.train.precheck import TrainInputError, claim
from tests.helpers import REPO, TINY_SPEC, Fresh, run_cli_fresh

HOLD = ("import sys, time\nfrom phazer.train.lock import ModelDirLock\n"
        "ModelDirLock(sys.argv[1]).acquire()\nprint('locked', flush=True)\ntime.sleep(120)\n")


@pytest.fixture
def holder(tmp_path):
    """Start a process that holds the lock of a model dir; yields (process, model dir)."""
    started = []

    def start(model_dir: Path) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-c", HOLD, str(model_dir)],
                                   stdout=subprocess.PIPE, text=True, cwd=REPO)
        started.append(process)
        assert process.stdout.readline().strip() == "locked"
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def _kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def fake_model_dir(folder: Path, iterations: int = 5) -> Path:
    """A model dir of the tiny spec with a save (the weights are not read by these checks)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.yaml").write_text(spec_text(load_spec(TINY_SPEC).spec), encoding="utf-8")
    (folder / "state.json").write_text(TrainState(iterations=iterations).to_json(),
                                       encoding="utf-8")
    (folder / "model.weights.h5").write_bytes(b"weights")
    return folder


def _train(model_dir: Path, *args: str) -> tuple[Fresh, float]:
    started = time.perf_counter()
    result = run_cli_fresh("train", TINY_SPEC, "--input-a", str(model_dir.parent / "a"),
                           "--input-b", str(model_dir.parent / "b"), "--model-dir",
                           str(model_dir), *args)
    return result, time.perf_counter() - started


def test_a_second_trainer_is_refused_at_once_naming_the_other(tmp_path, holder):
    model_dir = fake_model_dir(tmp_path / "m")
    other = holder(model_dir)
    result, seconds = _train(model_dir)
    assert result.returncode == 1, result.stderr
    assert f"is in use by another phazer train (pid {other.pid} on host" in result.stderr
    assert f"kill {other.pid}" in result.stderr and "Traceback" not in result.stderr
    assert result.loaded("tensorflow") == [] and seconds < 30
    assert read_holder(model_dir / LOCK_FILE).pid == other.pid     # left alone


def test_a_refused_resume_needs_no_tensorflow_and_a_stale_lock_is_taken_over(tmp_path,
                                                                            holder):
    model_dir = fake_model_dir(tmp_path / "m")
    killed = holder(model_dir)
    _kill(killed)                                   # its lock file still names it
    result, seconds = _train(model_dir, "--set", "bottleneck.size=256")
    assert result.returncode == 1, result.stderr
    assert "bottleneck.size: 128 -> 256" in result.stderr
    assert result.loaded("tensorflow") == [] and "Traceback" not in result.stderr
    assert seconds < 30              # it took 12-18 s when TensorFlow came first
    assert (f"names phazer train pid {killed.pid} on host" in result.stdout
            and "is no longer running (killed?); taking the model dir over" in result.stdout)
    assert (model_dir / LOCK_FILE).read_text() == ""        # released again


def test_claim_holds_the_lock_until_released_and_tidies_a_new_folder(tmp_path):
    said: list[str] = []
    model_dir = tmp_path / "new" / "m"
    lock = claim(TINY_SPEC, [], None, model_dir, said.append)
    holder = read_holder(model_dir / LOCK_FILE)
    assert holder.pid == os.getpid() and json.loads((model_dir / LOCK_FILE).read_text())
    assert said == [] and lock.created
    lock.release(tidy=True)              # nothing was saved: the new folder goes again
    assert not model_dir.exists()


def test_a_reader_leaves_the_unfinished_save_of_a_running_trainer_alone(tmp_path, holder):
    model_dir = fake_model_dir(tmp_path / "m")
    staging = model_dir / ".saving"
    staging.mkdir()
    (staging / "state.json").write_text("half")
    other = holder(model_dir)
    ModelDir(model_dir).recover()               # e.g. phazer swap while training runs
    assert staging.is_dir()
    with pytest.raises(TrainInputError, match=f"pid {other.pid}"):
        claim(TINY_SPEC, [], None, model_dir, print)
    _kill(other)
    ModelDir(model_dir).recover()               # the trainer is gone: its save is discarded
    assert not staging.exists()


def test_the_lock_is_taken_over_in_process_after_its_holder_died(tmp_path, holder):
    model_dir = tmp_path / "m"
    killed = holder(model_dir)
    _kill(killed)
    with ModelDirLock(model_dir) as lock:
        assert lock.stale is not None and lock.stale.pid == killed.pid
        assert not lock.stale.alive()
        assert read_holder(model_dir / LOCK_FILE).pid == os.getpid()
    assert read_holder(model_dir / LOCK_FILE) is None
