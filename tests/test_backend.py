"""phazer.backend: which Keras backend a command runs on, and activating it before Keras loads.

Pure and fast: no Keras, TensorFlow, PyTorch or JAX is imported here. A Keras already loaded
with some backend is a stand-in module put in ``sys.modules``.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from types import SimpleNamespace

import pytest

from phazer import backend
from phazer.backend import (
    BACKENDS,
    DEFAULT_BACKEND,
    ENV_VAR,
    INSTALLS,
    BackendChoice,
    BackendError,
    activate,
    choose_backend,
    is_installed,
    loaded_backend,
)
from tests.helpers import REPO


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No KERAS_BACKEND in the environment; whatever was there is put back afterwards."""
    monkeypatch.setenv(ENV_VAR, "placeholder")   # so that delenv records the original value
    monkeypatch.delenv(ENV_VAR)
    return monkeypatch


def _keras_on(monkeypatch: pytest.MonkeyPatch, name: str | None) -> None:
    """Make ``sys.modules`` say Keras is loaded with ``name`` (None: not loaded)."""
    if name is None:
        monkeypatch.delitem(sys.modules, "keras", raising=False)
    else:
        fake = SimpleNamespace(backend=SimpleNamespace(backend=lambda: name))
        monkeypatch.setitem(sys.modules, "keras", fake)


# --- choose_backend ---------------------------------------------------------------------------

def test_nothing_named_gives_tensorflow_by_default():
    choice = choose_backend(environ={})
    assert choice == BackendChoice("tensorflow", "default") and DEFAULT_BACKEND == "tensorflow"
    assert choice.describe() == "tensorflow (default)"


@pytest.mark.parametrize(("kwargs", "source"), [
    ({"spec_value": "torch"}, "training.backend"),
    ({"flag": "torch"}, "--backend"),
    ({"environ": {ENV_VAR: "torch"}}, ENV_VAR),
], ids=["spec", "flag", "env"])
def test_one_place_names_the_backend(kwargs, source):
    kwargs.setdefault("environ", {})
    assert choose_backend(**kwargs) == BackendChoice("torch", source)


def test_places_that_agree_are_all_credited():
    choice = choose_backend("jax", "jax", {ENV_VAR: "jax"})
    assert choice == BackendChoice("jax", "training.backend and --backend and KERAS_BACKEND")


def test_the_spec_is_named_as_the_caller_says():
    choice = choose_backend("jax", environ={}, spec_source="training.backend of my.yaml")
    assert choice.source == "training.backend of my.yaml"


@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
def test_an_empty_keras_backend_does_not_count(value):
    assert choose_backend(flag="jax", environ={ENV_VAR: value}) == BackendChoice("jax", "--backend")
    assert choose_backend(environ={ENV_VAR: value}).source == "default"


def test_the_environment_is_read_when_none_is_given(clean_env):
    clean_env.setenv(ENV_VAR, "jax")
    assert choose_backend() == BackendChoice("jax", ENV_VAR)


@pytest.mark.parametrize(("spec", "flag", "env", "said"), [
    ("torch", "jax", None, ["training.backend says torch", "--backend says jax"]),
    ("torch", None, "tensorflow", ["training.backend says torch", "KERAS_BACKEND says tensorflow"]),
    (None, "jax", "torch", ["--backend says jax", "KERAS_BACKEND says torch"]),
    ("torch", "torch", "jax", ["training.backend says torch", "--backend says torch",
                               "KERAS_BACKEND says jax"]),
], ids=["spec-flag", "spec-env", "flag-env", "two-agree-one-not"])
def test_places_that_disagree_are_an_error_naming_each(spec, flag, env, said):
    environ = {} if env is None else {ENV_VAR: env}
    with pytest.raises(BackendError) as caught:
        choose_backend(spec, flag, environ)
    assert "named twice, differently" in caught.value.message
    for part in said:
        assert part in caught.value.message
    assert "unset KERAS_BACKEND" in caught.value.hint


@pytest.mark.parametrize(("kwargs", "source"), [
    ({"spec_value": "pytorch"}, "training.backend"),
    ({"flag": "pytorch"}, "--backend"),
    ({"environ": {ENV_VAR: "pytorch"}}, ENV_VAR),
    ({"environ": {ENV_VAR: "numpy"}}, ENV_VAR),   # a Keras backend, but not one phazer trains on
], ids=["spec", "flag", "env", "keras-numpy"])
def test_an_unknown_name_is_an_error_naming_where_and_what(kwargs, source):
    kwargs.setdefault("environ", {})
    value = kwargs.get("spec_value") or kwargs.get("flag") or kwargs["environ"][ENV_VAR]
    with pytest.raises(BackendError) as caught:
        choose_backend(**kwargs)
    assert caught.value.message.startswith(f"{source} is {value!r}")
    assert "tensorflow, torch, jax" in caught.value.message
    assert caught.value.hint == f"set {source} to one of tensorflow, torch, jax"


def test_an_unknown_name_is_reported_before_a_conflict():
    with pytest.raises(BackendError, match="--backend is 'tf'"):
        choose_backend("torch", "tf", {ENV_VAR: "jax"})


# --- is_installed, loaded_backend, activate -----------------------------------------------------

def test_is_installed_looks_the_package_up(monkeypatch):
    assert is_installed("tensorflow")   # phazer's core dependency
    monkeypatch.setitem(backend.PACKAGES, "jax", "phazer_no_such_package")
    assert not is_installed("jax")


@pytest.mark.parametrize("name", [None, "tensorflow", "jax"])
def test_loaded_backend_reads_the_loaded_keras(monkeypatch, name):
    _keras_on(monkeypatch, name)
    assert loaded_backend() == name


@pytest.mark.parametrize("loaded", [None, "torch"], ids=["keras-not-loaded", "keras-on-torch"])
def test_activate_sets_keras_backend(clean_env, loaded):
    clean_env.setattr(backend, "is_installed", lambda name: True)
    _keras_on(clean_env, loaded)
    activate(BackendChoice("torch", "--backend"))
    assert os.environ[ENV_VAR] == "torch"


def test_activate_refuses_a_missing_package_and_names_the_install(clean_env):
    clean_env.setitem(backend.PACKAGES, "jax", "phazer_no_such_package")
    with pytest.raises(BackendError) as caught:
        activate(BackendChoice("jax", "--backend"))
    assert caught.value.message == ("the jax backend (--backend) is not installed: no "
                                    "phazer_no_such_package package in this Python")
    assert caught.value.hint.startswith('pip install "phazer[jax]"')
    assert "phazer doctor" in caught.value.hint
    assert ENV_VAR not in os.environ   # nothing was set


def test_activate_refuses_another_backend_once_keras_is_loaded(clean_env):
    clean_env.setattr(backend, "is_installed", lambda name: True)
    _keras_on(clean_env, "tensorflow")
    with pytest.raises(BackendError) as caught:
        activate(BackendChoice("jax", "training.backend"))
    assert caught.value.message == ("Keras is already running on tensorflow in this process; "
                                    "jax (training.backend) cannot be used")
    assert caught.value.hint == "run phazer in a new process with KERAS_BACKEND=jax"


# --- the installs the messages name exist ------------------------------------------------------

def test_every_backend_has_an_install_naming_a_real_extra():
    assert set(INSTALLS) == set(BACKENDS) == set(backend.PACKAGES)
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["optional-dependencies"]
    named = {extra for text in INSTALLS.values() for extra in re.findall(r"phazer\[(\w+)\]", text)}
    assert named == {"cuda", "torch", "jax"}
    assert named <= set(extras)
    # the heavy builds stay out of the developer install
    assert not any(dep.startswith(("torch", "jax", "tensorflow[")) for dep in extras["dev"])
