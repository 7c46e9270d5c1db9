"""Training on synthetic faces with the tiny spec: loss, saves, resume, NaN, Ctrl-C, freeze."""

from __future__ import annotations

import io
import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.keras

tf = pytest.importorskip("tensorflow")

from rich.console import Console  # noqa: E402

from phazer.train.build import find_submodel  # noqa: E402
from phazer.train.checkpoint import read_optimizer_arrays  # noqa: E402
from phazer.train.modeldir import ModelDir  # noqa: E402
from phazer.train.session import TrainInputError, TrainOptions, prepare, train  # noqa: E402
from phazer.train.stopping import StopRequest  # noqa: E402
from tests.helpers import TINY_SPEC as TINY  # noqa: E402

FAST = ["training.xla=off", "training.preview_images=2"]


FACES = (12, 3)   # per side, seed: the ``faces`` fixture (tests/conftest.py)


def options(faces: Path, model_dir: Path, *overrides: str, **kwargs) -> TrainOptions:
    kwargs.setdefault("batch_size", 4)
    kwargs.setdefault("seed", 0)
    kwargs.setdefault("show_bar", False)
    return TrainOptions(spec=TINY, input_a=faces / "a", input_b=faces / "b",
                        model_dir=model_dir, overrides=[*FAST, *overrides], **kwargs)


def quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def batches(prepared, count: int) -> list:
    iterator = iter(prepared.dataset)
    return [next(iterator) for _ in range(count)]


def weights_of(model) -> list[np.ndarray]:
    return [np.array(w) for w in model.weights]


def test_a_short_training_lowers_the_loss(faces, tmp_path):
    prepared = prepare(options(faces, tmp_path / "m", "training.optimizer.learning_rate=0.001",
                               preview=False), quiet())
    fixed = batches(prepared, 1)[0]
    trainer = prepared.trainer
    first = sum(trainer.train_step(*fixed).values())
    for inputs, targets in batches(prepared, 50):
        trainer.train_step(inputs, targets)
    last = sum(trainer.train_step(*fixed).values())
    assert last < 0.8 * first


def _optimizer_state(trainer) -> dict[str, np.ndarray]:
    from phazer.train.checkpoint import optimizer_arrays

    return optimizer_arrays(trainer.optimizer, trainer.model)


def test_session_saves_everything_and_resume_continues_exactly(faces, tmp_path):
    model_dir = tmp_path / "m"
    prepared = prepare(options(faces, model_dir), quiet())
    data = batches(prepared, 5)
    trainer = prepared.trainer
    for inputs, targets in data[:3]:
        trainer.train_step(inputs, targets)
    trainer.save()
    saved_weights = weights_of(trainer.model)
    saved_optimizer = _optimizer_state(trainer)
    uninterrupted = [trainer.train_step(*batch) for batch in data[3:]]
    after_uninterrupted = weights_of(trainer.model)

    for name in ("spec.yaml", "state.json", "model.weights.h5", "optimizer.npz",
                 "preview.png"):
        assert (model_dir / name).is_file(), name
    state = json.loads((model_dir / "state.json").read_text())
    assert state["iterations"] == 3 and state["batch_size"] == 4
    assert "face_out_a" in state["loss_history"][-1]
    assert not (model_dir / ".saving").exists() and not (model_dir / ".commit").exists()

    resumed = prepare(options(faces, model_dir), quiet())
    assert resumed.resumed and resumed.trainer.state.iterations == 3
    for before, after in zip(saved_weights, weights_of(resumed.trainer.model), strict=True):
        np.testing.assert_array_equal(before, after)
    restored = _optimizer_state(resumed.trainer)
    assert sorted(restored) == sorted(saved_optimizer)
    assert len(restored) == len(resumed.trainer.optimizer.variables)   # one key each
    assert int(resumed.trainer.optimizer.iterations.numpy()) == 3
    for key, value in saved_optimizer.items():
        np.testing.assert_array_equal(restored[key], value, err_msg=key)

    continued = [resumed.trainer.train_step(*batch) for batch in data[3:]]
    assert resumed.trainer.state.iterations == 5
    for first, second in zip(uninterrupted, continued, strict=True):
        for name, value in first.items():
            assert second[name] == pytest.approx(value, rel=1e-4, abs=1e-7), name
    # Adam moves every weight by about the learning rate; a fresh optimizer state would move
    # them differently, while the restored one repeats the uninterrupted steps
    # (threaded float sums may differ in the last bits, so compare the mean difference)
    learning_rate = resumed.spec.training.optimizer.learning_rate
    differences = [np.abs(a - b).mean() for a, b in
                   zip(after_uninterrupted, weights_of(resumed.trainer.model), strict=True)]
    assert max(differences) < 0.05 * learning_rate


def test_resume_accepts_training_changes_and_refuses_model_changes(faces, tmp_path):
    model_dir = tmp_path / "m"
    train(options(faces, model_dir, iterations=2, preview=False), quiet())
    changed = options(faces, model_dir, "training.optimizer.learning_rate=0.0001",
                      "training.losses=[{function: mae}, {function: gmsd}]", iterations=1,
                      batch_size=2, preview=False)
    result = train(changed, quiet())
    assert result.iterations == 3
    state = ModelDir(model_dir).read_state()
    assert [s["batch_size"] for s in state.sessions] == [4, 2]
    assert "gmsd" in (model_dir / "spec.yaml").read_text()

    with pytest.raises(TrainInputError) as caught:
        prepare(options(faces, model_dir, "bottleneck.size=256"), quiet())
    assert "bottleneck.size: 128 -> 256" in caught.value.details
    with pytest.raises(TrainInputError) as caught:
        prepare(options(faces, model_dir, "training.optimizer.type=sgd"), quiet())
    assert any(line.startswith("training.optimizer.type") for line in caught.value.details)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_nan_loss_stops_at_once_naming_the_loss_and_writes_nothing(faces, tmp_path):
    model_dir = tmp_path / "m"
    prepared = prepare(options(faces, model_dir, preview=False), quiet())
    inputs, targets = batches(prepared, 1)[0]
    prepared.trainer.train_step(inputs, targets)
    prepared.trainer.save()
    before = _snapshot(model_dir)
    poisoned = dict(inputs)
    poisoned["face_in_b"] = inputs["face_in_b"] * np.nan
    stream = iter([(inputs, targets), (poisoned, targets)] + [(inputs, targets)] * 5)
    result = prepared.trainer.run(stream, iterations=5)
    assert result.stop == "nan" and result.saved_iteration == 1
    assert result.error.iteration == 3
    assert set(result.error.terms) == {"face_out_b/ssim", "face_out_b/mse"}
    assert _snapshot(model_dir) == before


def test_ctrl_c_finishes_the_iteration_saves_and_stops(faces, tmp_path):
    model_dir = tmp_path / "m"
    prepared = prepare(options(faces, model_dir, preview=False), quiet())
    data = batches(prepared, 2)

    def stream():
        yield data[0]
        os.kill(os.getpid(), signal.SIGINT)     # the handler only sets a flag
        yield data[1]
        yield from data

    stop = StopRequest()
    before = signal.getsignal(signal.SIGINT)   # ignored when pytest runs as a background job
    with stop.on_sigint():
        assert signal.getsignal(signal.SIGINT) is not before
        result = prepared.trainer.run(stream(), iterations=None, stop=stop)
    assert result.stop == "interrupted" and result.iterations == 2
    assert ModelDir(model_dir).read_state().iterations == 2
    assert signal.getsignal(signal.SIGINT) is before


def test_backup_snapshot_logs_and_preview(faces, tmp_path):
    model_dir = tmp_path / "m"
    prepared = prepare(options(faces, model_dir, "training.save_interval=2",
                               "training.snapshot_interval=4",
                               "training.optimizer.learning_rate=0.001"), quiet())
    prepared.trainer.run(iter(prepared.dataset), iterations=8)
    state = ModelDir(model_dir).read_state()
    assert [h["iteration"] for h in state.loss_history] == [2, 4, 6, 8]
    assert sorted(p.name for p in (model_dir / "snapshots").iterdir()) == ["00000004",
                                                                           "00000008"]
    assert json.loads((model_dir / "snapshots" / "00000004" / "state.json").read_text())[
        "iterations"] == 4
    backup = json.loads((model_dir / "backup" / "state.json").read_text())
    assert backup["iterations"] in (2, 4, 6)
    assert list((model_dir / "logs" / "session_001").glob("events.out.tfevents.*"))
    from PIL import Image

    with Image.open(model_dir / "preview.png") as image:
        assert image.size == (6 * 64 + 8, 14 + 2 * 64)


def test_freeze_and_load_weights_by_sub_model(faces, tmp_path):
    source = tmp_path / "source"
    train(options(faces, source, iterations=1, preview=False), quiet())
    arrays = read_optimizer_arrays(source / "optimizer.npz")
    assert any("encoder" in key for key in arrays)

    prepared = prepare(options(faces, tmp_path / "target", preview=False,
                               load_weights=source, freeze_weights=True), quiet())
    model = prepared.trainer.model
    from phazer.train.swap import load_trained

    trained, _ = load_trained(source)
    for mine, theirs in zip(find_submodel(model, "encoder").weights,
                            find_submodel(trained, "encoder").weights, strict=True):
        np.testing.assert_array_equal(np.array(mine), np.array(theirs))
    assert not find_submodel(model, "encoder").trainable_weights
    assert model.trainable_variables
    encoder_before = weights_of(find_submodel(model, "encoder"))
    decoder_before = weights_of(find_submodel(model, "decoder_a"))
    prepared.trainer.run(iter(prepared.dataset), iterations=2)
    for before, after in zip(encoder_before, weights_of(find_submodel(model, "encoder")),
                             strict=True):
        np.testing.assert_array_equal(before, after)
    assert any(not np.array_equal(b, a) for b, a in
               zip(decoder_before, weights_of(find_submodel(model, "decoder_a")), strict=True))

    # a later session without --freeze-weights trains the encoder with fresh optimizer slots
    console = quiet()
    resumed = prepare(options(faces, tmp_path / "target", preview=False), console)
    assert find_submodel(resumed.trainer.model, "encoder").trainable_weights
    assert "optimizer variables start fresh" in console.file.getvalue()
    resumed.trainer.run(iter(resumed.dataset), iterations=1)


def test_data_errors_come_before_any_model(faces, tmp_path):
    with pytest.raises(TrainInputError, match=r"side B: face folder .* does not exist"):
        prepare(TrainOptions(spec=TINY, input_a=faces / "a", input_b=tmp_path / "missing",
                             model_dir=tmp_path / "m"), quiet())
    assert not (tmp_path / "m").exists()
    with pytest.raises(TrainInputError, match="not valid"):
        prepare(TrainOptions(spec=TINY, input_a=faces / "a", input_b=faces / "b",
                             model_dir=tmp_path / "m", overrides=["fc.depth=-1"]), quiet())
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(TrainInputError, match="not empty"):
        prepare(options(faces, busy), quiet())


class _StubStep:
    strategy = None
    fixed_xla = None

    def function(self, jit_compile=False):
        return "xla" if jit_compile else "plain"


def test_xla_auto_measures_both_ways_then_keeps_the_faster():
    from phazer.train.step import XlaChooser

    chooser = XlaChooser(_StubStep(), "auto", None, "cpu-x")
    seconds = {"plain": 1.0, "xla": 0.4}
    seen = []
    while not chooser.settled:
        function, trial = chooser.next_function()
        assert trial
        seen.append(function)
        chooser.record(seconds[function])
    assert seen == ["plain"] * 4 + ["xla"] * 4       # one compile + three timed each
    assert chooser.decision["xla"] is True
    assert chooser.decision["seconds_per_step"] == {"off": 1.0, "on": 0.4}
    assert chooser.next_function() == ("xla", False)
    assert XlaChooser(_StubStep(), "auto", chooser.decision, "cpu-x").settled
    assert not XlaChooser(_StubStep(), "auto", chooser.decision, "gpu-y").settled
    assert XlaChooser(_StubStep(), "off", None, "cpu-x").next_function() == ("plain", False)
    slower = XlaChooser(_StubStep(), "auto", None, "cpu-x")
    for _ in range(8):
        function, _ = slower.next_function()
        slower.record(5.8 if function == "xla" else 1.0)
    assert slower.decision["xla"] is False
    # a backend whose step has one way (torch: eager, jax: always XLA) is settled at once
    fixed = _StubStep()
    fixed.fixed_xla = (True, "the jax backend compiles every step with XLA")
    chooser = XlaChooser(fixed, "off", None, "cpu-x")
    assert chooser.settled and chooser.next_function() == ("xla", False)
    assert chooser.decision["reason"] == "the jax backend compiles every step with XLA"
