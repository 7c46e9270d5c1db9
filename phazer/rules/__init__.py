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
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

from phazer.issues import Issue
from phazer.lowering import source_path

if TYPE_CHECKING:
    from phazer.compiler import Compiled
    from phazer.graph.digraph import DiGraph
    from phazer.ir.model import ModelIR
    from phazer.spec.graph_form import GraphSpec
    from phazer.spec.models import ModelSpec

STAGES: tuple[str, ...] = ("routing", "arithmetic")


class Stages(Protocol):
    """What a rule reads of a spec's way through the core (:class:`phazer.pipeline.Pipeline`).

    The rules take it as given: whoever runs them made it, so they never import the pipeline.
    """

    spec: ModelSpec | GraphSpec

    @property
    def lowered(self) -> GraphSpec:
        """The spec in the graph form."""

    @property
    def graph(self) -> DiGraph:
        """The routing graph (no ``has_weights`` yet)."""

    @property
    def compiled(self) -> Compiled:
        """The compiled spec: the IR (or None) and the builders' issues."""

    @property
    def model(self) -> ModelIR | None:
        """The whole-model IR, or None when the spec cannot be built."""

    @property
    def weighted_graph(self) -> DiGraph:
        """The routing graph with ``has_weights`` read off the IR."""


@dataclass
class RuleContext:
    """What a rule may look at: the spec as written and its pipeline (graph, compiled IR)."""

    pipeline: Stages
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def spec(self) -> ModelSpec | GraphSpec:
        """The spec as written (Phaze-A's switches or the graph form)."""
        return self.pipeline.spec

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
    """Every module that holds rules: the stages', the graph form's, the limits', the widths'."""
    from phazer.rules import graph_form, gui_range, limits

    return (*stage_modules().values(), graph_form, limits, gui_range)


@functools.cache
def registered_rules() -> tuple[Rule, ...]:
    """Every rule of every rule module, module by module (stage modules in stage order)."""
    return tuple(found for module in rule_modules() for found in module_rules(module))


def load_rule_modules() -> tuple[Rule, ...]:
    """Import every stage's rule module; the rules found (as :func:`registered_rules`)."""
    return registered_rules()


def run_rules(pipeline: Stages, stages: Iterable[str] = STAGES) -> list[Issue]:
    """Run the rules of the given stages on a spec's pipeline, in stage order.

    The arithmetic stage only runs when the routing stage found no error: its rules may
    assume a well-formed routing graph. Every issue names a field of the spec as written.
    """
    rules = registered_rules()
    context = RuleContext(pipeline)
    spec = pipeline.spec
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
