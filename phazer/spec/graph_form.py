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

A sub-model may also be one of Phaze-A's blocks (``encoder: {phaze_a: encoder}``), built
from the settings under ``phaze_a:`` (a ``phazer: 1`` spec's sections, without its routing,
which the routes replace); ``phazer render --graph`` writes any Phaze-A spec this way.
``convolutions:`` (ICNR, convolution-aware init, reflect padding) sits at the top level and
applies to every block of the graph, Phaze-A's and the others alike; ``weights:`` names the
sub-models to freeze and to load.

Sides may differ in input size; a sub-model shared by sides must get the same shape from each
(checked when the model is built). The route grammar is in :mod:`phazer.spec.routes`. The
schema checks the shape of the file; names and routes are checked by the rules of
:mod:`phazer.rules.graph_form`, which point at the line.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Discriminator, Field, Tag, create_model

from phazer.issues import BAD_TYPE, UNKNOWN_KEY, shown
from phazer.spec.base import StrictModel
from phazer.spec.custom_errors import spec_error
from phazer.spec.graph_blocks import BLOCK_TYPES, Block, output_roles
from phazer.spec.models import TAGLINE_HELP, USE_HELP, ConvolutionsSpec, ModelSpec, OneLine
from phazer.spec.training import TrainingSpec

GRAPH_FORMAT_VERSION = 2
GRAPH_GROUPS: tuple[str, ...] = ("sides", "convolutions", "phaze_a", "models", "routes",
                                 "weights", "training")
"""The top-level groups of the graph form in file order (the dumper's)."""


PHAZE_A_BLOCKS: tuple[str, ...] = ("encoder", "fc", "fc_gblock", "g_block", "decoder")
"""Phaze-A's blocks a graph-form sub-model can be (``fc`` serves as a shared FC too)."""
_NOT_PHAZE_A_SETTINGS = ("phazer", "name", "description", "tagline", "use", "routing", "weights",
                         "convolutions", "training")
"""The fields of a Phaze-A spec that are not its blocks' settings (the graph has its own)."""
GRAPH_WIDE = ("convolutions",)
"""The Phaze-A sections the graph form holds at its top level, for every block."""

PhazeASettings = create_model(
    "PhazeASettings", __base__=StrictModel,
    __doc__="The Phaze-A settings a graph's Phaze-A blocks are built from: a ``phazer: 1`` "
            "spec's sections without routing (the routes say it), weights, convolutions (the "
            "graph's, for every block) or training.",
    **{name: (field.annotation, field) for name, field in ModelSpec.model_fields.items()
       if name not in _NOT_PHAZE_A_SETTINGS})


class PhazeABlock(StrictModel):
    """A sub-model that is one of Phaze-A's blocks, with the graph's ``phaze_a`` settings."""

    phaze_a: Literal[PHAZE_A_BLOCKS] = Field(description="Which Phaze-A block: encoder, fc "
                                             "(also as the shared FC), fc_gblock, g_block "
                                             "(conditioned: `g_block with fc_gblock` in a "
                                             "route) or decoder.")


def _sub_model_form(value: Any) -> str:
    """Which form a sub-model is written in, so an error names that form only."""
    return "blocks" if isinstance(value, list) else "phaze_a"


def _sub_model(value: Any) -> Any:
    """A sub-model as written: a list of blocks, or a mapping naming a Phaze-A block.

    Raises:
        PydanticCustomError: anything else, said once (not once per form it is not).
    """
    if isinstance(value, list) or (isinstance(value, dict) and "phaze_a" in value):
        return value
    forms = ("a sub-model is a list of blocks (`- conv: ...` lines) or one of Phaze-A's "
             "blocks (`{phaze_a: encoder}`)")
    if isinstance(value, dict) and value:
        keys = [str(k) for k in value]
        if any(k in BLOCK_TYPES for k in keys):
            raise spec_error(BAD_TYPE, f"{forms}; got a mapping of "
                             f"{', '.join(map(shown, keys))}",
                             "write each block on its own line starting with `- `")
        raise spec_error(UNKNOWN_KEY, f"unknown field {shown(keys[0])} in a sub-model; "
                         f"{forms}", "write a list of blocks, or `phaze_a: <block>`",
                         word=keys[0], choices=("phaze_a",), at=(keys[0],), at_key=True)
    if isinstance(value, str) and value in PHAZE_A_BLOCKS:
        hint = f"write `{{phaze_a: {value}}}`"
    elif isinstance(value, str) and value in BLOCK_TYPES:
        hint = f"write it as a list: `- {value}` on the line below"
    else:
        hint = "list its blocks under it, one per line starting with `- `"
    got = "nothing" if value is None else f"{shown(value)} ({type(value).__name__})"
    raise spec_error(BAD_TYPE, f"{forms}; got {got}", hint)


SubModel = Annotated[Union[Annotated[list[Block], Tag("blocks")],  # noqa: UP007
                           Annotated[PhazeABlock, Tag("phaze_a")]],
                     Discriminator(_sub_model_form), BeforeValidator(_sub_model)]
"""A graph-form sub-model: a list of blocks, or one of Phaze-A's blocks."""


def _graph_wide_at_top(value: Any) -> Any:
    """The ``phaze_a`` settings as written, refusing a section that is the whole graph's.

    Raises:
        PydanticCustomError: ``phaze_a`` holds ``convolutions`` (once only Phaze-A blocks
            read it there; now every block reads the top-level one), pointing at its key.
    """
    if isinstance(value, dict):
        for key in GRAPH_WIDE:
            if key in value:
                raise spec_error(
                    UNKNOWN_KEY, f"{key} is no Phaze-A setting in the graph form: it sits at "
                    "the top level and applies to every block of the graph, not only the "
                    "Phaze-A ones", f"move `{key}:` out of phaze_a to the top level (at the "
                    "indentation of models:)", at=(key,), at_key=True)
    return value


class SideSpec(StrictModel):
    """One identity: the size of the faces it is trained on (and, if given, drawn at)."""

    input: int = Field(ge=16, le=2048, description="Input face size in px (square, RGB).")
    output: int | None = Field(None, ge=16, le=2048, description="Output face size in px; "
                               "checked against what the route builds (default: whatever "
                               "it builds).")


class GraphWeights(StrictModel):
    """Sub-models to freeze while training, and to load from another model dir."""

    freeze: list[str] = Field(
        default_factory=list, description="Sub-models whose weights do not train; "
        "`keras_encoder` is only the Keras Applications part (or CLIP transformer) of a "
        "Phaze-A encoder (faceswap: freeze_layers).")
    load: list[str] = Field(
        default_factory=list, description="Sub-models `phazer train --load-weights DIR` "
        "loads from another model dir (faceswap: load_layers).")


class GraphSpec(StrictModel):
    """A whole model as a graph: named sub-models and, per side, the route through them."""

    phazer: Literal[2] = Field(GRAPH_FORMAT_VERSION, description="Spec format version.")
    name: str = Field("", description="A short name for the model.")
    description: str = Field("", description="What the model recreates and when to use it.")
    tagline: OneLine = Field("", description=TAGLINE_HELP)
    use: OneLine = Field("", description=USE_HELP)
    sides: dict[str, SideSpec] = Field(min_length=1, description="The identities, by name "
                                       "(lowercase letters and digits).")
    convolutions: ConvolutionsSpec = Field(
        default_factory=ConvolutionsSpec.model_construct, description="Convolution switches "
        "for every block of the graph, as in a phazer: 1 spec: ICNR on the convolutions that "
        "feed a pixel shuffle, convolution-aware init of faceswap's convolutions, reflect "
        "padding of the 'same'-padded conv blocks (docs/graphs.md).")
    phaze_a: Annotated[PhazeASettings, BeforeValidator(_graph_wide_at_top)] = Field(  # type: ignore[valid-type]
        default_factory=PhazeASettings.model_construct, description="Settings of the Phaze-A "
        "blocks (`{phaze_a: encoder}` sub-models), as in a phazer: 1 spec without routing "
        "(convolutions are the graph's, at the top level).")
    models: dict[str, SubModel] = Field(
        min_length=1, description="Sub-models by name, each a list of blocks or one of "
        "Phaze-A's blocks (`{phaze_a: decoder}`).")
    routes: dict[str, str] = Field(description="Per side, its route through the sub-models.")
    weights: GraphWeights = Field(default_factory=GraphWeights.model_construct)
    training: TrainingSpec = Field(default_factory=TrainingSpec.model_construct)

    @property
    def uses_phaze_a(self) -> bool:
        """Whether a sub-model is a Phaze-A block (so the ``phaze_a`` settings matter)."""
        return any(isinstance(m, PhazeABlock) for m in self.models.values())

    def model_spec(self) -> ModelSpec:
        """The Phaze-A spec its blocks are built from (``phaze_a`` and the ``convolutions``)."""
        settings: dict[str, Any] = {name: getattr(self.phaze_a, name)
                                    for name in type(self.phaze_a).model_fields}
        return ModelSpec.model_validate({**settings, "name": self.name,
                                         "convolutions": self.convolutions})

    def output_roles(self, name: str) -> tuple[str, ...]:
        """What each output of sub-model ``name`` draws (``face``, ``mask``, ``features``)."""
        model = self.models[name]
        if isinstance(model, PhazeABlock):
            if model.phaze_a != "decoder":
                return ("features",)
            return ("face", "mask") if self.phaze_a.decoder.learn_mask else ("face",)
        return output_roles(model)
