"""``phazer transfer``: a new model dir for a changed spec, with the old weights where they fit.

Both models are built (the old one from its own ``spec.yaml`` with its last saved weights, the
new one as ``phazer train`` builds a new model), then matched in two steps:

1. sub-models by name (``encoder``, ``fc_a``, ``decoder_b``...; in the graph form the names
   of its ``models:``), which a spec and its ``phazer render --graph`` rendering share;
2. inside a sub-model, layers by name (a Keras Applications model nested in ``encoder`` is
   walked too, its layers named ``<model>/<layer>``), and each weight of a layer by its name
   (``kernel``, ``bias``, ``gamma``...). A weight is copied only when its shape is the same;
   everything else keeps the new model's fresh initial value.

The new model dir holds the new resolved spec, the weights, an empty optimizer state (the
optimizer starts fresh) and a ``state.json`` at iteration 0 whose ``transfer`` records where
the weights came from and the counts. Having weights, it is a model dir ``phazer train``
resumes: it loads these weights instead of initialising the model again.

Its ``color_order`` (:mod:`phazer.model_colour`) is the old model dir's when any weight was
copied: the copied weights were trained on faces in that order (a copied encoder reads it, a
copied decoder draws it). When nothing was copied the model starts afresh, in the new spec's
own order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from phazer.ir.model import ModelIR
from phazer.model_colour import model_color_order
from phazer.spec import GraphSpec, ModelSpec
from phazer.train.build import build_model
from phazer.train.checkpoint import write_new_model_dir
from phazer.train.modeldir import (
    TrainState,
)
from phazer.train.swap import SwapError, load_trained
from phazer.train.transfer_checks import SourceModel, TransferError, require_new_folder
from phazer.train.transfer_report import (
    COPIED,
    FRESH,
    PARTLY,
    LayerTransfer,
    SubModelTransfer,
    TransferReport,
)


def weighted_layers(layer: keras.layers.Layer, prefix: str = "") -> dict[str, Any]:
    """The layers with weights inside a sub-model, by name; nested models are walked."""
    found: dict[str, Any] = {}
    for inner in getattr(layer, "layers", []):
        if isinstance(inner, keras.Model):
            found.update(weighted_layers(inner, f"{prefix}{inner.name}/"))
        elif inner.weights:
            found[f"{prefix}{inner.name}"] = inner
    return found


def _weights_by_name(layer: keras.layers.Layer) -> dict[str, Any]:
    """A layer's weights by their path inside it (``kernel``, ``query/kernel``)."""
    named: dict[str, Any] = {}
    for index, weight in enumerate(layer.weights):
        path = str(weight.path)
        head = f"{layer.name}/"
        key = path[len(head):] if path.startswith(head) else str(weight.name)
        named[key if key not in named else f"{key}#{index}"] = weight
    return named


def _size(weight: Any) -> int:
    return int(np.prod(weight.shape)) if weight.shape else 1


def _shape(weight: Any) -> str:
    return str(tuple(int(d) for d in weight.shape))


def copy_layer(name: str, new: Any, old: Any | None, owner: str) -> LayerTransfer:
    """Copy the weights of ``old`` into ``new`` where name and shape match."""
    weights = _weights_by_name(new)
    params = sum(_size(w) for w in weights.values())
    if old is None:
        return LayerTransfer(name, FRESH, f"new layer (not in the old {owner})", params, 0)
    previous = _weights_by_name(old)
    copied, reasons = 0, []
    for key, weight in weights.items():
        source = previous.get(key)
        if source is None:
            reasons.append(f"{key} not in the old layer")
        elif tuple(source.shape) != tuple(weight.shape):
            reasons.append(f"{key} shape {_shape(source)} vs {_shape(weight)}")
        else:
            weight.assign(source.value)
            copied += _size(weight)
    status = COPIED if copied == params else (FRESH if copied == 0 else PARTLY)
    return LayerTransfer(name, status, "; ".join(reasons), params, copied)


def _submodels(model: keras.Model) -> dict[str, Any]:
    """The model's sub-models (and any other top-level layer with weights) by name."""
    return {layer.name: layer for layer in model.layers
            if isinstance(layer, keras.Model) or layer.weights}


def check_mapping(mapping: Mapping[str, str], new: Sequence[str], old: Sequence[str]) -> None:
    """Refuse a ``--map NEW=OLD`` whose names are not sub-models of the new / old model.

    Raises:
        TransferError: naming the sub-models each model has.
    """
    for mine, theirs in mapping.items():
        for name, names, which in ((mine, new, "new"), (theirs, old, "old")):
            if name not in names:
                raise TransferError(f"--map {mine}={theirs}: the {which} model has no "
                                    f"sub-model {name!r}; its sub-models are "
                                    f"{', '.join(names)}",
                                    "pass --map NEW=OLD with a sub-model of the new model, "
                                    "then one of the old model")


def copy_weights(new_model: keras.Model, old_model: keras.Model,
                 mapping: Mapping[str, str] | None = None
                 ) -> tuple[list[SubModelTransfer], list[str]]:
    """Copy every weight of ``old_model`` that fits into ``new_model``.

    Args:
        new_model: the model that takes the weights.
        old_model: the trained model.
        mapping: new sub-model -> the old sub-model it takes its weights from, where the
            names differ (``fc_a`` -> ``fc_both``); every other sub-model is matched by name.

    Returns:
        One record per sub-model of the new model (in its order), and the names of the old
        model's sub-models that gave no weights.

    Raises:
        TransferError: ``mapping`` names a sub-model a model does not have.
    """
    old_subs, new_subs, records = _submodels(old_model), _submodels(new_model), []
    mapping = dict(mapping or {})
    check_mapping(mapping, list(new_subs), list(old_subs))
    for name, sub in new_subs.items():
        source = mapping.get(name, name)
        old_sub = old_subs.get(source)
        mine = weighted_layers(sub) if isinstance(sub, keras.Model) else {name: sub}
        theirs = {} if old_sub is None else (
            weighted_layers(old_sub) if isinstance(old_sub, keras.Model) else {name: old_sub})
        record = SubModelTransfer(name, source if old_sub is not None else None)
        for layer_name, layer in mine.items():
            entry = copy_layer(layer_name, layer, theirs.get(layer_name), source)
            if old_sub is None:
                entry.reason = "sub-model not in the old model"
            record.layers.append(entry)
        record.dropped_layers = [n for n in theirs if n not in mine]
        records.append(record)
    used = {record.source for record in records}
    return records, [name for name in old_subs if name not in used]


def _new_model(model_ir: ModelIR) -> keras.Model:
    from phazer.emit import EmitError, WeightsUnavailableError

    try:
        return build_model(model_ir)
    except WeightsUnavailableError as exc:
        raise TransferError(str(exc), "or start from random weights: --set "
                            "encoder.imagenet_weights=false (encoder.pretrained=false for a "
                            "CLIP encoder)") from None
    except EmitError as exc:
        raise TransferError(str(exc)) from None


def transfer(source: SourceModel, spec: ModelSpec | GraphSpec, model_ir: ModelIR,
             spec_name: str, target: Path, seed: int | None = None,
             mapping: Mapping[str, str] | None = None) -> TransferReport:
    """Build the new model, copy what fits from the old one and write the new model dir.

    Args:
        source: the checked old model dir (:func:`phazer.train.transfer_checks.read_source`).
        spec: the new resolved spec (validated).
        model_ir: its IR as ``phazer train`` builds a new model (pretrained weights included).
        spec_name: how the user named the spec (for the report).
        target: the new model dir (must not exist, or be empty).
        seed: seeds the initial values of what is not copied (None: random).
        mapping: new sub-model -> old sub-model to take its weights from (``--map``).

    Raises:
        TransferError: the old weights do not fit their spec, the new model cannot be built,
            the target is no longer empty, a ``mapping`` name does not exist, or a file
            cannot be written (nothing is left then).
    """
    try:
        old_model, _ = load_trained(source.folder.path)
    except SwapError as exc:
        raise TransferError(exc.message, exc.hint) from None
    if seed is not None:
        keras.utils.set_random_seed(seed)
    new_model = _new_model(model_ir)
    records, dropped = copy_weights(new_model, old_model, mapping)
    report = TransferReport(source.folder.path, target, spec_name, source.iterations,
                            records, dropped)
    report.color_order = (source.color_order if report.totals()["copied_params"] else
                          model_color_order(spec))
    state = TrainState(transfer={**report.record(), "seed": seed},
                       color_order=report.color_order)
    require_new_folder(target, "the new model dir")      # again: building took a while
    try:
        write_new_model_dir(target, spec, new_model, {}, state)
    except OSError as exc:
        raise TransferError(f"cannot write the new model dir {target}: {exc}",
                            "free some disk space or pass another folder; nothing of the new "
                            "model was kept") from None
    return report
