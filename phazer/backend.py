"""Which Keras backend a command runs on: TensorFlow, PyTorch or JAX.

Keras reads its backend once, from ``KERAS_BACKEND``, when it is first imported. A phazer
command therefore settles the backend before anything imports Keras:

1. :func:`choose_backend` reads the three places a user can name it: the spec's
   ``training.backend``, the command's ``--backend`` and the ``KERAS_BACKEND`` environment
   variable. Any of them may be absent; two that name different backends are an error (the
   user meant one of them, and phazer will not guess which); none gives ``tensorflow``.
2. :func:`activate` sets ``KERAS_BACKEND`` for the process, after checking that the backend's
   package is installed (a missing one names the install that brings it) and that Keras was not
   already loaded with another backend in this process.

This module imports nothing heavy: the CLI calls it before TensorFlow, PyTorch or JAX load.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

BACKENDS: tuple[str, ...] = ("tensorflow", "torch", "jax")
DEFAULT_BACKEND = "tensorflow"
ENV_VAR = "KERAS_BACKEND"
# the package a backend needs, and the extra of phazer's that installs it
PACKAGES: dict[str, str] = {"tensorflow": "tensorflow", "torch": "torch", "jax": "jax"}
INSTALLS: dict[str, str] = {
    "tensorflow": 'pip install phazer (TensorFlow comes with it; "phazer[cuda]" for NVIDIA '
                  "GPUs on Linux)",
    "torch": 'pip install "phazer[torch]"',
    "jax": 'pip install "phazer[jax]"',
}


class BackendError(Exception):
    """A backend that cannot be used: unknown, conflicting, missing or already taken.

    Attributes:
        message: what is wrong, naming the values and where each came from.
        hint: how to fix it.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class BackendChoice:
    """The backend a command runs on, and what chose it.

    Attributes:
        name: ``tensorflow``, ``torch`` or ``jax``.
        source: where it was named (``training.backend``, ``--backend``, ``KERAS_BACKEND``)
            or ``default``.
    """

    name: str
    source: str

    def describe(self) -> str:
        """``torch (--backend)``, ``tensorflow (default)``."""
        return f"{self.name} ({self.source})"


def _checked(name: str, source: str) -> str:
    if name not in BACKENDS:
        raise BackendError(f"{source} is {name!r}: phazer trains on "
                           f"{', '.join(BACKENDS)}",
                           f"set {source} to one of {', '.join(BACKENDS)}")
    return name


def choose_backend(spec_value: str | None = None, flag: str | None = None,
                   environ: Mapping[str, str] | None = None,
                   spec_source: str = "training.backend") -> BackendChoice:
    """The backend named by the spec, the command line and the environment.

    Args:
        spec_value: the spec's ``training.backend`` (None when the spec does not set it).
        flag: ``--backend`` (None when not given).
        environ: the environment (default ``os.environ``); ``KERAS_BACKEND`` counts when set
            and not empty.
        spec_source: how to name the spec's field in messages (e.g. with the file's name).

    Raises:
        BackendError: a value that is not a backend phazer runs on, or two places that name
            different backends.
    """
    environ = os.environ if environ is None else environ
    named: list[tuple[str, str]] = []
    if spec_value is not None:
        named.append((spec_source, _checked(spec_value, spec_source)))
    if flag is not None:
        named.append(("--backend", _checked(flag, "--backend")))
    env_value = environ.get(ENV_VAR, "").strip()
    if env_value:
        named.append((ENV_VAR, _checked(env_value, ENV_VAR)))
    names = {name for _, name in named}
    if len(names) > 1:
        said = ", ".join(f"{source} says {name}" for source, name in named)
        raise BackendError(f"the backend is named twice, differently: {said}",
                           "name it in one place, or make them agree (unset KERAS_BACKEND "
                           "with `unset KERAS_BACKEND`, or drop --backend)")
    if named:
        source, name = named[0]
        return BackendChoice(name, " and ".join(s for s, _ in named) if len(named) > 1
                             else source)
    return BackendChoice(DEFAULT_BACKEND, "default")


def is_installed(name: str) -> bool:
    """Whether the backend's package can be imported here (without importing it)."""
    return importlib.util.find_spec(PACKAGES[name]) is not None


def loaded_backend() -> str | None:
    """The backend Keras runs on in this process, or None when Keras is not imported yet."""
    keras = sys.modules.get("keras")
    if keras is None:
        return None
    return str(keras.backend.backend())


def activate(choice: BackendChoice) -> None:
    """Make Keras run on the chosen backend in this process.

    Raises:
        BackendError: the backend's package is not installed, or Keras is already loaded
            with another backend (the backend cannot change once Keras is imported).
    """
    if not is_installed(choice.name):
        raise BackendError(f"the {choice.name} backend ({choice.source}) is not installed: "
                           f"no {PACKAGES[choice.name]} package in this Python",
                           f"{INSTALLS[choice.name]}; `phazer doctor` lists what is "
                           "installed")
    loaded = loaded_backend()
    if loaded is not None and loaded != choice.name:
        raise BackendError(f"Keras is already running on {loaded} in this process; "
                           f"{choice.describe()} cannot be used",
                           f"run phazer in a new process with {ENV_VAR}={choice.name}")
    os.environ[ENV_VAR] = choice.name
