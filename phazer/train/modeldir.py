"""A model dir: where ``phazer train`` keeps a model, and its ``state.json``.

Layout (``M`` is the model dir)::

    M/spec.yaml            the resolved spec the model was built from (defaults filled in)
    M/state.json           iterations, batch size, sessions, loss history, best loss, XLA choice,
                           the learning rate finder's rate
    M/lr_finder.png        the learning rate finder's loss-vs-rate plot (graph modes)
    M/model.weights.h5     the weights (Keras; load with model.load_weights)
    M/optimizer.npz        the optimizer's state, keyed by variable path (+ autoclip's history)
    M/preview.png          the latest preview: original / reconstruction / swap per side
    M/backup/              the previous save, kept when the average loss improved
    M/snapshots/NNNNNNNN/  a copy of the save at every snapshot interval
    M/logs/session_NNN/    TensorBoard logs
    M/.lock                the pid and host of the ``phazer train`` at work (phazer.train.lock)

The first four files are written together by :func:`phazer.train.journal.commit`, so they
always belong to the same iteration (:meth:`ModelDir.save`). :meth:`ModelDir.repair` finishes
or discards what a killed save left behind, here and in ``backup/`` and ``snapshots/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from phazer.issues import SpecError
from phazer.model_colour import UNRECORDED, ColorOrder, check_color_order
from phazer.spec import ModelSpec, load_spec
from phazer.spec.dump import dump_spec
from phazer.train.journal import Writer, commit, link_or_copy_tree, recover
from phazer.train.lock import shared

SPEC_FILE = "spec.yaml"
STATE_FILE = "state.json"
WEIGHTS_FILE = "model.weights.h5"
OPTIMIZER_FILE = "optimizer.npz"
PREVIEW_FILE = "preview.png"
BACKUP_DIR = "backup"
SNAPSHOT_DIR = "snapshots"
LOG_DIR = "logs"
CHECKPOINT_FILES = (SPEC_FILE, STATE_FILE, WEIGHTS_FILE, OPTIMIZER_FILE)
STATE_VERSION = 1
LAYERS_VERSION = 2
"""The layout of phazer's layers new weights are saved with (:mod:`phazer.train.weight_format`)."""
UNRECORDED_LAYERS = 1
"""The layout of weights whose state file does not say (saved before it was recorded)."""
EXAMPLE_DEFINITION = "one face per side (an A face and a B face), as in phazer summary"
# what phazer.fileio's atomic writes leave when killed: .<name>.<12 hex digits>.tmp
_TEMP_FILE = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")


@dataclass
class TrainState:
    """What ``state.json`` holds.

    Attributes:
        iterations: training steps done (one batch per side each).
        batch_size: faces per side per step in the latest session.
        sessions: one record per training session: start / end time and iteration, batch
            size, examples per second, XLA use, how it stopped.
        loss_history: per save, the average loss of each output since the previous save.
        best_loss: the lowest average face loss (both sides summed) of any save.
        xla: the XLA decision for this device (``training.xla: auto``), reused on resume.
        seed: the ``--seed`` of the data order, augmentation and first weights (None: none),
            reused on resume when no other is given.
        stream_batches: batches drawn from the data stream of ``seed`` so far (one per
            iteration since the seed was set): where a resumed seeded stream continues.
        stream_faces: faces each side has drawn from that stream (batch sizes may differ
            between sessions).
        transfer: how ``phazer transfer`` made this model dir (source, counts), or None.
        imported: where ``phazer import-faceswap`` took this model from (the faceswap model
            folder, its plugin, faceswap's iteration count, what was carried), or None.
        lr_finder: the learning rate finder's result (``learning_rate`` found, strength,
            iterations run; :mod:`phazer.train.lr_finder`), used instead of the spec's
            learning rate by every session with ``training.lr_finder.enabled``; or None.
        color_order: the channel order the model's weights take faces in, ``"rgb"`` or
            ``"bgr"`` (:mod:`phazer.model_colour`): set when the model dir is made (the
            model's own order, or the order of the weights it was imported or transferred
            from) and read by every command that feeds the model. A state file written
            before phazer recorded it loads as ``"rgb"``: such a model was trained on RGB.
        layers: the layout of phazer's layers the weights were saved with
            (:data:`LAYERS_VERSION`; a state file without it is version 1), so weights saved
            by an older phazer are moved to today's layers when they load
            (:mod:`phazer.train.weight_format`).
    """

    iterations: int = 0
    batch_size: int = 0
    sessions: list[dict[str, Any]] = field(default_factory=list)
    loss_history: list[dict[str, Any]] = field(default_factory=list)
    best_loss: float | None = None
    xla: dict[str, Any] | None = None
    seed: int | None = None
    stream_batches: int = 0
    stream_faces: int = 0
    transfer: dict[str, Any] | None = None
    imported: dict[str, Any] | None = None
    lr_finder: dict[str, Any] | None = None
    color_order: ColorOrder = UNRECORDED
    layers: int = LAYERS_VERSION

    def to_json(self) -> str:
        """The state as pretty JSON text."""
        data = {"version": STATE_VERSION, "example": EXAMPLE_DEFINITION, **asdict(self)}
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> TrainState:
        """Parse ``state.json`` text (unknown keys are ignored)."""
        data = json.loads(text)
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known["color_order"] = check_color_order(known.get("color_order", UNRECORDED),
                                                 STATE_FILE)
        known.setdefault("layers", UNRECORDED_LAYERS)
        return cls(**known)


class ModelDirError(Exception):
    """A model dir cannot be used (not a phazer model dir, unreadable state or spec)."""


class SaveError(Exception):
    """A save could not be written (a full disk, a folder that went read-only, ...).

    Attributes:
        stage: what failed: ``backup``, ``save``, ``snapshot`` or ``preview``.
        folder: the model dir.
        iteration: the iteration being saved.
        kept: the iteration of the complete save the model dir holds now.
        cause: the underlying error.
    """

    def __init__(self, stage: str, folder: Path, iteration: int, kept: int,
                 cause: OSError) -> None:
        self.stage, self.folder, self.iteration, self.kept = stage, folder, iteration, kept
        self.cause = cause
        what = {"backup": f"could not copy the previous save to {BACKUP_DIR}/ before saving "
                          f"iteration {iteration}",
                "save": f"could not save iteration {iteration}",
                "snapshot": f"iteration {iteration} was saved, but its snapshot in "
                            f"{SNAPSHOT_DIR}/ could not be written",
                "preview": f"iteration {iteration} was saved, but {PREVIEW_FILE} could not "
                           "be written"}[stage]
        super().__init__(f"{what}: {cause}")


class ModelDir:
    """The files of one model dir; reading recovers an interrupted save first."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.notes: list[str] = []      # what repairs did, one line each, for the log

    def file(self, name: str) -> Path:
        """A path inside the model dir."""
        return self.path / name

    @property
    def weights(self) -> Path:
        """The weights file."""
        return self.path / WEIGHTS_FILE

    @property
    def optimizer(self) -> Path:
        """The optimizer state file."""
        return self.path / OPTIMIZER_FILE

    def recover(self) -> None:
        """Finish or discard a save that a killed process left half done.

        Left alone while another process trains here (its save may be under way); what was
        done is kept in :attr:`notes` for the log.
        """
        if not self.path.is_dir():
            return
        with shared(self.path) as free:
            if free:
                self._note("", recover(self.path))

    def _note(self, where: str, done: str | None) -> None:
        if done == "finished":
            self.notes.append(f"finished the save that was interrupted in {self.path / where}")
        elif done == "discarded":
            self.notes.append(f"discarded an unfinished save in {self.path / where} (killed "
                              "while it was written; the previous one is kept)")

    def repair(self) -> list[str]:
        """Finish or discard every save a killed process left: here, in backup/, snapshots/.

        A snapshot killed while it was written is made again from the model's save when that
        is the snapshot's iteration, else dropped; a killed atomic write's temporary file
        (``.preview.png.<hex>.tmp``) is deleted. Call it while holding the model dir's lock.

        Returns:
            One line per thing done (empty when all was in order), for the log.
        """
        if not self.path.is_dir():
            return list(self.notes)
        self.recover()
        backup = self.path / BACKUP_DIR
        if backup.is_dir():
            self._note(BACKUP_DIR, recover(backup))
        snapshots = self.path / SNAPSHOT_DIR
        for folder in sorted(snapshots.iterdir()) if snapshots.is_dir() else ():
            if not folder.is_dir():
                continue
            done = recover(folder)
            if all((folder / name).is_file() for name in CHECKPOINT_FILES):
                self._note(f"{SNAPSHOT_DIR}/{folder.name}", done)
            else:
                self._redo_snapshot(folder, interrupted=done is not None)
        for temp in self.path.iterdir():
            if temp.is_file() and _TEMP_FILE.match(temp.name):
                temp.unlink(missing_ok=True)
                self.notes.append(f"deleted {temp}, left by a write that was interrupted")
        return list(self.notes)

    def _redo_snapshot(self, folder: Path, interrupted: bool) -> None:
        """An incomplete snapshot: copied again when the model still holds its iteration.

        :meth:`save` makes a snapshot's folder before the save it copies, so an empty one
        is a snapshot a kill stopped before (or while) it was copied.
        """
        name = f"{SNAPSHOT_DIR}/{folder.name}"
        try:
            current = TrainState.from_json(self.file(STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError):
            current = None
        if current is not None and f"{current.iterations:08d}" == folder.name:
            link_or_copy_tree([self.file(n) for n in CHECKPOINT_FILES], folder)
            self.notes.append(f"{name} was interrupted before it was complete; made it again "
                              f"from the save of iteration {current.iterations}")
            return
        if not any(folder.iterdir()):
            folder.rmdir()      # the save it was for never finished: nothing is lost
        if interrupted:
            self.notes.append(f"{name} was interrupted while it was copied, and the model "
                              "has moved on since; removed the unfinished copy")

    def save(self, writers: Mapping[str, Writer], *, iteration: int, kept: int,
             backup: bool = False, snapshot: bool = False) -> None:
        """Write a checkpoint atomically, keeping the previous one in backup/ first.

        Args:
            writers: file name -> writer of the new checkpoint's files.
            iteration: the iteration being saved.
            kept: the iteration of the save in the model dir now (for the error).
            backup: first make ``backup/`` a copy (hard links) of the save in place.
            snapshot: then also copy the new save to ``snapshots/<iteration>``.

        Raises:
            SaveError: a file could not be written; says which save the model dir holds.
        """
        files = [self.file(name) for name in CHECKPOINT_FILES]
        snapshot_dir = self.path / SNAPSHOT_DIR / f"{iteration:08d}"
        stage = "save"
        try:
            if snapshot:    # first: a kill between the save and its copy leaves this marker
                snapshot_dir.mkdir(parents=True, exist_ok=True)
            stage = "backup"
            if backup:
                link_or_copy_tree(files, self.path / BACKUP_DIR)
            stage = "save"
            commit(self.path, writers)
            stage = "snapshot"
            if snapshot:
                link_or_copy_tree(files, snapshot_dir)
        except OSError as exc:
            raise SaveError(stage, self.path, iteration,
                            iteration if stage == "snapshot" else kept, exc) from exc

    def is_model(self) -> bool:
        """Whether this is a phazer model dir (it has ``state.json``)."""
        self.recover()
        return (self.path / STATE_FILE).is_file()

    def has_weights(self) -> bool:
        """Whether a save with weights exists."""
        return self.is_model() and self.weights.is_file()

    def check_usable_for_new_model(self) -> None:
        """Refuse a path that is a file, or a non-empty folder that is not a model dir.

        Raises:
            ModelDirError: with the reason.
        """
        if self.path.exists() and not self.path.is_dir():
            raise ModelDirError(f"model dir {self.path} is a file")
        if self.path.is_dir() and not self.is_model():
            visible = [p for p in self.path.iterdir() if not p.name.startswith(".")]
            if visible:
                raise ModelDirError(
                    f"{self.path} is not empty and holds no phazer model ({STATE_FILE} is "
                    "missing); pass a new or empty folder, or an existing model dir")

    def read_state(self) -> TrainState:
        """The training state.

        Raises:
            ModelDirError: ``state.json`` is missing or not valid.
        """
        self.recover()
        path = self.path / STATE_FILE
        try:
            return TrainState.from_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelDirError(f"{self.path} is not a phazer model dir ({STATE_FILE} is "
                                "missing)") from None
        except (OSError, ValueError, TypeError) as exc:
            raise ModelDirError(f"{path} cannot be read: {exc}") from None

    def read_spec(self) -> ModelSpec:
        """The spec the model was trained with.

        Raises:
            ModelDirError: ``spec.yaml`` is missing or no longer valid.
        """
        self.recover()
        path = self.path / SPEC_FILE
        if not path.is_file():
            raise ModelDirError(f"{self.path} has no {SPEC_FILE}")
        try:
            return load_spec(str(path)).spec
        except SpecError as exc:
            first = exc.issues[0].message if exc.issues else str(exc)
            raise ModelDirError(f"{path} is not a valid spec any more: {first}") from None


def spec_text(spec: ModelSpec) -> str:
    """The resolved spec as the YAML kept in a model dir."""
    return dump_spec(spec, header="The resolved spec of this model, written by phazer train.\n"
                     "Fields that may change on resume (losses, learning rate, dropout, freeze,\n"
                     "batch size...) show the latest session's values.")
