"""Routing-stage rules: checks on the routing graph and on what the routing switches imply.

Each rule is one function registered with :func:`phazer.rules.rule`; it returns issues whose
``path`` is the spec field to blame (the validator turns it into ``file:line``).

"Settings that have no effect" (PHZ207) are only reported for fields the spec sets (in its
file, the preset it extends or a ``--set`` override): a default nobody chose is not news.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from pydantic import BaseModel

from phazer.catalog.encoders import ENCODERS
from phazer.catalog.upscalers import LEARNED_FC_UPSAMPLERS, UPSAMPLE2D
from phazer.graph import (
    face_in,
    face_out,
    graph_sides,
    output_nodes,
    side_view,
    submodel_names,
    weight_roles,
)
from phazer.graph.digraph import has_path, is_directed_acyclic_graph, to_networkx
from phazer.issues import (
    CANNOT_SWAP,
    CODES,
    GRAPH_CYCLE,
    HALF_SHARED_FC,
    KERAS_ENCODER_MISSING,
    NO_EFFECT,
    OUTPUT_UNREACHABLE,
    SHARED_FC_NOT_SPLIT,
    UNKNOWN_SUBMODEL,
    Issue,
)
from phazer.rules import RuleContext, rule
from phazer.spec.graph_form import GraphSpec, PhazeABlock
from phazer.spec.models import ModelSpec
from phazer.spec.routes import RouteError, parse_route, route_models
from phazer.suggest import did_you_mean

# The G-Block's own style MLP, fixed by Phaze-A whatever gblock_fc says.
GBLOCK_STYLE_DEPTH = 3
GBLOCK_STYLE_NODES = 512


def _issue(code: str, path: str, message: str, hint: str = "") -> Issue:
    return Issue(code, CODES[code].severity, path, message, hint)


def _is_set(model: BaseModel, field: str) -> bool:
    """Whether the spec sets ``field`` of ``model`` rather than leaving it at its default."""
    return field in model.model_fields_set


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "(none)"


@rule("routing", GRAPH_CYCLE)
def graph_is_acyclic(context: RuleContext) -> Iterator[Issue]:
    """PHZ201: data must flow one way, from the inputs to the outputs."""
    graph = context.graph
    if is_directed_acyclic_graph(graph):
        return
    import networkx as nx  # only to name the cycle, which no spec should produce

    cycle = " -> ".join(u for u, _ in nx.find_cycle(to_networkx(graph)))
    yield _issue(GRAPH_CYCLE, "routing",
                 f"the routing graph has a cycle ({cycle} -> back): a sub-model would need its "
                 "own output as input; a model must be acyclic",
                 "this is a bug in the routing lowering, not in your spec: please report it")


@rule("routing", OUTPUT_UNREACHABLE)
def outputs_reachable(context: RuleContext) -> Iterator[Issue]:
    """PHZ202: every side's outputs are reachable from its input along its own edges."""
    graph = context.graph
    for side in graph_sides(graph):
        view = side_view(graph, side)
        outputs = output_nodes(graph, side) or [face_out(side)]
        for output in outputs:
            start = face_in(side)
            if start in graph and output in graph and has_path(view, start, output):
                continue
            yield _issue(OUTPUT_UNREACHABLE, "routing",
                         f"side {side}'s output '{output}' is not reachable from its input "
                         f"'{start}' along edges that carry side {side}'s data; every output "
                         "must be computed from its own side's face",
                         "this is a bug in the routing lowering, not in your spec: please "
                         "report it")


@rule("arithmetic", CANNOT_SWAP, forms=(1, 2))
def sides_have_own_weights(context: RuleContext) -> Iterator[Issue]:
    """PHZ203: two sides computed by the same weights in the same way cannot be swapped.

    Which sub-models hold weights is read off the built IR, so this rule runs once the
    model is built (with the arithmetic stage) and says nothing about a spec that cannot be.
    """
    if context.pipeline.model is None:
        return
    graph = context.pipeline.weighted_graph
    for first, second in combinations(graph_sides(graph), 2):
        roles = weight_roles(graph, first)
        if roles != weight_roles(graph, second):
            continue
        shared = [n for n in submodel_names(graph) if any(n == name for name, _ in roles)]
        weightless = [n for n in submodel_names(graph)
                      if not graph.nodes[n]["has_weights"] and not graph.nodes[n]["shared"]]
        extra = (f"; the per-side sub-models ({_names(weightless)}) hold no weights"
                 if weightless else "")
        graph_form = context.spec.phazer != 1
        path = f"routes.{second}" if graph_form else "routing.split_decoders"
        hint = (f"give side {second} (or {first}) a sub-model with weights of its own on its "
                "route, e.g. its own decoder" if graph_form else
                "split something per side: routing.split_decoders: true (the original "
                "layout), or routing.split_fc: true (the IAE/LIAE layouts), or, with the "
                "G-Block on, routing.split_gblock: true")
        yield _issue(
            CANNOT_SWAP, path,
            f"sides {first} and {second} pass through exactly the same weights "
            f"({_names(shared)}) in the same roles{extra}: the model can learn to reconstruct "
            "both faces but has nothing specific to either identity, so it can never swap them; "
            "expected at least one sub-model with weights of its own per side", hint)


@rule("routing", HALF_SHARED_FC)
def half_shared_fc_is_unbalanced(context: RuleContext) -> Iterator[Issue]:
    """PHZ204: ``shared_fc: half`` re-uses side A's FC model as the shared one."""
    routing = context.spec.routing
    if routing.shared_fc != "half" or not routing.split_fc:
        return  # without split_fc, PHZ205 explains what "half" does instead
    yield _issue(
        HALF_SHARED_FC, "routing.shared_fc",
        "shared_fc is 'half': fc_a doubles as the shared FC, so side A's decoder (or G-Block) "
        "input is concat(fc_a(a), fc_a(a)) while side B's is concat(fc_b(b), fc_a(b)); fc_a "
        "learns from "
        "both faces and side A gets no shared features distinct from its own, so the model is "
        "unbalanced: it swaps A->B better than B->A, and B's identity may bleed into A",
        "use shared_fc: full for a balanced model with its own fc_shared (one more FC model of "
        "memory), or shared_fc: none; keep 'half' only if you swap A->B")


@rule("routing", SHARED_FC_NOT_SPLIT)
def shared_fc_needs_split_fc(context: RuleContext) -> Iterator[Issue]:
    """PHZ205: a shared FC next to an already shared fc_both adds nothing side-specific."""
    routing = context.spec.routing
    if routing.shared_fc == "none" or routing.split_fc:
        return
    if routing.shared_fc == "full":
        found = ("shared_fc is 'full' with split_fc false: fc_both and fc_shared are both "
                 "shared by every side, built from the same fc settings and fed the same "
                 "encoding, so they are two identical shared models side by side")
    else:
        found = ("shared_fc is 'half' with split_fc false: the shared FC is fc_both itself, so "
                 "every side's decoder input is concat(fc_both(x), fc_both(x)), the same tensor "
                 "twice")
    yield _issue(
        SHARED_FC_NOT_SPLIT, "routing.shared_fc",
        f"{found}; a shared FC is meant to sit beside per-side FC models (fc_a, fc_b)",
        "set routing.split_fc: true (the IAE layout with 'full', LIAE with 'half'), or set "
        "routing.shared_fc: none")


_WHERE_BUILT = {
    "fc_both": "routing.split_fc is false",
    "fc_shared": "routing.shared_fc is 'full' ('half' re-uses fc_a or fc_both)",
    "fc_gblock": "routing.gblock is true",
    "g_block_both": "routing.gblock is true and routing.split_gblock is false",
    "decoder_both": "routing.split_decoders is false",
}
_WHERE_SPLIT = {
    "fc": "routing.split_fc is true",
    "g_block": "routing.gblock and routing.split_gblock are true",
    "decoder": "routing.split_decoders is true",
}


def _why_not_built(name: str) -> str:
    if name in _WHERE_BUILT:
        return f"{name} is only built when {_WHERE_BUILT[name]}"
    stem = name.rpartition("_")[0]
    if stem in _WHERE_SPLIT:
        return f"{name} is only built when {_WHERE_SPLIT[stem]}"
    return f"{name} is not a Phaze-A sub-model"


def _replacement_hint(name: str, valid: list[str], spec: ModelSpec) -> str:
    if name == "fc_shared" and spec.routing.shared_fc == "half":
        own = "fc_a" if spec.routing.split_fc else "fc_both"
        return (f"with shared_fc: half the shared FC is {own} itself: list '{own}', or set "
                "routing.shared_fc: full to build fc_shared")
    stem = name.rpartition("_")[0]
    counterparts = [v for v in valid if stem in _WHERE_SPLIT and v.rpartition("_")[0] == stem
                    and v not in ("fc_shared", "fc_gblock")]
    if name not in ("fc_shared", "fc_gblock") and counterparts:
        listed = " / ".join(f"'{c}'" for c in counterparts)
        which = "that" if len(counterparts) == 1 else "one of those"
        return f"this routing builds {listed} instead: list {which}, or remove the entry"
    suggestion = did_you_mean(name, valid)
    return suggestion or "remove the entry, or change the routing so that the sub-model is built"


def _called_submodels(spec: GraphSpec) -> list[str]:
    """The sub-models a graph's routes call, in the order ``models`` defines them.

    A route that does not parse calls nothing here (the graph form's rules report it).
    """
    called: set[str] = set()
    for text in spec.routes.values():
        try:
            called.update(route_models(parse_route(text)))
        except RouteError:
            continue
    return [name for name in spec.models if name in called]


def _has_keras_encoder(spec: GraphSpec, built: list[str]) -> bool:
    """Whether a built sub-model is a Phaze-A encoder with a Keras Applications (or CLIP) part."""
    if not any(isinstance(model, PhazeABlock) and model.phaze_a == "encoder"
               for name, model in spec.models.items() if name in built):
        return False
    info = ENCODERS[spec.phaze_a.encoder.type]
    return info.is_keras_application or info.is_clip  # CLIP: its transformer, as in faceswap


def _unknown_in_graph(spec: GraphSpec, field: str, name: str,
                      allowed: list[str]) -> tuple[str, str]:
    """PHZ206's message and hint for a graph-form spec."""
    if name in spec.models:
        found = "which no route calls, so it is not built"
        hint = f"call {name} on a route, or remove the entry"
    else:
        found = "which is not a sub-model of this graph"
        hint = did_you_mean(name, allowed) or "name a sub-model defined under models"
    return (f"weights.{field} names '{name}', {found}; expected one of: {_names(allowed)}",
            hint)


@rule("routing", UNKNOWN_SUBMODEL, KERAS_ENCODER_MISSING, forms=(1, 2))
def weight_names_exist(context: RuleContext) -> Iterator[Issue]:
    """PHZ206/PHZ208: weights.freeze / weights.load only name sub-models the model builds.

    One rule for both forms, on the graph form (a ``phazer: 1`` spec's lowering): the names
    are the sub-models its routes call, plus ``keras_encoder`` where a Phaze-A encoder has a
    Keras Applications model or CLIP transformer. A ``phazer: 1`` spec's messages say which
    routing switch builds a name it lists.
    """
    spec, lowered = context.spec, context.pipeline.lowered
    switches = spec.phazer == 1
    valid = submodel_names(context.graph) if switches else _called_submodels(lowered)
    keras = _has_keras_encoder(lowered, valid)
    for field in ("freeze", "load"):
        for index, name in enumerate(getattr(lowered.weights, field)):
            path = f"weights.{field}.{index}"
            if name in valid or (name == "keras_encoder" and keras):
                continue
            if name == "keras_encoder":
                if _is_set(spec.weights, field):
                    has = (f"encoder.type is '{lowered.phaze_a.encoder.type}', which has none"
                           if switches else "this graph has no such encoder")
                    yield _issue(
                        KERAS_ENCODER_MISSING, path,
                        f"weights.{field} lists 'keras_encoder', which is only the Keras "
                        f"Applications part of {'an' if switches else 'a Phaze-A'} encoder; "
                        f"{has}, so the entry is ignored (faceswap drops it silently)",
                        f"list '{'encoder' if switches else 'the encoder sub-model'}' to "
                        "freeze the whole encoder, or remove the entry")
                continue
            allowed = valid + (["keras_encoder"] if keras and field == "freeze" else [])
            if switches:
                message = (f"weights.{field} names '{name}', which this routing does not "
                           f"build: {_why_not_built(name)}; expected one of: "
                           f"{_names(allowed)}")
                hint = _replacement_hint(name, valid, spec)
            else:
                message, hint = _unknown_in_graph(lowered, field, name, allowed)
            yield _issue(UNKNOWN_SUBMODEL, path, message, hint)


def _no_effect(path: str, message: str, hint: str) -> Issue:
    return _issue(NO_EFFECT, path, message, hint)


@rule("routing", NO_EFFECT)
def settings_without_effect(context: RuleContext) -> Iterator[Issue]:
    """PHZ207: settings the chosen options make irrelevant (reported only when set)."""
    spec: ModelSpec = context.spec
    routing, fc, gfc, dec = spec.routing, spec.fc, spec.gblock_fc, spec.decoder
    if _is_set(fc, "upsample_filters") and (fc.upsampler == UPSAMPLE2D or fc.upsamples == 0):
        reason = ("fc.upsamples is 0" if fc.upsamples == 0
                  else "fc.upsampler is 'upsample2d', which has no filters")
        yield _no_effect("fc.upsample_filters",
                         f"fc.upsample_filters ({fc.upsample_filters}) is not used: {reason}",
                         "remove it, or pick a learned fc.upsampler "
                         f"({', '.join(LEARNED_FC_UPSAMPLERS)}) with fc.upsamples > 0")
    if _is_set(dec, "skip_last_residual") and dec.skip_last_residual and dec.res_blocks == 0:
        yield _no_effect("decoder.skip_last_residual",
                         "decoder.skip_last_residual is true but decoder.res_blocks is 0: there "
                         "is no residual block to skip",
                         "remove it, or set decoder.res_blocks > 0")
    if routing.split_gblock and not routing.gblock:
        yield _no_effect("routing.split_gblock",
                         "routing.split_gblock is true but routing.gblock is false: there is no "
                         "G-Block to split",
                         "remove it, or set routing.gblock: true")
    if not routing.gblock and gfc.model_fields_set:
        yield _no_effect("gblock_fc",
                         "the gblock_fc settings are not used: routing.gblock is false, so no "
                         "fc_gblock model is built",
                         "remove the gblock_fc group, or set routing.gblock: true")
    if fc.depth <= 1 and fc.min_filters != fc.max_filters:
        yield _no_effect("fc.min_filters",
                         f"fc.min_filters ({fc.min_filters}) is not used: with fc.depth "
                         f"{fc.depth} there is no first-to-last curve, the FC model's "
                         f"{'only Dense layer' if fc.depth else 'reshape'} uses fc.max_filters "
                         f"({fc.max_filters}) as the guide documents (faceswap itself would "
                         "use min_filters and then fail to reshape)",
                         "set fc.min_filters equal to fc.max_filters, or fc.depth >= 2")
    if (routing.gblock and gfc.depth == 1 and gfc.min_nodes != gfc.max_nodes
            and _is_set(gfc, "max_nodes")):
        yield _no_effect("gblock_fc.max_nodes",
                         f"gblock_fc.max_nodes ({gfc.max_nodes}) is not used: with "
                         "gblock_fc.depth 1 the fc_gblock model's only Dense layer has "
                         f"gblock_fc.min_nodes ({gfc.min_nodes}, rounded down to 8) nodes, "
                         "as faceswap builds it",
                         "set gblock_fc.max_nodes equal to gblock_fc.min_nodes, or "
                         "gblock_fc.depth >= 2")
    yield from _slopes_without_effect(spec)
    if routing.gblock and (gfc.depth, gfc.min_nodes, gfc.max_nodes) != (
            GBLOCK_STYLE_DEPTH, GBLOCK_STYLE_NODES, GBLOCK_STYLE_NODES):
        yield _no_effect(
            "gblock_fc",
            f"gblock_fc (depth {gfc.depth}, {gfc.min_nodes} -> {gfc.max_nodes} nodes) shapes "
            "only the fc_gblock model; the G-Block's own style MLP is always "
            f"{GBLOCK_STYLE_DEPTH} x Dense({GBLOCK_STYLE_NODES}) whatever gblock_fc says",
            "nothing to fix if fc_gblock is what you meant to change; the G-Block's inner "
            "layers are not configurable in Phaze-A")


def _slopes_without_effect(spec: ModelSpec) -> Iterator[Issue]:
    fc, gfc, dec = spec.fc, spec.gblock_fc, spec.decoder
    checks = [
        ("fc.slope", fc, fc.min_filters == fc.max_filters, fc.depth <= 1,
         f"fc.min_filters = fc.max_filters = {fc.max_filters}", "fc"),
        ("gblock_fc.slope", gfc, gfc.min_nodes == gfc.max_nodes, gfc.depth <= 1,
         f"gblock_fc.min_nodes = gblock_fc.max_nodes = {gfc.max_nodes}", "gblock_fc"),
        ("decoder.slope", dec, dec.min_filters == dec.max_filters, False,
         f"decoder.min_filters = decoder.max_filters = {dec.max_filters}", "decoder"),
    ]
    for path, group, flat, single, flat_reason, name in checks:
        if not _is_set(group, "slope") or not (flat or single):
            continue
        if name == "gblock_fc" and not spec.routing.gblock:
            continue  # the whole group is reported as unused
        if flat:
            reason = f"{flat_reason}, so every layer gets the same size"
            hint = "remove it, or set different min and max values"
        else:
            reason = f"{name}.depth is {group.depth}, so the curve has at most one point"
            hint = f"remove it, or set {name}.depth >= 2"
        yield _no_effect(path, f"{path} ({group.slope}) changes nothing: {reason}", hint)
