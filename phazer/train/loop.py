"""The training loop: steps, saves, backups, snapshots, previews, NaN stop and Ctrl-C.

:class:`Trainer` owns one model, its optimizer and the model dir's :class:`TrainState`.
:meth:`Trainer.train_step` runs one iteration and returns its loss terms (tests drive it
directly); :meth:`Trainer.run` loops over a dataset until the session's iterations are done or
a stop is requested, saving every ``save_interval`` iterations and at the end.

A loss that is NaN or infinite stops the loop at once and nothing is written: the model dir
keeps the last good save. A stop request (Ctrl-C, see :class:`StopRequest`) finishes the
current iteration, saves and returns.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import keras

from phazer.data.warp_stop import WarpStop
from phazer.sides import is_face_out
from phazer.spec import ModelSpec
from phazer.train.checkpoint import optimizer_arrays, optimizer_writer, weights_writer
from phazer.train.journal import text_writer
from phazer.train.losses import ModelLoss
from phazer.train.lr_sweep import session_learning_rate
from phazer.train.modeldir import (
    OPTIMIZER_FILE,
    PREVIEW_FILE,
    SPEC_FILE,
    STATE_FILE,
    WEIGHTS_FILE,
    ModelDir,
    SaveError,
    TrainState,
    spec_text,
)
from phazer.train.out_of_memory import OutOfMemory, is_out_of_memory
from phazer.train.previews import PreviewFaces, write_preview
from phazer.train.progress import Reporter, side_losses
from phazer.train.schedule import LearningRateSchedule
from phazer.train.step import XlaChooser, device_signature, make_train_step
from phazer.train.stopping import NonFiniteLossError, StopRequest

RATE_WINDOW = 20   # iterations averaged for the examples/s shown


@dataclass
class SessionResult:
    """How a session ended.

    Attributes:
        stop: ``iterations`` (done), ``interrupted`` (Ctrl-C), ``time`` (the time limit),
            ``nan``, ``out_of_memory`` or ``lr_finder`` (ended after the learning rate
            finder: graph_and_exit).
        iterations: the model's iteration count at the end.
        saved_iteration: the iteration of the last save in the model dir.
        examples_per_second: the steady training rate (examples = one face per side),
            without compile / trial steps and saves; None when too few steps ran.
        error: the NaN / Inf failure, when ``stop`` is ``nan``; what ran out of memory, when
            ``stop`` is ``out_of_memory`` (nothing saved: the model dir is as it was).
    """

    stop: str
    iterations: int
    saved_iteration: int
    examples_per_second: float | None = None
    error: NonFiniteLossError | OutOfMemory | None = None


@dataclass
class SaveSettings:
    """When and what to save."""

    save_interval: int = 250
    snapshot_interval: int = 0
    backup: bool = True
    previews: PreviewFaces | None = None


@dataclass
class _Timing:
    steady_seconds: float = 0.0
    steady_steps: int = 0
    window: deque = field(default_factory=lambda: deque(maxlen=RATE_WINDOW))


class Trainer:
    """One model being trained in one model dir.

    Args:
        model_dir: where saves go.
        spec: the resolved spec of this session (written with every save).
        state: the training state (iterations, history); updated in place.
        model: the Keras model, weights already restored or loaded.
        optimizer: its optimizer, built and restored.
        loss: the per-output loss.
        batch_size: faces per side per iteration.
        strategy: the ``tf.distribute`` strategy (TensorFlow only), or None.
        reporter: the progress bar / log / TensorBoard channel.
        settings: save interval, snapshots, backups, preview faces.
        chief: this process writes the model dir; a multi-worker cluster's other workers
            train in step with it and keep their state, but write nothing.
        stop_vote: in a multi-worker cluster, asks every worker after each iteration whether
            any of them is asked to stop (Ctrl-C, a time limit), so all stop together.
        warp_stop: the movable mark the dataset reads for the warp's stop, or None; the
            trainer says when the warp stops, and a time-limited run may bring it forward.
    """

    def __init__(self, *, model_dir: ModelDir, spec: ModelSpec, state: TrainState,
                 model: keras.Model, optimizer: keras.optimizers.Optimizer, loss: ModelLoss,
                 batch_size: int, reporter: Reporter,
                 strategy: Any = None,
                 settings: SaveSettings | None = None, chief: bool = True,
                 stop_vote: Callable[[bool], bool] | None = None,
                 warp_stop: WarpStop | None = None) -> None:
        self.model_dir = model_dir
        self.spec = spec
        self.state = state
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.batch_size = batch_size
        self.reporter = reporter
        self.settings = settings or SaveSettings()
        self.chief = chief
        self.stop_vote = stop_vote
        self.step = make_train_step(model, optimizer, loss, strategy)
        # the learning rate finder's rate (state.json) replaces learning_rate when enabled
        self.schedule = LearningRateSchedule(session_learning_rate(spec.training,
                                                                   state.lr_finder),
                                             spec.training.optimizer.schedule)
        self._rate: float | None = None     # the learning rate the optimizer holds
        self._time_limit: tuple[float, float] | None = None   # (start, deadline), monotonic
        self.warp_stop = warp_stop
        self._warp_time: float | None = None   # share of the time limit the warp stops at
        self.chooser = XlaChooser(self.step, spec.training.xla, state.xla, device_signature())
        self.saved_iteration = state.iterations
        self._interval: list[dict[str, float]] = []
        self._timing = _Timing()
        self._compiled: set[bool] = set()
        self._session: dict[str, Any] | None = None
        self.last_step_steady = False

    # -- one iteration -----------------------------------------------------------------------
    def train_step(self, inputs: Mapping[str, Any], targets: Mapping[str, Any]
                   ) -> dict[str, float]:
        """Run one iteration on a batch and return its loss terms (``<output>/<loss>``).

        Raises:
            NonFiniteLossError: a term is NaN or infinite (nothing is saved).
        """
        time_used = self._time_used()
        self._set_learning_rate(time_used)
        self._stop_warp(time_used)
        function, trial = self.chooser.next_function()
        use_xla = self.chooser.use_xla
        started = time.perf_counter()
        try:
            terms = function(inputs, targets)
        except self.step.compile_errors as exc:
            if not (trial and use_xla):
                raise
            self.chooser.failed(exc)
            function, trial = self.chooser.next_function()
            terms = function(inputs, targets)
        values = {name: float(value) for name, value in terms.items()}
        seconds = time.perf_counter() - started
        self.chooser.record(seconds)
        if self.chooser.settled and self.state.xla != self.chooser.decision:
            self.state.xla = dict(self.chooser.decision)
        self.state.iterations += 1
        self.state.stream_batches += 1
        self.state.stream_faces += self.batch_size
        bad = {name: value for name, value in values.items() if not math.isfinite(value)}
        if bad:
            raise NonFiniteLossError(self.state.iterations, bad)
        self._interval.append(ModelLoss.per_output(values))
        # the first call of each step function compiles it; trials run both ways: not steady
        self.last_step_steady = use_xla in self._compiled and not trial
        self._compiled.add(use_xla)
        return values

    def _time_used(self) -> float | None:
        """The share of a time-limited run's time used so far (None without one)."""
        if self._time_limit is None:
            return None
        start, deadline = self._time_limit
        return (time.monotonic() - start) / max(deadline - start, 1e-9)

    def _stop_warp(self, time_used: float | None) -> None:
        """Bring the warp's stop forward when its share of the time is used; say when it stops."""
        if self.warp_stop is None:
            return
        coming = self.state.iterations + 1
        if (time_used is not None and self._warp_time is not None
                and time_used >= self._warp_time and self.warp_stop.stop_at(coming)):
            self.reporter.log(f"iteration {coming}: {self._warp_time:.0%} of the time limit "
                              "used, the input is no longer warped (no_warp_from)")
        elif self.warp_stop.iteration == coming:
            self.reporter.log(f"iteration {coming}: the input is no longer warped from here "
                              "on (training.augmentation.no_warp_from)")

    def _set_learning_rate(self, time_used: float | None) -> None:
        """Give the optimizer the schedule's rate for the step about to run (when it moved)."""
        rate = self.schedule.rate(self.state.iterations, time_used)
        if rate != self._rate:
            self.optimizer.learning_rate = rate
            self._rate = rate

    @property
    def learning_rate(self) -> float | None:
        """The learning rate of the last step (None before the first)."""
        return self._rate

    # -- saving ------------------------------------------------------------------------------
    def _interval_averages(self) -> dict[str, float]:
        if not self._interval:
            return {}
        names = self._interval[0]
        return {name: sum(item[name] for item in self._interval) / len(self._interval)
                for name in names}

    def _checkpoint_writers(self) -> dict[str, Any]:
        return {
            SPEC_FILE: text_writer(spec_text(self.spec)),
            STATE_FILE: text_writer(self.state.to_json()),
            WEIGHTS_FILE: weights_writer(self.model),
            OPTIMIZER_FILE: optimizer_writer(optimizer_arrays(self.optimizer, self.model)),
        }

    def save(self) -> None:
        """Save weights, optimizer state, state.json and spec together, atomically.

        Before that, when the average face loss since the last save beats the best so far,
        the previous save is kept in ``backup/``. At snapshot iterations the new save is also
        copied to ``snapshots/``; the preview image is redrawn. A worker that is not the
        chief only updates its state (the chief writes the same save).

        Raises:
            SaveError: a file could not be written (the model dir keeps a complete save).
        """
        path = self.model_dir.path
        iteration = self.state.iterations
        averages = self._interval_averages()
        backup = False
        if averages:
            self.state.loss_history.append({"iteration": iteration,
                                            **{k: round(v, 6) for k, v in averages.items()}})
            face = sum(v for k, v in averages.items() if is_face_out(k))
            best = self.state.best_loss
            if best is None or face < best:
                backup = (best is not None and self.settings.backup
                          and (path / WEIGHTS_FILE).is_file())
                self.state.best_loss = face
        self.state.batch_size = self.batch_size
        self._update_session()
        interval = self.settings.snapshot_interval
        if not self.chief:
            self._interval.clear()
            self.saved_iteration = iteration
            return
        self.model_dir.save(self._checkpoint_writers(), iteration=iteration,
                            kept=self.saved_iteration, backup=backup,
                            snapshot=bool(interval and iteration % interval == 0))
        self._interval.clear()
        self.saved_iteration = iteration
        if self.settings.previews is not None:
            try:
                write_preview(self.model, self.settings.previews, path / PREVIEW_FILE)
            except OSError as exc:
                raise SaveError("preview", path, iteration, iteration, exc) from exc
        self.reporter.flush()
        shown = side_losses(averages) if averages else "-"
        self.reporter.log(f"iteration {iteration}: saved to {path} (average loss {shown})")

    def _update_session(self) -> None:
        if self._session is None:
            return
        rate = self.examples_per_second()
        self._session.update(ended=_now(), end_iteration=self.state.iterations,
                             examples_per_second=None if rate is None else round(rate, 3),
                             xla=self.chooser.use_xla if self.chooser.settled else None)

    def examples_per_second(self) -> float | None:
        """The steady rate so far: examples (one face per side) per second of training."""
        timing = self._timing
        if timing.steady_steps == 0 or timing.steady_seconds <= 0:
            return None
        return timing.steady_steps * self.batch_size / timing.steady_seconds

    # -- the loop ----------------------------------------------------------------------------
    def run(self, batches: Iterator[tuple[Any, Any]], iterations: int | None,
            stop: StopRequest | None = None, record: dict[str, Any] | None = None,
            schedule_by_time: bool = False, warp_time: float | None = None
            ) -> SessionResult:
        """Train until ``iterations`` more iterations are done (None: until stopped).

        Args:
            batches: an iterator of ``(inputs, targets)``.
            iterations: iterations to run in this session.
            stop: checked after every iteration; when set, save and return.
            record: extra facts for this session's entry in ``state.json``.
            schedule_by_time: a decaying learning rate also ends its decay when ``stop``'s
                deadline comes, if that is before the schedule's last iteration.
            warp_time: with ``schedule_by_time``, the share of the time limit (0 to 1) after
                which the input is no longer warped, if no_warp_from does not come first
                (needs the trainer's ``warp_stop``).
        """
        stop = stop or StopRequest()
        if schedule_by_time and stop.deadline is not None:
            self._time_limit = (time.monotonic(), stop.deadline)
            self._warp_time = warp_time
        start = self.state.iterations
        last = None if iterations is None else start + iterations
        self._session = {"started": _now(), "ended": None, "start_iteration": start,
                         "end_iteration": start, "batch_size": self.batch_size,
                         "examples_per_second": None, "xla": None, **(record or {})}
        self.state.sessions.append(self._session)
        self.reporter.start(start, last)
        outcome = "iterations"
        try:
            mark = time.perf_counter()
            while last is None or self.state.iterations < last:
                inputs, targets = next(batches)
                self.train_step(inputs, targets)
                now = time.perf_counter()
                if self.last_step_steady:
                    self._timing.steady_seconds += now - mark
                    self._timing.steady_steps += 1
                    self._timing.window.append(now - mark)
                window = self._timing.window
                rate = (len(window) * self.batch_size / sum(window)) if window else None
                per_output = self._interval[-1]
                self.reporter.update(self.state.iterations, per_output, rate)
                if self._save_due():
                    self.save()
                if self._stop_due(stop):    # checked after a save: Ctrl-C may come during it
                    outcome = stop.reason
                    break
                mark = time.perf_counter()
        except NonFiniteLossError as error:
            self.reporter.stop()
            self.state.sessions.remove(self._session)
            return SessionResult("nan", self.state.iterations, self.saved_iteration,
                                 self.examples_per_second(), error)
        except BaseException as error:
            self.reporter.stop()
            if not is_out_of_memory(error):
                raise
            self.state.sessions.remove(self._session)     # the model dir stays as saved
            return SessionResult("out_of_memory", self.state.iterations, self.saved_iteration,
                                 self.examples_per_second(),
                                 OutOfMemory(self.state.iterations + 1, self.batch_size, error))
        if self.state.iterations > self.saved_iteration:
            self.save()
        self.reporter.stop()
        return SessionResult(outcome, self.state.iterations, self.saved_iteration,
                             self.examples_per_second())

    def _stop_due(self, stop: StopRequest) -> bool:
        """Whether to stop now: asked here, or (in a cluster) by any other worker."""
        requested = stop.requested
        if self.stop_vote is not None and self.stop_vote(requested) and not requested:
            stop.set("interrupted")          # another worker was stopped
            requested = True
        return requested

    def _save_due(self) -> bool:
        iteration = self.state.iterations
        snapshot = self.settings.snapshot_interval
        return (iteration % self.settings.save_interval == 0
                or bool(snapshot and iteration % snapshot == 0))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
