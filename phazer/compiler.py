"""Compile a spec to the whole-model IR: lower it to the graph form, then lay out its routes.

Every spec is compiled the same way: a ``phazer: 1`` spec is first lowered to the graph form
(:func:`phazer.lowering.lower`), whose routing graph (:mod:`phazer.graph`) says which
sub-models exist and which sides use them; :mod:`phazer.compile_routes` builds each sub-model
once (:mod:`phazer.blocks`) and lays out each side's calls.

:func:`compile_model` never raises for a spec that cannot be built: it returns a
:class:`Compiled` holding the issues the builders reported (and no model).
:func:`compile_model_ir` is the same for callers that need the model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from phazer.blocks import BuildError, ResolvedSizes
from phazer.compile_routes import build_routes
from phazer.graph import SUBMODEL_KINDS, routing_graph
from phazer.graph.digraph import DiGraph
from phazer.ir.model import ModelIR
from phazer.issues import Issue
from phazer.limits import layer_call_issue, limit_issues
from phazer.lowering import lower, source_path
from phazer.spec.graph_form import GraphSpec
from phazer.spec.models import ModelSpec


@dataclass(frozen=True)
class Compiled:
    """The result of compiling a spec: the model (when it could be built) and what was said.

    Attributes:
        spec: the spec compiled, in the graph form (a ``phazer: 1`` spec lowered).
        graph: the routing graph; once the model is built, every sub-model node carries
            ``has_weights`` read off the IR (whether the sub-model holds any parameter).
        model: the whole-model IR, or None when the spec cannot be built.
        issues: what the builders reported: errors (why it cannot be built) and infos
            (what faceswap adjusts without saying), each naming a field of the spec as it
            was given to :func:`compile_model`.
        sizes: the sizes the Phaze-A blocks recorded (partial when the build stopped).
    """

    spec: GraphSpec
    graph: DiGraph
    model: ModelIR | None
    issues: tuple[Issue, ...]
    sizes: ResolvedSizes

    @property
    def errors(self) -> list[Issue]:
        """The reasons the spec cannot be built (empty when it was built)."""
        return [i for i in self.issues if i.severity == "error"]


def compile_model(spec: ModelSpec | GraphSpec, graph: DiGraph | None = None,
                  name: str | None = None) -> Compiled:
    """Compile a spec whose routing passed validation; never raises for what cannot be built.

    Args:
        spec: the spec, in either form (a ``phazer: 1`` spec is lowered first).
        graph: the routing graph of its graph form, when the caller has built it already.
        name: the model's name (defaults to the spec's name, or "phazer").
    """
    lowered = lower(spec)
    graph = routing_graph(lowered) if graph is None else graph
    issues = limit_issues(lowered)
    model, sizes = None, ResolvedSizes()
    if not issues:   # nothing is built past phazer's resource limits (PHZ315)
        model, issues, sizes = build_routes(lowered, name or lowered.name or "phazer")
    if model is not None and (too_large := layer_call_issue(model, "routes")) is not None:
        issues, model = [*issues, too_large], None
    said = tuple(replace(i, path=source_path(i.path, spec)) for i in issues)
    if model is None:
        return Compiled(lowered, graph, None, said, sizes)
    model = replace(model, kinds={name: graph.nodes[name]["kind"] for name in model.submodels})
    return Compiled(lowered, with_weights(graph, model), model, said, sizes)


def with_weights(graph: DiGraph, model: ModelIR) -> DiGraph:
    """A copy of ``graph`` whose nodes say whether their sub-model holds weights (the IR's)."""
    weighted = graph.copy()
    for node, data in weighted.nodes(data=True):
        data["has_weights"] = (data["kind"] in SUBMODEL_KINDS
                               and model.submodels[node].params.total > 0)
    return weighted


def compile_model_ir(spec: ModelSpec | GraphSpec, name: str | None = None) -> ModelIR:
    """Build the whole-model IR of a spec that passed validation.

    Args:
        spec: the validated spec.
        name: the model's name (defaults to the spec's name, or "phazer").

    Returns:
        The model IR: every sub-model once, plus the top-level graph and named outputs.

    Raises:
        BuildError: the spec cannot be built (with every issue the builders reported).
    """
    compiled = compile_model(spec, name=name)
    if compiled.model is None:
        raise BuildError(list(compiled.issues))
    return compiled.model
