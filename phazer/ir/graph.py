"""The layer IR: sub-models as small graphs of ops, built by blocks, read by plan and emitter.

Blocks append ops through a :class:`SubModelBuilder`; every op's output shape, parameter
count and FLOPs are inferred the moment it is added (see :mod:`phazer.ir.ops`), so a block can
look at shapes while it builds and a shape error surfaces at the op that caused it. Shapes
exclude the batch axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from phazer.ir.ops import OP_KINDS, IRShapeError, ParamCount, Shape


@dataclass(frozen=True)
class Tensor:
    """A value flowing between ops: the op that produced it and its shape."""

    op: str
    shape: Shape


@dataclass(frozen=True)
class Op:
    """One layer of a sub-model.

    Attributes:
        name: unique within its sub-model; also the Keras layer name.
        kind: the op kind, a key of :data:`phazer.ir.ops.OP_KINDS`.
        inputs: names of the ops whose outputs feed this op, in order.
        attrs: the op's settings (filters, kernel size, ...), JSON-serialisable values.
        input_shapes: the shapes of the inputs.
        shape: the output shape.
        params: trainable and non-trainable parameter counts.
        flops: forward FLOPs per example (a multiply-add counts 2).
    """

    name: str
    kind: str
    inputs: tuple[str, ...]
    attrs: Mapping[str, Any]
    input_shapes: tuple[Shape, ...]
    shape: Shape
    params: ParamCount
    flops: int

    def attr(self, key: str, default: Any = None) -> Any:
        """An attribute's value, or ``default`` when it is not set."""
        return self.attrs.get(key, default)


@dataclass(frozen=True)
class PretrainedWeights:
    """Weights to load into a sub-model once it is emitted.

    Attributes:
        format: how the file is read (a key of the emitter's weight loaders, e.g. "clip_vit").
        encoder: the encoder whose weights they are (``clipv_farl-b-16-64``, ...).
        file: the local weights file (None: the user has not said where it is).
    """

    format: str
    encoder: str
    file: str | None


PRETRAINED_ATTR = "imagenet_weights"
"""The op attribute that asks the emitter for a Keras Application's ImageNet weights."""


@dataclass(frozen=True)
class SubModelIR:
    """A sub-model (encoder, fc_a, decoder_both, ...) as a graph of ops in build order.

    ``pretrained`` names weights the emitter loads into the built sub-model (None: random).
    """

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    ops: tuple[Op, ...]
    pretrained: PretrainedWeights | None = None

    def without_pretrained(self) -> SubModelIR:
        """This sub-model with random first weights: nothing pretrained to load or fetch."""
        ops = tuple(replace(op, attrs={**op.attrs, PRETRAINED_ATTR: False})
                    if op.attrs.get(PRETRAINED_ATTR) else op for op in self.ops)
        return replace(self, ops=ops, pretrained=None)

    @property
    def input_shapes(self) -> tuple[Shape, ...]:
        """Shapes of the sub-model's inputs, in order."""
        by_name = {op.name: op for op in self.ops}
        return tuple(by_name[name].shape for name in self.inputs)

    @property
    def output_shapes(self) -> tuple[Shape, ...]:
        """Shapes of the sub-model's outputs, in order."""
        by_name = {op.name: op for op in self.ops}
        return tuple(by_name[name].shape for name in self.outputs)

    @property
    def params(self) -> ParamCount:
        """Total parameters of the sub-model."""
        total = ParamCount()
        for op in self.ops:
            total = total + op.params
        return total

    @property
    def flops(self) -> int:
        """Forward FLOPs per example of one call."""
        return sum(op.flops for op in self.ops)


@dataclass
class SubModelBuilder:
    """Builds one :class:`SubModelIR` op by op.

    Args:
        name: the sub-model's name.
    """

    name: str
    _ops: list[Op] = field(default_factory=list)
    _names: dict[str, int] = field(default_factory=dict)
    _inputs: list[str] = field(default_factory=list)

    def unique_name(self, stem: str) -> str:
        """A layer name based on ``stem`` not yet used in this sub-model."""
        candidate, count = stem, self._names.get(stem, 0)
        while candidate in self._names:
            count += 1
            candidate = f"{stem}_{count}"
        self._names[stem] = count
        self._names.setdefault(candidate, 0)
        return candidate

    def input(self, shape: Sequence[int], name: str = "input") -> Tensor:
        """Declare an input of the sub-model."""
        tensor = self.add("input", [], name=name, shape=tuple(shape))
        self._inputs.append(tensor.op)
        return tensor

    def add(self, kind: str, inputs: Tensor | Sequence[Tensor], name: str | None = None,
            **attrs: Any) -> Tensor:
        """Append an op and return its output.

        Args:
            kind: the op kind (see :data:`phazer.ir.ops.OP_KINDS`).
            inputs: the input tensor(s).
            name: a name stem for the layer (made unique); defaults to the kind.
            **attrs: the op's settings.

        Raises:
            KeyError: the kind is unknown.
            IRShapeError: the inputs' shapes do not fit the op (with the layer named).
        """
        spec = OP_KINDS[kind]
        unknown = set(attrs) - spec.attrs
        if unknown:
            raise TypeError(f"op kind {kind!r} does not accept {sorted(unknown)}; it accepts "
                            f"{sorted(spec.attrs)} (see phazer/ir/ops.py OP_ATTRS)")
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        layer = self.unique_name(name or kind)
        shapes = tuple(t.shape for t in inputs)
        try:
            shape = spec.infer(attrs, shapes)
            params = spec.params(attrs, shapes, shape)
            flops = spec.flops(attrs, shapes, shape)
        except IRShapeError as exc:
            raise IRShapeError(f"{self.name}/{layer} ({kind}): {exc}") from None
        self._ops.append(Op(layer, kind, tuple(t.op for t in inputs), dict(attrs), shapes,
                            tuple(shape), params, flops))
        return Tensor(layer, tuple(shape))

    def build(self, outputs: Tensor | Sequence[Tensor],
              pretrained: PretrainedWeights | None = None) -> SubModelIR:
        """Finish the sub-model with the given outputs (and weights to load into it)."""
        outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
        return SubModelIR(self.name, tuple(self._inputs), tuple(t.op for t in outputs),
                          tuple(self._ops), pretrained)


def depth_to_outputs(nodes: Sequence[tuple[str, Sequence[str]]]) -> dict[str, int]:
    """Each node's longest distance to a node nothing consumes: the depth Keras orders by.

    Keras lists a functional model's layers deepest first (ties in the order they were
    created), which is the order faceswap's summaries show, for a sub-model's layers and for a
    model's sub-models alike.

    Args:
        nodes: ``(name, input names)`` in build (topological) order; an input may be a value
            reference (``node#1``).
    """
    depth: dict[str, int] = {}
    for name, inputs in reversed(nodes):
        here = depth.setdefault(name, 0)
        for source in inputs:
            key = source.partition("#")[0]
            depth[key] = max(depth.get(key, 0), here + 1)
    return depth
