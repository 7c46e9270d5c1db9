"""Read a ``.keras`` file that faceswap wrote: its graph and every weight, without Keras.

A ``.keras`` file is a zip of ``metadata.json``, ``config.json`` (the model graph),
``model.weights.h5`` (every variable) and, when faceswap saved its optimizer, ``optimizer.pt``.
The HDF5 groups are not named after the layers: Keras walks each model's layer list (the
``config.layers`` of a ``Functional``, input layers included, Keras operations such as
``Multiply`` left out) and names each entry after its class in snake case, counting repeats of
a class within that list (``conv2d``, ``conv2d_1``, ...). A layer's variables are the datasets
``<group>/vars/0``, ``1``, ... in its own variable order; a nested model's layers sit below its
group (``layers/functional/layers/conv2d``). :func:`read_keras_file` follows that rule and
checks it against the ``name`` attribute Keras 3.14 writes on each ``vars`` group, and that no
dataset of the file is left unread.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from phazer.faceswap_folder.errors import FolderImportError

CONFIG_MEMBER = "config.json"
WEIGHTS_MEMBER = "model.weights.h5"
OPTIMIZER_MEMBER = "optimizer.pt"
_OPERATION_MODULE = "keras.src.ops"
_FUNCTIONAL = "Functional"


def snake_case(class_name: str) -> str:
    """A class name as Keras names its HDF5 group (``Conv2DTranspose`` -> ``conv2d_transpose``)."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


@dataclass(frozen=True)
class StoredLayer:
    """One layer of the file and its variables.

    Attributes:
        name: the layer's name (unique only within its model).
        class_name: its class (``Conv2D``, faceswap's ``InstanceNormalization``, ...).
        group: its HDF5 group (``layers/functional/layers/conv2d``).
        variables: its variables in the layer's own order (empty for most layers).
    """

    name: str
    class_name: str
    group: str
    variables: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class StoredModel:
    """A ``Functional`` of the file: the top model, a sub-model or a nested Keras model.

    Attributes:
        name: the model's name (``encoder``, ``fc_a``, ``mobilenet_0.10_32``, ...).
        group: its HDF5 group ("" for the top model).
        entries: its layers and nested models, in ``config.layers`` order.
    """

    name: str
    group: str
    entries: tuple[StoredLayer | StoredModel, ...]

    def submodels(self) -> dict[str, StoredModel]:
        """The models directly inside this one, by name."""
        return {e.name: e for e in self.entries if isinstance(e, StoredModel)}

    def layers(self) -> list[StoredLayer]:
        """The layers directly inside this one (not in nested models)."""
        return [e for e in self.entries if isinstance(e, StoredLayer)]

    def weighted_layers(self, prefix: str = "") -> Iterator[tuple[str, StoredLayer]]:
        """Every layer with variables (nested models walked in place): ``(model/layer, layer)``."""
        for entry in self.entries:
            if isinstance(entry, StoredModel):
                yield from entry.weighted_layers(f"{prefix}{entry.name}/")
            elif entry.variables:
                yield f"{prefix}{entry.name}", entry

    def variable_count(self) -> int:
        """How many variables the model holds, nested models included."""
        return sum(len(layer.variables) for _, layer in self.weighted_layers())


@dataclass(frozen=True)
class KerasFile:
    """What a faceswap ``.keras`` file holds.

    Attributes:
        path: the file.
        model: the top model with every weight.
        keras_version: the Keras version that wrote it ("" when not recorded).
        optimizer_pt: the bytes of faceswap's ``optimizer.pt`` member, or None.
    """

    path: Path
    model: StoredModel
    keras_version: str
    optimizer_pt: bytes | None


def _bad(path: Path, what: str, hint: str = "") -> FolderImportError:
    return FolderImportError(f"{path}: {what}", hint or "the file is not a model file Keras 3 "
                             "wrote; copy it again from the faceswap model folder")


def read_keras_file(path: Path) -> KerasFile:
    """Read the graph and every weight of a faceswap ``.keras`` file.

    Raises:
        FolderImportError: not a zip, a member is missing or malformed, a layer's group is
            missing or named after another layer, or a dataset is not reached by the rule.
    """
    import h5py

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for member in (CONFIG_MEMBER, WEIGHTS_MEMBER):
                if member not in names:
                    raise _bad(path, f"the zip has no {member} member (members: "
                               f"{', '.join(sorted(names)) or 'none'})")
            config = json.loads(archive.read(CONFIG_MEMBER))
            weights = archive.read(WEIGHTS_MEMBER)
            metadata = (json.loads(archive.read("metadata.json"))
                        if "metadata.json" in names else {})
            optimizer = archive.read(OPTIMIZER_MEMBER) if OPTIMIZER_MEMBER in names else None
    except zipfile.BadZipFile:
        raise _bad(path, "is not a zip file (a Keras 3 .keras file is one)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad(path, f"a JSON member cannot be read ({exc})") from None
    except OSError as exc:
        raise FolderImportError(f"cannot read {path}: {exc.strerror or exc}",
                                "check the file's permissions") from None
    kind = config.get("class_name") if isinstance(config, dict) else type(config).__name__
    if kind != _FUNCTIONAL:
        raise _bad(path, f"{CONFIG_MEMBER} does not describe a functional model "
                   f"(class_name {kind!r})")
    try:
        with h5py.File(io.BytesIO(weights), "r") as h5:
            reader = _Reader(path, h5)
            model = reader.model(config, "")
            reader.check_all_read()
    except OSError as exc:
        raise _bad(path, f"{WEIGHTS_MEMBER} is not an HDF5 file ({exc})") from None
    return KerasFile(path, model, str(metadata.get("keras_version", "")), optimizer)


class _Reader:
    """Walks ``config.json`` and reads each layer's group of the open HDF5 file."""

    def __init__(self, path: Path, h5: Any) -> None:
        self.path = path
        self.h5 = h5
        self.read: set[str] = set()

    def model(self, entry: dict[str, Any], group: str) -> StoredModel:
        config = entry.get("config", {})
        name = str(config.get("name", ""))
        entries: list[StoredLayer | StoredModel] = []
        counts: dict[str, int] = {}
        for layer in config.get("layers", []):
            if str(layer.get("module", "")).startswith(_OPERATION_MODULE):
                continue    # a Keras operation (Multiply, Subtract): not a layer, no weights
            class_name = str(layer.get("class_name", ""))
            base = snake_case(class_name)
            seen = counts.get(base)
            counts[base] = 0 if seen is None else seen + 1
            child = f"{group}/layers/" if group else "layers/"
            child += base if seen is None else f"{base}_{seen + 1}"
            if class_name == _FUNCTIONAL:
                entries.append(self.model(layer, child))
            else:
                entries.append(self.layer(layer, child))
        self._own_variables(group, name)
        return StoredModel(name, group, tuple(entries))

    def _own_variables(self, group: str, name: str) -> None:
        where = f"{group}/vars" if group else "vars"
        held = self.h5.get(where)
        if held is not None and len(held):
            raise _bad(self.path, f"the model {name!r} has variables of its own ({where}); "
                       "faceswap's models keep every weight in their layers",
                       "this is not a model faceswap built; phazer cannot import it")

    def layer(self, entry: dict[str, Any], group: str) -> StoredLayer:
        name = str(entry.get("config", {}).get("name", ""))
        where = f"{group}/vars"
        held = self.h5.get(where)
        if held is None:
            raise _bad(self.path, f"layer {name!r} ({entry.get('class_name')}) has no group "
                       f"{where} in {WEIGHTS_MEMBER}")
        recorded = held.attrs.get("name")
        if isinstance(recorded, bytes):
            recorded = recorded.decode("utf-8")
        if recorded is not None and str(recorded) != name:
            raise _bad(self.path, f"{where} belongs to layer {recorded!r}, but {CONFIG_MEMBER} "
                       f"puts layer {name!r} there: the file does not follow Keras' layout")
        count = len(held)
        try:
            variables = tuple(np.asarray(held[str(i)][()]) for i in range(count))
        except KeyError:
            raise _bad(self.path, f"{where} holds {sorted(held)}, not the datasets 0..{count - 1} "
                       "Keras writes") from None
        self.read.update(f"{where}/{i}" for i in range(count))
        return StoredLayer(name, str(entry.get("class_name", "")), group, variables)

    def check_all_read(self) -> None:
        """Refuse a file with a dataset the layout rule did not reach."""
        datasets: list[str] = []
        self.h5.visititems(lambda key, item: datasets.append(key)
                           if hasattr(item, "shape") else None)
        left = [key for key in datasets if key not in self.read]
        if left:
            raise _bad(self.path, f"{len(left)} weight(s) of {WEIGHTS_MEMBER} belong to no layer "
                       f"of {CONFIG_MEMBER} (first: {left[0]})",
                       "the file was not written by Keras 3 for this graph; phazer cannot tell "
                       "where these weights go")
