"""What a Keras Applications encoder keeps for its backward pass: the table's memory figures.

Used by ``scripts/gen_keras_apps_table.py`` (needs Keras, never TensorFlow ops). phazer's plan
treats a Keras Applications encoder as one opaque ``keras_app`` op; the memory estimate needs
what the layers *inside* it keep from the forward pass for the backward pass. Rather than a
second set of rules, the Keras graph is rewritten as a phazer sub-model (one IR op per Keras
layer, mapped to the op kind that behaves the same way in a training step) and walked by
:func:`phazer.plan.memory_walk.call_steps`, the walk the rest of the estimate uses.

The figures, in elements per example (the plan multiplies by batch size and bytes):

* ``saved``: kept for the backward pass, the inputs' layout as the forward pass made them
  (the GPU convention: no layout copies);
* ``saved_cpu`` and ``saved_cpu_wgrad``: the same on XLA:CPU, where a convolution's weight
  gradient reads a channels-first copy of its input (``layouts`` of the walk);
* ``transient``: the largest output-plus-input-gradient of one layer's backward;
* ``forward``: the largest output-plus-inputs (and lowering temporaries) of one layer's forward.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from phazer.ir.graph import Op, SubModelIR
from phazer.ir.model import ModelIR, TopNode
from phazer.ir.ops import ParamCount
from phazer.plan.memory_walk import call_steps

# Keras layer class -> the IR op kind whose training-step behaviour it shares.
KIND_OF_LAYER: Mapping[str, str] = {
    "Conv2D": "conv2d", "DepthwiseConv2D": "conv2d", "Dense": "dense",
    "BatchNormalization": "batch_norm", "LayerNormalization": "layer_norm",
    "ReLU": "activation", "Multiply": "multiply", "LayerScale": "multiply",
    "Add": "add", "Subtract": "add", "Concatenate": "concatenate",
    "ZeroPadding2D": "reflection_pad", "Cropping2D": "reflection_pad",
    "Reshape": "reshape", "Flatten": "flatten", "Dropout": "dropout",
    "Rescaling": "rescale", "Normalization": "rescale", "CustomScaleLayer": "rescale",
    "MaxPooling2D": "max_pool2d", "AveragePooling2D": "global_avg_pool",
    "GlobalAveragePooling2D": "global_avg_pool", "GlobalMaxPooling2D": "global_max_pool",
}
FIGURES = ("saved", "saved_cpu", "saved_cpu_wgrad", "transient", "forward")

Shapes = tuple[tuple[tuple[int | None, ...], ...], tuple[tuple[int | None, ...], ...]]


def _kind(layer: Any) -> str:
    name = type(layer).__name__
    if name == "Activation":
        return "reshape" if layer.activation.__name__ == "linear" else "activation"
    if name not in KIND_OF_LAYER:
        raise NotImplementedError(f"no memory rule for {type(layer).__module__}.{name} "
                                  f"({layer.name}); add it to KIND_OF_LAYER")
    return KIND_OF_LAYER[name]


def _activated(layer: Any) -> bool:
    activation = getattr(layer, "activation", None)
    return activation is not None and activation.__name__ != "linear"


def _trainable(layer: Any) -> int:
    # a graph operation that is not a layer (``x + y`` in ConvNeXt) has no weights
    return sum(math.prod(v.shape) for v in getattr(layer, "trainable_weights", ()))


def _shape(shape: Sequence[int | None]) -> tuple[int, ...]:
    return tuple(int(d) for d in shape[1:])


class _Builder:
    """Appends IR ops for Keras layers, named after the layers (made unique)."""

    def __init__(self) -> None:
        self.ops: list[Op] = []
        self.names: set[str] = set()

    def add(self, name: str, kind: str, inputs: Sequence[str],
            input_shapes: Sequence[tuple[int, ...]], shape: tuple[int, ...],
            trainable: int = 0, **attrs: Any) -> str:
        unique, count = name, 0
        while unique in self.names:
            count += 1
            unique = f"{name}_{count}"
        self.names.add(unique)
        self.ops.append(Op(unique, kind, tuple(inputs), attrs, tuple(input_shapes), shape,
                           ParamCount(trainable), 0))
        return unique

    def layer(self, layer: Any, inputs: Sequence[str], ins: Sequence[tuple[int, ...]],
              out: tuple[int, ...]) -> str:
        """Add one Keras layer (a Sequential or separable convolution becomes several ops)."""
        import keras
        name = type(layer).__name__
        if isinstance(layer, keras.Sequential):
            x, current = keras.KerasTensor((1, *ins[0])), inputs
            for inner in layer.layers:
                y = inner.compute_output_spec(x)
                current = [self.layer(inner, current, [_shape(x.shape)], _shape(y.shape))]
                x = y
            return current[0]
        if name == "SeparableConv2D":
            middle = (*out[:-1], ins[0][-1] * layer.depth_multiplier)
            depthwise = self.add(f"{layer.name}_depthwise", "conv2d", inputs, ins, middle,
                                 math.prod(layer.depthwise_kernel.shape))
            return self.add(layer.name, "conv2d", [depthwise], [middle], out,
                            _trainable(layer) - math.prod(layer.depthwise_kernel.shape))
        kind = _kind(layer)
        attrs = {"rate": float(layer.rate)} if kind == "dropout" else {}
        if kind in ("conv2d", "dense") and _activated(layer):
            # Conv2D(activation="relu") is a convolution and then an activation op
            inner = self.add(f"{layer.name}_linear", kind, inputs, ins, out, _trainable(layer))
            return self.add(layer.name, "activation", [inner], [out], out)
        return self.add(layer.name, kind, inputs, ins, out, _trainable(layer), **attrs)


def as_submodel(model: Any, shapes: Mapping[int, Shapes]) -> SubModelIR:
    """The Keras model's layers as an IR sub-model, with the traced shapes of ``shapes``."""
    import keras
    builder = _Builder()
    produced: dict[int, str] = {}   # id(Keras operation) -> the IR op giving its output
    inputs: list[str] = []
    for index, op in enumerate(model.operations):
        if isinstance(op, keras.layers.InputLayer):
            continue
        ins, outs = shapes[index]
        (node,) = op._inbound_nodes
        for tensor, shape in zip(node.input_tensors, ins, strict=True):
            source = tensor._keras_history.operation
            if isinstance(source, keras.layers.InputLayer) and id(source) not in produced:
                # the input's traced shape is the one its first reader saw
                produced[id(source)] = builder.add(source.name, "input", [], [],
                                                   _shape(shape))
                inputs.append(produced[id(source)])
        sources = [produced[id(t._keras_history.operation)] for t in node.input_tensors]
        produced[id(op)] = builder.layer(op, sources, [_shape(s) for s in ins], _shape(outs[0]))
    output = produced[id(model.outputs[0]._keras_history.operation)]
    return SubModelIR("keras_app", tuple(inputs), (output,), tuple(builder.ops))


def graph_memory(model: Any, shapes: Mapping[int, Shapes]) -> list[int]:
    """The memory figures (:data:`FIGURES`, elements per example) of one traced Keras model."""
    sub = as_submodel(model, shapes)
    (first,) = sub.inputs
    input_shape = next(op.shape for op in sub.ops if op.name == first)
    wrapper = ModelIR(
        "keras_app", ("a",), {sub.name: sub},
        (TopNode("face_in_a", "input", "a", (), (input_shape,)),
         TopNode("app@a", "call", "a", ("face_in_a",), sub.output_shapes, sub.name)),
        {"out_a": "app@a"})
    (plain,) = call_steps(wrapper, layouts=False)
    (cpu,) = call_steps(wrapper, layouts=True)
    return [sum(s.saved for s in plain.steps),
            sum(s.saved for s in cpu.steps), sum(s.saved_wgrad for s in cpu.steps),
            max(s.transient for s in plain.steps), max(s.forward for s in plain.steps)]
