"""The learning rate finder against faceswap's (``optimizers.json``'s ``lr_finder.runs``).

faceswap's ``Optimizer.find_learning_rate`` was run on a stand-in trainer whose loss is a
known function of the rate each batch trains at plus seeded noise (OPTIMIZERS.md, "Learning
Rate Finder"); the same losses, rebuilt here from that recipe (and checked against the stored
100-iteration run), drive phazer's sweep: the rates, the smoothed losses, where it stops and
the rate each strength picks are faceswap's. Then phazer's finder runs for real: in
``phazer train`` on a tiny model (``lr_finder.png``, ``state.json``, graph_and_exit, resume).
"""

from __future__ import annotations

import io
import json
import math
from functools import cache
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from phazer.train.lr_sweep import (
    STRENGTH_DIVISORS,
    LearningRateSweep,
    session_learning_rate,
)
from tests.faceswap_oracle import require_oracle

NOISE_SEED = 20261212   # OPTIMIZERS.md: numpy default_rng, 100 draws then 1000


@cache
def runs() -> list[dict[str, Any]]:
    data = json.loads((require_oracle() / "optimizers.json").read_text(encoding="utf-8"))
    return data["lr_finder"]["runs"]


def run_of(iterations: int, strength: str = "default", accumulation: int = 1) -> dict[str, Any]:
    return next(r for r in runs() if r["iterations"] == iterations
                and r["strength"] == strength
                and r["config_overrides"].get("gradient_accumulation", 1) == accumulation)


def clean_loss(rate: float) -> float:
    """The stand-in trainer's loss at a rate, without its noise."""
    x = math.log10(rate)
    return 0.30 - 0.15 / (1 + math.exp(-2.5 * (x + 5))) + 0.4 * math.exp(2 * (x + 2.5))


@cache
def noise() -> dict[int, np.ndarray]:
    rng = np.random.default_rng(NOISE_SEED)
    return {100: rng.normal(0, 0.01, 100), 1000: rng.normal(0, 0.01, 1000)}


def faceswap_loss(iterations: int, index: int, rate: float) -> float:
    """faceswap's total of batch ``index``: two float32 sides of half the loss each."""
    half = np.float32((clean_loss(rate) + noise()[iterations][index]) / 2)
    return float(half) + float(half)


def test_the_loss_recipe_is_the_recorded_one():
    recorded = run_of(100)
    for index, (rate, total) in enumerate(zip(recorded["lr_used_per_batch"],
                                              recorded["loss_total_per_iteration"],
                                              strict=True)):
        assert faceswap_loss(100, index, rate) == total


@pytest.mark.parametrize("iterations", [100, 1000])
def test_the_sweep_is_faceswaps(iterations):
    """Rates (a float64 running product), smoothing, the divergence stop, the best."""
    recorded = run_of(iterations)
    sweep = LearningRateSweep(iterations)
    assert sweep.gamma == recorded["gamma"]
    used = []
    while not sweep.done:
        used.append(sweep.rate)
        sweep.record(faceswap_loss(iterations, len(used) - 1, sweep.rate))
    assert len(sweep.rates) == recorded["iterations_run"]
    assert (len(sweep.rates) < iterations) == recorded["stopped_early"]
    if "lr_used_per_batch" in recorded:
        assert used == recorded["lr_used_per_batch"]
        assert sweep.rates == recorded["lr_recorded_per_iteration"]
        assert sweep.losses == pytest.approx(recorded["smoothed_loss_per_iteration"],
                                             rel=1e-12)
    best = sweep.best_index
    assert best == recorded["best_index_0based"]
    assert sweep.losses[best] == pytest.approx(recorded["best_smoothed_loss"], rel=1e-12)
    assert sweep.rates[best] == recorded["lr_recorded_at_best"]
    assert used[best] == recorded["lr_used_by_best_batch"]
    for strength in STRENGTH_DIVISORS:
        assert sweep.chosen_rate(strength) == run_of(iterations, strength)["picked_lr"]


def test_no_rate_below_1e_9_and_none_without_a_record():
    sweep = LearningRateSweep(100)
    sweep.record(1.0)
    for _ in range(3):
        sweep.record(5.0)                 # diverged: the best is the first, 1.2e-10
    assert sweep.stopped == "diverged" and sweep.chosen_rate("extreme") is None
    empty = LearningRateSweep(100)
    assert empty.record(float("nan")) and empty.chosen_rate("default") is None


def test_a_stored_rate_is_the_sessions_only_with_the_finder_on():
    from phazer.spec.training import TrainingSpec

    on = TrainingSpec.model_validate({"lr_finder": {"enabled": True}})
    off = TrainingSpec.model_validate({"optimizer": {"learning_rate": 3e-5}})
    assert session_learning_rate(on, {"learning_rate": 7e-5}) == 7e-5
    assert session_learning_rate(on, None) == on.optimizer.learning_rate
    assert session_learning_rate(off, {"learning_rate": 7e-5}) == 3e-5


# -- the finder driving real training steps ------------------------------------------------------

class _StubTrainer(SimpleNamespace):
    def _stop_due(self, stop: Any) -> bool:
        return stop.requested


def _stub_trainer(training: dict[str, Any], loss_at: Any) -> tuple[Any, list[float]]:
    """A tiny model and phazer's optimizer, whose step trains and returns ``loss_at(rate)``."""
    keras = pytest.importorskip("keras")
    tf = pytest.importorskip("tensorflow")
    from phazer.spec.training import TrainingSpec
    from phazer.train.modeldir import TrainState
    from phazer.train.optimizers import build_optimizer

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    optimizer = build_optimizer(TrainingSpec.model_validate(training))
    optimizer.build(model.trainable_variables)
    rates: list[float] = []

    def function(inputs: Any, targets: Any) -> dict[str, Any]:
        rate = float(optimizer.learning_rate)
        rates.append(rate)
        optimizer.apply([tf.ones_like(v) for v in model.trainable_variables],
                        model.trainable_variables)
        half = np.float32(loss_at(len(rates) - 1, rate) / 2)
        return {"face_out_a/mae": tf.constant(half), "face_out_b/mae": tf.constant(half)}

    trainer = _StubTrainer(
        model=model, optimizer=optimizer, state=TrainState(), batch_size=4,
        step=SimpleNamespace(function=lambda jit_compile: function),
        chooser=SimpleNamespace(settled=True, use_xla=False))
    return trainer, rates


def _batches():
    while True:
        yield {}, {}


@pytest.mark.keras
def test_the_finder_trains_faceswaps_sweep_and_puts_the_model_back():
    from phazer.train.lr_finder import sweep

    recorded = run_of(100)
    used = recorded["lr_used_per_batch"]
    trainer, rates = _stub_trainer({"optimizer": {"learning_rate": 5e-5}},
                                   lambda index, rate: faceswap_loss(100, index, used[index]))
    weights = [np.array(w) for w in trainer.model.weights]
    found = sweep(trainer, _batches(), 100)
    # the rate each batch trained at: faceswap's, as the float32 both apply
    np.testing.assert_array_equal(np.float32(rates), np.float32(used))
    assert found.rates == recorded["lr_recorded_per_iteration"]
    assert found.chosen_rate("default") == recorded["picked_lr"]
    for before, after in zip(weights, trainer.model.weights, strict=True):
        np.testing.assert_array_equal(before, np.array(after))
    optimizer = trainer.optimizer
    assert int(optimizer.iterations) == 0 and float(optimizer.learning_rate) == np.float32(5e-5)
    assert all(not np.any(np.array(v)) for v in optimizer.variables[2:])   # fresh moments
    assert (trainer.state.stream_batches, trainer.state.stream_faces) == (100, 400)


@pytest.mark.keras
def test_with_accumulation_each_iteration_is_one_update_over_the_whole_range():
    """faceswap advances the rate once per update but counts batches: with accumulation 2 its
    100 iterations reach 3.2e-6, not 1e-1, and it picks a rate 2600x too small. phazer's
    iterations are updates: the sweep and the rate are those of no accumulation."""
    from phazer.train.lr_finder import sweep

    theirs = run_of(100, accumulation=2)
    assert theirs["lr_recorded_per_iteration"][-1] == pytest.approx(10 ** -5.5)
    plain, _ = _stub_trainer({}, lambda index, rate: clean_loss(rate))
    accumulated, rates = _stub_trainer({"optimizer": {"gradient_accumulation": 2}},
                                       lambda index, rate: clean_loss(rate))
    one, two = sweep(plain, _batches(), 100), sweep(accumulated, _batches(), 100)
    assert two.rates == one.rates and two.rates[-1] == pytest.approx(0.1)
    assert rates[0::2] == rates[1::2] and len(rates) == 2 * len(two.rates)
    assert two.chosen_rate("default") == one.chosen_rate("default")
    assert two.chosen_rate("default") > 1000 * theirs["picked_lr"]


# -- in phazer train ---------------------------------------------------------------------------

FACES = (12, 3)


@pytest.mark.keras
def test_phazer_train_finds_stores_plots_and_reuses_the_rate(faces, tmp_path, capsys):
    """--lr-finder with graph_and_exit: the sweep, the plot, the rate in state.json and exit
    0 with no weights saved; the next run trains at that rate (no second sweep)."""
    from PIL import Image
    from rich.console import Console

    from phazer.cli.main import main
    from phazer.train.session import TrainOptions, train
    from tests.helpers import TINY_SPEC

    model_dir = tmp_path / "m"
    common = ["--set", "training.xla=off", "--set", "training.preview_images=2",
              "--batch-size", "4", "--seed", "0", "--no-preview"]
    code = main(["train", TINY_SPEC, "--input-a", str(faces / "a"), "--input-b",
                 str(faces / "b"), "--model-dir", str(model_dir), "--lr-finder", *common,
                 "--set", "training.lr_finder.mode=graph_and_exit",
                 "--set", "training.lr_finder.iterations=100"])
    out = capsys.readouterr().out
    assert code == 0, out
    state = json.loads((model_dir / "state.json").read_text())
    found = state["lr_finder"]["learning_rate"]
    assert "learning rate finder:" in out and f"{found:.2e}" in out
    assert "graph_and_exit" in out and state["iterations"] == 0
    assert state["lr_finder"]["best_rate"] == pytest.approx(found * 10)
    assert not (model_dir / "model.weights.h5").exists()
    with Image.open(model_dir / "lr_finder.png") as plot:
        assert plot.size == (800, 500)

    console = Console(file=io.StringIO(), width=300)
    result = train(TrainOptions(spec=TINY_SPEC, input_a=faces / "a", input_b=faces / "b",
                                model_dir=model_dir, iterations=2, batch_size=4, seed=0,
                                show_bar=False, preview=False,
                                overrides=["training.xla=off", "training.lr_finder.enabled=true"]),
                   console)
    said = console.file.getvalue()
    assert result.iterations == 2 and "found by the learning rate finder" in said
    assert "learning rate finder:" not in said                  # no second sweep
    state = json.loads((model_dir / "state.json").read_text())
    assert state["sessions"][-1]["learning_rate"] == found


def _finder_trainer(tmp_path, mode: str, loss_at: Any, **state: Any) -> Any:
    from phazer.spec import ModelSpec
    from phazer.train.modeldir import ModelDir
    from phazer.train.schedule import LearningRateSchedule

    trainer, _ = _stub_trainer({}, loss_at)
    spec = ModelSpec.model_validate({"training": {"lr_finder": {
        "enabled": True, "iterations": 100, "mode": mode, "strength": "aggressive"}}})
    for name, value in state.items():
        setattr(trainer.state, name, value)
    trainer.spec, trainer.model_dir, trainer.chief, trainer.saved_iteration = (
        spec, ModelDir(tmp_path), True, 0)
    trainer.schedule = LearningRateSchedule(spec.training.optimizer.learning_rate,
                                            spec.training.optimizer.schedule)
    return trainer


@pytest.mark.keras
def test_graph_and_set_trains_on_at_the_rate_found(tmp_path):
    from PIL import Image

    from phazer.train.lr_finder import before_training
    from phazer.train.stopping import StopRequest

    recorded = run_of(100, "aggressive")
    trainer = _finder_trainer(tmp_path, "graph_and_set",
                              lambda index, rate: faceswap_loss(100, index, rate))
    record, said = {}, []
    assert before_training(trainer, _batches(), StopRequest(), record, said.append) is None
    found = recorded["picked_lr"]
    assert trainer.state.lr_finder["learning_rate"] == pytest.approx(found, rel=1e-6)
    assert trainer.schedule.rate(0) == record["learning_rate"] == trainer.state.lr_finder[
        "learning_rate"]
    saved = json.loads((tmp_path / "state.json").read_text())
    assert saved["lr_finder"] == trainer.state.lr_finder
    with Image.open(tmp_path / "lr_finder.png") as plot:
        assert plot.size == (800, 500)
    assert said[-1].startswith(f"learning rate finder: {found:.2e} (aggressive")


@pytest.mark.keras
def test_no_rate_is_an_error_that_leaves_the_model_dir(tmp_path):
    from phazer.train.lr_finder import before_training
    from phazer.train.precheck import TrainInputError
    from phazer.train.stopping import StopRequest

    (tmp_path / "state.json").write_text("{}")
    trainer = _finder_trainer(tmp_path, "set", lambda index, rate: 1.0 + index)   # only rises
    with pytest.raises(TrainInputError, match="found no rate") as error:
        before_training(trainer, _batches(), StopRequest(), {}, lambda text: None)
    assert "training.lr_finder.iterations" in error.value.hint
    assert (tmp_path / "state.json").read_text() == "{}"        # faceswap deletes the folder


@pytest.mark.keras
def test_a_model_that_trained_without_the_finder_keeps_its_rate(tmp_path):
    from phazer.train.lr_finder import before_training
    from phazer.train.stopping import StopRequest

    trainer = _finder_trainer(tmp_path, "set", lambda index, rate: 1.0, iterations=10,
                              sessions=[{}])
    said = []
    assert before_training(trainer, _batches(), StopRequest(), {}, said.append) is None
    assert "only runs for a new model" in said[0] and trainer.state.stream_batches == 0
