"""Which sub-models a swap runs: a face of one side, drawn by another side's decoder path.

A swap from ``source`` to ``to`` feeds a face of side ``source`` through that side's own path
until it reaches the first sub-model call that the two sides' routes share (the *join*), then
goes on along side ``to``'s route from its call of that sub-model::

    a: stem_a -> trunk -> decoder_a        swap a -> b: stem_a -> trunk -> decoder_b
    b: stem_b -> trunk -> decoder_b        swap b -> a: stem_b -> trunk -> decoder_a

So the face enters at its own side's size and comes out at the target side's output size.
When the target's route starts with a shared sub-model (a shared encoder, as in every Phaze-A
layout, IAE, LIAE or ``three-identities``) the swap is the whole of the target's route, the
same computation as feeding the face into the target side's input. When the two routes share
no sub-model at all (two separate autoencoders), the swap is the target's route, fed the face
at the target's input size.

Everything here reads the model IR: no TensorFlow. :func:`swap_route` gives the swap as a
one-input :class:`ModelIR` (its nodes a subset of the model's, so the trained sub-models run
it: :mod:`phazer.train.swap_models`).
"""

from __future__ import annotations

from phazer.ir.model import ModelIR, TopNode, split_ref
from phazer.sides import side_of


class SwapRouteError(ValueError):
    """The model cannot draw a face of one side as another (the routes cannot be joined)."""


def default_source(to: str, sides: tuple[str, ...]) -> str:
    """The side a swap to ``to`` starts from when none is named: the side before it.

    With two sides that is the other one; with more, the previous in the model's order
    (cyclically), the side whose preview swaps to ``to`` first.

    Raises:
        ValueError: ``to`` is not one of ``sides``.
    """
    order = list(sides)
    if to not in order:
        raise ValueError(f"side {to!r} is not one of {tuple(order)}")
    return order[(order.index(to) - 1) % len(order)]


def _side_nodes(model: ModelIR, side: str) -> list[TopNode]:
    return [node for node in model.nodes if node.side == side]


def _ancestors(nodes: dict[str, TopNode], names: list[str]) -> set[str]:
    """Every node the given nodes depend on, themselves included."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(split_ref(ref)[0] for ref in nodes[name].inputs)
    return seen


def _join(model: ModelIR, source: str, to: str) -> tuple[TopNode, TopNode] | None:
    """The target's first call of a sub-model the source also calls, and the source's call."""
    calls = {}
    for node in _side_nodes(model, source):
        if node.kind == "call":
            calls.setdefault(node.submodel, node)
    for node in _side_nodes(model, to):
        if node.kind == "call" and node.submodel in calls:
            return node, calls[node.submodel]
    return None


def join_of(model: ModelIR, source: str, to: str) -> str | None:
    """The sub-model where a swap from ``source`` goes over to ``to``'s route (None: none)."""
    join = _join(model, source, to)
    return None if join is None else join[0].submodel


def swap_route(model: ModelIR, source: str, to: str) -> ModelIR:
    """The swap of a face of side ``source`` to side ``to`` as a one-input model IR.

    Its input is ``face_in_<source>`` at the source's input size (``face_in_<to>`` at the
    target's when the routes share nothing); its outputs are side ``to``'s (``face_out_<to>``,
    a mask, the scales of a multiscale decoder). With ``source == to`` it is that side's own
    route (the reconstruction). Node and sub-model names are the model's, so the trained
    sub-models run it as they are.

    Raises:
        ValueError: a side the model does not have.
        SwapRouteError: side ``to``'s route uses a value from before the join other than the
            join's own inputs (it cannot be computed from a face of ``source``).
    """
    for side in (source, to):
        if side not in model.sides:
            raise ValueError(f"side {side!r} is not one of {model.sides}")
    nodes = {node.name: node for node in model.nodes}
    outputs = {name: ref for name, ref in model.outputs.items() if side_of(name) == to}
    needed = _ancestors(nodes, [split_ref(ref)[0] for ref in outputs.values()])
    name = f"{model.name}_{source}_to_{to}"
    join = None if source == to else _join(model, source, to)
    if join is None:
        return _route_ir(model, name, to, [n for n in model.nodes if n.name in needed], outputs)
    target_call, source_call = join
    renamed = dict(zip(target_call.inputs, source_call.inputs, strict=True))
    before = _ancestors(nodes, [target_call.name]) - {target_call.name}
    prefix = _ancestors(nodes, [split_ref(ref)[0] for ref in source_call.inputs])
    route = [node for node in model.nodes if node.name in prefix]
    for node in model.nodes:
        if node.name not in needed or node.name in before:
            continue
        stray = [split_ref(ref)[0] for ref in node.inputs
                 if ref not in renamed and split_ref(ref)[0] in before]
        if stray:
            raise SwapRouteError(
                f"side {to}'s route uses {stray[0]!r} before it joins side {source}'s at "
                f"{target_call.submodel!r}: a face of side {source} cannot be swapped to {to}")
        route.append(TopNode(node.name, node.kind, node.side,
                             tuple(renamed.get(ref, ref) for ref in node.inputs),
                             node.output_shapes, node.submodel))
    return _route_ir(model, name, source, route, outputs)


def _route_ir(model: ModelIR, name: str, side: str, nodes: list[TopNode],
              outputs: dict[str, str]) -> ModelIR:
    """A one-input model IR of ``nodes``, whose input node is ``face_in_<side>``."""
    called = {node.submodel for node in nodes if node.kind == "call"}
    return ModelIR(name=name, sides=(side,),
                   submodels={key: sub for key, sub in model.submodels.items() if key in called},
                   nodes=tuple(nodes), outputs=dict(outputs),
                   kinds={key: kind for key, kind in model.kinds.items() if key in called})
