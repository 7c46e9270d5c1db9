"""Validation rules beyond the schema: one decorated function per rule, collected explicitly.

A rule is a function ``(context) -> Iterable[Issue]`` decorated with :func:`rule`, which marks
it with its stage and the issue codes it may emit; nothing is registered on import. Rules are
grouped in modules by stage (``routing`` for graph rules, ``arithmetic`` for the plan's), listed
in :func:`stage_modules`; :func:`registered_rules` collects every module's decorated functions
in that order (definition order within a module) and :func:`run_rules` runs them stage by stage.
Adding a rule means writing one decorated function in a listed module.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING

from phazer.issues import Issue
from phazer.lowering import source_path

if TYPE_CHECKING:
    from phazer.graph.digraph import DiGraph
    from phazer.pipeline import Pipeline
    from phazer.spec.graph_form import GraphSpec
    from phazer.spec.models import ModelSpec

STAGES: tuple[str, ...] = ("routing", "arithmetic")


@dataclass
class RuleContext:
    """What a rule may look at: the spec and its pipeline (graph, compiled IR), on demand."""

    spec: ModelSpec | GraphSpec
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
    def graph(self) -> DiGraph:
        """The routing graph of the spec (see :mod:`phazer.graph`)."""
        return self.pipeline.graph


RuleFunction = Callable[[RuleContext], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    """A rule: its function's name, its stage, the issue codes it may emit, its function."""

    name: str
    stage: str
    codes: tuple[str, ...]
    check: RuleFunction
    forms: tuple[int, ...] = (1,)


# The attribute :func:`rule` sets on a rule function: its :class:`Rule`.
RULE_ATTRIBUTE = "__phazer_rule__"


def rule(stage: str, *codes: str, forms: tuple[int, ...] = (1,)
         ) -> Callable[[RuleFunction], RuleFunction]:
    """Mark a function as a rule of ``stage`` that may emit ``codes`` (registers nothing).

    ``forms`` are the spec format versions it checks: 1 (Phaze-A's switches, the default)
    and/or 2 (the graph form).

    Raises:
        ValueError: ``stage`` is not one of :data:`STAGES`.
    """
    if stage not in STAGES:
        raise ValueError(f"unknown rule stage {stage!r}; expected one of {STAGES}")

    def decorate(function: RuleFunction) -> RuleFunction:
        setattr(function, RULE_ATTRIBUTE,
                Rule(function.__name__, stage, codes, function, forms))
        return function

    return decorate


def stage_modules() -> Mapping[str, ModuleType]:
    """Each stage's rule module, in stage order (a missing module is an ImportError).

    A module may also hold rules of a later stage (one that needs the built model).
    """
    from phazer.rules import arithmetic, routing

    return {"routing": routing, "arithmetic": arithmetic}


def module_rules(module: ModuleType) -> tuple[Rule, ...]:
    """The rules ``module`` defines: its :func:`rule`-decorated functions, in definition order.

    Functions it imports from another module are not its rules.
    """
    return tuple(getattr(value, RULE_ATTRIBUTE) for value in vars(module).values()
                 if inspect.isfunction(value) and hasattr(value, RULE_ATTRIBUTE)
                 and value.__module__ == module.__name__)


def rule_modules() -> tuple[ModuleType, ...]:
    """Every module that holds rules: the stage modules, the graph form's, the limits'."""
    from phazer.rules import graph_form, limits

    return (*stage_modules().values(), graph_form, limits)


@functools.cache
def registered_rules() -> tuple[Rule, ...]:
    """Every rule of every rule module, module by module (stage modules in stage order)."""
    return tuple(found for module in rule_modules() for found in module_rules(module))


def load_rule_modules() -> tuple[Rule, ...]:
    """Import every stage's rule module; the rules found (as :func:`registered_rules`)."""
    return registered_rules()


def run_rules(spec: ModelSpec | GraphSpec, stages: Iterable[str] = STAGES,
              pipeline: Pipeline | None = None) -> list[Issue]:
    """Run the rules of the given stages, in stage order, and collect their issues.

    The arithmetic stage only runs when the routing stage found no error: its rules may
    assume a well-formed routing graph. ``pipeline`` is the spec's pipeline when the caller
    has one (its graph and IR are then built once for the rules and the caller).
    """
    rules = registered_rules()
    context = RuleContext(spec, given_pipeline=pipeline)
    issues: list[Issue] = []
    for stage in STAGES:
        if stage not in stages:
            continue
        if stage == "arithmetic" and any(i.severity == "error" for i in issues):
            break
        for registered in rules:
            if registered.stage == stage and spec.phazer in registered.forms:
                issues.extend(registered.check(context))
    return [replace(i, path=source_path(i.path, spec)) for i in issues]
