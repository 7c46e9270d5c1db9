"""The blocks of a graph-form sub-model (``phazer: 2``): one YAML entry per block.

A sub-model is a list of blocks, each written as a one-key mapping (``- conv: {filters: 128,
kernel: 5, strides: 2}``), a scalar shorthand (``- dense: 1024``) or a bare name
(``- flatten``). A list of filters or units repeats the block once per value
(``- conv: {filters: [128, 256, 512, 1024], kernel: 5, strides: 2}``). Every block is one
strict pydantic model; :data:`BLOCK_TYPES` is the one place a block is added (its IR lives in
:mod:`phazer.blocks.sequence`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BeforeValidator, Discriminator, Field, Tag

from phazer.catalog.norms import ConvBlockNormName
from phazer.catalog.upscalers import UpscalerName
from phazer.issues import NOT_A_BLOCK
from phazer.spec.base import StrictModel
from phazer.spec.block_entries import tagged_block
from phazer.spec.custom_errors import spec_error

Initializer = Literal["he_uniform", "glorot_uniform", "he_normal", "random_normal"]
"""``random_normal``: faceswap's RandomNormal(mean 0, stddev 0.02) (unbalanced, villain)."""
Activation = Literal["leaky_relu", "relu", "sigmoid", "tanh", "linear"]
Filters = Annotated[int, Field(ge=1, le=65536)]
Units = Annotated[int, Field(ge=1, le=16_777_216)]
"""Dense units: faceswap's bottlenecks reach 524,288 (unbalanced at 512 px) within its ranges."""


def _one_or_list(value: Any) -> str:
    """Which form of a ``one_or_list`` value is written: so an error names that form only."""
    return "list" if isinstance(value, list) else "one"


FiltersOrList = Annotated[Union[Annotated[Filters, Tag("one")],  # noqa: UP007
                                Annotated[list[Filters], Tag("list")]],
                          Discriminator(_one_or_list)]
"""Filters, or a list of them that repeats the block."""
UnitsOrList = Annotated[Union[Annotated[Units, Tag("one")],  # noqa: UP007
                              Annotated[list[Units], Tag("list")]],
                        Discriminator(_one_or_list)]
"""Units, or a list of them that repeats the block."""


class _Block(StrictModel):
    """Every block may be named; the name stem of its layers defaults to faceswap's."""

    name: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$",
                             description="Layer-name stem (defaults to faceswap's naming).")


class ConvBlock(_Block):
    """Conv2D, an optional normalization, then its activation (faceswap's Conv2DBlock)."""

    block: Literal["conv"] = "conv"
    filters: FiltersOrList = Field(description="Filters; a list repeats the block.")
    kernel: int = Field(5, ge=1, le=15)
    strides: int = Field(2, ge=1, le=4)
    padding: Literal["same", "valid"] = "same"
    activation: Activation = "leaky_relu"
    slope: float = Field(0.1, ge=0.0, le=1.0, description="LeakyReLU negative slope.")
    norm: ConvBlockNormName | None = Field(
        None, description="A normalization between the conv and its activation (instance: "
        "faceswap's InstanceNormalization, one scale and one offset).")
    initializer: Initializer = "he_uniform"


class DenseBlock(_Block):
    """A Dense layer (GlorotUniform by default)."""

    block: Literal["dense"] = "dense"
    units: UnitsOrList = Field(description="Units; a list repeats the block.")
    initializer: Initializer = "glorot_uniform"


class FlattenBlock(_Block):
    """Flatten to one axis."""

    block: Literal["flatten"] = "flatten"


class ReshapeBlock(_Block):
    """Reshape to ``shape`` (height, width, channels)."""

    block: Literal["reshape"] = "reshape"
    shape: list[Annotated[int, Field(ge=1)]] = Field(min_length=1, max_length=3)


class DropoutBlock(_Block):
    """Dropout (``spatial: true``: SpatialDropout2D).

    Named like Keras names it: ``dropout``, ``dropout_1``, ... across the model.
    """

    block: Literal["dropout"] = "dropout"
    rate: float = Field(ge=0.0, lt=1.0)
    spatial: bool = False


class UpscaleBlock(_Block):
    """faceswap's sub-pixel upscale: Conv2D 3x3 to 4f, LeakyReLU, pixel shuffle x2."""

    block: Literal["upscale"] = "upscale"
    filters: FiltersOrList = Field(description="Filters; a list repeats the block.")
    kernel: int = Field(3, ge=1, le=15)
    scale: int = Field(2, ge=2, le=8, description="Upscale factor (the conv makes "
                       "filters * scale^2 channels).")
    slope: float = Field(0.1, ge=0.0, le=1.0)
    activation: bool = Field(True, description="LeakyReLU between the conv and the shuffle "
                             "(faceswap's dfl_sae puts its own after the shuffle).")
    initializer: Initializer = "he_uniform"


class UpscaleHybridBlock(_Block):
    """faceswap's hybrid upscale, two branches concatenated.

    A sub-pixel upscale to half the filters beside a conv to the other half resized by a
    bilinear UpSampling2D.
    """

    block: Literal["upscale_hybrid"] = "upscale_hybrid"
    filters: FiltersOrList = Field(description="Filters out (half from each "
                                             "branch); a list repeats the block.")
    kernel: int = Field(3, ge=1, le=15)
    scale: int = Field(2, ge=2, le=8)
    slope: float = Field(0.1, ge=0.0, le=1.0)
    activation: bool = Field(True, description="LeakyReLU inside the sub-pixel upscale.")
    initializer: Initializer = "he_uniform"


class UpscalerBlock(_Block):
    """A Phaze-A upscaler, built as ``decoder.upscaler`` builds it (no model-wide switches).

    Any upscaler of :mod:`phazer.catalog.upscalers`: the same block a ``phazer: 1`` decoder
    or FC model puts in, with Phaze-A's layer names under the block's stem.
    """

    block: Literal["upscaler"] = "upscaler"
    type: UpscalerName = Field(description="The upscaler (as decoder.upscaler).")
    filters: FiltersOrList = Field(description="Filters; a list repeats the block.")


class LeakyReluBlock(_Block):
    """A LeakyReLU on its own."""

    block: Literal["leaky_relu"] = "leaky_relu"
    slope: float = Field(0.2, ge=0.0, le=1.0)


class ResidualBlock(_Block):
    """faceswap's residual block.

    Conv 3x3, LeakyReLU(0.2), conv 3x3 (VarianceScaling 0.2), added to the input,
    LeakyReLU(0.2).
    """

    block: Literal["residual"] = "residual"
    filters: FiltersOrList = Field(description="Filters (the input's channels); a "
                                             "list repeats the block.")
    use_bias: bool = Field(True, description="Whether the two convs have biases.")
    initializer: Initializer = Field("he_uniform", description="The first conv's initializer "
                                     "(the second is always VarianceScaling 0.2).")


class SeparableConvBlock(_Block):
    """SeparableConv2D (depthwise then pointwise) then its activation (ReLU by default)."""

    block: Literal["separable_conv"] = "separable_conv"
    filters: FiltersOrList = Field(description="Filters; a list repeats the block.")
    kernel: int = Field(5, ge=1, le=15)
    strides: int = Field(2, ge=1, le=4)
    padding: Literal["same", "valid"] = "same"
    depth_multiplier: int = Field(1, ge=1, le=16)
    activation: Activation = "relu"
    slope: float = Field(0.1, ge=0.0, le=1.0, description="LeakyReLU negative slope.")
    initializer: Initializer = "glorot_uniform"


class PixelShuffleBlock(_Block):
    """A pixel shuffle on its own: (h, w, c) -> (h*s, w*s, c/s^2)."""

    block: Literal["pixel_shuffle"] = "pixel_shuffle"
    scale: int = Field(2, ge=2, le=8)


class AvgPoolBlock(_Block):
    """AveragePooling2D (strides default to the pool size)."""

    block: Literal["avg_pool"] = "avg_pool"
    pool: int = Field(2, ge=1, le=8)
    strides: int | None = Field(None, ge=1, le=8)
    padding: Literal["same", "valid"] = "valid"


class UpsampleBlock(_Block):
    """UpSampling2D by ``size`` (nearest or bilinear)."""

    block: Literal["upsample"] = "upsample"
    size: int = Field(2, ge=2, le=16)
    interpolation: Literal["nearest", "bilinear"] = "nearest"


class BatchNormBlock(_Block):
    """BatchNormalization on its own (its moving mean and variance are not trained)."""

    block: Literal["batch_norm"] = "batch_norm"
    epsilon: float = Field(1e-3, gt=0.0, le=1.0)


class BranchBlock(_Block):
    """Parallel branches on the same input, joined.

    Each branch is a list of blocks (an empty list passes the input through); the branches'
    outputs are added (``join: add``) or concatenated on channels (``join: concat``).
    """

    block: Literal["branch"] = "branch"
    branches: list[list[BranchEntry]] = Field(min_length=2, description="The branches, "
                                              "each a list of blocks ([] is the input itself).")
    join: Literal["add", "concat"] = "concat"


class OutputBlock(_Block):
    """An output of the sub-model: Conv2D to ``channels`` then a float32 sigmoid.

    An output does not move the path: the blocks after it go on from the tensor it was given,
    so a decoder can put out a face at each scale (faceswap's multiscale decoder). The
    sub-model's outputs are its output blocks in the order they are written.
    """

    block: Literal["output"] = "output"
    channels: int = Field(3, ge=1, le=4)
    kernel: int = Field(5, ge=1, le=15)
    initializer: Initializer = "he_uniform"
    role: Literal["face", "mask"] | None = Field(
        None, description="What the output draws; default: a mask for 1 channel, else a face.")

    @property
    def draws(self) -> str:
        """``face`` or ``mask``: the role, or what the channels imply."""
        return self.role or ("mask" if self.channels == 1 else "face")


class MarkBlock(StrictModel):
    """Name the current tensor, so a later ``from`` can start a second path there."""

    block: Literal["mark"] = "mark"
    label: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The tensor's name.")


class FromBlock(StrictModel):
    """Go on from a tensor named by an earlier ``mark`` (or ``input``, the sub-model's input).

    faceswap builds a mask path after the face path, from the decoder's input or from a tensor
    part-way along: ``- mark: m``, the face blocks and their output, ``- from: m``, the mask
    blocks and an ``output: 1``.
    """

    block: Literal["from"] = "from"
    label: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="A marked tensor, or "
                       "``input``.")


# block name -> (model, field a scalar shorthand sets)
BLOCK_TYPES: dict[str, tuple[type[StrictModel], str | None]] = {
    "conv": (ConvBlock, "filters"),
    "dense": (DenseBlock, "units"),
    "flatten": (FlattenBlock, None),
    "reshape": (ReshapeBlock, "shape"),
    "dropout": (DropoutBlock, "rate"),
    "upscale": (UpscaleBlock, "filters"),
    "upscale_hybrid": (UpscaleHybridBlock, "filters"),
    "upscaler": (UpscalerBlock, None),
    "leaky_relu": (LeakyReluBlock, "slope"),
    "residual": (ResidualBlock, "filters"),
    "output": (OutputBlock, "channels"),
    "separable_conv": (SeparableConvBlock, "filters"),
    "pixel_shuffle": (PixelShuffleBlock, "scale"),
    "avg_pool": (AvgPoolBlock, "pool"),
    "upsample": (UpsampleBlock, "size"),
    "batch_norm": (BatchNormBlock, "epsilon"),
    "branch": (BranchBlock, "branches"),
    "mark": (MarkBlock, "label"),
    "from": (FromBlock, "label"),
}


def _as_tagged(value: Any) -> Any:
    """``- flatten``, ``- dense: 1024`` and ``- conv: {...}`` as ``{"block": name, ...}``."""
    return tagged_block(value, BLOCK_TYPES)


Block = Annotated[
    Union[tuple(model for model, _ in BLOCK_TYPES.values())],  # type: ignore[valid-type]  # noqa: UP007
    Field(discriminator="block"), BeforeValidator(_as_tagged)]
"""One block of a graph-form sub-model: any model of :data:`BLOCK_TYPES`."""

PATH_BLOCKS: tuple[str, ...] = ("mark", "from", "output")
"""Blocks that steer a sub-model's path instead of adding to it (top level of a sub-model only)."""


def _not_a_path_block(block: StrictModel) -> StrictModel:
    """A block of a branch, which cannot be one of :data:`PATH_BLOCKS`."""
    tag = getattr(block, "block", None)
    if tag in PATH_BLOCKS:
        raise spec_error(NOT_A_BLOCK, f"a branch cannot hold the path block {tag!r} (mark, "
                         "from and output steer the sub-model's own path)",
                         "move it out of the branch",
                         at=(tag,), at_key=True)
    return block


BranchEntry = Annotated[Block, AfterValidator(_not_a_path_block)]
"""One block of a branch: any block but a path block."""

# BranchBlock names BranchEntry before it exists: pydantic resolves it when the model is
# first built (spec models defer building, see phazer.spec.base), so no model_rebuild() here.


def output_roles(blocks: list[Block]) -> tuple[str, ...]:
    """What each output of a sub-model draws (``face`` / ``mask``), in order.

    A sub-model without output blocks has one output, its last tensor (``features``).
    """
    roles = tuple(b.draws for b in blocks if isinstance(b, OutputBlock))
    return roles or ("features",)
