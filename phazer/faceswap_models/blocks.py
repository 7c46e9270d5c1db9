"""Small constructors for graph-form blocks, written as the YAML reads them.

Each returns the one-key mapping of :mod:`phazer.spec.graph_blocks` (``{"conv": {...}}``), with
only the fields that differ from the block's defaults, so the written spec stays short and
reads like the hand-written ``fs-*`` presets. The names used here are faceswap's blocks:

- ``conv``: faceswap's Conv2DBlock (kernel 5, strides 2, LeakyReLU 0.1 unless told otherwise);
- ``upscale``: UpscaleBlock (a conv to ``filters * scale^2``, LeakyReLU 0.1, pixel shuffle);
- ``hybrid``: Upscale2xBlock, not fast; ``fast``: Upscale2xBlock with ``fast=True``;
- ``residual``: ResidualBlock; ``output``: Conv2DOutput.
"""

from __future__ import annotations

from typing import Any, get_args

from phazer.spec.graph_blocks import DenseBlock

Block = dict[str, Any] | str

RANDOM_NORMAL = "random_normal"
"""faceswap's ``RandomNormal(0, 0.02)`` (dfaker's residuals, unbalanced, villain)."""


def _body(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _init(random_normal: bool) -> str | None:
    return RANDOM_NORMAL if random_normal else None


def conv(filters: int | list[int], *, activation: str | None = None, norm: str | None = None,
         random_normal: bool = False, kernel: int = 5, strides: int = 2,
         name: str | None = None) -> Block:
    """A Conv2DBlock: ``activation="linear"`` leaves the activation out."""
    return {"conv": _body(filters=filters, kernel=kernel, strides=strides,
                          activation=activation, norm=norm,
                          initializer=_init(random_normal), name=name)}


def separable_conv(filters: int, *, random_normal: bool = False) -> Block:
    """A SeparableConv2DBlock (kernel 5, strides 2, ReLU)."""
    return {"separable_conv": _body(filters=filters, kernel=5, strides=2,
                                    initializer=_init(random_normal))}


def upscale(filters: int | list[int], *, activation: bool = True, kernel: int | None = None,
            scale: int | None = None, random_normal: bool = False) -> Block:
    """An UpscaleBlock; ``activation=False`` is faceswap's ``activation=None``."""
    body = _body(filters=filters, kernel=kernel, scale=scale if scale != 2 else None,
                 activation=None if activation else False, initializer=_init(random_normal))
    return {"upscale": body} if len(body) > 1 else {"upscale": filters}


def hybrid(filters: int | list[int], *, activation: bool = True,
           scale: int | None = None) -> Block:
    """An Upscale2xBlock (not fast): sub-pixel half beside a bilinear half, concatenated."""
    body = _body(filters=filters, scale=scale if scale != 2 else None,
                 activation=None if activation else False)
    return {"upscale_hybrid": body} if len(body) > 1 else {"upscale_hybrid": filters}


def fast(filters: int, *, scale: int = 2) -> Block:
    """An Upscale2xBlock with ``fast=True``: a 3x3 conv resized bilinearly, added to an upscale.

    faceswap builds the conv and its UpSampling2D first, then the UpscaleBlock, and adds the
    two. The UpSampling2D takes Keras' automatic name here (faceswap names it
    ``upscale2x_<f>_fast_<n>_upsampling2D``, which a graph-form name cannot spell).
    """
    resized = [conv(filters, activation="linear", kernel=3, strides=1,
                    name=f"upscale2x_{filters}_fast"),
               {"upsample": _body(size=scale, interpolation="bilinear")}]
    return {"branch": {"join": "add", "branches": [resized, [upscale(filters, scale=scale)]]}}


def residual(filters: int | list[int], *, use_bias: bool = True,
             random_normal: bool = False) -> Block:
    """A ResidualBlock (its first conv takes the initializer)."""
    body = _body(filters=filters, use_bias=None if use_bias else False,
                 initializer=_init(random_normal))
    return {"residual": body} if len(body) > 1 else {"residual": filters}


def leaky(slope: float) -> Block:
    """A LeakyReLU on its own."""
    return {"leaky_relu": slope}


def dense(units: int | list[int], *, random_normal: bool = False) -> Block:
    """Dense layer(s)."""
    init = _init(random_normal)
    return {"dense": {"units": units, "initializer": init}} if init else {"dense": units}


def flatten() -> Block:
    """Flatten."""
    return "flatten"


def reshape(height: int, width: int, channels: int) -> Block:
    """Reshape to (height, width, channels)."""
    return {"reshape": [height, width, channels]}


def dropout(rate: float, *, spatial: bool = False) -> Block:
    """Dropout (SpatialDropout2D with ``spatial``)."""
    return {"dropout": {"rate": rate, "spatial": True}} if spatial else {"dropout": rate}


def avg_pool() -> Block:
    """AveragePooling2D(2)."""
    return {"avg_pool": 2}


def upsample(size: int) -> Block:
    """A bilinear UpSampling2D by ``size``."""
    return {"upsample": {"size": size, "interpolation": "bilinear"}}


def batch_norm() -> Block:
    """BatchNormalization."""
    return "batch_norm"


def pixel_shuffle() -> Block:
    """The PixelShuffler of faceswap (x2)."""
    return "pixel_shuffle"


def output(channels: int, name: str | None = None) -> Block:
    """A Conv2DOutput (kernel 5, sigmoid): 3 channels a face, 1 a mask."""
    return {"output": _body(channels=channels, kernel=5, name=name)}


def mark(label: str) -> Block:
    """Name the current tensor (a mask path starts there later)."""
    return {"mark": label}


def from_(label: str) -> Block:
    """Go on from a marked tensor, or from ``input``."""
    return {"from": label}


def branch(join: str, *branches: list[Block]) -> Block:
    """Parallel lists of blocks on one input, joined by ``add`` or ``concat``."""
    return {"branch": {"join": join, "branches": list(branches)}}


def two_sides(size: int) -> dict[str, dict[str, int]]:
    """Sides ``a`` and ``b``, each ``size`` px in."""
    return {"a": {"input": size}, "b": {"input": size}}


def split_routes(encoder: str = "encoder", decoder_b: str = "decoder_b") -> dict[str, str]:
    """One shared encoder, a decoder per side."""
    return {"a": f"{encoder} -> decoder_a", "b": f"{encoder} -> {decoder_b}"}


def largest_dense() -> int | None:
    """The most units the graph form's ``dense`` block takes (its schema's limit), or None."""
    single = get_args(DenseBlock.model_fields["units"].annotation)[0]
    for info in get_args(single)[1:]:
        for rule in getattr(info, "metadata", ()):
            if getattr(rule, "le", None) is not None:
                return int(rule.le)
    return None


def dense_units(document: dict[str, Any]) -> list[tuple[str, int]]:
    """Every dense layer of a document's sub-models: (sub-model, units)."""
    found = []
    for model, model_blocks in document["models"].items():
        for block in model_blocks:
            if isinstance(block, dict) and "dense" in block:
                body = block["dense"]
                units = body["units"] if isinstance(body, dict) else body
                found += [(model, n) for n in (units if isinstance(units, list) else [units])]
    return found
