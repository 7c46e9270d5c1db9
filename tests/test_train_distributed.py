"""tf.distribute on this CPU: mirrored over 2 logical devices trains as one device does, two
local workers train one model under multi_worker, and only the chief writes the model dir.

Each test runs TensorFlow in child processes: logical devices must be made before TensorFlow
sets up its devices, and MultiWorkerMirroredStrategy needs a process per worker.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.helpers import REPO
from tests.helpers import TINY_SPEC as TINY

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

PLAIN = ["training.xla=off", "training.augmentation.warp=false",
         "training.augmentation.rotation_range=0", "training.augmentation.zoom_amount=0",
         "training.augmentation.shift_range=0", "training.augmentation.flip_chance=0",
         "training.augmentation.color_lightness=0", "training.augmentation.color_ab=0",
         "training.augmentation.color_clahe_chance=0"]
# SGD with element-wise clipping and accumulation: gradients summed twice (an update twice too
# large where not clipped), each replica's share clipped before the sum, or Keras' own
# accumulation path would each train another model (measured: 39% to 73% of the way the
# weights moved, against 0.5% for float sums in another order)
CONFIGS = {
    "sgd": ["training.optimizer={type: sgd, learning_rate: 0.5}"],
    "sgd_clip_accumulate": ["training.optimizer={type: sgd, learning_rate: 0.5, clipping: "
                            "value, clipping_value: 0.002, gradient_accumulation: 2}"],
    "accumulate": ["training.optimizer={type: adam, learning_rate: 0.001, clipping: "
                   "global_norm, clipping_value: 0.05, gradient_accumulation: 2}"],
    "autoclip": ["training.optimizer={type: adam, learning_rate: 0.001, clipping: autoclip}"],
    "mixed": ["training.mixed_precision=true",      # loss scaling, with the rest
              "training.optimizer={type: sgd, learning_rate: 0.5, clipping: global_norm, "
              "clipping_value: 0.5, gradient_accumulation: 2}"],
}

# Trains 10 iterations of each config mirrored over two logical CPU devices (the first
# session makes them, as phazer train --devices 2 does) and on one device (same global batch
# 4, same seed); prints the losses of every step and how far apart the final weights are,
# relative to how far training moved them.
EQUALITY_SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import numpy as np
    from rich.console import Console
    from phazer.train.session import TrainOptions, prepare

    faces, out, spec = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    plain, configs = json.loads(sys.argv[4]), json.loads(sys.argv[5])
    report = {}
    for name, extra in configs.items():
        runs = {}
        for strategy in ("mirrored", None):
            options = TrainOptions(spec=spec, input_a=faces / "a", input_b=faces / "b",
                                   model_dir=out / f"{name}-{strategy}", batch_size=4, seed=0,
                                   preview=False, show_bar=False, overrides=[*plain, *extra],
                                   strategy=strategy, devices=2 if strategy else None)
            prepared = prepare(options, Console(quiet=True))
            trainer = prepared.trainer
            start = [w.numpy() for w in trainer.model.weights]
            batches = iter(prepared.dataset)
            losses = [trainer.train_step(*next(batches)) for _ in range(10)]
            runs[strategy] = (losses, start, [w.numpy() for w in trainer.model.weights],
                              trainer.step.strategy is not None)
        (one, start, w1, d1), (two, start2, w2, d2) = runs[None], runs["mirrored"]
        norm = lambda pairs: float(np.sqrt(sum(((a - b) ** 2).sum() for a, b in pairs)))
        report[name] = {
            "distributed": [d1, d2], "losses": [one, two],
            "same_start": all(np.array_equal(a, b) for a, b in zip(start, start2)),
            "max_weight_difference": max(float(np.abs(a - b).max()) for a, b in zip(w1, w2)),
            "relative": norm(zip(w1, w2)) / norm(zip(w1, start))}
    print("REPORT " + json.dumps(report))
""")


def _equality(faces: Path, tmp_path: Path, names: list[str]) -> dict:
    configs = {name: CONFIGS[name] for name in names}
    result = subprocess.run([sys.executable, "-c", EQUALITY_SCRIPT, str(faces), str(tmp_path),
                             TINY, json.dumps(PLAIN), json.dumps(configs)], cwd=REPO,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    line = [x for x in result.stdout.splitlines() if x.startswith("REPORT ")][-1]
    return json.loads(line.removeprefix("REPORT "))


def _assert_same_training(report: dict, loss_tolerance: float) -> None:
    for name, run in report.items():
        assert run["distributed"] == [False, True], name
        assert run["same_start"], name
        one, two = run["losses"]
        assert len(one) == len(two) == 10
        for step, (first, second) in enumerate(zip(one, two, strict=True)):
            for term, value in first.items():
                assert second[term] == pytest.approx(value, abs=loss_tolerance), \
                    (name, step, term)
        assert one[-1] != one[0]                          # it trained
        # float sums in another order drift a little over 10 steps (0.3% to 1.7% of the way
        # training moved the weights); a wrong reduction or clipping, 6% to 130%
        assert run["relative"] < 0.03, (name, run["relative"])
        assert run["max_weight_difference"] < 3e-3, name


def test_mirrored_on_two_devices_trains_the_model_one_device_trains(faces, tmp_path):
    _assert_same_training(_equality(faces, tmp_path, ["sgd_clip_accumulate"]), 3e-5)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("PHAZER_SLOW_DISTRIBUTED"),
                    reason="about 2 minutes: set PHAZER_SLOW_DISTRIBUTED=1 (the equality of "
                           "one and two devices is tested with SGD, clipping and accumulation "
                           "in every run)")
def test_mirrored_adam_autoclip_and_mixed_precision_train_as_on_one_device(faces, tmp_path):
    report = _equality(faces, tmp_path, ["sgd", "accumulate", "autoclip", "mixed"])
    _assert_same_training({name: report[name] for name in ("sgd", "accumulate", "autoclip")},
                          3e-5)
    _assert_same_training({"mixed": report["mixed"]}, 2e-4)        # float16 compute


def test_a_worker_that_is_not_the_chief_writes_nothing(faces, tmp_path):
    from rich.console import Console

    from phazer.train.session import TrainOptions, prepare

    model_dir = tmp_path / "m"
    options = TrainOptions(spec=TINY, input_a=faces / "a", input_b=faces / "b",
                           model_dir=model_dir, batch_size=4, seed=0, show_bar=False,
                           overrides=PLAIN)
    prepared = prepare(options, Console(file=io.StringIO()))
    trainer = prepared.trainer
    before = sorted(p.relative_to(model_dir) for p in model_dir.rglob("*"))
    trainer.chief = False
    trainer.train_step(*next(iter(prepared.dataset)))
    trainer.save()
    assert sorted(p.relative_to(model_dir) for p in model_dir.rglob("*")) == before
    assert trainer.saved_iteration == 1 and trainer.state.iterations == 1
    trainer.chief = True
    trainer.save()
    assert (model_dir / "model.weights.h5").is_file()


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("localhost", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _start_workers(faces: Path, model_dirs: list[Path], *extra: str) -> list[subprocess.Popen]:
    ports = _free_ports(len(model_dirs))
    cluster = {"worker": [f"localhost:{port}" for port in ports]}
    processes = []
    for index, model_dir in enumerate(model_dirs):
        env = {**os.environ, "TF_CONFIG": json.dumps(
            {"cluster": cluster, "task": {"type": "worker", "index": index}})}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "phazer", "train", TINY, "--input-a", str(faces / "a"),
             "--input-b", str(faces / "b"), "--model-dir", str(model_dir), "--strategy",
             "multi_worker", "--batch-size", "4", "--no-preview", "--seed", "0", *extra,
             *[f"--set={item}" for item in PLAIN]],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return processes


def _finish(processes: list[subprocess.Popen], before: str = ""
            ) -> list[subprocess.CompletedProcess]:
    results = []
    for number, process in enumerate(processes):
        try:
            out, err = process.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            for other in processes:
                other.kill()
            raise
        out = (before if number == len(processes) - 1 else "") + out
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


def _workers(faces: Path, model_dirs: list[Path], *extra: str
             ) -> list[subprocess.CompletedProcess]:
    return _finish(_start_workers(faces, model_dirs, *extra))


@pytest.mark.slow
def test_two_local_workers_train_one_model_that_resumes_on_one_device(faces, tmp_path):
    model_dir, elsewhere = tmp_path / "m", tmp_path / "worker1"
    # as on two machines without a shared folder: worker 1 is given its own path
    chief, worker = _workers(faces, [model_dir, elsewhere], "--iterations", "3")
    for result in (chief, worker):
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "2 replicas, multi_worker: 2 workers x 1 device, 2 per replica" in chief.stdout
    assert "worker 1 of 2 workers: only the chief writes" in worker.stdout
    assert not elsewhere.exists()                        # no lock, no logs, nothing
    state = json.loads((model_dir / "state.json").read_text())
    assert state["iterations"] == 3
    assert state["sessions"][0]["strategy"] == "multi_worker"
    assert state["sessions"][0]["replicas"] == 2
    assert [p.name for p in (model_dir / "logs").iterdir()] == ["session_001"]

    # both workers on the same model dir (a shared folder): no lock stands in the way
    again = _workers(faces, [model_dir, model_dir], "--iterations", "2")
    for result in again:
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        assert "resuming" in result.stdout
    assert json.loads((model_dir / "state.json").read_text())["iterations"] == 5

    # Ctrl-C on worker 1 alone: both save-and-stop at the same iteration, none waits forever
    processes = _start_workers(faces, [model_dir, model_dir])
    seen = ""
    for line in processes[1].stdout:
        seen += line
        if line.startswith("data:"):
            break
    time.sleep(5)          # past the few lines that follow it, into the loop (no --iterations)
    processes[1].send_signal(signal.SIGINT)
    for result in _finish(processes, before=seen):
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        assert "stopped by Ctrl-C" in result.stdout
    stopped = json.loads((model_dir / "state.json").read_text())["iterations"]
    assert stopped > 5

    one = subprocess.run(
        [sys.executable, "-m", "phazer", "train", TINY, "--input-a", str(faces / "a"),
         "--input-b", str(faces / "b"), "--model-dir", str(model_dir), "--batch-size", "4",
         "--iterations", "1", "--no-preview", *[f"--set={item}" for item in PLAIN]],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert one.returncode == 0, one.stderr[-3000:]
    assert "resuming" in one.stdout and f"saved at iteration {stopped + 1}" in one.stdout
    sessions = json.loads((model_dir / "state.json").read_text())["sessions"]
    assert [s["strategy"] for s in sessions] == ["multi_worker"] * 3 + ["default"]
