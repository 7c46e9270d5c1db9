"""The learning rate of each iteration, from ``training.optimizer.schedule`` (no TensorFlow).

:class:`LearningRateSchedule` turns the spec's schedule into a rate per model iteration. The
trainer sets the optimizer's learning rate from it before each step (a variable the compiled
step reads), so the schedule needs nothing of Keras' own schedule classes and a resumed run
continues it from the saved iteration count. A run with a time limit (``phazer demo``) may
also pass the fraction of its time used: the decay then ends at whichever of the two comes
first, so a slower machine still finishes its run at the final rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from phazer.spec.schedule import ScheduleSpec


@dataclass(frozen=True)
class LearningRateSchedule:
    """A learning rate per iteration: warm-up, then constant, cosine or linear decay.

    Attributes:
        base: the spec's ``learning_rate``.
        spec: the spec's ``schedule``.
    """

    base: float
    spec: ScheduleSpec

    @property
    def constant(self) -> bool:
        """Whether the rate never changes (no warm-up, no decay)."""
        return self.spec.type == "constant" and self.spec.warmup == 0

    def progress(self, iteration: int, time_used: float | None = None) -> float:
        """How far the decay has gone, 0 to 1, before model iteration ``iteration`` (0-based).

        Args:
            iteration: iterations the model has trained so far.
            time_used: the fraction of a time limit used so far, or None without one.
        """
        warmup, end = self.spec.warmup, self.spec.iterations
        done = 0.0 if end is None else (iteration - warmup) / (end - warmup)
        if time_used is not None:
            done = max(done, time_used)
        return min(max(done, 0.0), 1.0)

    def rate(self, iteration: int, time_used: float | None = None) -> float:
        """The learning rate of the step after ``iteration`` iterations.

        Args:
            iteration: iterations the model has trained so far (the step about to run is
                ``iteration + 1``).
            time_used: the fraction of a time limit used so far (0 to 1), or None.
        """
        spec = self.spec
        if iteration < spec.warmup:
            return self.base * (iteration + 1) / spec.warmup
        if spec.type == "constant":
            return self.base
        done = self.progress(iteration, time_used)
        shape = 0.5 * (1.0 + math.cos(math.pi * done)) if spec.type == "cosine" else 1.0 - done
        return self.base * (spec.final + (1.0 - spec.final) * shape)
