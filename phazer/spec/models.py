"""The phazer spec: strict, frozen pydantic models for every Phaze-A option.

A spec is grouped by sub-model. Every field's description names the faceswap option it carries
(the full mapping lives in :mod:`phazer.spec.faceswap_names`). Ranges follow faceswap's documented
option ranges, except where a value outside them cannot be built (then phazer is stricter) or the
range is a GUI convenience. Width options (filters, nodes, the bottleneck size) take every value
faceswap's build takes, from 1 up: one its settings GUI would not offer builds as faceswap builds
it, with info PHZ328 (:mod:`phazer.rules.gui_range`), and one its curves round down to 0
filters is PHZ316 (faceswap's build fails there too).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from phazer.catalog.norms import BottleneckNormName, NormName
from phazer.catalog.upscalers import FcUpsamplerName, UpscalerName
from phazer.curves import SLOPE_LIMIT
from phazer.spec.base import StrictModel
from phazer.spec.encoders import WIDTH_POLICY, EncoderSpec, FsOriginalEncoder
from phazer.spec.training import TrainingSpec

FORMAT_VERSION = 1

Slope = Annotated[float, Field(
    ge=-SLOPE_LIMIT, le=SLOPE_LIMIT,
    description="Filter-curve slope in [-0.99, 0.99]; negative moves quickly at first, "
                "positive slowly at first, 0 is linear (see docs/filter-curve.md).")]
ONE_LINE_LIMIT = 120


def _one_line(value: Any) -> Any:
    """Refuse a text with line breaks or over the limit, saying what to do instead."""
    if not isinstance(value, str):
        return value  # the type check says what is wrong
    lines = len(value.splitlines())
    if lines > 1 or "\n" in value or "\r" in value:
        raise ValueError(f"{max(lines, 2)} lines; expected one line of at most "
                         f"{ONE_LINE_LIMIT} characters: write it on one line (in YAML, "
                         "without `|`), and put longer text in `description`")
    if len(value) > ONE_LINE_LIMIT:
        raise ValueError(f"{len(value)} characters; expected at most {ONE_LINE_LIMIT}: "
                         "shorten it, and put longer text in `description`")
    return value


OneLine = Annotated[str, StringConstraints(max_length=ONE_LINE_LIMIT),
                    BeforeValidator(_one_line)]
"""A text of one line of at most 120 characters: a preset's tagline or use."""
TAGLINE_HELP = ("What the model is, in one line of at most 120 characters: its layout and "
                "sizes, say (shown by `phazer presets`).")
USE_HELP = ("What the model is for, in one line of at most 120 characters: the job, GPU "
            "memory and training time it suits (shown by `phazer presets`).")
Dropout = Annotated[float, Field(ge=0.0, lt=1.0, description="Dropout rate in [0, 1).")]
Upsampler = FcUpsamplerName
"""``fc.upsampler``: read from :mod:`phazer.catalog.upscalers`."""
Upscaler = UpscalerName
"""``decoder.upscaler``: read from :mod:`phazer.catalog.upscalers`."""
PHAZE_A_SUBMODELS: tuple[str, ...] = (
    "encoder", "fc_a", "fc_b", "fc_both", "fc_shared", "fc_gblock",
    "g_block_a", "g_block_b", "g_block_both", "decoder_a", "decoder_b", "decoder_both")
"""A two-side Phaze-A model's sub-models by faceswap's names: ``weights.load``'s choices
(faceswap's load_layers)."""
KERAS_ENCODER = "keras_encoder"
"""The Keras Applications model (or CLIP transformer) inside the encoder: it can be frozen on
its own, not loaded on its own."""
FREEZABLE_SUBMODELS: tuple[str, ...] = (KERAS_ENCODER, *PHAZE_A_SUBMODELS)
"""``weights.freeze``'s choices (faceswap's freeze_layers)."""
SubModelName = Literal[FREEZABLE_SUBMODELS]  # type: ignore[valid-type]
LoadableName = Literal[PHAZE_A_SUBMODELS]  # type: ignore[valid-type]


class RoutingSpec(StrictModel):
    """What is shared between the sides and what is split per side."""

    split_fc: bool = Field(True, description="One fully-connected model per side (fc_a, fc_b) "
                           "instead of one shared fc_both (faceswap: split_fc).")
    shared_fc: Literal["none", "full", "half"] = Field(
        "none", description="An extra shared FC whose output is concatenated onto each side's: "
        "none; full = its own fc_shared model; half = reuse fc_a (unbalanced) "
        "(faceswap: shared_fc).")
    gblock: bool = Field(True, description="Enable the G-Block and its shared fc_gblock feeder "
                         "(faceswap: enable_gblock).")
    split_gblock: bool = Field(False, description="One G-Block per side instead of one shared "
                               "(faceswap: split_gblock).")
    split_decoders: bool = Field(False, description="One decoder per side instead of one "
                                 "shared decoder_both (faceswap: split_decoders).")


class _BottleneckBase(StrictModel):
    norm: BottleneckNormName = Field(
        "none", description="Normalization before the bottleneck (faceswap: bottleneck_norm).")
    in_encoder: bool = Field(True, description="Place the bottleneck at the end of the shared "
                             "encoder; otherwise at the start of every FC model "
                             "(faceswap: bottleneck_in_encoder).")


class DenseBottleneck(_BottleneckBase):
    """Flatten, then one Dense layer of ``size`` nodes."""

    type: Literal["dense"] = "dense"
    size: int = Field(1024, ge=1, le=4096, description="Dense nodes "
                      "(faceswap: bottleneck_size; its GUI offers 128-4096)." + WIDTH_POLICY)


class PoolingBottleneck(_BottleneckBase):
    """Global average or max pooling over the encoder's feature map."""

    type: Literal["average_pooling", "max_pooling"]


class FlattenBottleneck(_BottleneckBase):
    """No bottleneck layer: the encoder output is only flattened."""

    type: Literal["flatten"]


BottleneckSpec = Annotated[
    Union[DenseBottleneck, PoolingBottleneck, FlattenBottleneck],  # noqa: UP007
    Field(discriminator="type"),
]


class FullyConnectedSpec(StrictModel):
    """The fully-connected models: fc_a / fc_b / fc_both / fc_shared."""

    depth: int = Field(1, ge=0, le=16, description="Dense layers (faceswap: fc_depth).")
    min_filters: int = Field(1024, ge=1, le=5120, description="Filters of the first Dense "
                             "layer; nodes = filters x dimensions^2 (faceswap: fc_min_filters; "
                             "its GUI offers 16-5120)." + WIDTH_POLICY)
    max_filters: int = Field(1024, ge=1, le=5120, description="Filters of the last Dense "
                             "layer, the reshape depth (faceswap: fc_max_filters; its GUI "
                             "offers 128-5120)." + WIDTH_POLICY)
    dimensions: int = Field(4, ge=1, le=16, description="Height and width of the reshape "
                            "(faceswap: fc_dimensions).")
    slope: Slope = Field(-0.5, description="Curve from min to max filters "
                         "(faceswap: fc_filter_slope).")
    dropout: Dropout = Field(0.0, description="Dropout before every Dense layer; may change "
                             "on resume (faceswap: fc_dropout).")
    upsampler: Upsampler = Field("upsample2d", description="Upsampler at the end of the FC "
                                 "(faceswap: fc_upsampler).")
    upsamples: int = Field(1, ge=0, le=4, description="Upsamples at the end of the FC, each "
                           "doubling height and width (faceswap: fc_upsamples).")
    upsample_filters: int = Field(512, ge=1, le=5120, description="Filters of the FC "
                                  "upsamplers, unused by upsample2d (faceswap: "
                                  "fc_upsample_filters; its GUI offers 128-5120)."
                                  + WIDTH_POLICY)


class GBlockFCSpec(StrictModel):
    """The shared fully-connected model that feeds the G-Block (fc_gblock)."""

    depth: int = Field(3, ge=1, le=16, description="Dense layers (faceswap: fc_gblock_depth).")
    min_nodes: int = Field(512, ge=1, le=5120, description="Nodes of the first layer "
                           "(faceswap: fc_gblock_min_nodes; its GUI offers 128-5120)."
                           + WIDTH_POLICY)
    max_nodes: int = Field(512, ge=1, le=5120, description="Nodes of the last layer "
                           "(faceswap: fc_gblock_max_nodes; its GUI offers 128-5120)."
                           + WIDTH_POLICY)
    slope: Slope = Field(-0.5, description="Curve from min to max nodes "
                         "(faceswap: fc_gblock_filter_slope).")
    dropout: Dropout = Field(0.0, description="Dropout before every Dense layer; may change "
                             "on resume (faceswap: fc_gblock_dropout).")


class DecoderSpec(StrictModel):
    """The decoders: upscales from the FC output to the output size, then an output conv."""

    upscaler: Upscaler = Field("subpixel", description="Upscale block "
                               "(faceswap: dec_upscale_method).")
    upscales_in_fc: int = Field(0, ge=0, le=6, description="Move this many of the first "
                                "upscales to the end of the FC models; more than the model "
                                "has moves them all, as faceswap builds it (warning PHZ306) "
                                "(faceswap: dec_upscales_in_fc).")
    norm: NormName = Field(
        "none", description="Normalization after each upscale (faceswap: dec_norm).")
    min_filters: int = Field(64, ge=1, le=5120, description="Filters of the last upscale "
                             "(faceswap: dec_min_filters; its GUI offers 16-512)."
                             + WIDTH_POLICY)
    max_filters: int = Field(512, ge=1, le=5120, description="Filters of the first upscale "
                             "(faceswap: dec_max_filters; its GUI offers 256-5120)."
                             + WIDTH_POLICY)
    slope_mode: Literal["full", "cap_max", "cap_min"] = Field(
        "full", description="How the slope is applied (faceswap: dec_slope_mode).")
    slope: Slope = Field(-0.45, description="Curve from max to min filters "
                         "(faceswap: dec_filter_slope).")
    res_blocks: int = Field(1, ge=0, le=8, description="Residual blocks per upscale "
                            "(faceswap: dec_res_blocks).")
    output_kernel: int = Field(5, ge=1, le=9, description="Kernel of the output conv, odd "
                               "(faceswap: dec_output_kernel).")
    gaussian_noise: bool = Field(True, description="GaussianNoise(1.0) after each upscale "
                                 "(faceswap: dec_gaussian).")
    skip_last_residual: bool = Field(True, description="No residual blocks on the last upscale "
                                     "(faceswap: dec_skip_last_residual).")
    learn_mask: bool = Field(False, description="Add a mask branch and a mask output per side "
                             "(faceswap: [global.loss] learn_mask).")

    @field_validator("output_kernel")
    @classmethod
    def _odd_kernel(cls, value: int) -> int:
        if value % 2 == 0:
            raise ValueError(f"must be odd (1, 3, 5, 7 or 9), got {value}")
        return value


class WeightsSpec(StrictModel):
    """Which sub-models `phazer train --freeze-weights` freezes and `--load-weights` loads."""

    freeze: list[SubModelName] = Field(
        default_factory=lambda: ["keras_encoder"],
        description="Sub-models to freeze; `keras_encoder` is only the Keras Applications part "
                    "of the encoder, or its CLIP transformer (faceswap: freeze_layers).")
    load: list[LoadableName] = Field(
        default_factory=lambda: ["encoder"],
        description="Sub-models to load from another model dir (faceswap: load_layers).")


class ConvolutionsSpec(StrictModel):
    """Model-wide convolution settings (faceswap's [global] section)."""

    icnr_init: bool = Field(False, description="ICNR init for upscale convs "
                            "(faceswap: icnr_init).")
    conv_aware_init: bool = Field(False, description="Convolution-aware init "
                                  "(faceswap: conv_aware_init).")
    reflect_padding: bool = Field(False, description="Reflect padding in convs "
                                  "(faceswap: reflect_padding).")


class ModelSpec(StrictModel):
    """A whole phazer model: routing plus every sub-model's settings."""

    phazer: Literal[1] = Field(FORMAT_VERSION, description="Spec format version.")
    name: str = Field("", description="A short name for the model.")
    description: str = Field("", description="What the model recreates and when to use it.")
    tagline: OneLine = Field("", description=TAGLINE_HELP)
    use: OneLine = Field("", description=USE_HELP)
    output_size: int = Field(128, ge=64, le=2048, multiple_of=16, description="Output "
                             "resolution in px, a multiple of 16 (faceswap: output_size).")
    routing: RoutingSpec = Field(default_factory=RoutingSpec.model_construct)
    encoder: EncoderSpec = Field(default_factory=FsOriginalEncoder.model_construct)
    bottleneck: BottleneckSpec = Field(default_factory=DenseBottleneck.model_construct)
    fc: FullyConnectedSpec = Field(default_factory=FullyConnectedSpec.model_construct)
    gblock_fc: GBlockFCSpec = Field(default_factory=GBlockFCSpec.model_construct)
    decoder: DecoderSpec = Field(default_factory=DecoderSpec.model_construct)
    weights: WeightsSpec = Field(default_factory=WeightsSpec.model_construct)
    convolutions: ConvolutionsSpec = Field(default_factory=ConvolutionsSpec.model_construct)
    training: TrainingSpec = Field(default_factory=TrainingSpec.model_construct)


# The top-level groups in file order; used by the dumper and the docs.
GROUPS: tuple[str, ...] = ("routing", "encoder", "bottleneck", "fc", "gblock_fc", "decoder",
                           "weights", "convolutions", "training")
