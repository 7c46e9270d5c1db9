"""The fully-connected sub-models: fc_a / fc_b / fc_both / fc_shared, and fc_gblock.

FC model: the bottleneck (when it is not in the encoder), ``fc.depth`` x (Dropout, Dense) with
the node curve of :func:`phazer.blocks.arithmetic.fc_node_curve`, a Reshape to
(dimensions, dimensions, max filters), the ``fc.upsamples`` upsamplers, then the first
``decoder.upscales_in_fc`` upscales of the decoder chain (with its re-tiling and upscale_dny
entry convs). Dropout layers are present even at rate 0.

fc_gblock: the bottleneck (when not in the encoder) and ``gblock_fc.depth`` x
(Dropout, Dense) with nodes from min to max nodes; no reshape.
"""

from __future__ import annotations

from collections.abc import Sequence

from phazer.blocks.bottleneck import add_bottleneck
from phazer.blocks.conv import ConvSettings, dense
from phazer.blocks.decoder import upscale_chain
from phazer.blocks.limits import require_buildable
from phazer.blocks.upscalers import fc_upsampling
from phazer.ir.graph import SubModelBuilder, SubModelIR, Tensor
from phazer.spec.models import ModelSpec

FC_NAMES: tuple[str, ...] = ("fc_a", "fc_b", "fc_both", "fc_shared")


def _dense_stack(b: SubModelBuilder, x: Tensor, nodes: Sequence[int], rate: float,
                 prefix: str) -> Tensor:
    for idx, units in enumerate(nodes, start=1):
        x = b.add("dropout", x, name=f"{prefix}_dropout_{idx}", rate=rate)
        x = dense(b, x, units, name=f"{prefix}_dense_{idx}")
    return x


def build_fc(spec: ModelSpec, name: str, input_shape: Sequence[int]) -> SubModelIR:
    """Build one FC sub-model (``fc_a``, ``fc_b``, ``fc_both`` or ``fc_shared``).

    Args:
        spec: the model spec.
        name: the sub-model name.
        input_shape: the encoder output shape.

    Raises:
        ValueError: the spec cannot be built.
        IRShapeError: the input does not fit (e.g. fc.depth 0 with a bottleneck output that
            is not dimensions^2 x max filters).
    """
    if name not in FC_NAMES:
        raise ValueError(f"unknown FC sub-model {name!r}; expected one of {', '.join(FC_NAMES)}")
    dv = require_buildable(spec)
    fc = spec.fc
    settings = ConvSettings.from_spec(spec.convolutions)
    b = SubModelBuilder(name)
    x = b.input(tuple(input_shape), name="fc_in")
    if not spec.bottleneck.in_encoder:
        x = add_bottleneck(b, x, spec.bottleneck)
    elif len(x.shape) > 1:
        x = b.add("flatten", x, name="flatten")
    x = _dense_stack(b, x, dv.fc_nodes, fc.dropout, "fc")
    x = b.add("reshape", x, name="reshape", target_shape=dv.fc_reshape)
    x = fc_upsampling(b, x, fc.upsampler, fc.upsamples, dv.fc_filters.upsample_filters or 0,
                      settings)
    if dv.fc_upscales:
        x = upscale_chain(b, x, spec, dv, 0, dv.fc_upscales, settings)
    return b.build(x)


def build_gblock_fc(spec: ModelSpec, input_shape: Sequence[int]) -> SubModelIR:
    """Build ``fc_gblock``, the shared FC model that feeds the G-Block its style vector.

    Raises:
        ValueError: the spec cannot be built.
    """
    dv = require_buildable(spec)
    b = SubModelBuilder("fc_gblock")
    x = b.input(tuple(input_shape), name="fc_gblock_in")
    if not spec.bottleneck.in_encoder:
        x = add_bottleneck(b, x, spec.bottleneck)
    elif len(x.shape) > 1:
        x = b.add("flatten", x, name="flatten")
    x = _dense_stack(b, x, dv.gblock_fc_nodes, spec.gblock_fc.dropout, "fc_gblock")
    return b.build(x)
