"""Rules of the graph form (``phazer: 2``): names, routes and sub-models before the build.

They run in the routing stage, so a spec whose routes do not parse or call undefined
sub-models is never compiled. Shapes (a shared sub-model given two shapes, a join of unequal
maps) are checked by the build itself (PHZ210); PHZ203 (sides that can never swap) applies to
both forms (:mod:`phazer.rules.routing`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from phazer.graph.routes import RouteError, parse_route, route_models
from phazer.issues import (
    GRAPH_BAD_NAME,
    ROUTE_SYNTAX,
    ROUTE_UNKNOWN_MODEL,
    ROUTES_SIDES_MISMATCH,
    UNUSED_SUBMODEL,
    Issue,
)
from phazer.rules import RuleContext, rule
from phazer.spec.graph_form import SIDE_NAME, SUBMODEL_NAME
from phazer.suggest import did_you_mean


@rule("routing", GRAPH_BAD_NAME, forms=(2,))
def names_are_usable(context: RuleContext) -> Iterator[Issue]:
    """Side names become input/output names; sub-model names become Keras model names."""
    spec = context.spec
    for side in spec.sides:
        if not re.fullmatch(SIDE_NAME, side):
            yield Issue(GRAPH_BAD_NAME, "error", f"sides.{side}",
                        f"side name {side!r} must be lowercase letters and digits (it names "
                        f"the model's face_in_<side> and face_out_<side>)",
                        f"rename it, e.g. {re.sub(r'[^a-z0-9]', '', side.lower()) or 'a'!r}")
    for name in spec.models:
        if not re.fullmatch(SUBMODEL_NAME, name):
            yield Issue(GRAPH_BAD_NAME, "error", f"models.{name}",
                        f"sub-model name {name!r} must start with a lowercase letter and hold "
                        "lowercase letters, digits and '_'", "rename it")


@rule("routing", ROUTES_SIDES_MISMATCH, ROUTE_SYNTAX, ROUTE_UNKNOWN_MODEL, forms=(2,))
def routes_are_complete(context: RuleContext) -> Iterator[Issue]:
    """One route per side; every route parses and calls defined sub-models."""
    spec = context.spec
    for side in spec.sides:
        if side not in spec.routes:
            yield Issue(ROUTES_SIDES_MISMATCH, "error", f"sides.{side}",
                        f"side {side} has no route: every side needs one",
                        f"add `{side}: <first sub-model> -> ... -> <decoder>` under routes")
    for side, text in spec.routes.items():
        if side not in spec.sides:
            yield Issue(ROUTES_SIDES_MISMATCH, "error", f"routes.{side}",
                        f"route for {side!r}, which is not a side ({', '.join(spec.sides)})",
                        did_you_mean(side, list(spec.sides)) or "add the side or remove "
                        "the route")
            continue
        try:
            steps = parse_route(text)
        except RouteError as exc:
            yield Issue(ROUTE_SYNTAX, "error", f"routes.{side}",
                        f"route of side {side}, column {exc.column}: {exc} (in {text!r})",
                        "write `model -> model` steps, joins as `concat(model, model)` "
                        "(docs/graphs.md)")
            continue
        for name in dict.fromkeys(route_models(steps)):
            if name not in spec.models:
                yield Issue(ROUTE_UNKNOWN_MODEL, "error", f"routes.{side}",
                            f"the route of side {side} calls {name!r}, which is not defined "
                            f"under models ({', '.join(spec.models)})",
                            did_you_mean(name, list(spec.models))
                            or f"define {name} under models, or fix the route")


@rule("routing", UNUSED_SUBMODEL, forms=(2,))
def every_submodel_is_used(context: RuleContext) -> Iterator[Issue]:
    """A sub-model no route calls is never built: probably a typo or a leftover."""
    used: set[str] = set()
    for text in context.spec.routes.values():
        try:
            used.update(route_models(parse_route(text)))
        except RouteError:
            return  # routes_are_complete reports it
    for name in context.spec.models:
        if name not in used:
            yield Issue(UNUSED_SUBMODEL, "warning", f"models.{name}",
                        f"no route calls {name}: it is not built and holds no weights",
                        "call it from a route, or remove it")
