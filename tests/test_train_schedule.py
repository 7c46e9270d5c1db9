"""The learning-rate schedule: its spec rules and the rate of each iteration (no TensorFlow)."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from phazer.spec.schedule import ScheduleSpec
from phazer.train.schedule import LearningRateSchedule


def schedule(base: float = 1e-3, **fields) -> LearningRateSchedule:
    return LearningRateSchedule(base, ScheduleSpec(**fields))


def test_constant_is_faceswaps_single_rate():
    plan = schedule()
    assert plan.constant
    assert {plan.rate(i) for i in (0, 1, 10**6)} == {1e-3}


def test_warmup_rises_linearly_to_the_base_rate():
    plan = schedule(warmup=4)
    assert not plan.constant
    assert [plan.rate(i) for i in range(6)] == pytest.approx(
        [0.25e-3, 0.5e-3, 0.75e-3, 1e-3, 1e-3, 1e-3])


def test_cosine_follows_half_a_cosine_to_the_final_fraction():
    plan = schedule(type="cosine", warmup=10, iterations=110, final=0.1)
    assert plan.rate(10) == pytest.approx(1e-3)
    for done in (0.25, 0.5, 0.75):
        expected = 1e-3 * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * done)))
        assert plan.rate(10 + int(100 * done)) == pytest.approx(expected)
    assert plan.rate(110) == pytest.approx(1e-4)
    assert plan.rate(5000) == pytest.approx(1e-4)    # held after the end


def test_linear_decay_is_a_straight_line():
    plan = schedule(type="linear", iterations=100)
    assert [plan.rate(i) for i in (0, 25, 50, 100)] == pytest.approx(
        [1e-3, 0.75e-3, 0.5e-3, 0.0])


def test_a_resumed_run_continues_from_the_model_iteration():
    plan = schedule(type="cosine", iterations=1000)
    # the rate depends on the model's iteration only, not on when a session started
    assert plan.rate(600) == pytest.approx(
        LearningRateSchedule(1e-3, ScheduleSpec(type="cosine", iterations=1000)).rate(600))
    assert plan.rate(600) < plan.rate(599)


def test_a_time_limit_ends_the_decay_if_it_comes_first():
    plan = schedule(type="cosine", iterations=4000)
    assert plan.rate(100, time_used=0.5) == pytest.approx(0.5e-3)
    assert plan.rate(100, time_used=1.2) == pytest.approx(0.0)
    # iterations ahead of the clock lead
    assert plan.rate(3000, time_used=0.1) == pytest.approx(plan.rate(3000))
    # a constant rate ignores the clock
    assert schedule().rate(100, time_used=0.9) == 1e-3


@pytest.mark.parametrize(("fields", "says"), [
    ({"type": "cosine"}, "needs iterations"),
    ({"type": "linear", "iterations": 10, "warmup": 10}, "must be larger than warmup"),
    ({"final": 1.5}, "less than or equal to 1"),
    ({"type": "step"}, "'constant', 'cosine' or 'linear'"),
])
def test_spec_rules(fields, says):
    with pytest.raises(ValidationError, match=says):
        ScheduleSpec(**fields)

