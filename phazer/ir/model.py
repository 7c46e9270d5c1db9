"""The whole model in IR: its sub-models and how the sides' data flows through them.

The top level is a small graph of :class:`TopNode` s: the model inputs, calls of sub-models
(a shared sub-model is called once per side that uses it) and the concatenations that join a
side's FC output with the shared FC's. Values are referred to as ``node`` (first output) or
``node#i`` (the i-th output of a multi-output call, e.g. a decoder's mask).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from phazer.ir.graph import SubModelIR
from phazer.ir.ops import ParamCount, Shape

NodeKind = Literal["input", "call", "concatenate"]


def value_ref(node: str, index: int = 0) -> str:
    """The reference of a node's ``index``-th output."""
    return node if index == 0 else f"{node}#{index}"


def split_ref(ref: str) -> tuple[str, int]:
    """Split ``node#i`` into ``(node, i)``."""
    node, _, index = ref.partition("#")
    return node, int(index) if index else 0


@dataclass(frozen=True)
class TopNode:
    """One step of the top-level graph.

    Attributes:
        name: unique node name (``face_in_a``, ``encoder@a``, ``inter_a``, ...).
        kind: "input", "call" (of a sub-model) or "concatenate".
        side: the side whose data this node carries.
        inputs: value references feeding the node.
        output_shapes: the node's output shapes.
        submodel: the called sub-model's name (calls only).
    """

    name: str
    kind: NodeKind
    side: str
    inputs: tuple[str, ...]
    output_shapes: tuple[Shape, ...]
    submodel: str | None = None


@dataclass(frozen=True)
class ModelIR:
    """A complete model: sub-models, the top-level graph and the named outputs.

    Attributes:
        name: the model's name.
        sides: the side names, e.g. ("a", "b").
        submodels: every sub-model once, in faceswap's summary order.
        nodes: the top-level graph in topological order.
        outputs: output name (``face_out_a``, ``mask_out_a``) -> value reference.
        kinds: sub-model name -> its kind (``encoder``, ``fc``, ``decoder``, ...), read off
            the routing graph: where the sub-model sits on the routes.
    """

    name: str
    sides: tuple[str, ...]
    submodels: dict[str, SubModelIR]
    nodes: tuple[TopNode, ...]
    outputs: dict[str, str]
    kinds: dict[str, str] = field(default_factory=dict)

    def without_pretrained(self) -> ModelIR:
        """The same model with random first weights (saved weights will replace them)."""
        subs = {name: sub.without_pretrained() for name, sub in self.submodels.items()}
        return replace(self, submodels=subs)

    def node(self, name: str) -> TopNode:
        """A top-level node by name."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def value_shape(self, ref: str) -> Shape:
        """The shape of a value reference."""
        name, index = split_ref(ref)
        return self.node(name).output_shapes[index]

    def calls_of(self, submodel: str) -> list[TopNode]:
        """The call nodes of a sub-model, in order."""
        return [n for n in self.nodes if n.kind == "call" and n.submodel == submodel]

    @property
    def params(self) -> ParamCount:
        """Total parameters (each sub-model counted once)."""
        total = ParamCount()
        for sub in self.submodels.values():
            total = total + sub.params
        return total

    @property
    def forward_flops(self) -> int:
        """Forward FLOPs for one example on every side (each call counted)."""
        return sum(self.submodels[n.submodel].flops for n in self.nodes
                   if n.kind == "call" and n.submodel is not None)
