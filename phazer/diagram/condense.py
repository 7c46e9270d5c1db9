"""Keep a layer-level diagram bounded: repeated layers drawn once, the rest capped.

A sub-model's layers are condensed in two steps, so that a diagram's size follows what there
is to see rather than the layer count:

1. a *chain* (each layer feeding only the next) that repeats one pattern of up to
   :data:`MAX_PATTERN` layers at least :data:`MIN_REPEATS` times is drawn as one copy of the
   pattern, each of its layers marked ``× N`` (a million dense layers become one box);
2. a sub-model that still has more than its share of :data:`MAX_DIAGRAM_LAYERS` is drawn
   with its first and last layers (and every input and output layer) and one box in between
   that counts the layers left out.

The built-in presets repeat nothing that often, so their diagrams draw every layer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from phazer.diagram.model import Layer
from phazer.ir.graph import Op, SubModelIR

MIN_REPEATS = 4
"""A pattern repeated at least this often along a chain is drawn once."""

MAX_PATTERN = 6
"""The longest pattern (in layers) looked for."""

MAX_DIAGRAM_LAYERS = 1_000
"""The most layer boxes a diagram draws over all its sub-models (after step 1)."""

MIN_CLUSTER_LAYERS = 24
"""The fewest boxes a capped sub-model keeps, however many sub-models share the budget."""


@dataclass(frozen=True)
class Condensed:
    """A sub-model's layers as drawn: the boxes and the links between them."""

    layers: tuple[Layer, ...]
    links: tuple[tuple[str, str], ...]


def _chain_link(ops: Sequence[Op], index: int, consumers: Counter[str],
                ends: frozenset[str]) -> bool:
    """Whether ``ops[index - 1]`` feeds ``ops[index]`` and nothing else does or is fed."""
    before, op = ops[index - 1], ops[index]
    return (op.inputs == (before.name,) and consumers[before.name] == 1
            and before.name not in ends)


def _run_at(signature: Sequence[tuple[object, ...]], start: int, chained: list[bool]
            ) -> tuple[int, int]:
    """The best ``(pattern length, repeats)`` of a chain starting at ``start`` ((0, 0): none).

    ``signature`` holds each layer's kind, shape and parameters; ``chained`` whether each
    layer is fed by the one before it alone.
    """
    best = (0, 0)
    for size in range(1, MAX_PATTERN + 1):
        first = signature[start:start + size]
        if len(first) < size or not all(chained[start + 1:start + size]):
            break
        repeats = 1
        while True:
            at = start + repeats * size
            if signature[at:at + size] != first or not all(chained[at:at + size]):
                break
            repeats += 1
        if repeats >= MIN_REPEATS and repeats * size > best[0] * best[1]:
            best = (size, repeats)
    return best


def condense_repeats(sub: SubModelIR, layer_id: str) -> Condensed:
    """Step 1: the sub-model's layers, each repeated chain drawn once.

    Args:
        sub: the sub-model.
        layer_id: the id stem of its layers (``<sub-model>/``).
    """
    ops = sub.ops
    consumers: Counter[str] = Counter(name for op in ops for name in op.inputs)
    ends = frozenset(sub.inputs) | frozenset(sub.outputs)
    chained = [False] + [_chain_link(ops, i, consumers, ends) for i in range(1, len(ops))]
    signature = [(op.kind, op.shape, op.params.total) for op in ops]
    drawn: dict[str, str] = {}     # op name -> the id of the box that stands for it
    layers: list[Layer] = []
    index = 0
    while index < len(ops):
        size, repeats = _run_at(signature, index, chained)
        if not size:
            op = ops[index]
            layers.append(Layer(id=layer_id + op.name, name=op.name, kind=op.kind,
                                shape=op.shape, params=op.params.total))
            drawn[op.name] = layer_id + op.name
            index += 1
            continue
        pattern = ops[index:index + size]
        layers += [Layer(id=layer_id + op.name, name=op.name, kind=op.kind, shape=op.shape,
                         params=op.params.total, repeat=repeats, group=size)
                   for op in pattern]
        for offset in range(size * repeats):
            drawn[ops[index + offset].name] = layer_id + pattern[offset % size].name
        index += size * repeats
    links: dict[tuple[str, str], None] = {}   # ordered, without repeats
    for op in ops:
        if drawn[op.name] != layer_id + op.name:
            continue   # a folded copy: its only input is the copy before it
        for source in op.inputs:
            links[(drawn[source], drawn[op.name])] = None
    return Condensed(tuple(layers), tuple(links))


def cap_layers(condensed: Condensed, keep: frozenset[str], budget: int,
               stem: str) -> Condensed:
    """Step 2: at most ``budget`` boxes, the middle ones replaced by one that counts them.

    Args:
        condensed: the sub-model's boxes after step 1.
        keep: ids that must stay drawn (the sub-model's input and output layers).
        budget: the most boxes to draw.
        stem: the id stem of the sub-model's layers (the counting box is ``stem + "..."``).
    """
    layers = condensed.layers
    if len(layers) <= budget:
        return condensed
    head = budget // 2
    tail = budget - head - 1
    shown = [i < head or i >= len(layers) - tail or layer.id in keep
             for i, layer in enumerate(layers)]
    hidden = [layer for layer, show in zip(layers, shown, strict=True) if not show]
    gap = Layer(id=stem + "...", name=f"{sum(h.repeat for h in hidden):,} layers not drawn",
                kind="omitted", shape=(), params=sum(h.params * h.repeat for h in hidden),
                hidden=len(hidden))
    kept: list[Layer] = []
    placed = False
    for layer, show in zip(layers, shown, strict=True):
        if show or not placed:
            kept.append(layer if show else gap)
            placed = placed or not show
    mapped = {layer.id: (layer.id if show else gap.id)
              for layer, show in zip(layers, shown, strict=True)}
    links: dict[tuple[str, str], None] = {}
    for source, target in condensed.links:
        if mapped[source] != mapped[target]:
            links[(mapped[source], mapped[target])] = None
    return replace(condensed, layers=tuple(kept), links=tuple(links))


def cluster_budget(clusters: int) -> int:
    """The boxes each of ``clusters`` sub-models may draw."""
    return max(MIN_CLUSTER_LAYERS, MAX_DIAGRAM_LAYERS // max(clusters, 1))
