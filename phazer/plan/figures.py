"""The analytic plan: per-layer and per-sub-model shapes, parameters and FLOPs.

The plan is read off the layer IR (never off Keras) and is a frozen, JSON-serialisable value.
FLOPs follow the convention in :mod:`phazer.ir.ops` (a multiply-add counts 2). An *example* is
one face on every side (one A and one B image): ``forward`` FLOPs are those of every sub-model
call of one example; a training step costs about three forwards (forward + backward, which is
twice the forward), the usual estimate.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from phazer.ir.model import ModelIR
from phazer.ir.ops import Shape
from phazer.sides import face_in, face_out, side_of

TRAIN_STEP_FACTOR = 3


@dataclass(frozen=True)
class LayerFigures:
    """One layer of a sub-model."""

    name: str
    kind: str
    output_shape: Shape
    params: int
    trainable_params: int
    flops: int
    activation_elements: int


@dataclass(frozen=True)
class SubModelFigures:
    """One sub-model: who uses it, its size, its shapes and its cost per call."""

    name: str
    kind: str
    sides: tuple[str, ...]
    calls: int
    params: int
    trainable_params: int
    non_trainable_params: int
    input_shapes: tuple[Shape, ...]
    output_shapes: tuple[Shape, ...]
    flops: int
    activation_elements: int
    layers: tuple[LayerFigures, ...]


@dataclass(frozen=True)
class ModelFigures:
    """The whole model's figures.

    ``input_shape`` and ``output_shape`` are the first side's (its input and its face output);
    ``side_inputs`` gives every side's input shape and ``side_outputs`` every side's outputs
    (output name -> shape, in the model's output order), for sides of different sizes.
    """

    name: str
    sides: tuple[str, ...]
    input_shape: Shape
    output_shape: Shape
    total_params: int
    trainable_params: int
    non_trainable_params: int
    forward_flops: int
    train_step_flops: int
    submodels: tuple[SubModelFigures, ...]
    side_inputs: dict[str, Shape] = field(default_factory=dict)
    side_outputs: dict[str, dict[str, Shape]] = field(default_factory=dict)

    def face_output(self, side: str) -> Shape:
        """The shape of a side's face output (``face_out_<side>``)."""
        return self.side_outputs[side][face_out(side)]

    def submodel(self, name: str) -> SubModelFigures:
        """A sub-model's figures by name."""
        for sub in self.submodels:
            if sub.name == name:
                return sub
        raise KeyError(name)

    def to_json(self) -> dict:
        """Plain JSON data (tuples become lists)."""
        return asdict(self)


def model_figures(model: ModelIR) -> ModelFigures:
    """Compute the plan figures of a model IR."""
    subs = []
    for name, sub in model.submodels.items():
        calls = model.calls_of(name)
        layers = tuple(
            LayerFigures(op.name, op.kind, op.shape, op.params.total, op.params.trainable,
                         op.flops, 0 if op.kind == "input" else math.prod(op.shape))
            for op in sub.ops)
        params = sub.params
        subs.append(SubModelFigures(
            name=name, kind=model.kinds.get(name, "other"),
            sides=tuple(sorted({c.side for c in calls})), calls=len(calls),
            params=params.total, trainable_params=params.trainable,
            non_trainable_params=params.non_trainable,
            input_shapes=sub.input_shapes, output_shapes=sub.output_shapes,
            flops=sub.flops, activation_elements=sum(lay.activation_elements for lay in layers),
            layers=layers))
    params = model.params
    first_side = model.sides[0]
    input_shape = model.node(face_in(first_side)).output_shapes[0]
    output_shape = model.value_shape(model.outputs[face_out(first_side)])
    forward = model.forward_flops
    side_outputs: dict[str, dict[str, Shape]] = {side: {} for side in model.sides}
    for name, ref in model.outputs.items():
        side_outputs[side_of(name)][name] = model.value_shape(ref)
    return ModelFigures(
        name=model.name, sides=model.sides, input_shape=input_shape,
        output_shape=output_shape, total_params=params.total,
        trainable_params=params.trainable, non_trainable_params=params.non_trainable,
        forward_flops=forward, train_step_flops=TRAIN_STEP_FACTOR * forward,
        submodels=tuple(subs),
        side_inputs={side: model.node(face_in(side)).output_shapes[0] for side in model.sides},
        side_outputs=side_outputs)
