"""The G-Block (g_block_a / g_block_b / g_block_both), adapted from StyleGAN's AdaIN block.

Inputs: the FC output (features) and fc_gblock's output (style). The style goes through a
fixed MLP of 3 x Dense(512, HeNormal) with LeakyReLU(0.1) between them. The features go
through a 3x3 conv (faceswap's, HeUniform) and GaussianNoise(1.0), then two AdaIN recursions,
each: two Dense(filters) + Reshape(1, 1, filters) from the style (beta from the first,
gamma from the second, AdaIN taking ``[x, beta, gamma]`` as faceswap's does), a noise
branch GaussianNoise(1.0) + 1x1 conv, a 3x3 conv on the features in the last recursion only,
AdaIN, add the noise branch, LeakyReLU(0.2). Filters = the features' channels. The layers
inside the recursions are stock Keras ones (GlorotUniform).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from phazer.blocks.context import BuildContext
from phazer.blocks.conv import ConvSettings, dense, fs_conv, plain_conv
from phazer.ir.graph import SubModelBuilder, SubModelIR, Tensor
from phazer.spec.models import ModelSpec

STYLE_NODES = 512
STYLE_DEPTH = 3
RECURSIONS = 2
GBLOCK_NAME = re.compile(r"g_block_[a-z0-9]+")
"""A G-Block's name: ``g_block_<side>`` or ``g_block_both`` (sides are data)."""


def _style_mlp(b: SubModelBuilder, style: Tensor) -> Tensor:
    for idx in range(STYLE_DEPTH):
        style = dense(b, style, STYLE_NODES, initializer="he_normal", name="style_dense")
        if idx != STYLE_DEPTH - 1:
            style = b.add("leaky_relu", style, name="style_leakyrelu", negative_slope=0.1)
    return style


def _adain_recursion(b: SubModelBuilder, x: Tensor, style: Tensor, filters: int,
                     last: bool) -> Tensor:
    beta, gamma = (b.add("reshape", dense(b, style, filters, name=f"adain_{role}_dense"),
                         name=f"adain_{role}", target_shape=(1, 1, filters))
                   for role in ("beta", "gamma"))
    noise = b.add("gaussian_noise", x, name="gaussian_noise", stddev=1.0)
    noise = plain_conv(b, noise, filters, 1, name="noise_conv2d")
    if last:
        x = plain_conv(b, x, filters, 3, name="conv2d")
    x = b.add("adain", [x, beta, gamma], name="adain", epsilon=1e-3)
    x = b.add("add", [x, noise], name="add")
    return b.add("leaky_relu", x, name="leaky_re_lu", negative_slope=0.2)


def build_g_block(spec: ModelSpec, name: str, features_shape: Sequence[int],
                  style_shape: Sequence[int], context: BuildContext | None = None
                  ) -> SubModelIR:
    """Build a G-Block sub-model.

    Args:
        spec: the model spec (its ``convolutions`` switches apply to the first conv).
        name: ``g_block_<side>`` or ``g_block_both``.
        features_shape: the FC output shape (height, width, channels).
        style_shape: fc_gblock's output shape (nodes,).
        context: the build this G-Block is part of (its filters are recorded there).

    Raises:
        ValueError: unknown name or a features input without spatial axes.
    """
    if not GBLOCK_NAME.fullmatch(name):
        raise ValueError(f"unknown G-Block {name!r}; expected g_block_<side> or g_block_both")
    if len(features_shape) != 3:
        raise ValueError(f"{name}: features must be (height, width, channels), "
                         f"got {tuple(features_shape)}")
    settings = ConvSettings.from_spec(spec.convolutions)
    b = SubModelBuilder(name)
    x = b.input(tuple(features_shape), name="features_in")
    style = b.input(tuple(style_shape), name="style_in")
    style = _style_mlp(b, style)
    filters = x.shape[-1]
    if context is not None:
        context.sizes.record(gblock_filters=filters)
    x = fs_conv(b, x, filters, 3, settings, name=f"conv2d_{filters}")
    x = b.add("gaussian_noise", x, name="gaussian_noise", stddev=1.0)
    for idx in range(RECURSIONS):
        x = _adain_recursion(b, x, style, filters, last=idx == RECURSIONS - 1)
    return b.build(x)
