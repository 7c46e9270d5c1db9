"""The bottleneck: the narrowing at the end of the encoder or the start of every FC model.

Sequence: the optional norm (``bottleneck.norm``), then the bottleneck layer, then a Flatten
when the result still has spatial axes:

* ``dense``: Flatten (when needed) then Dense(``size``), GlorotUniform;
* ``average_pooling`` / ``max_pooling``: global pooling over height and width;
* ``flatten``: no layer of its own, only the final Flatten.
"""

from __future__ import annotations

from phazer.blocks.conv import dense
from phazer.blocks.norms import apply_norm
from phazer.ir.graph import SubModelBuilder, Tensor
from phazer.spec.models import BottleneckSpec

_POOLS = {"average_pooling": "global_avg_pool", "max_pooling": "global_max_pool"}


def bottleneck_size(bottleneck: BottleneckSpec, features: tuple[int, ...]) -> int:
    """The flat size the bottleneck outputs for an input of shape ``features``."""
    if bottleneck.type == "dense":
        return bottleneck.size
    if bottleneck.type in _POOLS:
        return features[-1]
    size = 1
    for dim in features:
        size *= dim
    return size


def add_bottleneck(b: SubModelBuilder, x: Tensor, bottleneck: BottleneckSpec) -> Tensor:
    """Append the bottleneck to ``x`` and return its flat output.

    Raises:
        ValueError: a pooling bottleneck on an input without spatial axes.
    """
    x = apply_norm(b, x, bottleneck.norm, stem="bottleneck")
    if bottleneck.type == "dense":
        if len(x.shape) > 1:
            x = b.add("flatten", x, name="flatten")
        x = dense(b, x, bottleneck.size, name="bottleneck_dense")
    elif bottleneck.type in _POOLS:
        if len(x.shape) != 3:
            raise ValueError(f"a {bottleneck.type} bottleneck needs a (height, width, "
                             f"channels) input, got {x.shape}")
        x = b.add(_POOLS[bottleneck.type], x, name=f"bottleneck_{bottleneck.type}")
    if len(x.shape) > 1:
        x = b.add("flatten", x, name="flatten")
    return x
