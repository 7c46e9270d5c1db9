"""Rules of the graph form (``phazer: 2``): names, routes and sub-models before the build.

They run in the routing stage, so a spec whose routes do not parse or call undefined
sub-models is never compiled. Shapes (a shared sub-model given two shapes, a join of unequal
maps) are checked by the build itself (PHZ210); PHZ203 (sides that can never swap) applies to
both forms (:mod:`phazer.rules.routing`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from phazer.issues import (
    GRAPH_BAD_NAME,
    GRAPH_OUTPUTS,
    ROUTE_SYNTAX,
    ROUTE_UNKNOWN_MODEL,
    ROUTES_SIDES_MISMATCH,
    SUBMODEL_REUSED,
    UNUSED_SUBMODEL,
    Issue,
)
from phazer.rules import RuleContext, rule
from phazer.sides import SIDE_NAME
from phazer.spec.graph_blocks import output_roles
from phazer.spec.routes import SUBMODEL_NAME, RouteError, parse_route, route_models
from phazer.suggest import did_you_mean


@rule("routing", GRAPH_BAD_NAME, forms=(1, 2))
def names_are_usable(context: RuleContext) -> Iterator[Issue]:
    """Side names become input/output names; sub-model names become Keras model names."""
    spec = context.pipeline.lowered
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


@rule("routing", ROUTES_SIDES_MISMATCH, ROUTE_SYNTAX, ROUTE_UNKNOWN_MODEL, forms=(1, 2))
def routes_are_complete(context: RuleContext) -> Iterator[Issue]:
    """One route per side; every route parses and calls defined sub-models."""
    spec = context.pipeline.lowered
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
                        "(docs/graphs.md)", offset=exc.column - 1)
            continue
        for name in dict.fromkeys(route_models(steps)):
            if name not in spec.models:
                yield Issue(ROUTE_UNKNOWN_MODEL, "error", f"routes.{side}",
                            f"the route of side {side} calls {name!r}, which is not defined "
                            f"under models ({', '.join(spec.models)})",
                            did_you_mean(name, list(spec.models))
                            or f"define {name} under models, or fix the route", word=name)


@rule("routing", UNUSED_SUBMODEL, forms=(1, 2))
def every_submodel_is_used(context: RuleContext) -> Iterator[Issue]:
    """A sub-model no route calls is never built: probably a typo or a leftover."""
    spec = context.pipeline.lowered
    used: set[str] = set()
    for text in spec.routes.values():
        try:
            used.update(route_models(parse_route(text)))
        except RouteError:
            return  # routes_are_complete reports it
    if used - set(spec.models):
        return  # a route names an unknown sub-model: that error says it (one mistake, one error)
    for name in spec.models:
        if name not in used:
            yield Issue(UNUSED_SUBMODEL, "warning", f"models.{name}",
                        f"no route calls {name}: it is not built and holds no weights",
                        "call it from a route, or remove it")


def _path_problems(name: str, blocks: list) -> Iterator[Issue]:
    marks = {"input"}
    after_output = False
    for index, block in enumerate(blocks):
        where = f"models.{name}.{index}"
        if block.block == "mark":
            marks.add(block.label)
        elif block.block == "from":
            if block.label not in marks:
                yield Issue(GRAPH_OUTPUTS, "error", where,
                            f"{name}: `from: {block.label}` names no earlier mark (marked so "
                            f"far: {', '.join(sorted(marks))})",
                            did_you_mean(block.label, sorted(marks))
                            or f"put `- mark: {block.label}` where the path should branch")
            after_output = False
        elif block.block == "output":
            after_output = True
        elif after_output:
            tail = next((i for i in range(index, len(blocks))
                         if blocks[i].block in ("output", "from")), None)
            if tail is None or blocks[tail].block == "from":
                yield Issue(GRAPH_OUTPUTS, "error", where,
                            f"{name}: block {index} ({block.block}) follows the output before "
                            "it and reaches no output: its layers would be built for nothing",
                            "end these blocks with an `- output:`, or start them with "
                            "`- from: <mark>` and end them with one")
            after_output = False
    roles = output_roles(blocks)
    if roles.count("mask") > 1:
        yield Issue(GRAPH_OUTPUTS, "error", f"models.{name}",
                    f"{name} has {roles.count('mask')} mask outputs: a side has one mask",
                    "keep one `output: 1` (a mask) per decoder")
    if roles and all(role == "mask" for role in roles):
        yield Issue(GRAPH_OUTPUTS, "error", f"models.{name}",
                    f"{name}'s only outputs are masks: a decoder draws a face first",
                    "add a face output (`- output: 3`)")


@rule("routing", GRAPH_OUTPUTS, forms=(1, 2))
def outputs_fit_their_use(context: RuleContext) -> Iterator[Issue]:
    """Marks are defined before use; only the last sub-model of a route has several outputs."""
    spec = context.pipeline.lowered
    for name, blocks in spec.models.items():
        if isinstance(blocks, list):
            yield from _path_problems(name, blocks)
    for side, text in spec.routes.items():
        try:
            steps = parse_route(text)
        except RouteError:
            continue
        for position, step in enumerate(steps):
            several = [m for m in step.models
                       if m in spec.models and len(spec.output_roles(m)) > 1]
            if several and (position < len(steps) - 1 or step.join is not None):
                yield Issue(GRAPH_OUTPUTS, "error", f"routes.{side}",
                            f"the route of side {side} passes {several[0]} on, but it has "
                            f"{len(spec.output_roles(several[0]))} outputs: only the "
                            "sub-model that ends a route may have several (its faces and mask "
                            "become the side's outputs)",
                            f"end the route at {several[0]}, or give it one output")


@rule("routing", SUBMODEL_REUSED, forms=(2,))
def reused_submodels(context: RuleContext) -> Iterator[Issue]:
    """A sub-model called twice on one route applies the same weights twice.

    Allowed if the shapes fit (the build checks them, PHZ210); said so the user knows.
    A Phaze-A spec's ``shared_fc: half`` is the one reuse its switches make: PHZ204 says it.
    """
    for side, text in context.pipeline.lowered.routes.items():
        try:
            calls = route_models(parse_route(text))
        except RouteError:
            continue
        for name, count in Counter(calls).items():
            if count > 1:
                yield Issue(SUBMODEL_REUSED, "info", f"routes.{side}",
                            f"the route of side {side} calls {name} {count} times: each call "
                            "applies the same weights (allowed, as long as every call gives it "
                            "the same shape)", "nothing to do if that is intended")
