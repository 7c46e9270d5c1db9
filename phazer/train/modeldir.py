"""A model dir: where ``phazer train`` keeps a model, and its ``state.json``.

Layout (``M`` is the model dir)::

    M/spec.yaml            the resolved spec the model was built from (defaults filled in)
    M/state.json           iterations, batch size, sessions, loss history, best loss, XLA choice
    M/model.weights.h5     the weights (Keras; load with model.load_weights)
    M/optimizer.npz        the optimizer's state, keyed by variable path (+ autoclip's history)
    M/preview.png          the latest preview: original / reconstruction / swap per side
    M/backup/              the previous save, kept when the average loss improved
    M/snapshots/NNNNNNNN/  a copy of the save at every snapshot interval
    M/logs/session_NNN/    TensorBoard logs

The first four files are written together by :func:`phazer.train.journal.commit`, so they
always belong to the same iteration.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from phazer.issues import SpecError
from phazer.spec import ModelSpec, load_spec
from phazer.spec.dump import dump_spec
from phazer.train.journal import recover

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
EXAMPLE_DEFINITION = "one face per side (an A face and a B face), as in phazer summary"


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
    """

    iterations: int = 0
    batch_size: int = 0
    sessions: list[dict[str, Any]] = field(default_factory=list)
    loss_history: list[dict[str, Any]] = field(default_factory=list)
    best_loss: float | None = None
    xla: dict[str, Any] | None = None

    def to_json(self) -> str:
        """The state as pretty JSON text."""
        data = {"version": STATE_VERSION, "example": EXAMPLE_DEFINITION, **asdict(self)}
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> TrainState:
        """Parse ``state.json`` text (unknown keys are ignored)."""
        data = json.loads(text)
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


class ModelDirError(Exception):
    """A model dir cannot be used (not a phazer model dir, unreadable state or spec)."""


class ModelDir:
    """The files of one model dir; reading recovers an interrupted save first."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

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
        """Finish or discard a save that a killed process left half done."""
        if self.path.is_dir():
            recover(self.path)

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
