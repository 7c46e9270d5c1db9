"""Loading pretrained weights into an emitted sub-model (the IR's ``SubModelIR.pretrained``).

One loader per weights format, keyed by :attr:`phazer.ir.graph.PretrainedWeights.format`.

``clip_vit``: faceswap's ``CLIPv_<name>_v1.h5``, a Keras HDF5 weights file (the root group, or
its ``model_weights`` group, lists ``layer_names``; each layer group lists its
``weight_names``). Its weights are matched to the encoder's CLIP layers (``visual_*``) by
order, as Keras' own loader of that format does, and every shape must agree, with one
exception: a positional embedding made for another patch grid (the weights are trained at the
native input size; phazer's encoder may be built at another ``encoder.scaling``). It is
resampled as open_clip and timm do: the class token's row is kept, the grid rows are resized
bicubically to the new grid (in numpy, as TensorFlow resizes: the same numbers on every
backend, :mod:`phazer.emit.bicubic`). faceswap instead leaves that embedding at its random start.

Nothing is ever downloaded; a missing or mismatched file is a clear error, never random weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np

from phazer.catalog.encoders import CLIP_LAYER_PREFIX, ENCODERS
from phazer.emit.applications import keras_cache_dirs
from phazer.emit.bicubic import resize_bicubic
from phazer.emit.errors import EmitError, WeightsUnavailableError
from phazer.ir.graph import PretrainedWeights


class PretrainedWeightsError(EmitError):
    """A weights file exists but does not fit the model (wrong file, other architecture)."""


def _clip_layers(model: keras.Model) -> list[keras.layers.Layer]:
    return [layer for layer in model.layers
            if layer.name.startswith(f"{CLIP_LAYER_PREFIX}_") and layer.weights]


def read_h5_weights(path: Path) -> list[tuple[str, list[np.ndarray]]]:
    """(layer name, weight arrays) of every layer with weights, in the file's order.

    Raises:
        PretrainedWeightsError: the file is not a Keras HDF5 weights file.
    """
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            group = handle.get("model_weights", handle)
            if "layer_names" not in group.attrs:
                raise PretrainedWeightsError(
                    f"{path}: not a Keras HDF5 weights file (no 'layer_names' attribute)")
            layers = []
            for raw in group.attrs["layer_names"]:
                name = raw.decode() if isinstance(raw, bytes) else str(raw)
                names = group[name].attrs.get("weight_names", [])
                arrays = [np.asarray(group[name][w.decode() if isinstance(w, bytes) else w])
                          for w in names]
                if arrays:
                    layers.append((name, arrays))
            return layers
    except OSError as exc:
        raise PretrainedWeightsError(f"{path}: cannot be read as HDF5 ({exc})") from None


def resample_positions(table: np.ndarray, tokens: int) -> np.ndarray:
    """A (1 + g0², width) positional table resized to (tokens, width) = (1 + g², width).

    The first (class token) row is kept; the g0 x g0 grid is resized bicubically to g x g.

    Raises:
        PretrainedWeightsError: a table or token count that is not 1 + a square.
    """
    old_grid, new_grid = math.isqrt(table.shape[0] - 1), math.isqrt(tokens - 1)
    if old_grid ** 2 + 1 != table.shape[0] or new_grid ** 2 + 1 != tokens:
        raise PretrainedWeightsError(
            f"a positional embedding of {table.shape[0]} rows cannot be resampled to {tokens}: "
            "both must be 1 + a square patch grid")
    grid = table[1:].reshape(1, old_grid, old_grid, table.shape[1])
    resized = resize_bicubic(grid, new_grid, new_grid)
    rows = resized.reshape(new_grid * new_grid, table.shape[1])
    return np.concatenate([table[:1], rows.astype(table.dtype)], axis=0)


def _clip_file(pretrained: PretrainedWeights) -> Path:
    vit = ENCODERS[pretrained.encoder].vit
    assert vit is not None
    if pretrained.file:
        path = Path(pretrained.file).expanduser()
        if not path.is_file():
            raise WeightsUnavailableError(
                f"encoder: weights_file {str(path)!r} for {pretrained.encoder} does not exist "
                f"(expected faceswap's {vit.weights_file_name})")
        return path
    for directory in keras_cache_dirs():
        if (directory / vit.weights_file_name).is_file():
            return directory / vit.weights_file_name
    raise WeightsUnavailableError(
        f"encoder: pretrained weights for {pretrained.encoder} are not available offline and "
        f"phazer does not download them. Set encoder.weights_file to faceswap's "
        f"{vit.weights_file_name} (faceswap fetches it into its .fs_cache folder the first "
        f"time it trains this encoder), put it in {keras_cache_dirs()[0]}, or set "
        f"encoder.pretrained to false.")


def load_clip_vit(model: keras.Model, pretrained: PretrainedWeights) -> None:
    """Load faceswap's CLIP weights into the ``visual_*`` layers of an emitted encoder.

    Raises:
        WeightsUnavailableError: no weights file.
        PretrainedWeightsError: the file's layers or shapes do not fit this encoder.
    """
    path = _clip_file(pretrained)
    stored = read_h5_weights(path)
    layers = _clip_layers(model)
    if len(stored) != len(layers):
        raise PretrainedWeightsError(
            f"{path}: holds {len(stored)} layers with weights, but {pretrained.encoder} has "
            f"{len(layers)} ({layers[0].name} ... {layers[-1].name}): is it the weights file "
            f"of another encoder?")
    assignments = []
    for layer, (stored_name, arrays) in zip(layers, stored, strict=True):
        if len(arrays) != len(layer.weights):
            raise PretrainedWeightsError(
                f"{path}: layer {stored_name!r} holds {len(arrays)} weights, {layer.name} "
                f"expects {len(layer.weights)}")
        for variable, array in zip(layer.weights, arrays, strict=True):
            expected = tuple(variable.shape)
            if array.shape != expected and layer.name.endswith("positional_embedding") \
                    and array.ndim == 2 and array.shape[1] == expected[1]:
                array = resample_positions(array, expected[0])
            if array.shape != expected:
                raise PretrainedWeightsError(
                    f"{path}: layer {stored_name!r} has a weight of shape {array.shape} where "
                    f"{layer.name} expects {expected}: the file is not {pretrained.encoder}'s")
            assignments.append((variable, array))
    for variable, array in assignments:  # nothing is assigned unless every weight fits
        variable.assign(array.astype(variable.dtype))


LOADERS: dict[str, Callable[[keras.Model, PretrainedWeights], None]] = {
    "clip_vit": load_clip_vit,
}
"""Weights format -> loader."""


def load_pretrained(model: keras.Model, pretrained: PretrainedWeights) -> None:
    """Load the sub-model's pretrained weights with the loader of their format.

    Raises:
        EmitError: no loader for the format, or the weights do not fit.
        WeightsUnavailableError: the weights file is missing.
    """
    loader = LOADERS.get(pretrained.format)
    if loader is None:
        raise EmitError(f"{model.name}: no loader for pretrained weights of format "
                        f"{pretrained.format!r}; add one to phazer/emit/pretrained.py LOADERS")
    loader(model, pretrained)
