"""Put every weight of a faceswap ``.keras`` file in its place in phazer's model of the spec.

Sub-models are matched by name (``encoder``, ``fc_a``, ``decoder_both``: phazer's models carry
faceswap's sub-model names). Inside a sub-model, faceswap's and phazer's layer names differ
(faceswap numbers auto-named layers across the whole model, ``dense_3``, ``upscale_16_2``;
phazer within a sub-model, and a nested Keras Applications model is named after its
architecture), so layers are matched by position: the k-th layer with weights of faceswap's
sub-model (in ``config.json`` order, a nested model's layers in place) is phazer's k-th.
phazer builds each sub-model layer by layer in faceswap's order, so the classes and every
weight's shape must then agree exactly; the first layer where they do not stops the import,
naming the sub-model, both layers and both shapes. Inside a layer each variable is matched by
name, in faceswap's variable order for the layer's class (:data:`VARIABLE_NAMES`).

One layout differs by design: faceswap's ``GroupNormalization`` keeps ``gamma`` and ``beta`` as
``(1, 1, 1, C)``, Keras' as ``(C,)``; the values are the same (:data:`BROADCAST_LAYOUTS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from phazer.faceswap_folder.errors import FolderImportError
from phazer.faceswap_folder.keras_file import StoredLayer, StoredModel

VARIABLE_NAMES: dict[str, tuple[str, ...]] = {
    "Conv2D": ("kernel", "bias"),
    "Conv2DTranspose": ("kernel", "bias"),
    "Dense": ("kernel", "bias"),
    "DepthwiseConv2D": ("kernel", "bias"),
    "SeparableConv2D": ("depthwise_kernel", "pointwise_kernel", "bias"),
    "BatchNormalization": ("gamma", "beta", "moving_mean", "moving_variance"),
    "LayerNormalization": ("gamma", "beta"),
    "InstanceNormalization": ("gamma", "beta"),
    "GroupNormalization": ("gamma", "beta"),
    "RMSNormalization": ("scale",),
}
"""faceswap's variables of each layer class, in the order its ``.keras`` file stores them
(a layer without a bias stores the first ones only)."""

BROADCAST_LAYOUTS = frozenset({"GroupNormalization"})
"""Classes whose faceswap variables carry extra size-1 axes that phazer's do not."""


@dataclass(frozen=True)
class Placement:
    """One weight of the file and the variable of phazer's model it went to.

    Attributes:
        where: ``<sub-model>/<faceswap layer>/<variable>`` (nested models included).
        stored_shape: its shape in faceswap's file.
        variable: phazer's variable (same values; the same shape but for a broadcast layout).
        value: the value assigned.
    """

    where: str
    stored_shape: tuple[int, ...]
    variable: Any
    value: np.ndarray

    @property
    def name(self) -> str:
        """The variable's own name (``kernel``, ``bias``, ``gamma``, ...)."""
        return str(self.variable.name)


def _weighted(layer: Any) -> list[tuple[str, Any]]:
    """The layers with weights of one of phazer's (sub-)models, nested models walked in place."""
    import keras

    found: list[tuple[str, Any]] = []
    for inner in getattr(layer, "layers", []):
        if isinstance(inner, keras.Model):
            found += [(f"{inner.name}/{name}", sub) for name, sub in _weighted(inner)]
        elif inner.weights:
            found.append((inner.name, inner))
    return found


def _shape(shape: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in shape)


def _refuse(message: str) -> FolderImportError:
    return FolderImportError(message, "the folder's weights were not trained with the options "
                             "its state file holds (was the state file or the .keras file "
                             "replaced?); import a folder whose two files belong together")


def _variable_pairs(sub: str, path: str, stored: StoredLayer, name: str, layer: Any
                    ) -> list[tuple[str, np.ndarray, Any]]:
    """Each stored variable of a layer with phazer's variable it goes to."""
    theirs = list(layer.weights)
    by_name = {str(w.name): w for w in theirs}
    expected = VARIABLE_NAMES.get(stored.class_name, ())
    if len(stored.variables) <= len(expected) and all(n in by_name for n in
                                                      expected[:len(stored.variables)]):
        names = list(expected[:len(stored.variables)])
    elif len(stored.variables) == len(theirs):
        names = [str(w.name) for w in theirs]
    else:
        raise _refuse(f"{sub}: faceswap's layer {path} ({stored.class_name}) has "
                      f"{len(stored.variables)} weights, phazer's {name} has {len(theirs)} "
                      f"({', '.join(str(w.name) for w in theirs)})")
    extra = [str(w.name) for w in theirs if str(w.name) not in names]
    if extra:
        raise _refuse(f"{sub}: phazer's layer {name} has weights faceswap's {path} lacks: "
                      f"{', '.join(extra)}")
    return [(n, value, by_name[n]) for n, value in zip(names, stored.variables, strict=True)]


def _fit(sub: str, path: str, stored: StoredLayer, name: str, variable: Any, var_name: str,
         value: np.ndarray) -> np.ndarray:
    """The stored value in the variable's shape; refuses any other shape."""
    mine, theirs = _shape(variable.shape), _shape(value.shape)
    if mine == theirs:
        return value
    if (stored.class_name in BROADCAST_LAYOUTS and value.size == int(np.prod(mine))
            and tuple(d for d in theirs if d != 1) == tuple(d for d in mine if d != 1)):
        return value.reshape(mine)
    raise _refuse(f"{sub}: faceswap's layer {path} ({stored.class_name}) {var_name} is "
                  f"{theirs}, phazer's {name} {var_name} is {mine}")


def _place_submodel(sub: str, stored: StoredModel | StoredLayer, layer: Any,
                    prefix: str) -> list[Placement]:
    import keras

    theirs = (list(stored.weighted_layers()) if isinstance(stored, StoredModel)
              else [(stored.name, stored)])
    mine = _weighted(layer) if isinstance(layer, keras.Model) else [(layer.name, layer)]
    placements: list[Placement] = []
    for index, (path, fs_layer) in enumerate(theirs):
        if index >= len(mine):
            raise _refuse(f"{sub}: faceswap's layer {path} ({fs_layer.class_name}, weights "
                          f"{[_shape(v.shape) for v in fs_layer.variables]}) has no counterpart:"
                          f" phazer's {sub} has {len(mine)} layers with weights, faceswap's "
                          f"{len(theirs)}")
        name, ours = mine[index]
        if type(ours).__name__ != fs_layer.class_name:
            raise _refuse(f"{sub}: layer {index + 1} with weights is faceswap's {path} "
                          f"({fs_layer.class_name}) but phazer's {name} "
                          f"({type(ours).__name__})")
        for var_name, value, variable in _variable_pairs(sub, path, fs_layer, name, ours):
            fitted = _fit(sub, path, fs_layer, name, variable, var_name, value)
            placements.append(Placement(f"{prefix}{path}/{var_name}", _shape(value.shape),
                                        variable, fitted))
    if len(mine) > len(theirs):
        name, ours = mine[len(theirs)]
        raise _refuse(f"{sub}: phazer's layer {name} ({type(ours).__name__}, weights "
                      f"{[_shape(w.shape) for w in ours.weights]}) has no counterpart in "
                      f"faceswap's {sub}, which has {len(theirs)} layers with weights")
    return placements


def place_weights(model: Any, stored: StoredModel) -> list[Placement]:
    """Assign every weight of the file to phazer's model (all or nothing).

    Returns:
        One placement per weight of the file, in the file's order (faceswap's
        ``model.weights`` order).

    Raises:
        FolderImportError: a sub-model or layer one side lacks, a class or a shape that
            differs: the first difference, naming the sub-model, both layers and both shapes.
    """
    ours = {layer.name: layer for layer in model.layers if layer.weights}
    names = list(ours)
    placements: list[Placement] = []
    for entry in stored.entries:
        holds = (entry.variable_count() if isinstance(entry, StoredModel)
                 else len(entry.variables))
        if not holds:
            continue
        layer = ours.pop(entry.name, None)
        if layer is None:
            raise _refuse(f"faceswap's sub-model {entry.name} (weights: {holds}) is not in the "
                          f"rebuilt model, whose sub-models with weights are "
                          f"{', '.join(names) or 'none'}")
        placements += _place_submodel(entry.name, entry, layer, f"{entry.name}/")
    if ours:
        name = next(iter(ours))
        raise _refuse(f"phazer's sub-model {name} has weights, but faceswap's model has no "
                      f"sub-model {name} with weights")
    for placement in placements:
        placement.variable.assign(placement.value)
    return placements
