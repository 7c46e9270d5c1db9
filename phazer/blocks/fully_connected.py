"""The fully-connected sub-models: fc_a / fc_b / fc_both / fc_shared, and fc_gblock.

FC model: the bottleneck (when it is not in the encoder), ``fc.depth`` x (Dropout, Dense) with
the node curve of :func:`phazer.blocks.sizing.fc_node_curve`, a Reshape to
(dimensions, dimensions, max filters), the ``fc.upsamples`` upsamplers, then the first
``decoder.upscales_in_fc`` upscales of the decoder chain (with its re-tiling and upscale_dny
entry convs). Dropout layers are present even at rate 0.

fc_gblock: the bottleneck (when not in the encoder) and ``gblock_fc.depth`` x
(Dropout, Dense) with nodes from min to max nodes; no reshape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from phazer.blocks.bottleneck import add_bottleneck
from phazer.blocks.checks import (
    check_fc_filters,
    check_fc_reshape,
    check_fc_size,
    check_fc_upscales,
    check_reflect_fc_upsampler,
    note_fc_rescaling,
)
from phazer.blocks.context import BuildContext, build_alone
from phazer.blocks.conv import ConvSettings, dense
from phazer.blocks.decoder import upscale_chain
from phazer.blocks.sizing import fc_filters, fc_node_curve, gblock_node_curve, upscale_chain_plan
from phazer.blocks.upscalers import fc_upsampling
from phazer.blocks.width_checks import check_fc_nodes, check_gblock_nodes
from phazer.ir.graph import SubModelBuilder, SubModelIR, Tensor
from phazer.spec.models import ModelSpec

FC_NAME = re.compile(r"fc_[a-z0-9]+")
"""An FC model's name: ``fc_<side>``, ``fc_both`` or ``fc_shared`` (sides are data)."""


def _dense_stack(b: SubModelBuilder, x: Tensor, nodes: Sequence[int], rate: float,
                 prefix: str) -> Tensor:
    for idx, units in enumerate(nodes, start=1):
        x = b.add("dropout", x, name=f"{prefix}_dropout_{idx}", rate=rate)
        x = dense(b, x, units, name=f"{prefix}_dense_{idx}")
    return x


def _flat_features(b: SubModelBuilder, x: Tensor, ctx: BuildContext) -> Tensor:
    """The bottleneck when it is not in the encoder, else a Flatten of what the encoder gives."""
    if not ctx.spec.bottleneck.in_encoder:
        return add_bottleneck(b, x, ctx.spec.bottleneck, ctx)
    if len(x.shape) > 1:
        return b.add("flatten", x, name="flatten")
    return x


def build_fc(spec: ModelSpec, name: str, input_shape: Sequence[int],
             context: BuildContext | None = None) -> SubModelIR:
    """Build one FC sub-model (``fc_a``, ``fc_b``, ``fc_both`` or ``fc_shared``).

    Args:
        spec: the model spec.
        name: the sub-model name.
        input_shape: the encoder output shape.
        context: the build this model is part of (None: build it on its own).

    Raises:
        ValueError: a name that is not an FC model's.
        BuildError: called without a context, for a spec that cannot be built.
    """
    if not FC_NAME.fullmatch(name) or name == "fc_gblock":
        raise ValueError(f"unknown FC sub-model {name!r}; expected fc_<side>, fc_both or "
                         "fc_shared")
    return build_alone(spec, context, lambda ctx: _build_fc(ctx, name, input_shape))


def _build_fc(ctx: BuildContext, name: str, input_shape: Sequence[int]) -> SubModelIR:
    spec = ctx.spec
    fc = spec.fc
    filters = fc_filters(spec)
    check_fc_filters(ctx, filters)
    settings = ConvSettings.from_spec(spec.convolutions)
    b = SubModelBuilder(name)
    x = _flat_features(b, b.input(tuple(input_shape), name="fc_in"), ctx)
    nodes = fc_node_curve(spec, filters)
    check_fc_nodes(ctx, nodes, filters)
    x = _dense_stack(b, x, nodes, fc.dropout, "fc")
    target = (fc.dimensions, fc.dimensions, filters.max_filters)
    ctx.sizes.record(fc_filters=filters, fc_nodes=nodes, fc_reshape=target)
    check_fc_reshape(ctx, x.shape[0], target, filters)
    x = b.add("reshape", x, name="reshape", target_shape=target)
    check_reflect_fc_upsampler(ctx, x.shape[0])
    x = fc_upsampling(b, x, fc.upsampler, fc.upsamples, filters.upsample_filters or 0,
                      settings)
    check_fc_size(ctx, x.shape[0])
    chain = upscale_chain_plan(spec, x.shape[0])
    ctx.sizes.record(fc_upsampled_shape=x.shape, chain=chain)
    note_fc_rescaling(ctx, filters, chain)
    check_fc_upscales(ctx, chain)
    if chain.fc_starts:
        x = upscale_chain(b, x, ctx, chain, 0, chain.in_fc, settings, head=True)
    ctx.sizes.record(fc_output_shape=x.shape)
    return b.build(x)


def build_gblock_fc(spec: ModelSpec, input_shape: Sequence[int],
                    context: BuildContext | None = None) -> SubModelIR:
    """Build ``fc_gblock``, the shared FC model that feeds the G-Block its style vector.

    Raises:
        BuildError: called without a context, for a spec that cannot be built.
    """
    return build_alone(spec, context, lambda ctx: _build_gblock_fc(ctx, input_shape))


def _build_gblock_fc(ctx: BuildContext, input_shape: Sequence[int]) -> SubModelIR:
    b = SubModelBuilder("fc_gblock")
    x = _flat_features(b, b.input(tuple(input_shape), name="fc_gblock_in"), ctx)
    nodes = gblock_node_curve(ctx.spec)
    ctx.sizes.record(gblock_fc_nodes=nodes)
    check_gblock_nodes(ctx, nodes)
    x = _dense_stack(b, x, nodes, ctx.spec.gblock_fc.dropout, "fc_gblock")
    return b.build(x)
