"""A save killed at every point it can be killed: the model dir always recovers (no TensorFlow).

A forked child runs the save sequence of a training session (backup, journaled commit,
snapshot) with text files standing in for the weights, and SIGKILLs itself at its k-th step:
the start of a file's write, half-way through it, each flush, each rename. The test then
repairs each model dir as the next ``phazer train`` does and checks that it holds one complete
save no older than the last finished one, complete backups and snapshots, no temporaries, and
that saving goes on from there. The forking happens in a fresh process without TensorFlow
(:func:`kill_everywhere`): forking a process that has loaded it is ten times slower.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from phazer.train import journal
from phazer.train.modeldir import (
    BACKUP_DIR,
    CHECKPOINT_FILES,
    SNAPSHOT_DIR,
    STATE_FILE,
    ModelDir,
    TrainState,
)
from tests.helpers import REPO

SAVES = 4            # iterations 1..4, one save each; snapshots at even iterations


def _writers(iteration: int, step) -> dict:
    """The four checkpoint files of an iteration; each write may be cut half-way."""
    def writer(text: str):
        def write(path: Path) -> None:
            step()
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text[: len(text) // 2])
                handle.flush()
                step()
                handle.write(text[len(text) // 2:])
        return write

    texts = {name: f"{name} of iteration {iteration}\n" for name in CHECKPOINT_FILES}
    texts[STATE_FILE] = TrainState(iterations=iteration).to_json()
    return {name: writer(text) for name, text in texts.items()}


def _session(folder: Path, first: int, last: int, step, done=lambda i: None) -> None:
    model_dir = ModelDir(folder)
    for iteration in range(first, last + 1):
        model_dir.save(_writers(iteration, step), iteration=iteration, kept=iteration - 1,
                       backup=iteration > 1, snapshot=iteration % 2 == 0)
        done(iteration)


def _patched_steps(monkeypatch: pytest.MonkeyPatch, step) -> None:
    install, fsync, link = journal.install_file, journal._fsync_path, journal.link_writer

    def stepped(function):
        def run(*args):
            step()
            return function(*args)
        return run

    monkeypatch.setattr(journal, "install_file", stepped(install))
    monkeypatch.setattr(journal, "_fsync_path", stepped(fsync))
    monkeypatch.setattr(journal, "link_writer", lambda source: stepped(link(source)))


def _count_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    counter = [0]

    def step() -> None:
        counter[0] += 1

    _patched_steps(monkeypatch, step)
    _session(tmp_path / "dry", 1, SAVES, step)
    return counter[0]


def _killed_at(folder: Path, kill_at: int, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run the session in a child killed at its ``kill_at``-th step; the last finished save."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                   # the child: never returns
        try:
            os.close(read)
            counter = [0]

            def step() -> None:
                counter[0] += 1
                if counter[0] == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)

            with monkeypatch.context() as patch:
                _patched_steps(patch, step)
                _session(folder, 1, SAVES, step, lambda i: os.write(write, bytes([i])))
        finally:
            os._exit(0)
    os.close(write)
    finished = b""
    while chunk := os.read(read, 64):
        finished += chunk
    os.close(read)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    return finished[-1] if finished else 0


def _iteration_of_set(folder: Path) -> int:
    """The iteration all four files of a complete set in ``folder`` belong to."""
    state = TrainState.from_json((folder / STATE_FILE).read_text(encoding="utf-8"))
    for name in CHECKPOINT_FILES:
        if name != STATE_FILE:
            text = (folder / name).read_text(encoding="utf-8")
            assert text == f"{name} of iteration {state.iterations}\n", (folder, name)
    return state.iterations


def _temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name in (journal.STAGING, journal.COMMITTED)]


def _no_flush(path: Path) -> None:
    """A kill keeps the page cache (flushing to disk is for power loss), and flushing is slow."""


def kill_everywhere(root: Path) -> dict[int, int]:
    """Kill the save sequence at each of its steps, in ``root/m<k>``; the last save finished.

    Run in a process of its own (see the module's docstring).
    """
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(journal, "_fsync_path", _no_flush)
        with monkeypatch.context() as counting:
            steps = _count_steps(root, counting)
        return {kill_at: _killed_at(root / f"m{kill_at}", kill_at, monkeypatch)
                for kill_at in range(1, steps + 1)}


KILL_EVERYWHERE = ("import json, sys\nfrom pathlib import Path\n"
                   "from tests.test_train_kill_points import kill_everywhere\n"
                   "print(json.dumps(kill_everywhere(Path(sys.argv[1]))))\n")


def test_a_save_killed_at_any_step_leaves_a_model_dir_that_recovers(tmp_path, monkeypatch):
    monkeypatch.setattr(journal, "_fsync_path", _no_flush)
    run = subprocess.run([sys.executable, "-c", KILL_EVERYWHERE, str(tmp_path)], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    killed = {int(k): v for k, v in json.loads(run.stdout).items()}
    assert len(killed) > 100            # every write, flush and rename of four saves
    outcomes = set()
    for kill_at, finished in killed.items():
        folder = tmp_path / f"m{kill_at}"
        model_dir = ModelDir(folder)
        notes = model_dir.repair()                 # what the next phazer train does first
        assert not _temporaries(folder), (kill_at, notes)
        if not (folder / STATE_FILE).exists():     # killed before the first save finished
            assert finished == 0
            outcomes.add("nothing saved")
            continue
        saved = _iteration_of_set(folder)
        # at most the iterations since the last finished save are lost
        assert finished <= saved <= finished + 1, (kill_at, finished, saved)
        outcomes.add("rolled forward" if saved > finished else "kept the last save")
        backup = folder / BACKUP_DIR
        if backup.exists() and any(backup.iterdir()):     # none, or a complete older save
            assert _iteration_of_set(backup) <= saved
        snapshots = folder / SNAPSHOT_DIR
        made = sorted(int(p.name) for p in snapshots.iterdir()) if snapshots.exists() else []
        assert made == [i for i in range(2, saved + 1, 2)], (kill_at, notes)
        for iteration in made:
            assert _iteration_of_set(snapshots / f"{iteration:08d}") == iteration
        _session(folder, saved + 1, saved + 2, lambda: None)      # saving goes on
        assert _iteration_of_set(folder) == saved + 2 and not _temporaries(folder)
    assert outcomes == {"nothing saved", "rolled forward", "kept the last save"}
