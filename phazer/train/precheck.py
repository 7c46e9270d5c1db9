"""What ``phazer train`` checks before TensorFlow is imported (no TensorFlow here).

Importing TensorFlow takes seconds; a refused run should not wait for it. :func:`claim` checks
the spec, takes the model dir's lock (:mod:`phazer.train.lock`), repairs what a killed save
left (:meth:`phazer.train.modeldir.ModelDir.repair`) and refuses a resume that changes a
model-defining field, all in well under a second. :class:`TrainInputError` is the one error
type of everything the user can fix, here and in :mod:`phazer.train.session`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from phazer.issues import Issue
from phazer.lowering import lower
from phazer.pipeline.summary import Summary, summarize
from phazer.spec import ModelSpec
from phazer.spec.graph_form import GraphSpec
from phazer.spec.resume import format_diff, model_defining_diff
from phazer.train.distribution import DistributionError, Placement, check_batch, resolve
from phazer.train.lock import ModelDirInUse, ModelDirLock
from phazer.train.modeldir import ModelDir, ModelDirError, TrainState


class TrainInputError(Exception):
    """Something the user can fix stops training before it starts.

    Attributes:
        message: one line: what is wrong.
        hint: one line: how to fix it ("" if none).
        details: more lines (a diff, skipped files).
        issues: validation issues of the spec, when that is the problem.
    """

    def __init__(self, message: str, hint: str = "", details: list[str] | None = None,
                 issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details or []
        self.issues = issues or []


def load_spec(spec: str, overrides: Sequence[str], batch_size: int | None
              ) -> tuple[ModelSpec | GraphSpec, Summary]:
    """The resolved spec (``--set`` and ``--batch-size`` applied) and its summary.

    Raises:
        TrainInputError: the spec has validation errors (they are in ``issues``).
    """
    given = list(overrides)
    if batch_size is not None:
        given.append(f"training.batch_size={batch_size}")
    summary = summarize(spec, given)
    if not summary.ok or summary.report.loaded is None:
        errors = [i for i in summary.issues if i.severity == "error"]
        raise TrainInputError(f"the spec {spec} is not valid "
                              f"({len(errors)} error{'s' if len(errors) != 1 else ''})",
                              issues=summary.issues)
    return summary.report.loaded.spec, summary


def check_resume(model_dir: ModelDir, spec: ModelSpec) -> tuple[TrainState, bool]:
    """The state to continue from and whether saved weights exist; refuse a changed model.

    Raises:
        TrainInputError: the folder is no model dir, or the saved model has another design.
    """
    try:
        if not model_dir.is_model():
            model_dir.check_usable_for_new_model()
            return TrainState(), False
        state = model_dir.read_state()
        if not model_dir.has_weights():
            return state, False          # created but never saved: nothing to protect
        old = model_dir.read_spec()
    except ModelDirError as exc:
        raise TrainInputError(str(exc)) from None
    if old.phazer != spec.phazer:   # one written as Phaze-A's switches, one as a graph
        old, spec = lower(old), lower(spec)
    changes = model_defining_diff(old, spec)
    if changes:
        raise TrainInputError(
            f"{model_dir.path} holds a model trained with a different design; "
            f"{len(changes)} model-defining field{'s' if len(changes) != 1 else ''} changed",
            "change these back, or train in a new model dir; losses, learning rate, dropout, "
            "freeze, batch size and the other training settings may change on resume",
            details=format_diff(changes))
    return state, True


class ReadOnlyClaim:
    """What a multi-worker cluster's other workers hold: no lock (only the chief writes)."""

    def release(self, *, tidy: bool = False) -> None:
        """Nothing to release."""

    def __enter__(self) -> ReadOnlyClaim:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def check_placement(spec: ModelSpec, batch_size: int | None, strategy: str | None,
                    devices: int | None) -> Placement:
    """Where the session trains, and its batch when the replica count is known already.

    The replica count is known without TensorFlow when the devices are given
    (``--devices`` or ``training.distribution.devices``); otherwise the session checks the
    batch once it has counted the GPUs.

    Raises:
        TrainInputError: see :func:`phazer.train.distribution.resolve` and
            :func:`phazer.train.distribution.check_batch`.
    """
    try:
        placement = resolve(spec.training.distribution, strategy, devices)
        count = placement.replicas_known()
        if count is not None:
            field = "--batch-size" if batch_size is not None else "training.batch_size"
            check_batch(spec.training.batch_size, count, field, placement.describe(count))
    except DistributionError as exc:
        raise TrainInputError(exc.message, exc.hint) from None
    return placement


def claim(spec: str, overrides: Sequence[str], batch_size: int | None, model_dir: Path,
          say: Callable[[str], None], strategy: str | None = None, devices: int | None = None,
          checked: Summary | None = None) -> ModelDirLock | ReadOnlyClaim:
    """Check what needs no TensorFlow and lock the model dir for this process.

    In order: the spec is valid; the distribution settings and the batch (when the devices
    are known); the model dir is a model dir or may become one; no other process trains in
    it (else refused at once, naming it); what a killed save left is finished or discarded
    (each said through ``say``); a resume keeps the model's design. A multi-worker cluster's
    worker that is not the chief takes no lock and repairs nothing: it writes nothing.

    ``checked`` is the spec's summary when the caller has validated it already
    (:func:`load_spec`), so the spec is validated and compiled once per command.

    Returns:
        The held lock: release it (or use it as a context manager) when training ends.

    Raises:
        TrainInputError: any of these checks fails (the lock is not held then).
    """
    summary = checked if checked is not None else load_spec(spec, overrides, batch_size)[1]
    loaded = summary.report.loaded.spec
    placement = check_placement(loaded, batch_size, strategy, devices)
    folder = ModelDir(model_dir)
    if not placement.is_chief:
        check_resume(folder, loaded)
        return ReadOnlyClaim()
    try:
        if not folder.is_model():
            folder.check_usable_for_new_model()
    except ModelDirError as exc:
        raise TrainInputError(str(exc)) from None
    lock = ModelDirLock(folder.path)
    try:
        stale = lock.acquire()
    except ModelDirInUse as exc:
        stop = f"stop it (kill {exc.holder.pid})" if exc.holder else "stop it"
        raise TrainInputError(str(exc), f"wait for it to finish or {stop}; one phazer train "
                              "at a time may use a model dir") from None
    except OSError as exc:
        raise TrainInputError(f"cannot lock {lock.path}: {exc.strerror or exc}",
                              "phazer train needs a model dir it can write to") from None
    try:
        if stale is not None:
            gone = "is no longer running" if not stale.alive() else "no longer holds it"
            say(f"warning: {lock.path} names phazer train {stale.describe()}, which {gone} "
                "(killed?); taking the model dir over")
        for line in folder.repair():
            say(f"note: {line}")
        check_resume(folder, loaded)
    except BaseException:
        lock.release(tidy=True)
        raise
    return lock
