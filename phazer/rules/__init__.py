"""Validation rules beyond the schema: one decorated function per rule, in one registry.

A rule is a function ``(context) -> Iterable[Issue]`` decorated with :func:`rule`. Rules are
grouped in modules by stage (``routing`` for graph rules, ``arithmetic`` for the plan's);
:func:`run_rules` imports those modules, runs every rule in stage order and returns the issues.
Adding a rule means writing one decorated function in the right module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from phazer.issues import Issue

if TYPE_CHECKING:
    import networkx as nx

    from phazer.pipeline import Pipeline
    from phazer.spec.models import ModelSpec

STAGES: tuple[str, ...] = ("routing", "arithmetic")
_RULE_MODULES: dict[str, str] = {
    "routing": "phazer.rules.routing",
    "arithmetic": "phazer.rules.arithmetic",
}


@dataclass
class RuleContext:
    """What a rule may look at: the spec and its pipeline (graph, compiled IR), on demand."""

    spec: ModelSpec
    extra: dict[str, object] = field(default_factory=dict)
    given_pipeline: Pipeline | None = None

    @cached_property
    def pipeline(self) -> Pipeline:
        """The spec's pipeline: the routing graph and the compiled IR, each built once."""
        if self.given_pipeline is not None:
            return self.given_pipeline
        from phazer.pipeline import Pipeline

        return Pipeline(self.spec)

    @property
    def graph(self) -> nx.DiGraph:
        """The routing graph of the spec (see :mod:`phazer.graph`)."""
        return self.pipeline.graph


RuleFunction = Callable[[RuleContext], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    """A registered rule."""

    name: str
    stage: str
    codes: tuple[str, ...]
    check: RuleFunction


RULES: list[Rule] = []


def rule(stage: str, *codes: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule function for a stage, naming the issue codes it may emit."""
    if stage not in STAGES:
        raise ValueError(f"unknown rule stage {stage!r}; expected one of {STAGES}")

    def decorate(function: RuleFunction) -> RuleFunction:
        if not any(r.check is function for r in RULES):
            RULES.append(Rule(function.__name__, stage, codes, function))
        return function

    return decorate


def load_rule_modules() -> None:
    """Import every stage's rule module so their rules are registered."""
    for module in _RULE_MODULES.values():
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def run_rules(spec: ModelSpec, stages: Iterable[str] = STAGES,
              pipeline: Pipeline | None = None) -> list[Issue]:
    """Run the rules of the given stages, in stage order, and collect their issues.

    The arithmetic stage only runs when the routing stage found no error: its rules may
    assume a well-formed routing graph. ``pipeline`` is the spec's pipeline when the caller
    has one (its graph and IR are then built once for the rules and the caller).
    """
    load_rule_modules()
    context = RuleContext(spec, given_pipeline=pipeline)
    issues: list[Issue] = []
    for stage in STAGES:
        if stage not in stages:
            continue
        if stage == "arithmetic" and any(i.severity == "error" for i in issues):
            break
        for registered in RULES:
            if registered.stage == stage:
                issues.extend(registered.check(context))
    return issues
