"""The trainer gives the optimizer the schedule's learning rate, step by step and on resume."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest

pytestmark = pytest.mark.keras

tf = pytest.importorskip("tensorflow")

from rich.console import Console  # noqa: E402

from phazer.train.session import TrainOptions, prepare  # noqa: E402
from phazer.train.stopping import StopRequest  # noqa: E402
from tests.helpers import TINY_SPEC  # noqa: E402

BASE = 0.002
COSINE = ["training.xla=off", "training.preview_images=2",
          f"training.optimizer.learning_rate={BASE}",
          "training.optimizer.schedule={type: cosine, warmup: 2, iterations: 10, final: 0.1}"]


def expected(iteration: int) -> float:
    """The rate of the step after ``iteration`` iterations, written out from the schedule."""
    if iteration < 2:
        return BASE * (iteration + 1) / 2
    done = min((iteration - 2) / 8, 1.0)
    return BASE * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * done)))


FACES = (8, 5)   # per side, seed: the ``faces`` fixture (tests/conftest.py)


def _prepare(faces: Path, model_dir: Path):
    options = TrainOptions(spec=TINY_SPEC, input_a=faces / "a", input_b=faces / "b",
                           model_dir=model_dir, overrides=COSINE, batch_size=4, seed=0,
                           show_bar=False, preview=False)
    return prepare(options, Console(file=io.StringIO()))


def _rate(trainer) -> float:
    return float(trainer.optimizer.learning_rate.numpy())


def test_each_step_runs_at_the_schedules_rate_and_a_resume_continues_it(faces, tmp_path):
    prepared = _prepare(faces, tmp_path / "m")
    trainer, data = prepared.trainer, iter(prepared.dataset)
    for iteration in range(6):
        trainer.train_step(*next(data))
        assert _rate(trainer) == pytest.approx(expected(iteration), rel=1e-5)
    trainer.save()
    # the saved optimizer holds the last rate; the resumed session sets the rate of its
    # iteration, not the spec's learning_rate nor the saved one
    resumed = _prepare(faces, tmp_path / "m").trainer
    assert resumed.state.iterations == 6
    resumed.train_step(*next(iter(_prepare(faces, tmp_path / "n").dataset)))
    assert _rate(resumed) == pytest.approx(expected(6), rel=1e-5)


def test_a_time_limited_run_ends_its_decay_at_the_deadline(faces, tmp_path):
    prepared = _prepare(faces, tmp_path / "m")
    trainer = prepared.trainer
    # a deadline already past: the first step after warm-up runs at the final rate
    result = trainer.run(iter(prepared.dataset), 3, StopRequest(deadline=0.0),
                         schedule_by_time=True)
    assert result.iterations == 1      # the deadline stops it after one step
    assert trainer.learning_rate == pytest.approx(expected(0))   # warm-up is by iteration
    prepared = _prepare(faces, tmp_path / "k")
    trainer = prepared.trainer
    trainer.state.iterations = 2       # past the warm-up
    trainer.run(iter(prepared.dataset), 1, StopRequest(deadline=0.0), schedule_by_time=True)
    assert trainer.learning_rate == pytest.approx(BASE * 0.1)
