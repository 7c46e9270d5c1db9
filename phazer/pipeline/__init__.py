"""One spec's way through phazer's core, each stage run once and kept: spec → graph → IR → plan.

Every command that looks at a spec (validate, render, summary, diagram, presets, train) asks
one :class:`Pipeline` for what it needs; each stage is computed the first time it is asked for
and reused after, so a command lowers, draws the routing graph and compiles the IR at most
once. The CLI modules only parse arguments and print what the pipeline gives them.

    spec (validated by pydantic, as written: Phaze-A's switches or the graph form)
      └─ lowered    the graph form (phazer.lowering): what every later stage reads
          └─ graph      the routing graph (phazer.graph)
              └─ compiled   the layer IR, the builders' issues and sizes (phazer.compiler)
                  └─ figures   parameters, shapes and FLOPs (phazer.plan.figures)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from phazer import compiler
from phazer.graph import routing_graph
from phazer.lowering import lower
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
        spec: the schema-valid spec as written: Phaze-A's switches (``phazer: 1``) or the
            graph form (``phazer: 2``); every stage after :attr:`lowered` reads the graph form.
        name: the model's name (defaults to the spec's name, or "phazer").
    """

    spec: ModelSpec | GraphSpec
    name: str | None = None

    @cached_property
    def lowered(self) -> GraphSpec:
        """The spec in the graph form (a ``phazer: 1`` spec's switches written out as routes)."""
        return lower(self.spec)

    @cached_property
    def graph(self) -> DiGraph:
        """The routing graph (before the build: no ``has_weights`` on its nodes)."""
        return routing_graph(self.lowered)

    @cached_property
    def compiled(self) -> Compiled:
        """The compiled spec: the model IR (None when it cannot be built) and the issues."""
        return compiler.compile_model(self.lowered, self.graph, self.name)

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
