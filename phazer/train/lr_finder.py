"""The learning rate finder run before a new model's first iteration (``training.lr_finder``).

:func:`before_training` is what ``phazer train`` calls between preparing a session and its
first iteration. With ``training.lr_finder.enabled``:

* a model whose ``state.json`` holds a rate the finder found trains at it (its schedule's
  base, instead of ``learning_rate``), as faceswap's ``--use-lr-finder`` does in every later
  session;
* a new model runs the sweep (:func:`sweep`: real training steps on the session's own
  batches, the rate from :class:`phazer.train.lr_sweep.LearningRateSweep`), then gets its
  first weights and a fresh optimizer back, the rate found stored in ``state.json`` and, in
  the graph modes, the plot ``lr_finder.png`` (:mod:`phazer.train.lr_finder_plot`).
  ``graph_and_exit`` ends the session there (the model dir stays a new model that will train
  at the rate found);
* a model that already trained without a found rate keeps ``learning_rate`` (faceswap only
  searches for a new model).

Where phazer differs from faceswap (docs/training.md, "The learning rate finder"): with
gradient accumulation each sweep iteration is one update (all its batches at one rate), so
the sweep reaches 1e-1 as without it (faceswap's advances once per update but counts batches,
and stops N times short); a sweep that finds no rate is an error that leaves the model dir
alone (faceswap deletes the model folder); a warm-up ramps to the rate found (faceswap's
``--warmup`` ramps to the config rate).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from phazer.train.journal import commit, text_writer
from phazer.train.loop import SessionResult, Trainer
from phazer.train.lr_finder_plot import write_plot
from phazer.train.lr_sweep import (
    END_RATE,
    MIN_RATE,
    START_RATE,
    STRENGTH_DIVISORS,
    LearningRateSweep,
    stored_rate,
)
from phazer.train.modeldir import STATE_FILE
from phazer.train.optimizers import inner_optimizer
from phazer.train.precheck import TrainInputError
from phazer.train.schedule import LearningRateSchedule
from phazer.train.stopping import StopRequest

PLOT_FILE = "lr_finder.png"
GRAPH_MODES = ("graph_and_set", "graph_and_exit")


def sweep(trainer: Trainer, batches: Iterator[tuple[Any, Any]], iterations: int,
          stop: StopRequest | None = None) -> LearningRateSweep | None:
    """Train ``iterations`` updates at exponentially growing rates; put everything back.

    Each update trains ``gradient_accumulation`` batches at one rate and records their mean
    loss (every term of every output, summed). The model's weights and the optimizer's
    variables (moments, step count, accumulators, autoclip's history, loss scale) are restored
    afterwards; the data stream moves on (``state.stream_batches`` counts the batches).

    Returns:
        The sweep, or None when a stop was requested (Ctrl-C) before it ended.
    """
    stop = stop or StopRequest()
    model, optimizer = trainer.model, trainer.optimizer
    weights = [np.array(w) for w in model.weights]
    optimizer_state = [np.array(v) for v in optimizer.variables]
    steps = int(inner_optimizer(optimizer).gradient_accumulation_steps or 1)
    chooser = trainer.chooser
    function = trainer.step.function(jit_compile=chooser.settled and chooser.use_xla)
    found = LearningRateSweep(iterations)
    interrupted = False
    try:
        while not found.done:
            optimizer.learning_rate = found.rate
            total = 0.0
            for _ in range(steps):
                inputs, targets = next(batches)
                terms = function(inputs, targets)
                total += sum(float(value) for value in terms.values())
                trainer.state.stream_batches += 1
                trainer.state.stream_faces += trainer.batch_size
            found.record(total / steps)
            if trainer._stop_due(stop):
                interrupted = True
                break
    finally:
        for variable, value in zip(model.weights, weights, strict=True):
            variable.assign(value)
        for variable, value in zip(optimizer.variables, optimizer_state, strict=True):
            variable.assign(value)
    return None if interrupted else found


def _no_rate(found: LearningRateSweep, strength: str) -> TrainInputError:
    index = found.best_index
    if index is None:
        what = "the loss was NaN from its first iteration"
    else:
        what = (f"its lowest smoothed loss came at {found.rates[index]:.1e} (iteration "
                f"{index + 1} of {len(found.rates)}), which gives "
                f"{found.rates[index] / STRENGTH_DIVISORS[strength]:.1e} ({strength}), below "
                f"{MIN_RATE:.0e}")
    return TrainInputError(f"the learning rate finder found no rate: {what}",
                           "give it more iterations (training.lr_finder.iterations), or turn it "
                           "off and set training.optimizer.learning_rate")


def before_training(trainer: Trainer, batches: Iterator[tuple[Any, Any]], stop: StopRequest,
                    record: dict[str, Any], say: Callable[[str], None]) -> SessionResult | None:
    """Run or apply the learning rate finder before a session's first iteration.

    Args:
        trainer: the prepared session's trainer (its schedule's base rate is set here).
        batches: the session's batches (the sweep trains on the first ones).
        stop: Ctrl-C.
        record: this session's entry for ``state.json`` (gets the rate trained at).
        say: prints one line.

    Returns:
        None to go on training; a result when the session ends here (``graph_and_exit``,
        or Ctrl-C during the sweep).

    Raises:
        TrainInputError: the sweep found no usable rate.
    """
    training = trainer.spec.training
    finder, state = training.lr_finder, trainer.state
    if not finder.enabled:
        return None
    stored = stored_rate(state.lr_finder)
    if stored is not None:
        record["learning_rate"] = stored
        say(f"learning rate {stored:.2e}: found by the learning rate finder ({STATE_FILE})")
        return None
    if state.iterations or state.sessions:
        say("note: the learning rate finder only runs for a new model; training at "
            f"training.optimizer.learning_rate {training.optimizer.learning_rate:.2e}")
        return None
    say(f"learning rate finder: up to {finder.iterations} iterations from {START_RATE:.0e} to "
        f"{END_RATE:.0e} ...")
    found = sweep(trainer, batches, finder.iterations, stop)
    if found is None:
        return SessionResult("interrupted", state.iterations, trainer.saved_iteration)
    rate = found.chosen_rate(finder.strength)
    if rate is None:
        raise _no_rate(found, finder.strength)
    index = found.best_index
    state.lr_finder = {"learning_rate": rate, "strength": finder.strength,
                       "iterations": finder.iterations, "ran": len(found.rates),
                       "stopped": found.stopped, "best_iteration": index + 1,
                       "best_rate": found.rates[index], "best_loss": found.losses[index]}
    trainer.schedule = LearningRateSchedule(rate, training.optimizer.schedule)
    record["learning_rate"] = rate
    folder = trainer.model_dir.path
    plot = ""
    if trainer.chief:
        if finder.mode in GRAPH_MODES:
            write_plot(folder / PLOT_FILE, found.rates, found.losses, found.rates[index],
                       finder.strength)
            plot = f"; plot: {folder / PLOT_FILE}"
        commit(folder, {STATE_FILE: text_writer(state.to_json())})
    ended = f", diverged after {len(found.rates)}" if found.stopped == "diverged" else ""
    say(f"learning rate finder: {rate:.2e} ({finder.strength}: the lowest smoothed loss at "
        f"{found.rates[index]:.2e}, iteration {index + 1}{ended}, / "
        f"{STRENGTH_DIVISORS[finder.strength]:g}){plot}")
    if finder.mode == "graph_and_exit":
        return SessionResult("lr_finder", state.iterations, trainer.saved_iteration)
    return None
