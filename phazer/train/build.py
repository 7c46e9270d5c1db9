"""The Keras model of a spec for training: precision, frozen sub-models, loaded sub-models.

Sub-models are found by their faceswap names (``encoder``, ``fc_both``, ``decoder_a``, ...) as
the nested models :func:`phazer.emit.emit_model` builds (a graph-form spec's by the names it
gives them); ``keras_encoder`` is the Keras Applications model inside the encoder (whatever a
graph names it), or the CLIP transformer's ``visual_*`` layers (faceswap's ``visual`` model) of
a CLIP encoder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import keras

from phazer.catalog.encoders import CLIP_LAYER_PREFIX
from phazer.compiler import compile_model_ir
from phazer.emit import emit_model
from phazer.ir.model import ModelIR
from phazer.spec import ModelSpec
from phazer.spec.models import KERAS_ENCODER
from phazer.train.modeldir import ModelDir, ModelDirError
from phazer.train.weight_format import upgrade_weights


def build_model(model_ir: ModelIR, dtype_policy: str = "float32") -> keras.Model:
    """Emit the model with its layers computing under ``dtype_policy``.

    Args:
        model_ir: the compiled model.
        dtype_policy: a Keras dtype policy: ``float32``, ``mixed_float16`` or
            ``mixed_bfloat16`` (a spec's ``training.dtype_policy``).

    Keras keeps the dtype policy process-wide, so it is set only while the layers are created
    and restored afterwards (the weights and the outputs are float32 either way).
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(dtype_policy)
    try:
        return emit_model(model_ir)
    finally:
        keras.config.set_dtype_policy(previous)


class LayerGroup:
    """Several layers handled as one sub-model: their weights in order, one trainable switch."""

    def __init__(self, layers: list[keras.layers.Layer]) -> None:
        self.layers = layers

    @property
    def weights(self) -> list:
        """Every weight of the layers, in layer order."""
        return [weight for layer in self.layers for weight in layer.weights]

    @property
    def trainable(self) -> bool:
        """Whether every layer trains."""
        return all(layer.trainable for layer in self.layers)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        for layer in self.layers:
            layer.trainable = value


def find_submodel(model: keras.Model, name: str) -> keras.layers.Layer | LayerGroup | None:
    """A sub-model by name (None when this model has no such sub-model)."""
    if name == KERAS_ENCODER:   # in the one sub-model that has one: the Phaze-A encoder
        for sub in model.layers:
            inner = getattr(sub, "layers", [])
            nested = [layer for layer in inner if isinstance(layer, keras.Model)]
            if nested:
                return nested[0]
            transformer = [layer for layer in inner
                           if layer.name.startswith(f"{CLIP_LAYER_PREFIX}_")]
            if transformer:
                return LayerGroup(transformer)
        return None
    try:
        return model.get_layer(name)
    except ValueError:
        return None


@dataclass
class SubModelReport:
    """Which of the named sub-models were handled, and which this model does not have."""

    done: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def freeze_submodels(model: keras.Model, names: Iterable[str]) -> SubModelReport:
    """Make the named sub-models' weights non-trainable (before the optimizer is built)."""
    report = SubModelReport()
    for name in names:
        layer = find_submodel(model, name)
        if layer is None:
            report.missing.append(name)
            continue
        layer.trainable = False
        report.done.append(name)
    return report


class LoadWeightsError(Exception):
    """Sub-model weights cannot be loaded from another model dir."""


def load_submodels(model: keras.Model, source: str | Path, names: Iterable[str]
                   ) -> SubModelReport:
    """Copy the named sub-models' weights from another model dir.

    The other model is rebuilt from its own ``spec.yaml`` and weights, then each named
    sub-model's weights are copied into this model's sub-model of the same name.

    Raises:
        LoadWeightsError: the dir is not a trained model, or a sub-model's weights differ in
            shape (the two models do not share that sub-model's design).
    """
    names = list(names)
    other_dir = ModelDir(source)
    try:
        other_spec: ModelSpec = other_dir.read_spec()
        if not other_dir.has_weights():
            raise ModelDirError(f"{other_dir.path} has no saved weights yet")
    except ModelDirError as exc:
        raise LoadWeightsError(str(exc)) from None
    other = build_model(compile_model_ir(other_spec).without_pretrained())
    other.load_weights(other_dir.weights)
    upgrade_weights(other, other_dir.read_state().layers)
    report = SubModelReport()
    for name in names:
        mine, theirs = find_submodel(model, name), find_submodel(other, name)
        if mine is None or theirs is None:
            report.missing.append(name)
            continue
        shapes_mine = [tuple(w.shape) for w in mine.weights]
        shapes_theirs = [tuple(w.shape) for w in theirs.weights]
        if shapes_mine != shapes_theirs:
            raise LoadWeightsError(
                f"{name} in {other_dir.path} has weights of other shapes than this model's "
                f"{name} ({len(shapes_theirs)} vs {len(shapes_mine)} tensors, "
                f"e.g. {_first_difference(shapes_theirs, shapes_mine)})")
        for target, value in zip(mine.weights, theirs.weights, strict=True):
            target.assign(value)
        report.done.append(name)
    return report


def _first_difference(first: list[tuple[int, ...]], second: list[tuple[int, ...]]) -> str:
    for a, b in zip(first, second, strict=False):
        if a != b:
            return f"{a} vs {b}"
    return "a different number of weight tensors"
