"""Training faults through ``phazer train``: a full disk, a NaN loss, and resume exactness."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.keras

tf = pytest.importorskip("tensorflow")

from phazer.cli.main import main  # noqa: E402
from phazer.train import loop, session  # noqa: E402
from phazer.train.modeldir import ModelDir  # noqa: E402
from phazer.train.session import TrainOptions, prepare, train  # noqa: E402
from tests.helpers import TINY_SPEC as TINY  # noqa: E402
from tests.test_train import quiet  # noqa: E402

FAST = ["--set", "training.xla=off", "--no-preview", "--batch-size", "2", "--seed", "0"]


def _cli(faces: Path, model_dir: Path, *args: str) -> list[str]:
    return ["train", TINY, "--input-a", str(faces / "a"), "--input-b", str(faces / "b"),
            "--model-dir", str(model_dir), *FAST, *args]


def _weights(model_dir: Path) -> list[np.ndarray]:
    from phazer.train.swap import load_trained

    model, _ = load_trained(model_dir)
    return [np.array(w) for w in model.weights]


def _saved_files(model_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in model_dir.iterdir() if p.is_file()
            and p.name != ".lock"}


def test_a_disk_that_fills_during_a_save_keeps_the_previous_one(faces, tmp_path, capsys,
                                                                monkeypatch):
    model_dir = tmp_path / "m"
    original = loop.weights_writer
    calls = []

    def filling(model):
        write = original(model)

        def run(path: Path) -> None:
            calls.append(path)
            if len(calls) < 2:
                return write(path)
            path.write_bytes(b"half of the weights")
            raise OSError(errno.ENOSPC, "No space left on device")
        return run

    monkeypatch.setattr(loop, "weights_writer", filling)
    before = {}
    original_save = ModelDir.save

    def remember(self, *args, **kwargs):       # the model dir just before the failing save
        if len(calls) == 1:
            before.update(_saved_files(self.path))
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(ModelDir, "save", remember)
    code = main(_cli(faces, model_dir, "--iterations", "6", "--set",
                     "training.save_interval=2"))
    err = capsys.readouterr().err
    assert code == 1
    assert (f"phazer train: error: could not save iteration 4: cannot write model.weights.h5 "
            f"in {model_dir}: No space left on device") in " ".join(err.split())
    assert f"{model_dir} keeps its complete save of iteration 2" in err
    assert "Traceback" not in err and "internal error" not in err
    assert _saved_files(model_dir) == before            # the save of iteration 2, intact
    assert not (model_dir / ".saving").exists() and not (model_dir / ".commit").exists()
    assert ModelDir(model_dir).read_state().iterations == 2
    assert all(np.isfinite(w).all() for w in _weights(model_dir))


def test_a_nan_loss_stops_without_saving_and_says_at_which_iteration(faces, tmp_path, capsys,
                                                                     monkeypatch):
    model_dir = tmp_path / "m"
    make = session.make_dataset

    def poisoned(*args, **kwargs):      # the 5th batch's B faces are NaN
        def poison(index, batch):
            inputs, targets = batch
            bad = {k: tf.where(index == 4, v * np.nan, v) if k == "face_in_b" else v
                   for k, v in inputs.items()}
            return bad, targets
        return make(*args, **kwargs).enumerate().map(poison)

    monkeypatch.setattr(session, "make_dataset", poisoned)
    code = main(_cli(faces, model_dir, "--iterations", "8", "--set",
                     "training.save_interval=2"))
    err = " ".join(capsys.readouterr().err.split())
    assert code == 1
    assert "the loss became NaN or infinite at iteration 5: face_out_b/" in err
    assert f"training stopped without saving: {model_dir} keeps its save of iteration 4" in err
    assert "Traceback" not in err
    state = ModelDir(model_dir).read_state()
    assert state.iterations == 4 and len(state.sessions) == 1
    assert all(np.isfinite(w).all() for w in _weights(model_dir))


def _options(faces: Path, model_dir: Path, iterations: int) -> TrainOptions:
    return TrainOptions(spec=TINY, input_a=faces / "a", input_b=faces / "b",
                        model_dir=model_dir, iterations=iterations, batch_size=2, seed=3,
                        preview=False, show_bar=False,
                        overrides=["training.xla=off", "training.save_interval=3"])


def test_n_iterations_equal_half_a_resume_and_half(faces, tmp_path):
    # 8 faces a side in batches of 2: the 6 iterations cross an epoch of the data order
    straight, halves = tmp_path / "straight", tmp_path / "halves"
    train(_options(faces, straight, 6), quiet())
    train(_options(faces, halves, 3), quiet())
    resumed = prepare(_options(faces, halves, 3), quiet())
    assert resumed.resumed and resumed.trainer.state.stream_batches == 3
    resumed.trainer.run(iter(resumed.dataset), 3)
    one, two = (ModelDir(folder).read_state() for folder in (straight, halves))
    assert [h["iteration"] for h in two.loss_history] == [3, 6]
    for first, second in zip(one.loss_history, two.loss_history, strict=True):
        for name, value in first.items():
            assert second[name] == pytest.approx(value, rel=1e-4, abs=2e-6), (first, name)
    learning_rate = resumed.spec.training.optimizer.learning_rate
    for a, b in zip(_weights(straight), _weights(halves), strict=True):
        # threaded float sums may differ in the last bits: a restarted data order or a
        # fresh optimizer would move weights by about the learning rate
        assert np.abs(a - b).max() < 0.02 * learning_rate
    assert json.loads((halves / "state.json").read_text())["seed"] == 3
