"""One of Phaze-A's blocks as a sub-model of a graph-form spec (``encoder: {phaze_a: encoder}``).

The block is built by the same builder as in a ``phazer: 1`` spec, from the graph's ``phaze_a``
settings, on the tensor the route gives it, then named as the graph names it. The builders
check their own names (``fc_<side>``, ``g_block_<side>``); a graph may call its sub-models
anything, so a name they refuse is built under the Phaze-A name of the same block (the layers
inside do not depend on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from phazer.blocks.context import BuildContext
from phazer.blocks.decoder import build_decoder
from phazer.blocks.encoder import build_encoder
from phazer.blocks.fully_connected import FC_NAME, build_fc, build_gblock_fc
from phazer.blocks.gblock import GBLOCK_NAME, build_g_block
from phazer.ir.graph import SubModelIR


class PhazeABlockMisfit(ValueError):
    """The tensor a route gives a Phaze-A block is not one the block takes."""


def build_phaze_a_block(kind: str, name: str, context: BuildContext, shape: Sequence[int],
                        style_shape: Sequence[int] | None = None) -> SubModelIR:
    """Build Phaze-A block ``kind`` as sub-model ``name`` on an input of ``shape``.

    Args:
        kind: encoder, fc, fc_gblock, g_block or decoder.
        name: the sub-model's name in the graph.
        context: the build context of the graph's Phaze-A settings (shared by its blocks).
        shape: the input tensor's shape.
        style_shape: the conditioning tensor's shape (a g_block's, from ``with``).

    Raises:
        PhazeABlockMisfit: the input is not what the block takes (the encoder's image size,
            a G-Block without its conditioning).
        phazer.blocks.context.CannotBuild: a builder check failed (in ``context.issues``).
        phazer.ir.ops.IRShapeError: a layer does not fit.
    """
    spec = context.spec
    if kind == "encoder":
        sub = build_encoder(spec, context)
        if tuple(sub.input_shapes[0]) != tuple(shape):
            size = "x".join(str(d) for d in sub.input_shapes[0])
            raise PhazeABlockMisfit(
                f"the Phaze-A encoder takes {size} faces (from phaze_a.output_size and the "
                f"encoder's settings), not {'x'.join(str(d) for d in shape)}")
    elif kind == "fc":
        built_as = name if FC_NAME.fullmatch(name) and name != "fc_gblock" else "fc_both"
        sub = build_fc(spec, built_as, shape, context)
    elif kind == "fc_gblock":
        sub = build_gblock_fc(spec, shape, context)
    elif kind == "g_block":
        if style_shape is None:
            raise PhazeABlockMisfit(f"a G-Block needs its conditioning: write `{name} with "
                                    "<fc_gblock sub-model>` in the route")
        built_as = name if GBLOCK_NAME.fullmatch(name) else "g_block_both"
        sub = build_g_block(spec, built_as, shape, style_shape, context)
    elif kind == "decoder":
        if len(shape) != 3:
            raise PhazeABlockMisfit(f"the Phaze-A decoder takes a height x width x channels "
                                    f"tensor, not {'x'.join(str(d) for d in shape)}")
        sub = build_decoder(spec, name, shape, context)
    else:
        raise ValueError(f"unknown Phaze-A block {kind!r}")
    return replace(sub, name=name)
