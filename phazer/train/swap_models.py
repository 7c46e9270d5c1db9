"""A trained model's swaps as one-input Keras models that share its weights.

:func:`phazer.train.swap_route.swap_route` says which of the model's sub-model calls a swap
from one side to another runs; :func:`route_model` builds that as a Keras model out of the
trained model's own sub-models (the same layers, so the same weights), and
:class:`SwapModels` keeps one per (source, target) pair. ``phazer swap``, the preview and
``phazer export`` all run these, so they draw the same faces.

The model takes and draws faces in its colour order (:mod:`phazer.model_colour`, the model
dir's ``color_order``); :func:`predict_both` and :meth:`SwapModels.predict` take RGB faces
and give RGB faces, swapping the channels around the model for a BGR one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np

from phazer.ir.model import ModelIR, split_ref
from phazer.model_colour import outputs_from_model_order, to_model_order
from phazer.train.swap_route import swap_route

PREDICT_BATCH = 16


def route_model(model: keras.Model, route: ModelIR, input_name: str | None = None,
                name: str | None = None) -> keras.Model:
    """The nodes of ``route`` as a one-input Keras model, run by ``model``'s sub-models.

    Args:
        model: the trained face-swap model (its sub-models are called, not copied).
        route: a one-input model IR whose sub-models are ``model``'s (:func:`swap_route`).
        input_name: the Keras input's name; defaults to the route's input node's.
        name: the model's name; defaults to the route's.
    """
    values: dict[str, list[Any]] = {}

    def value(ref: str) -> Any:
        node, index = split_ref(ref)
        return values[node][index]

    face = None
    for node in route.nodes:
        args = [value(ref) for ref in node.inputs]
        if node.kind == "input":
            face = keras.Input(shape=node.output_shapes[0], name=input_name or node.name)
            values[node.name] = [face]
        elif node.kind == "call":
            out = model.get_layer(node.submodel)(args[0] if len(args) == 1 else args)
            values[node.name] = list(out) if isinstance(out, list | tuple) else [out]
        else:    # a top-level concatenation
            layer = keras.layers.Concatenate(axis=-1, name=node.name.replace("/", "_"))
            values[node.name] = [layer(args)]
    outputs = [keras.layers.Identity(name=out, dtype="float32")(value(ref))
               for out, ref in route.outputs.items()]
    return keras.Model(face, outputs, name=name or route.name)


@contextlib.contextmanager
def inference() -> Iterator[None]:
    """Run a model forward only, on any backend.

    On PyTorch no gradients are recorded (no autograd graph is kept, and the outputs convert
    to numpy); TensorFlow and JAX record nothing outside a training step.
    """
    if keras.backend.backend() != "torch":
        yield
        return
    import torch

    with torch.no_grad():
        yield


def outputs_numpy(outputs: Any) -> list[np.ndarray]:
    """A Keras model's output(s) on any backend as float32 numpy arrays, one per output."""
    if not isinstance(outputs, list | tuple):
        outputs = [outputs]
    return [np.asarray(keras.ops.convert_to_numpy(value), np.float32) for value in outputs]


def predict_both(model: keras.Model, faces: np.ndarray, batch_size: int = PREDICT_BATCH,
                 color_order: str = "rgb") -> dict[str, np.ndarray]:
    """Every output of the model with ``faces`` fed to every side's input.

    With a one-input model (a swap of :class:`SwapModels`) that is simply its outputs.

    Args:
        model: the face-swap model, or one of its swaps.
        faces: float32 [N, input, input, 3] in [0, 1], RGB.
        batch_size: faces per call.
        color_order: the model's colour order: the faces are fed in it and its face outputs
            turned back to RGB (``"rgb"``: fed and returned as they are).

    Returns:
        Output name -> float32 [N, ...] array (e.g. ``face_out_a``, ``face_out_b``); faces
        RGB, masks as the model gives them.
    """
    names = [str(name) for name in model.output_names]
    results: dict[str, list[np.ndarray]] = {name: [] for name in names}
    input_names = [str(t.name).split(":")[0] for t in model.inputs]
    for start in range(0, len(faces), batch_size):
        chunk = np.ascontiguousarray(to_model_order(
            np.asarray(faces[start:start + batch_size], np.float32), color_order))
        feed = chunk if len(input_names) == 1 else {name: chunk for name in input_names}
        with inference():
            outputs = outputs_numpy(model(feed, training=False))
        for name, value in zip(names, outputs, strict=True):
            results[name].append(value)
    return outputs_from_model_order(
        {name: np.concatenate(parts) if parts else np.zeros((0,))
         for name, parts in results.items()}, color_order)


class SwapModels:
    """The swaps of a trained model, each built on first use and kept.

    Args:
        model: the trained face-swap model.
        model_ir: the IR it was built from.
        color_order: the model's colour order (the model dir's ``color_order``): what
            :meth:`predict` feeds it in.
    """

    def __init__(self, model: keras.Model, model_ir: ModelIR, color_order: str = "rgb"
                 ) -> None:
        self.model = model
        self.model_ir = model_ir
        self.color_order = color_order
        self._built: dict[tuple[str, str], keras.Model] = {}

    def get(self, source: str, to: str) -> keras.Model:
        """The swap of a face of side ``source`` to side ``to`` (its own route if the same).

        Raises:
            ValueError: a side the model does not have.
            phazer.train.swap_route.SwapRouteError: the routes cannot be joined.
        """
        key = (source, to)
        if key not in self._built:
            self._built[key] = route_model(self.model, swap_route(self.model_ir, source, to))
        return self._built[key]

    def input_size(self, source: str, to: str) -> int:
        """The size (px) of the faces the swap takes."""
        return int(self.get(source, to).inputs[0].shape[1])

    def predict(self, source: str, to: str, faces: np.ndarray) -> dict[str, np.ndarray]:
        """The swap's outputs (``face_out_<to>``, ...) for RGB faces at its input size.

        The faces go in in the model's colour order; its faces come back as RGB.
        """
        return predict_both(self.get(source, to), faces, color_order=self.color_order)
