"""Lower a Phaze-A spec (``phazer: 1``) to the graph form (``phazer: 2``), phazer's one language.

Phaze-A's routing switches are sugar: each side's route is written out from them and every
sub-model becomes one of Phaze-A's blocks (``fc_a: {phaze_a: fc}``) built from the spec's
other sections, which move under ``phaze_a``; ``convolutions`` and ``weights`` stay at the top
level, where the graph form keeps them for every sub-model. Everything after loading — the
routing graph, the rules, the IR, the plan, the Keras model, training — sees only the graph
form.

The routes, per side (``shared_fc: half`` re-uses the first side's FC model as the shared one)::

    encoder -> fc_<side>                                   split_fc
    encoder -> fc_both                                     (not split_fc)
    encoder -> concat(<own fc>, fc_shared | fc_<first>)    shared_fc: full | half
            -> g_block_<side> | g_block_both with fc_gblock    gblock (split_gblock)
            -> decoder_<side> | decoder_both               split_decoders

An issue found on the lowered spec names a field of it; :func:`source_path` turns that into
the field of the ``phazer: 1`` file the user wrote (``phaze_a.decoder.upscaler`` ->
``decoder.upscaler``; a route or a sub-model -> ``routing``), so every issue keeps its line.
A Phaze-A builder's issue about the convolution switches names the graph's top-level
``convolutions`` in either form.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from phazer.blocks.sizing import encoder_input_px
from phazer.graph.digraph import DiGraph
from phazer.graph.graph_form import routing_graph
from phazer.graph.routing import STAGE
from phazer.sides import DEFAULT_SIDES, check_sides
from phazer.spec.graph_form import (
    GRAPH_FORMAT_VERSION,
    GRAPH_WIDE,
    GraphSpec,
    GraphWeights,
    PhazeABlock,
    PhazeASettings,
    SideSpec,
)
from phazer.spec.models import ModelSpec, RoutingSpec
from phazer.spec.routes import parse_route, route_models

SHARED_SUFFIX = "both"
"""The suffix of a sub-model every side shares (``fc_both``, ``decoder_both``)."""


def side_route(routing: RoutingSpec, side: str, first_side: str) -> list[str]:
    """The steps of one side's route through the sub-models Phaze-A's switches build."""
    def own(stem: str, split: bool) -> str:
        return f"{stem}_{side if split else SHARED_SUFFIX}"

    fc = own("fc", routing.split_fc)
    if routing.shared_fc == "full":
        fc = f"concat({fc}, fc_shared)"
    elif routing.shared_fc == "half":
        fc = f"concat({fc}, {f'fc_{first_side}' if routing.split_fc else fc})"
    steps = ["encoder", fc]
    if routing.gblock:
        steps.append(f"{own('g_block', routing.split_gblock)} with fc_gblock")
    steps.append(own("decoder", routing.split_decoders))
    return steps


def _phaze_a_block(name: str) -> str:
    """Which Phaze-A block a sub-model of the switch form is (from the name it is given)."""
    if name in ("encoder", "fc_gblock"):
        return name
    return name.rpartition("_")[0]


def lower(spec: ModelSpec | GraphSpec, sides: Iterable[str] = DEFAULT_SIDES) -> GraphSpec:
    """``spec`` in the graph form (a graph-form spec is returned as it is).

    Args:
        spec: the schema-valid spec.
        sides: the side names a Phaze-A spec is lowered for (two by default; any number
            lowers the same way).

    Raises:
        ValueError: the side names are not valid (see :func:`phazer.sides.check_sides`).
    """
    if isinstance(spec, GraphSpec):
        return spec
    names = check_sides(sides)
    routes = {side: side_route(spec.routing, side, names[0]) for side in names}
    used = dict.fromkeys(name for steps in routes.values()
                         for name in route_models(parse_route(" -> ".join(steps))))

    def stage(name: str) -> tuple[int, int]:   # the routing graph's order (faceswap's)
        block = _phaze_a_block(name)
        return STAGE[block], int(block == "fc_gblock" and spec.routing.shared_fc != "none")

    models: dict[str, Any] = {name: PhazeABlock.model_construct(phaze_a=_phaze_a_block(name))
                              for name in sorted(used, key=stage)}
    size = encoder_input_px(spec)
    # everything below is already valid: constructed, not validated again (validate's latency)
    return GraphSpec.model_construct(
        phazer=GRAPH_FORMAT_VERSION, name=spec.name, description=spec.description,
        tagline=spec.tagline, use=spec.use,
        sides={side: SideSpec.model_construct(input=size, output=spec.output_size)
               for side in names},
        phaze_a=PhazeASettings.model_construct(
            **{name: getattr(spec, name) for name in PhazeASettings.model_fields}),
        models=models, routes={side: " -> ".join(steps) for side, steps in routes.items()},
        convolutions=spec.convolutions,
        weights=GraphWeights.model_construct(**spec.weights.model_dump()),
        training=spec.training)


def build_routing_graph(spec: ModelSpec | GraphSpec,
                        sides: Iterable[str] = DEFAULT_SIDES) -> DiGraph:
    """The routing graph of any spec: its graph form's (see :mod:`phazer.graph`)."""
    return routing_graph(lower(spec, sides))


def source_path(path: str, source: ModelSpec | GraphSpec) -> str:
    """The field of the spec as written that an issue on its lowered form blames."""
    head, _, rest = path.partition(".")
    if head == "phaze_a" and rest.partition(".")[0] in GRAPH_WIDE:
        return rest   # a Phaze-A block's issue about the graph's own convolutions
    if isinstance(source, GraphSpec):
        return path
    if head == "phaze_a":
        return rest
    if head in ("models", "routes"):
        return "routing"
    if head == "sides":
        return "output_size"
    return path
