"""A graph-form sub-model (``phazer: 2``) built from its list of blocks.

Each block of :mod:`phazer.spec.graph_blocks` is mapped here to the builder Phaze-A uses for
the same layers (:mod:`phazer.blocks.conv`, :mod:`phazer.blocks.upscalers`,
:mod:`phazer.blocks.norms`), with the graph form's names and settings; single-layer blocks
are one op. A block with a list of filters (or units) is appended once per value. Layer
names follow faceswap's scheme: a block's stem (``conv_128``, ``upscale_256``,
``face_out_a``) gets a counter shared by the whole model (``upscale_256_0`` in
``decoder_a``, ``upscale_256_1`` in ``decoder_b``), kept in a :class:`BlockNames`.

The graph's ``convolutions`` switches (:class:`phazer.blocks.conv.ConvSettings`) reach every
block as they reach Phaze-A's: convolution-aware init replaces the initializer of faceswap's
convolutions (conv, upscale, upscale_hybrid, residual, output; not Dense or separable convs),
ICNR wraps the convolutions that feed a pixel shuffle (upscale, and upscale_hybrid's sub-pixel
branch), and reflect padding pads the conv blocks (conv, upscale, residual), except a conv
block that asks for 'valid' padding, which is left as written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from phazer.blocks.conv import (
    ConvSettings,
    conv_block,
    dense,
    output_conv,
    residual_block,
    separable_conv_block,
)
from phazer.blocks.upscalers import UPSCALERS, hybrid_half, subpixel, upscale_hybrid
from phazer.ir.graph import SubModelBuilder, SubModelIR, Tensor, depth_to_outputs
from phazer.ir.ops import IRShapeError
from phazer.spec.graph_blocks import (
    AvgPoolBlock,
    BatchNormBlock,
    BranchBlock,
    ConvBlock,
    DenseBlock,
    DropoutBlock,
    FlattenBlock,
    LeakyReluBlock,
    OutputBlock,
    PixelShuffleBlock,
    ReshapeBlock,
    ResidualBlock,
    SeparableConvBlock,
    UpsampleBlock,
    UpscaleBlock,
    UpscaleHybridBlock,
    UpscalerBlock,
)

NO_SWITCHES = ConvSettings()
"""Every convolution switch off: a graph whose ``convolutions`` leaves them all false."""


@dataclass
class BlockNames:
    """faceswap's layer-name counters, shared by every sub-model of one model."""

    counts: Counter[str] = field(default_factory=Counter)

    def stem(self, base: str) -> str:
        """``base`` with its next counter (``conv_128_0``, then ``conv_128_1``)."""
        name = f"{base}_{self.counts[base]}"
        self.counts[base] += 1
        return name

    def auto(self, base: str) -> str:
        """Keras' automatic name: ``base``, then ``base_1``, ``base_2`` across the model."""
        key = f"keras:{base}"
        count = self.counts[key]
        self.counts[key] += 1
        return base if count == 0 else f"{base}_{count}"


def _values(value: int | list[int]) -> list[int]:
    return value if isinstance(value, list) else [value]


def _conv(b: SubModelBuilder, x: Tensor, block: ConvBlock, names: BlockNames,
          settings: ConvSettings) -> Tensor:
    if block.padding != "same":   # a 'valid' conv block stays as written
        settings = replace(settings, reflect_padding=False)
    for filters in _values(block.filters):
        x = conv_block(b, x, filters, block.kernel, settings, strides=block.strides,
                       padding=block.padding, activation=block.activation,
                       relu_alpha=block.slope, norm=block.norm, initializer=block.initializer,
                       name=names.stem(block.name or f"conv_{filters}"))
    return x


def _upscale(b: SubModelBuilder, x: Tensor, block: UpscaleBlock, names: BlockNames,
             settings: ConvSettings) -> Tensor:
    for filters in _values(block.filters):
        x = subpixel(b, x, filters, settings, names.stem(block.name or f"upscale_{filters}"),
                     kernel=block.kernel, scale=block.scale, activation=block.activation,
                     relu_alpha=block.slope, initializer=block.initializer)
    return x


def _upscale_hybrid(b: SubModelBuilder, x: Tensor, block: UpscaleHybridBlock, names: BlockNames,
                    settings: ConvSettings) -> Tensor:
    for filters in _values(block.filters):
        stem = names.stem(block.name or f"upscale2x_{filters}_hyb")
        x = upscale_hybrid(b, x, filters, settings, stem, kernel=block.kernel,
                           scale=block.scale, activation=block.activation,
                           relu_alpha=block.slope, initializer=block.initializer,
                           sr_name=names.stem(f"upscale_{hybrid_half(filters)}"),
                           upsample_name=f"{stem}_upsampling2D")
    return x


def _upscaler(b: SubModelBuilder, x: Tensor, block: UpscalerBlock, names: BlockNames,
              settings: ConvSettings) -> Tensor:
    build = UPSCALERS[block.type].build
    for filters in _values(block.filters):
        x = build(b, x, filters, settings,
                  names.stem(block.name or f"{block.type}_{filters}"))
    return x


def _leaky_relu(b: SubModelBuilder, x: Tensor, block: LeakyReluBlock, names: BlockNames,
                settings: ConvSettings) -> Tensor:
    return b.add("leaky_relu", x, name=block.name or "leaky_re_lu", negative_slope=block.slope)


def _residual(b: SubModelBuilder, x: Tensor, block: ResidualBlock, names: BlockNames,
              settings: ConvSettings) -> Tensor:
    for filters in _values(block.filters):
        x = residual_block(b, x, filters, settings,
                           names.stem(block.name or f"residual_{filters}"),
                           initializer=block.initializer, use_bias=block.use_bias,
                           add_name="add")
    return x


def _dense(b: SubModelBuilder, x: Tensor, block: DenseBlock, names: BlockNames,
           settings: ConvSettings) -> Tensor:
    for units in _values(block.units):
        x = dense(b, x, units, initializer=block.initializer, name=block.name or "dense")
    return x


def _flatten(b: SubModelBuilder, x: Tensor, block: FlattenBlock, names: BlockNames,
             settings: ConvSettings) -> Tensor:
    return b.add("flatten", x, name=block.name or "flatten")


def _reshape(b: SubModelBuilder, x: Tensor, block: ReshapeBlock, names: BlockNames,
             settings: ConvSettings) -> Tensor:
    return b.add("reshape", x, name=block.name or "reshape", target_shape=tuple(block.shape))


def _dropout(b: SubModelBuilder, x: Tensor, block: DropoutBlock, names: BlockNames,
             settings: ConvSettings) -> Tensor:
    kind = "spatial_dropout" if block.spatial else "dropout"
    auto = "spatial_dropout2d" if block.spatial else "dropout"
    return b.add(kind, x, name=block.name or names.auto(auto), rate=block.rate)


def _output(b: SubModelBuilder, x: Tensor, block: OutputBlock, names: BlockNames,
            settings: ConvSettings) -> Tensor:
    return output_conv(b, x, block.channels, block.kernel, settings,
                       names.stem(block.name or "face_out"), initializer=block.initializer)


def _separable_conv(b: SubModelBuilder, x: Tensor, block: SeparableConvBlock, names: BlockNames,
                    settings: ConvSettings) -> Tensor:
    for filters in _values(block.filters):
        x = separable_conv_block(b, x, filters, block.kernel, strides=block.strides,
                                 padding=block.padding,
                                 depth_multiplier=block.depth_multiplier,
                                 activation=block.activation, relu_alpha=block.slope,
                                 initializer=block.initializer,
                                 name=names.stem(block.name or f"separableconv2d_{filters}"))
    return x


def _pixel_shuffle(b: SubModelBuilder, x: Tensor, block: PixelShuffleBlock, names: BlockNames,
                   settings: ConvSettings) -> Tensor:
    return b.add("pixel_shuffle", x, name=block.name or names.auto("pixel_shuffler"),
                 scale=block.scale)


def _avg_pool(b: SubModelBuilder, x: Tensor, block: AvgPoolBlock, names: BlockNames,
              settings: ConvSettings) -> Tensor:
    return b.add("avg_pool2d", x, name=block.name or names.auto("average_pooling2d"),
                 pool=block.pool, strides=block.strides or block.pool, padding=block.padding)


def _upsample(b: SubModelBuilder, x: Tensor, block: UpsampleBlock, names: BlockNames,
              settings: ConvSettings) -> Tensor:
    return b.add("upsampling2d", x, name=block.name or names.auto("up_sampling2d"),
                 size=block.size, interpolation=block.interpolation)


def _batch_norm(b: SubModelBuilder, x: Tensor, block: BatchNormBlock, names: BlockNames,
                settings: ConvSettings) -> Tensor:
    return b.add("batch_norm", x, name=block.name or names.auto("batch_normalization"),
                 epsilon=block.epsilon)


def _branch(b: SubModelBuilder, x: Tensor, block: BranchBlock, names: BlockNames,
            settings: ConvSettings) -> Tensor:
    outputs = []
    for branch in block.branches:
        y = x
        for inner in branch:
            y = BLOCK_BUILDERS[inner.block](b, y, inner, names, settings)
        outputs.append(y)
    if block.join == "add":
        return b.add("add", outputs, name=block.name or names.auto("add"))
    return b.add("concatenate", outputs, name=block.name or names.auto("concatenate"))


BlockFn = Callable[[SubModelBuilder, Tensor, object, BlockNames, ConvSettings], Tensor]
BLOCK_BUILDERS: dict[str, BlockFn] = {
    "conv": _conv, "dense": _dense, "flatten": _flatten, "reshape": _reshape,
    "dropout": _dropout, "upscale": _upscale, "upscale_hybrid": _upscale_hybrid,
    "upscaler": _upscaler,
    "leaky_relu": _leaky_relu,
    "residual": _residual, "separable_conv": _separable_conv,
    "pixel_shuffle": _pixel_shuffle, "avg_pool": _avg_pool, "upsample": _upsample,
    "batch_norm": _batch_norm, "branch": _branch,
}
"""The IR of every graph-form block that adds layers, by its ``block`` name (the path blocks
``mark``, ``from`` and ``output`` are read by :func:`build_sequence` itself)."""


class BlockMisfit(ValueError):
    """A block of a sub-model does not fit the tensor the blocks before it make.

    Attributes:
        index: the block's position in the sub-model's list.
        kind: its type (``reshape``, ``conv``, ...).
        given: the shape of the tensor it was given.
    """

    def __init__(self, index: int, kind: str, given: tuple[int, ...], why: Exception) -> None:
        super().__init__(str(why))
        self.index, self.kind, self.given = index, kind, given


class SequenceError(ValueError):
    """A sub-model's path blocks do not make sense (an unknown mark, blocks after the end)."""


def build_sequence(name: str, blocks: Sequence[object], input_shape: Sequence[int],
                   names: BlockNames, settings: ConvSettings = NO_SWITCHES) -> SubModelIR:
    """Build sub-model ``name`` from its blocks, on an input of ``input_shape``.

    ``mark`` names the current tensor and ``from`` goes on from a marked one (``input`` is
    the sub-model's input); every ``output`` block is an output, in order, and leaves the path
    where it was. Without output blocks the last tensor is the one output.

    Args:
        name: the sub-model's name.
        blocks: its blocks, as the spec lists them.
        input_shape: the shape of the tensor the route gives it.
        names: the model's layer-name counters (shared by its sub-models).
        settings: the graph's ``convolutions`` switches (all off by default).

    Raises:
        BlockMisfit: a block does not fit the tensor it is given (which block, and the layer
            that refused it).
        SequenceError: a ``from`` names no earlier mark, or blocks follow the last output
            without reaching another one.
    """
    b = SubModelBuilder(name)
    x = b.input(tuple(input_shape), name="input_layer")
    marks: dict[str, Tensor] = {"input": x}
    outputs: list[Tensor] = []
    dangling = False  # layers added since the last output
    for index, block in enumerate(blocks):
        kind = block.block  # type: ignore[attr-defined]
        if kind == "mark":
            marks[block.label] = x  # type: ignore[attr-defined]
        elif kind == "from":
            if block.label not in marks:  # type: ignore[attr-defined]
                raise SequenceError(f"block {index} (from: {block.label}) names no earlier "  # type: ignore[attr-defined]
                                    f"mark; marked so far: {', '.join(marks)}")
            x = marks[block.label]  # type: ignore[attr-defined]
        else:
            given = x.shape
            try:
                if kind == "output":
                    outputs.append(_output(b, x, block, names, settings))  # type: ignore[arg-type]
                else:
                    x = BLOCK_BUILDERS[kind](b, x, block, names, settings)
            except IRShapeError as exc:
                raise BlockMisfit(index, kind, tuple(given), exc) from exc
            dangling = kind != "output"
    if outputs and dangling:
        raise SequenceError("the blocks after the last output make nothing: end them with "
                            "an output, or remove them")
    return keras_order(b.build(outputs or x))


def keras_order(sub: SubModelIR) -> SubModelIR:
    """``sub`` with its ops in the order Keras lists a functional model's layers.

    Keras gives every layer its longest distance to an output and lists the deepest first,
    ties in build order: parallel branches interleave (both branches' first layers, then
    their second ones, ...). A chain keeps its build order.
    """
    depth = depth_to_outputs([(op.name, op.inputs) for op in sub.ops])
    index = {op.name: i for i, op in enumerate(sub.ops)}
    ordered = sorted(sub.ops, key=lambda op: (-depth[op.name], index[op.name]))
    return replace(sub, ops=tuple(ordered))
