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
(checked when the model is built). The route grammar is in :mod:`phazer.graph.routes`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from phazer.graph.routes import RouteError, parse_route, route_models
from phazer.spec.base import StrictModel
from phazer.spec.graph_blocks import Block
from phazer.spec.training import TrainingSpec

GRAPH_FORMAT_VERSION = 2
_NAME = r"^[a-z][a-z0-9_]*$"


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

    @model_validator(mode="after")
    def _names_and_routes(self) -> GraphSpec:
        import re

        for side in self.sides:
            if not re.fullmatch(r"[a-z0-9]+", side):
                raise ValueError(f"side name {side!r} must be lowercase letters and digits")
        for name in self.models:
            if not re.fullmatch(_NAME, name):
                raise ValueError(f"sub-model name {name!r} must start with a letter and hold "
                                 "lowercase letters, digits and '_'")
        missing = [s for s in self.sides if s not in self.routes]
        extra = [s for s in self.routes if s not in self.sides]
        if missing or extra:
            raise ValueError(f"every side needs one route: missing {missing}, "
                             f"routes for unknown sides {extra}")
        for side, text in self.routes.items():
            try:
                steps = parse_route(text)
            except RouteError as exc:
                raise ValueError(f"route of side {side}, column {exc.column}: {exc}") from None
            unknown = [n for n in route_models(steps) if n not in self.models]
            if unknown:
                raise ValueError(f"route of side {side} calls {unknown}, which are not in "
                                 f"models ({', '.join(self.models)})")
        return self
