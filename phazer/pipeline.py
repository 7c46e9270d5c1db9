"""One spec's way through phazer's core, each stage run once and kept: spec → graph → IR → plan.

Every command that looks at a spec (validate, render, summary, diagram, presets, train) asks
one :class:`Pipeline` for what it needs; each stage is computed the first time it is asked for
and reused after, so a command compiles the IR at most once. The CLI modules only parse
arguments and print what the pipeline gives them.

    spec (validated by pydantic)
      └─ graph      the routing graph (phazer.graph)
          └─ compiled   the layer IR, the builders' issues and sizes (phazer.compiler)
              └─ figures   parameters, shapes and FLOPs (phazer.plan.figures)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from phazer import compiler
from phazer.spec.graph_form import GraphSpec
from phazer.spec.models import ModelSpec

if TYPE_CHECKING:
    from phazer.compiler import Compiled
    from phazer.graph.digraph import DiGraph
    from phazer.ir.model import ModelIR
    from phazer.plan.figures import ModelFigures


@dataclass
class Pipeline:
    """The stages of one spec, computed on first use and cached.

    Attributes:
        spec: the schema-valid spec: Phaze-A's switches (``phazer: 1``) or the graph form
            (``phazer: 2``); every stage after the graph is the same for both.
        name: the model's name (defaults to the spec's name, or "phazer").
    """

    spec: ModelSpec | GraphSpec
    name: str | None = None

    @cached_property
    def graph(self) -> DiGraph:
        """The routing graph (before the build: no ``has_weights`` on its nodes)."""
        if isinstance(self.spec, GraphSpec):
            from phazer.graph.graph_form import graph_form_routing

            return graph_form_routing(self.spec)
        from phazer.graph import build_routing_graph

        return build_routing_graph(self.spec)

    @cached_property
    def compiled(self) -> Compiled:
        """The compiled spec: the model IR (None when it cannot be built) and the issues."""
        if isinstance(self.spec, GraphSpec):
            from phazer.compile_graph import compile_graph_spec

            return compile_graph_spec(self.spec, self.name)
        return compiler.compile_model(self.spec, self.graph, self.name)

    @property
    def model(self) -> ModelIR | None:
        """The whole-model IR, or None when the spec cannot be built."""
        return self.compiled.model

    @property
    def weighted_graph(self) -> DiGraph:
        """The routing graph with ``has_weights`` from the IR (the plain graph if unbuilt)."""
        return self.compiled.graph

    @cached_property
    def figures(self) -> ModelFigures | None:
        """Parameters, shapes and FLOPs per sub-model and layer (None when unbuilt)."""
        from phazer.plan.figures import model_figures

        model = self.model
        return model_figures(model) if model is not None else None
