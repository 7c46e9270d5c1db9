"""The backend of a command that runs a trained model (``phazer swap``, ``phazer export``).

A model dir's weights are the same on every Keras backend, so the backend it was trained on
(its saved ``spec.yaml``'s ``training.backend``) is only a default here: ``--backend`` or
``KERAS_BACKEND`` choose another without an error (only the two of them disagreeing is one, as
for every command). The saved default also gives way, with a note, to a format that only
another backend writes (``phazer export --format onnx`` of a model trained on torch runs on
TensorFlow). A saved backend that is not installed here is an error whose hint names
``--backend`` as well as the install.

Nothing heavy is imported: this runs before Keras loads.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from phazer.backend import (
    BACKENDS,
    DEFAULT_BACKEND,
    ENV_VAR,
    INSTALLS,
    BackendChoice,
    BackendError,
    choose_backend,
)
from phazer.backend import is_installed as backend_installed
from phazer.cli.backend_option import add_backend_option, start_backend

if TYPE_CHECKING:
    from rich.console import Console

SAME_WEIGHTS = "the weights are the same on every backend"


def _print(errors: Console, text: str) -> None:
    errors.print(text, markup=False, highlight=False)


def add_model_dir_backend_option(parser: argparse.ArgumentParser) -> None:
    """Register ``--backend``, its help saying what it means for a trained model."""
    add_backend_option(parser)
    action = next(a for a in parser._actions if "--backend" in a.option_strings)
    action.help = ("the Keras backend: tensorflow, torch (PyTorch) or jax (default: "
                   "KERAS_BACKEND, else the one the model was trained on, training.backend of "
                   "its spec.yaml, else tensorflow; the weights are the same on every backend)")


def start_model_dir_backend(flag: str | None, saved: str | None, command: str,
                            errors: Console, spec_file: Path,
                            writes_on: Sequence[str] = BACKENDS, what: str = "",
                            needs_tensorflow: bool = False) -> BackendChoice | None:
    """Choose and activate the backend for a trained model; None (after saying why) if none.

    Args:
        flag: ``--backend``.
        saved: the model dir's ``training.backend`` (None when its spec leaves it unset).
        command: the command's name, for messages.
        errors: where errors and notes go.
        spec_file: the model dir's ``spec.yaml``, to name where ``saved`` comes from.
        writes_on: the backends that can do what the command was asked (default: all).
        what: what was asked, for the message when the backend cannot do it
            (``--format onnx``).
        needs_tensorflow: import TensorFlow (quietly) whatever the backend.
    """
    explicit = flag is not None or bool(os.environ.get(ENV_VAR, "").strip())
    default = None if explicit else saved
    source = f"training.backend of {spec_file}"
    if default is not None and default not in writes_on:
        _print(errors, f"note: {source} is {default}, but {what} is written on "
                       f"{' or '.join(writes_on)} only: using {DEFAULT_BACKEND} "
                       f"({SAME_WEIGHTS})")
        default = None
    elif default is not None and not backend_installed(default):
        _print(errors, f"phazer {command}: error: the model was trained on {default} "
                       f"({source}), which is not installed here")
        _print(errors, f"  hint: pass --backend with an installed backend ({SAME_WEIGHTS}; "
                       f"`phazer doctor` lists them), or {INSTALLS[default]}")
        return None
    try:
        wanted = choose_backend(default, flag, spec_source=source).name
    except BackendError:
        wanted = None   # start_backend says why
    if wanted is not None and wanted not in writes_on:
        _print(errors, f"phazer {command}: error: {what} is written on "
                       f"{' or '.join(writes_on)} only, not on {wanted}")
        _print(errors, f"  hint: pass --backend {writes_on[0]} ({SAME_WEIGHTS})"
                       + (f" and unset {ENV_VAR}" if os.environ.get(ENV_VAR) else ""))
        return None
    return start_backend(flag, default, command, errors, spec_name=str(spec_file),
                         needs_tensorflow=needs_tensorflow)
