"""The graph form of a spec (``phazer: 2``): sides, named sub-models and a route per side.

::

    phazer: 2
    sides:
      a: {input: 64}
      b: {input: 64}
    models:
      encoder:
        - conv: {filters: [128, 256, 512, 1024], kernel: 5, strides: 2}
        - flatten
        - dense: [1024, 16384]
        - reshape: [4, 4, 1024]
        - upscale: 512
      decoder_a: &decoder
        - upscale: [256, 128, 64]
        - output: 3
      decoder_b: *decoder
    routes:
      a: encoder -> decoder_a
      b: encoder -> decoder_b

Sides may differ in input size; a sub-model shared by sides must get the same shape from each
(checked when the model is built). The route grammar is in :mod:`phazer.graph.routes`. The
schema checks the shape of the file; names and routes are checked by the rules of
:mod:`phazer.rules.graph_form`, which point at the line.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from phazer.spec.base import StrictModel
from phazer.spec.graph_blocks import Block
from phazer.spec.training import TrainingSpec

GRAPH_FORMAT_VERSION = 2
GRAPH_GROUPS: tuple[str, ...] = ("sides", "models", "routes", "training")
"""The top-level groups of the graph form in file order (the dumper's)."""
SIDE_NAME = r"[a-z0-9]+"
SUBMODEL_NAME = r"[a-z][a-z0-9_]*"


class SideSpec(StrictModel):
    """One identity: the size of the faces it is trained on."""

    input: int = Field(ge=16, le=2048, description="Input face size in px (square, RGB).")


class GraphSpec(StrictModel):
    """A whole model as a graph: named sub-models and, per side, the route through them."""

    phazer: Literal[2] = Field(GRAPH_FORMAT_VERSION, description="Spec format version.")
    name: str = Field("", description="A short name for the model.")
    description: str = Field("", description="What the model recreates and when to use it.")
    sides: dict[str, SideSpec] = Field(min_length=1, description="The identities, by name "
                                       "(lowercase letters and digits).")
    models: dict[str, list[Block]] = Field(min_length=1, description="Sub-models by name, "
                                           "each a list of blocks.")
    routes: dict[str, str] = Field(description="Per side, its route through the sub-models.")
    training: TrainingSpec = Field(default_factory=TrainingSpec)
