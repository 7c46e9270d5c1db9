"""``--backend``: the commands that build a Keras model settle its backend here, first.

:func:`start_backend` is called after the spec is read (its ``training.backend`` counts) and
before anything imports Keras. It prints a conflict, an unknown name or a missing package as
one error with its hint and returns None, so the command exits 1 without a traceback.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from phazer.backend import BACKENDS, BackendChoice, BackendError, activate, choose_backend
from phazer.cli.tensorflow_import import quiet_tensorflow

if TYPE_CHECKING:
    from rich.console import Console


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    """Register ``--backend``."""
    parser.add_argument("--backend", choices=BACKENDS,
                        help="the Keras backend: tensorflow, torch (PyTorch) or jax (default: "
                             "training.backend, else KERAS_BACKEND, else tensorflow; two that "
                             "differ are an error)")


def start_backend(flag: str | None, spec_backend: str | None, command: str,
                  errors: Console, spec_name: str = "the spec",
                  needs_tensorflow: bool = False) -> BackendChoice | None:
    """Choose and activate the backend; None (after printing why) when it cannot be used.

    Args:
        flag: ``--backend``.
        spec_backend: the spec's ``training.backend`` (None when unset).
        command: the command's name, for the message.
        errors: where to print.
        spec_name: the spec's file or preset name, for the message.
        needs_tensorflow: the command uses TensorFlow whatever the backend (the training data
            pipeline is ``tf.data``): import it now, quietly.
    """
    try:
        choice = choose_backend(spec_backend, flag,
                                spec_source=f"training.backend of {spec_name}")
        activate(choice)
    except BackendError as exc:
        errors.print(f"phazer {command}: error: {exc.message}", markup=False, highlight=False)
        if exc.hint:
            errors.print(f"  hint: {exc.hint}", markup=False, highlight=False)
        return None
    if choice.name == "tensorflow" or needs_tensorflow:
        quiet_tensorflow()
    return choice
