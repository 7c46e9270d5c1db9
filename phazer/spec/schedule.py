"""``training.optimizer.schedule``: how the learning rate moves over a training run.

faceswap trains at one learning rate; phazer keeps that as the default (``constant``) and adds
the two schedules Keras users reach for when a run has a known length: a linear warm-up from
zero, then a cosine or linear decay to a fraction of ``learning_rate`` at a given iteration.
The iterations are the model's (counted from its first iteration, across resumes), so a
resumed run continues the schedule where it stopped. Not model-defining: a resume may change
it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from phazer.spec.base import StrictModel

ScheduleType = Literal["constant", "cosine", "linear"]
MAX_SCHEDULE_ITERATIONS = 100_000_000


class ScheduleSpec(StrictModel):
    """The learning rate over the run: warm-up, then constant or decaying to ``final``."""

    type: ScheduleType = Field(
        "constant", description="constant: learning_rate throughout (faceswap's way); cosine: "
        "half a cosine from learning_rate down to final x learning_rate at `iterations`; "
        "linear: a straight line down to it. Both hold the final rate after `iterations`.")
    warmup: int = Field(
        0, ge=0, le=MAX_SCHEDULE_ITERATIONS, description="Iterations at the start whose "
        "learning rate rises linearly from learning_rate / warmup to learning_rate; 0 for "
        "none.")
    iterations: int | None = Field(
        None, ge=1, le=MAX_SCHEDULE_ITERATIONS, description="The model iteration (counted "
        "from its first, across resumes) at which a cosine or linear decay reaches its final "
        "rate; required for them, not used by constant. phazer demo also ends the decay when "
        "its time limit is up, if that comes first.")
    final: float = Field(
        0.0, ge=0.0, le=1.0, description="The learning rate a decay ends at, as a fraction of "
        "learning_rate (0.01 = a hundredth).")

    @model_validator(mode="after")
    def _decay_needs_an_end(self) -> ScheduleSpec:
        if self.type == "constant":
            return self
        if self.iterations is None:
            raise ValueError(f"a {self.type} schedule needs iterations: the model iteration "
                             f"its decay ends at (e.g. iterations: 100000)")
        if self.iterations <= self.warmup:
            raise ValueError(f"iterations ({self.iterations}) must be larger than warmup "
                             f"({self.warmup}): the decay starts when the warm-up ends")
        return self
