"""The bottleneck: the narrowing at the end of the encoder or the start of every FC model.

Sequence: the optional norm (``bottleneck.norm``), then the bottleneck layer, then a Flatten
when the result still has spatial axes:

* ``dense``: Flatten (when needed) then Dense(``size``), GlorotUniform;
* ``average_pooling`` / ``max_pooling``: global pooling over height and width;
* ``flatten``: no layer of its own, only the final Flatten.
"""

from __future__ import annotations

from phazer.blocks.context import BuildContext
from phazer.blocks.conv import dense
from phazer.blocks.norms import apply_norm
from phazer.ir.graph import SubModelBuilder, Tensor
from phazer.issues import POOLING_FLAT_FEATURES
from phazer.spec.models import BottleneckSpec

_POOLS = {"average_pooling": "global_avg_pool", "max_pooling": "global_max_pool"}


def add_bottleneck(b: SubModelBuilder, x: Tensor, bottleneck: BottleneckSpec,
                   ctx: BuildContext) -> Tensor:
    """Append the bottleneck to ``x`` and return its flat output.

    A pooling bottleneck on an input without spatial axes (a CLIP encoder's flat vector) is
    reported as PHZ314 and stops the build.
    """
    x = apply_norm(b, x, bottleneck.norm, stem="bottleneck")
    if bottleneck.type == "dense":
        if len(x.shape) > 1:
            x = b.add("flatten", x, name="flatten")
        x = dense(b, x, bottleneck.size, name="bottleneck_dense")
    elif bottleneck.type in _POOLS:
        if len(x.shape) != 3:
            ctx.stop(POOLING_FLAT_FEATURES, ("bottleneck.type", "encoder.type"),
                     f"the {bottleneck.type} bottleneck pools over height and width, but the "
                     f"{ctx.spec.encoder.type} encoder outputs a flat "
                     f"{'x'.join(map(str, x.shape))}-value vector",
                     "use bottleneck.type flatten (keeps the vector) or dense")
        x = b.add(_POOLS[bottleneck.type], x, name=f"bottleneck_{bottleneck.type}")
    if len(x.shape) > 1:
        x = b.add("flatten", x, name="flatten")
    ctx.sizes.record(fc_input_size=x.shape[0])
    return x
