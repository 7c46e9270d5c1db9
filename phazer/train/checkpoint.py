"""The files of a save: the model's weights and the optimizer's state.

Writers here plug into :func:`phazer.train.journal.commit`, which makes a save's files appear
together. The optimizer state is an ``.npz`` of arrays keyed by variable path (without the
optimizer's own name), so a later session can match each slot to its weight even when another
set of weights is trainable (``--freeze-weights`` on or off).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from phazer.train.journal import Writer, commit, recover, text_writer
from phazer.train.modeldir import (
    OPTIMIZER_FILE,
    SPEC_FILE,
    STATE_FILE,
    WEIGHTS_FILE,
    spec_text,
)

_NAMES_KEY = "__names__"


def weights_writer(model: keras.Model) -> Writer:
    """A writer of the model's weights (Keras ``.weights.h5``; not the optimizer's)."""
    def write(target: Path) -> None:
        model.save_weights(target)
    return write


def model_variable_keys(model: keras.Model) -> dict[int, str]:
    """A model-wide unique name for each weight: ``<sub-model>/<path inside it>``.

    Keras' own variable paths leave out the sub-model, so ``decoder_a`` and ``decoder_b``
    (built by the same code) have weights with the same paths; the sub-model makes them unique.
    Keyed by ``id()`` of the variable object.
    """
    keys: dict[int, str] = {}
    for layer in model.layers:
        for weight in layer.weights:
            keys.setdefault(id(weight), f"{layer.name}/{weight.path}")
    for weight in model.weights:
        keys.setdefault(id(weight), weight.path)
    return keys


def _scope_free(path: str) -> str:
    """``adam_2/iteration`` -> ``adam/iteration``: Keras numbers optimizers per process."""
    head, _, tail = path.partition("/")
    return f"{re.sub(r'_[0-9]+$', '', head)}/{tail}" if tail else path


def optimizer_variable_keys(optimizer: keras.optimizers.Optimizer, model: keras.Model,
                            trainable: Sequence[keras.Variable]) -> list[tuple[str, Any]]:
    """Each optimizer variable with a key that names the weight it belongs to.

    Keras names a slot ``<weight path with _ for />_<slot>`` (``..._kernel_momentum``), which
    is ambiguous when two sub-models have weights of the same path. Keras creates the slots
    in the order of the trainable weights, so the k-th slot of a given name belongs to the
    k-th trainable weight of that path; its key is then ``<sub-model>/<path>:<slot>``.
    Variables that are not slots (the step count, the learning rate, loss scaling) are keyed
    ``optimizer:<path>``.
    """
    model_keys = model_variable_keys(model)
    by_path: dict[str, list[Any]] = {}
    for variable in trainable:
        by_path.setdefault(variable.path.replace("/", "_"), []).append(variable)
    seen: dict[tuple[str, str], int] = {}
    keyed = []
    for variable in optimizer.variables:
        name = str(variable.name)
        prefix, slot = _split_slot(name, by_path)
        if prefix is None:
            keyed.append((f"optimizer:{_scope_free(str(variable.path))}", variable))
            continue
        index = seen.get((prefix, slot), 0)
        seen[(prefix, slot)] = index + 1
        owners = by_path[prefix]
        owner = owners[index] if index < len(owners) else owners[-1]
        keyed.append((f"{model_keys.get(id(owner), owner.path)}:{slot}", variable))
    return keyed


def _split_slot(name: str, prefixes: Mapping[str, Any]) -> tuple[str | None, str]:
    """The longest ``<weight>_`` prefix of a slot name, and the slot (``momentum``)."""
    position = len(name)
    while True:
        position = name.rfind("_", 0, position)
        if position <= 0:
            return None, ""
        if name[:position] in prefixes:
            return name[:position], name[position + 1:]


def optimizer_arrays(optimizer: keras.optimizers.Optimizer, model: keras.Model,
                     extra: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
    """The optimizer's state (and any extra state) as arrays keyed by the weight they serve.

    Keys come from :func:`optimizer_variable_keys`, so a later session matches each slot to
    its weight even when another set of weights is trainable.
    """
    trainable = optimizer_trainables(optimizer, model)
    arrays = {key: np.asarray(v.numpy())
              for key, v in optimizer_variable_keys(optimizer, model, trainable)}
    for key, variable in (extra or {}).items():
        arrays[key] = np.asarray(variable.numpy())
    return arrays


def optimizer_trainables(optimizer: keras.optimizers.Optimizer, model: keras.Model
                         ) -> list[keras.Variable]:
    """The weights the optimizer was built for (those trainable when it was built)."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    built = getattr(inner, "_trainable_variables", None)
    return list(built) if built else list(model.trainable_variables)


def optimizer_writer(arrays: Mapping[str, np.ndarray]) -> Writer:
    """A writer of optimizer arrays as ``.npz`` (names stored alongside, in order)."""
    def write(target: Path) -> None:
        names = np.array(list(arrays), dtype=np.str_)
        with open(target, "wb") as handle:
            np.savez(handle, *arrays.values(), **{_NAMES_KEY: names})
    return write


def read_optimizer_arrays(path: Path) -> dict[str, np.ndarray]:
    """Read what :func:`optimizer_writer` wrote."""
    with np.load(path, allow_pickle=False) as data:
        names = [str(n) for n in data[_NAMES_KEY]]
        return {name: data[f"arr_{i}"] for i, name in enumerate(names)}


def restore_optimizer(optimizer: keras.optimizers.Optimizer, model: keras.Model,
                      arrays: Mapping[str, np.ndarray],
                      extra: Mapping[str, Any] | None = None,
                      skip: Iterable[str] = ("learning_rate",)) -> tuple[list[str], list[str]]:
    """Assign saved arrays to an optimizer built for the current trainable weights.

    Args:
        optimizer: a built optimizer.
        model: the model it trains (to name the weights).
        arrays: from :func:`read_optimizer_arrays`.
        extra: other state saved alongside (e.g. autoclip's), by key.
        skip: variable names (last path part) not restored: the learning rate comes from the
            spec, which may change on resume.

    Returns:
        ``(restored, fresh)``: keys restored, and keys of the current optimizer with no saved
        value (weights newly made trainable start with fresh optimizer state).
    """
    skipped = set(skip)
    trainable = optimizer_trainables(optimizer, model)
    targets = list(optimizer_variable_keys(optimizer, model, trainable))
    targets += list((extra or {}).items())
    restored, fresh = [], []
    for key, variable in targets:
        if key.rsplit("/", 1)[-1] in skipped:
            continue
        value = arrays.get(key)
        if value is None or tuple(value.shape) != tuple(variable.shape):
            fresh.append(key)
            continue
        variable.assign(value)
        restored.append(key)
    return restored, fresh


def write_new_model_dir(target: Path, spec: Any, model: keras.Model,
                        optimizer_arrays: Mapping[str, np.ndarray], state: Any) -> None:
    """Write a whole new model dir at once (spec, weights, optimizer state, state.json).

    Used by the commands that make a model dir without training (``phazer transfer``,
    ``phazer import-faceswap``): it is complete or absent.

    Raises:
        OSError: the write failed; what it left inside ``target`` is discarded, and
            ``target`` itself removed if this call created it.
    """
    created = not target.exists()
    try:
        commit(target, {SPEC_FILE: text_writer(spec_text(spec)),
                        WEIGHTS_FILE: weights_writer(model),
                        OPTIMIZER_FILE: optimizer_writer(optimizer_arrays),
                        STATE_FILE: text_writer(state.to_json())})
    except OSError:
        recover(target)
        if created:
            with contextlib.suppress(OSError):
                target.rmdir()
        raise
