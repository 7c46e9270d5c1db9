"""Resource limits: how large a model phazer plans, and the largest GPU it compares against.

validate, render, summary and diagram stay within a couple of seconds and a few hundred MB
for any spec the loader accepts, because phazer refuses (PHZ315) to plan

- more than :data:`MAX_LAYERS` layer blocks or :data:`MAX_CALLS` route calls: counted on the
  spec before anything is built (:func:`limit_issues`, run by :mod:`phazer.rules.limits` and
  by the graph-form compiler for callers that skip the rules);
- more than :data:`MAX_LAYER_CALLS` layers run per step (every call of a sub-model runs all
  its layers): counted on the built IR, before any figure or memory walk
  (:func:`layer_call_issue`, run by both compilers).

The Phaze-A form cannot get near them: its schema bounds every depth and count (its largest
spec is a few hundred layers). A model that builds but that no GPU holds gets a warning
(PHZ331) measured against :data:`LARGEST_GPU_BYTES`.
"""

from __future__ import annotations

from dataclasses import dataclass

from phazer.ir.model import ModelIR
from phazer.issues import TOO_MANY_LAYERS, Issue
from phazer.spec.graph_blocks import BranchBlock
from phazer.spec.graph_form import GraphSpec, PhazeABlock
from phazer.spec.routes import RouteError, parse_route, route_models

MAX_LAYERS = 1_000
"""The most layer blocks a spec may ask for (a block with a list of N filters counts N).

Nearly twenty times the largest built-in preset's (fs-villain: 53 blocks, 160 layers).
"""

MAX_CALLS = 1_000
"""The most sub-model calls the routes of a graph-form spec may make, over all sides."""

MAX_LAYER_CALLS = 10_000
"""The most layers one training step runs: each call of a sub-model counts all its layers.

About thirty times the largest built-in preset's (clipfaker448: 310); planning this many
takes about a second.
"""

LARGEST_GPU_BYTES = 288 * 10**9
"""The memory of the largest single GPUs on sale (2025/26): 288 GB (268 GiB) of HBM3e."""

LARGEST_GPU_NAME = "NVIDIA B300 and AMD MI355X"
"""Which GPUs :data:`LARGEST_GPU_BYTES` is the memory of (named in PHZ331's message)."""


@dataclass(frozen=True)
class ModelSize:
    """What a spec asks for, counted without building it.

    Attributes:
        layers: layer blocks over every sub-model (each value of a filters/units list, each
            block inside a branch; a Phaze-A block counts one).
        calls: sub-model calls over every side's route (0 for the Phaze-A form, whose
            routing makes a fixed handful).
        largest: the sub-model with the most layer blocks ("" when there is none).
        largest_layers: its count.
    """

    layers: int
    calls: int
    largest: str = ""
    largest_layers: int = 0


def _repeats(block: object) -> int:
    for name in ("filters", "units"):
        value = getattr(block, name, None)
        if isinstance(value, list):
            return max(len(value), 1)
    return 1


def block_count(blocks: list) -> int:
    """Layer blocks in a list of graph-form blocks, branches included."""
    total = 0
    for block in blocks:
        if isinstance(block, BranchBlock):
            total += 1 + sum(block_count(branch) for branch in block.branches)
        else:
            total += _repeats(block)
    return total


def model_size(spec: GraphSpec) -> ModelSize:
    """The layers and calls ``spec`` asks for (a route that does not parse counts none)."""
    counts = {name: 1 if isinstance(model, PhazeABlock) else block_count(model)
              for name, model in spec.models.items()}
    calls = 0
    for route in spec.routes.values():
        try:
            calls += len(route_models(parse_route(route)))
        except RouteError:
            continue
    largest = max(counts, key=counts.__getitem__, default="")
    return ModelSize(sum(counts.values()), calls, largest, counts.get(largest, 0))


def limit_issues(spec: GraphSpec) -> list[Issue]:
    """PHZ315 for each limit ``spec`` exceeds (empty when it is within them)."""
    size = model_size(spec)
    issues = []
    if size.layers > MAX_LAYERS:
        issues.append(Issue(
            TOO_MANY_LAYERS, "error", f"models.{size.largest}",
            f"the model asks for {size.layers:,} layer blocks ({size.largest} alone has "
            f"{size.largest_layers:,}): phazer plans at most {MAX_LAYERS:,} (MAX_LAYERS, "
            "a resource limit that keeps validate, summary and diagram within seconds), so "
            "nothing was built",
            "a face-swap model needs a few hundred layers at most: shorten the filters/units "
            "lists"))
    if size.calls > MAX_CALLS:
        issues.append(Issue(
            TOO_MANY_LAYERS, "error", "routes",
            f"the routes make {size.calls:,} sub-model calls: phazer plans at most "
            f"{MAX_CALLS:,} (MAX_CALLS, a resource limit), so nothing was built",
            "call each sub-model a few times at most"))
    return issues


def layer_calls(model: ModelIR) -> int:
    """Layers one step runs: over every call of a sub-model, that sub-model's layers."""
    sizes = {name: len(sub.ops) for name, sub in model.submodels.items()}
    return sum(sizes[node.submodel] for node in model.nodes
               if node.kind == "call" and node.submodel in sizes)


def layer_call_issue(model: ModelIR, path: str = "") -> Issue | None:
    """PHZ315 when ``model`` runs more than :data:`MAX_LAYER_CALLS` layers per step."""
    runs = layer_calls(model)
    if runs <= MAX_LAYER_CALLS:
        return None
    calls = {name: sum(1 for n in model.nodes if n.submodel == name) for name in model.submodels}
    worst = max(model.submodels, key=lambda n: calls[n] * len(model.submodels[n].ops))
    return Issue(
        TOO_MANY_LAYERS, "error", path,
        f"one step runs {runs:,} layers ({worst}: {len(model.submodels[worst].ops):,} layers "
        f"called {calls[worst]:,} times): phazer plans at most {MAX_LAYER_CALLS:,} "
        "(MAX_LAYER_CALLS, a resource limit), so no figures were computed",
        "use fewer layers, or call the large sub-models fewer times")
