"""The learning rate finder's sweep and its choice, as faceswap makes them (no TensorFlow).

faceswap's Learning Rate Finder (``--use-lr-finder``, ``lib/training/lr_finder.py``) trains a
new model for ``iterations`` updates at rates growing exponentially from 1e-10 to 1e-1, the
rate multiplied by ``gamma = (1e-1 / 1e-10) ** (1 / iterations)`` after every update (a
float64 running product, as torch's ``ExponentialLR``). After each one it records:

* the rate *after* that update's multiplication (one ``gamma`` step above the rate the update
  trained with: faceswap reads the scheduler after stepping it; phazer keeps this, so its
  choice is faceswap's);
* the loss smoothed as ``avg = 0.98 avg + 0.02 loss``, bias-corrected ``avg / (1 - 0.98^i)``.

A NaN loss stops the sweep unrecorded; a smoothed loss above 4x the best so far stops it
after it is recorded ("diverged"). The rate chosen is the recorded rate at the (first) best
smoothed loss divided by 10 (``default``), 5 (``aggressive``) or 2.5 (``extreme``); below
1e-9 there is none. :class:`LearningRateSweep` holds this arithmetic;
:mod:`phazer.train.lr_finder` drives it with real training steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from phazer.spec.training import TrainingSpec

START_RATE = 1e-10
END_RATE = 1e-1
STRENGTH_DIVISORS: dict[str, float] = {"default": 10.0, "aggressive": 5.0, "extreme": 2.5}
SMOOTHING = 0.98
STOP_FACTOR = 4.0
MIN_RATE = 1e-9


@dataclass
class LearningRateSweep:
    """The rates of one sweep and the smoothed losses recorded at them.

    Attributes:
        iterations: updates the sweep runs at most.
        start: the first update's rate.
        end: the rate reached after ``iterations`` updates.
        rates: the recorded rate of each update (after its ``gamma`` step).
        losses: the smoothed loss of each update.
        stopped: why the sweep ended early (``diverged``, ``nan``), else None.
    """

    iterations: int
    start: float = START_RATE
    end: float = END_RATE
    rates: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    stopped: str | None = None
    _rate: float = 0.0
    _average: float = 0.0
    _best: float = math.inf

    def __post_init__(self) -> None:
        self._rate = self.start

    @property
    def gamma(self) -> float:
        """The factor between two updates' rates."""
        return (self.end / self.start) ** (1.0 / self.iterations)

    @property
    def rate(self) -> float:
        """The rate the next update trains at."""
        return self._rate

    @property
    def done(self) -> bool:
        """Whether the sweep is over (all iterations run, or stopped)."""
        return self.stopped is not None or len(self.rates) >= self.iterations

    def record(self, loss: float) -> bool:
        """Record the loss of the update just trained at :attr:`rate`; True when it stops."""
        if math.isnan(loss):
            self.stopped = "nan"
            return True
        self._rate *= self.gamma
        count = len(self.rates) + 1
        self._average = SMOOTHING * self._average + (1.0 - SMOOTHING) * loss
        smoothed = self._average / (1.0 - SMOOTHING ** count)
        self.rates.append(self._rate)
        self.losses.append(smoothed)
        if count > 1 and smoothed > STOP_FACTOR * self._best:
            self.stopped = "diverged"
            return True
        if count == 1 or smoothed < self._best:
            self._best = smoothed
        return self.done

    @property
    def best_index(self) -> int | None:
        """The index of the (first) lowest smoothed loss, None before any record."""
        return self.losses.index(self._best) if self.losses else None

    def chosen_rate(self, strength: str) -> float | None:
        """The rate for training: the best's recorded rate / the strength's divisor.

        None when nothing was recorded or the rate is below :data:`MIN_RATE`.
        """
        index = self.best_index
        if index is None:
            return None
        rate = self.rates[index] / STRENGTH_DIVISORS[strength]
        return rate if rate >= MIN_RATE else None


def stored_rate(state_lr_finder: dict[str, Any] | None) -> float | None:
    """The rate a finder stored in ``state.json`` (``TrainState.lr_finder``), or None."""
    rate = (state_lr_finder or {}).get("learning_rate")
    return float(rate) if rate else None


def session_learning_rate(training: TrainingSpec, state_lr_finder: dict[str, Any] | None
                          ) -> float:
    """The rate a session trains at (its schedule's base).

    The finder's stored rate when ``training.lr_finder.enabled`` and one was found (as
    faceswap's ``--use-lr-finder`` reuses it in every later session), else the spec's
    ``training.optimizer.learning_rate``.

    Args:
        training: the spec's ``training`` section.
        state_lr_finder: ``TrainState.lr_finder``.
    """
    found = stored_rate(state_lr_finder)
    if training.lr_finder.enabled and found is not None:
        return found
    return float(training.optimizer.learning_rate)
