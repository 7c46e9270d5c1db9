"""Kill a small ``phazer train`` with SIGKILL at random moments; print what survived as JSON.

Usage::

    python bench/reliability_training.py [--kills 5] [--seed 0] [--keep DIR]

One model dir (the ``demo`` preset, 64 px, on synthetic faces) is trained by the real CLI in
a subprocess, killed at a random moment after its first iteration, and trained again: each
run resumes the model the killed one left. Saves come every 3 iterations and snapshots every
6, so many kills land inside a save. After each kill the model dir is repaired (as the next
``phazer train`` does first) and checked: one complete, readable save no older than the last
one reported finished; complete backups and snapshots, none of them gone; no temporaries. A
last short run must resume where the last kill left the model. Prints one JSON object::

    {"kills": K, "survived": n, "files_lost": n, "max_iterations_lost": n,
     "max_iterations_allowed": 3, "seconds": s, ...}

``survived`` counts kills after which the model dir loaded and the next run resumed at the
saved iteration; ``files_lost`` counts checkpoint files (of the save, backup and snapshots)
missing or unreadable after a kill; ``max_iterations_lost`` is the most iterations done
before a kill and not in the model dir after it (at most those since the last save).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SAVE_INTERVAL = 3
SNAPSHOT_INTERVAL = 6
KILL_WINDOW = (0.2, 3.0)       # seconds after the first iteration of a run
# the real CLI, printing each finished iteration (flushed) so a kill's loss can be measured
WRAPPER = """
import sys
from phazer.train import progress
update = progress.Reporter.update
def traced(self, iteration, *args, **kwargs):
    print(f"step {iteration}", flush=True)
    return update(self, iteration, *args, **kwargs)
progress.Reporter.update = traced
from phazer.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def write_faces(root: Path, count: int = 8, seed: int = 5) -> Path:
    """Synthetic 64 px faces of one identity per side in ``root/a`` and ``root/b``."""
    from phazer.data.synthetic import make_identities, sample_poses, write_identity

    for index, (side, identity) in enumerate(zip("ab", make_identities(2, seed=seed),
                                                 strict=True)):
        write_identity(root / side, identity, sample_poses(count, seed=seed + 1 + index), 64)
    return root


def command(faces: Path, model_dir: Path, iterations: int, seed: int) -> list[str]:
    """The ``phazer train`` command line of one run (through the tracing wrapper)."""
    return [sys.executable, "-u", "-c", WRAPPER, "train", "demo", "--input-a",
            str(faces / "a"), "--input-b", str(faces / "b"), "--model-dir", str(model_dir),
            "--batch-size", "2", "--iterations", str(iterations), "--seed", str(seed),
            "--set", "training.xla=off", "--set", "training.preview_images=2",
            "--set", f"training.save_interval={SAVE_INTERVAL}",
            "--set", f"training.snapshot_interval={SNAPSHOT_INTERVAL}"]


def run_once(argv: list[str], kill_after: float | None, signal_number: int = signal.SIGKILL,
             during: Callable[[], None] | None = None) -> tuple[int, list[str]]:
    """Run a command; signal it ``kill_after`` s after its first iteration (None: never).

    Args:
        argv: the command.
        kill_after: seconds between its first finished iteration and the signal.
        signal_number: SIGKILL, or SIGINT for a Ctrl-C.
        during: called once the first iteration is done, before the wait (a second trainer).

    Returns:
        The exit code and the lines of its output (stdout and stderr).
    """
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    lines: list[str] = []
    first_step = threading.Event()

    def read() -> None:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("step "):
                first_step.set()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if kill_after is not None:
        while not first_step.wait(0.1):
            if process.poll() is not None:
                break
        if during is not None:
            during()
        time.sleep(kill_after)
        process.send_signal(signal_number)
    code = process.wait(timeout=900)
    reader.join(timeout=60)
    return code, lines


def last_number(lines: list[str], pattern: str) -> int:
    """The number in the last line matching ``pattern`` (one group), or 0."""
    found = [int(m.group(1)) for line in lines if (m := re.match(pattern, line))]
    return found[-1] if found else 0


def check(killed: Path, snapshots_before: set[str]) -> dict[str, Any]:
    """Repair a copy of a killed model dir as a resume does, then check every save in it.

    The copy (``cp -a`` keeps the hard links between the save, backup and snapshots) is
    checked; the model dir itself is left for the next ``phazer train`` to repair.
    """
    import h5py
    import numpy as np

    from phazer.spec import load_spec
    from phazer.train.modeldir import CHECKPOINT_FILES, ModelDir, TrainState

    model_dir = killed.parent / "checked"
    shutil.rmtree(model_dir, ignore_errors=True)
    subprocess.run(["cp", "-a", str(killed), str(model_dir)], check=True)
    inside = [str(p.relative_to(model_dir)) for p in model_dir.rglob("*")
              if p.name in (".saving", ".commit") or p.name.endswith(".tmp")]
    notes = ModelDir(model_dir).repair()
    lost = 0
    iterations = {}

    def readable(folder: Path) -> int:
        bad = 0
        for name in CHECKPOINT_FILES:
            path = folder / name
            try:
                if name == "state.json":
                    iterations[folder] = TrainState.from_json(path.read_text()).iterations
                elif name == "spec.yaml":
                    load_spec(str(path))
                elif name.endswith(".h5"):
                    with h5py.File(path, "r") as handle:
                        bad += not list(handle.keys())
                else:
                    with np.load(path) as data:
                        bad += not data.files
            except Exception:     # any failure to read is a lost file
                bad += 1
        return bad

    lost += readable(model_dir)
    backup = model_dir / "backup"
    if backup.is_dir() and any(backup.iterdir()):
        lost += readable(backup)
    snapshots = {p.name for p in (model_dir / "snapshots").glob("*")}
    lost += len(snapshots_before - snapshots) * len(CHECKPOINT_FILES)
    for name in snapshots:
        lost += readable(model_dir / "snapshots" / name)
    left = [str(p.relative_to(model_dir)) for p in model_dir.rglob("*")
            if p.name in (".saving", ".commit") or p.name.endswith(".tmp")]
    return {"iterations": iterations.get(model_dir, 0), "files_lost": lost,
            "snapshots": snapshots, "inside_save": bool(inside), "temporaries_left": left,
            "notes": notes}


def measure(kills: int, seed: int, workdir: Path) -> dict[str, Any]:
    """Kill ``kills`` runs in one model dir under ``workdir``; the figures as a dict."""
    started = time.perf_counter()
    rng = random.Random(seed)
    faces = write_faces(workdir / "faces")
    model_dir = workdir / "model"
    survived = files_lost = worst = inside = lost_saves = 0
    temporaries: list[str] = []
    snapshots: set[str] = set()
    resumed_at: int | None = None
    outputs: list[list[str]] = []
    for _ in range(kills):
        code, lines = run_once(command(faces, model_dir, 100000, seed),
                               rng.uniform(*KILL_WINDOW))
        outputs.append(lines)
        if resumed_at is not None:    # the previous kill's model dir, resumed by this run
            survived += last_number(lines, r"resuming .* at iteration (\d+)") == resumed_at
        reached = last_number(lines, r"step (\d+)")
        saved = last_number(lines, r"iteration (\d+): saved")
        result = check(model_dir, snapshots)
        snapshots = result["snapshots"]
        files_lost += result["files_lost"]
        inside += result["inside_save"]
        temporaries += result["temporaries_left"]
        lost_saves += result["iterations"] < saved
        worst = max(worst, reached - result["iterations"])
        resumed_at = result["iterations"]
    code, lines = run_once(command(faces, model_dir, 2, seed), None)
    outputs.append(lines)
    if resumed_at is not None and code == 0:
        survived += last_number(lines, r"resuming .* at iteration (\d+)") == resumed_at
    return {"kills": kills, "survived": survived, "files_lost": files_lost,
            "max_iterations_lost": worst, "max_iterations_allowed": SAVE_INTERVAL,
            "seconds": round(time.perf_counter() - started, 1),
            "kills_inside_a_save": inside, "saves_lost": lost_saves,
            "temporaries_left": len(temporaries), "final_run_exit_code": code,
            "output_tail": outputs[-1][-3:]}


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=5, help="random SIGKILLs (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill times")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="phazer-kills-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        figures = measure(args.kills, args.seed, workdir)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
