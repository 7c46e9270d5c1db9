"""What ``phazer transfer`` and ``phazer export`` check before TensorFlow is imported.

Both read a trained model dir (checked as :func:`phazer.train.swap_files.read_model_dir` checks
it for ``phazer swap``) and write a new folder that must not hold anything yet, so a user's
model or files are never overwritten. Both write through :func:`phazer.train.journal.commit`:
the files appear together or not at all, and what a killed run left (hidden ``.saving`` /
``.commit`` folders) is finished or discarded here before the folder is judged empty.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from phazer.spec import GraphSpec, ModelSpec
from phazer.train.journal import recover
from phazer.train.modeldir import ModelDir, ModelDirError
from phazer.train.swap_files import SwapError, read_model_dir

ONNX_INSTALL = ('install the optional ONNX tools: pip install "phazer[onnx]" (tf2onnx and '
                "onnxruntime), or export --format saved_model or keras")


class TransferError(Exception):
    """``phazer transfer`` or ``phazer export`` cannot run; ``hint`` says how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class SourceModel:
    """A trained model dir that was checked: its folder, spec and saved iteration.

    ``color_order`` is the order its weights take faces in (its ``state.json``'s,
    :mod:`phazer.model_colour`).
    """

    folder: ModelDir
    spec: ModelSpec | GraphSpec
    iterations: int
    color_order: str = "rgb"


def read_source(model_dir: str | Path) -> SourceModel:
    """The trained model of a model dir: missing, not a model dir, no weights are refused.

    Raises:
        TransferError: the model dir cannot be used (why, and how to fix it).
    """
    try:
        folder, spec = read_model_dir(model_dir)
        state = folder.read_state()
    except SwapError as exc:
        raise TransferError(exc.message, exc.hint) from None
    except ModelDirError as exc:      # an unreadable state.json
        raise TransferError(str(exc), "restore state.json from the model dir's backup/ or "
                            "a snapshot of the same save") from None
    return SourceModel(folder, spec, state.iterations, state.color_order)


def require_new_folder(path: str | Path, what: str) -> Path:
    """Refuse an output that exists and is not an empty folder; tidy a killed run's leftovers.

    Args:
        path: the folder to be written.
        what: how the messages call it (``the new model dir``, ``the export folder``).

    Raises:
        TransferError: it is a file, or a folder that holds something.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise TransferError(f"{what} {target} is a file", "pass a new folder (it is created)")
    if target.is_dir():
        try:
            recover(target)       # a killed run's .saving / .commit: finished or discarded
            visible = sorted(p.name for p in target.iterdir() if not p.name.startswith("."))
        except OSError as exc:
            raise TransferError(f"{what} {target} cannot be read ({exc.strerror or exc})",
                                "check its permissions, or pass another folder") from None
        if visible:
            shown = ", ".join(visible[:3]) + (", ..." if len(visible) > 3 else "")
            raise TransferError(f"{what} {target} is not empty (it holds {shown}); phazer "
                                "never writes over existing files",
                                "pass a new or empty folder, or remove this one first")
    return target


def check_onnx_tools() -> None:
    """Refuse ``--format onnx`` at once when its converter or checker is not installed.

    Raises:
        TransferError: tf2onnx or onnxruntime cannot be imported (how to install them).
    """
    missing = [name for name in ("tf2onnx", "onnxruntime")
               if importlib.util.find_spec(name) is None]
    if missing:
        raise TransferError(f"--format onnx needs {' and '.join(missing)}, which "
                            f"{'is' if len(missing) == 1 else 'are'} not installed",
                            ONNX_INSTALL)
