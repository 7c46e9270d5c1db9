"""The encoder sub-model: faceswap's own encoder or a Keras Applications backbone.

* ``fs_original``: ``depth`` stride-2 5x5 conv blocks with LeakyReLU(0.1); filters start at
  ``min_filters`` and double each block, capped at ``max_filters``.
* ``fs_original`` with ``alt``: a 1x1 entry conv block, then per depth level a 3x3 conv block
  and a second 3x3 conv block at the doubled filters followed by 2x2 max-pooling, except the
  last level whose second conv is a 4x4 'valid' conv; LeakyReLU(0.2) throughout.
* Keras Applications: the input-scaling op (a ``rescale``) for encoders that expect 0-255 or
  -1..1 pixels, then one opaque ``keras_app`` op.
* CLIP / FaRL (``clipv_*``): the vision transformer of :mod:`phazer.blocks.vit`, op by op;
  its pretrained weights, when asked for, are loaded by the emitter from ``weights_file``.

The bottleneck ends the encoder when ``bottleneck.in_encoder`` is set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from phazer.blocks.bottleneck import add_bottleneck
from phazer.blocks.checks import check_fs_encoder_depth
from phazer.blocks.context import BuildContext, build_alone
from phazer.blocks.conv import ConvSettings, conv_block
from phazer.blocks.sizing import encoder_input_px
from phazer.blocks.vit import vision_transformer
from phazer.catalog.encoders import ENCODERS, BuilderKind
from phazer.catalog.keras_apps import KERAS_ARGUMENTS
from phazer.ir.graph import PretrainedWeights, SubModelBuilder, SubModelIR, Tensor
from phazer.issues import ENCODER_INPUT_SIZE
from phazer.spec.encoders import ClipEncoder, FsOriginalEncoder
from phazer.spec.models import ModelSpec

PIXEL_SCALING: dict[str, tuple[float, float] | None] = {
    "0_1": None,
    "0_255": (255.0, 0.0),
    "-1_1": (2.0, -1.0),
}
"""Pixel range an encoder expects -> (scale, offset) applied to faceswap's 0..1 input."""


def fs_encoder(b: SubModelBuilder, x: Tensor, encoder: FsOriginalEncoder,
               settings: ConvSettings) -> Tensor:
    """Append faceswap's own encoder (plain or alt) to ``x``."""
    filters = encoder.min_filters
    if not encoder.alt:
        for idx in range(encoder.depth):
            x = conv_block(b, x, filters, 5, settings, strides=2, relu_alpha=0.1,
                           name=f"fs_enc_convblk_{idx}")
            filters = min(encoder.max_filters, filters * 2)
        return x
    x = conv_block(b, x, filters, 1, settings, relu_alpha=0.2, name=f"conv_{filters}")
    for idx in range(encoder.depth):
        stem = f"fs_dny_enc_convblk_{idx}"
        x = conv_block(b, x, filters, 3, settings, relu_alpha=0.2, name=stem)
        filters = min(encoder.max_filters, filters * 2)
        if idx == encoder.depth - 1:
            x = conv_block(b, x, filters, 4, settings, padding="valid", relu_alpha=0.2,
                           name=f"{stem}_1")
        else:
            x = conv_block(b, x, filters, 3, settings, relu_alpha=0.2, name=f"{stem}_1")
            x = b.add("max_pool2d", x, name=f"fs_dny_enc_pool_{idx}", pool=2, strides=2,
                      padding="valid")
    return x


UNTABULATED_OPTIONS = frozenset({"dropout"})
"""Keras options that change no figure (dropout), so the table has no variants for them."""


def keras_app_attrs(spec: ModelSpec, px: int) -> dict[str, Any]:
    """The attrs of the ``keras_app`` op for a Keras Applications encoder."""
    enc = spec.encoder
    attrs: dict[str, Any] = {"encoder": enc.type, "input_size": px,
                             "imagenet_weights": bool(getattr(enc, "imagenet_weights", False))}
    for field in KERAS_ARGUMENTS:
        if hasattr(enc, field):
            attrs[field] = getattr(enc, field)
    if getattr(enc, "weights_file", None):
        attrs["weights_file"] = enc.weights_file
    return attrs


def check_keras_input(ctx: BuildContext, px: int) -> None:
    """A Keras encoder must be able to take the input size the scaling gives."""
    from phazer.catalog.keras_apps import allowed_input_sizes

    spec = ctx.spec
    info = ENCODERS[spec.encoder.type]
    options = {k: getattr(spec.encoder, k) for k in KERAS_ARGUMENTS
               if k not in UNTABULATED_OPTIONS and hasattr(spec.encoder, k)}
    try:
        allowed = allowed_input_sizes(spec.encoder.type, **options)
    except (KeyError, ValueError) as exc:
        blamed = next((f"encoder.{k}" for k in options if k in str(exc)), "encoder")
        ctx.stop(ENCODER_INPUT_SIZE, (blamed,), str(exc),
                 "phazer knows this encoder's figures only for the tabulated options "
                 "(mobilenet widths in steps of 0.05); pick one of them")
    if px in allowed:
        return
    low = min((s for s in allowed if s > px), default=None)
    ctx.stop(ENCODER_INPUT_SIZE, ("encoder.scaling",),
             f"{spec.encoder.type} cannot take a {px}px input (scaling "
             f"{spec.encoder.scaling}% of {info.default_size}px, floored to 16)",
             f"raise encoder.scaling so the input is at least {low}px" if low
             else "lower encoder.scaling")


def keras_encoder(b: SubModelBuilder, x: Tensor, ctx: BuildContext, px: int) -> Tensor:
    """Append the pixel scaling and the opaque Keras Applications backbone to ``x``."""
    spec = ctx.spec
    check_keras_input(ctx, px)
    scaling = PIXEL_SCALING[ENCODERS[spec.encoder.type].pixel_range]
    if scaling is not None:
        x = b.add("rescale", x, name="input_scaling", scale=scaling[0], offset=scaling[1])
    return b.add("keras_app", x, name=spec.encoder.type, **keras_app_attrs(spec, px))


def build_encoder(spec: ModelSpec, context: BuildContext | None = None) -> SubModelIR:
    """Build the ``encoder`` sub-model.

    Raises:
        BuildError: called without a context, for a spec that cannot be built.
    """
    return build_alone(spec, context, _build_encoder)


def fs_original_backbone(b: SubModelBuilder, x: Tensor, ctx: BuildContext,
                         px: int) -> tuple[Tensor, PretrainedWeights | None]:
    """Faceswap's own encoder, after checking its depth fits the input."""
    encoder = ctx.spec.encoder
    assert isinstance(encoder, FsOriginalEncoder)
    check_fs_encoder_depth(ctx, px)
    return fs_encoder(b, x, encoder, ConvSettings.from_spec(ctx.spec.convolutions)), None


def vision_transformer_backbone(b: SubModelBuilder, x: Tensor, ctx: BuildContext,
                                px: int) -> tuple[Tensor, PretrainedWeights | None]:
    """A CLIP / FaRL vision transformer, and the weights the emitter loads into it."""
    encoder = ctx.spec.encoder
    assert isinstance(encoder, ClipEncoder)
    vit = ENCODERS[encoder.type].vit
    assert vit is not None
    pretrained = (PretrainedWeights("clip_vit", encoder.type, encoder.weights_file)
                  if encoder.pretrained else None)
    return vision_transformer(b, x, vit), pretrained


def keras_app_backbone(b: SubModelBuilder, x: Tensor, ctx: BuildContext,
                       px: int) -> tuple[Tensor, PretrainedWeights | None]:
    """A Keras Applications encoder (its ImageNet weights are loaded by the emitter)."""
    return keras_encoder(b, x, ctx, px), None


Backbone = Callable[[SubModelBuilder, Tensor, BuildContext, int],
                    tuple[Tensor, "PretrainedWeights | None"]]
BACKBONES: dict[BuilderKind, Backbone] = {
    "fs_original": fs_original_backbone,
    "vision_transformer": vision_transformer_backbone,
    "keras_app": keras_app_backbone,
}
"""The backbone builders, by :attr:`phazer.catalog.encoders.EncoderInfo.builder`."""


def _build_encoder(ctx: BuildContext) -> SubModelIR:
    spec = ctx.spec
    px = encoder_input_px(spec)
    b = SubModelBuilder("encoder")
    x = b.input((px, px, 3), name="face_in")
    x, pretrained = BACKBONES[ENCODERS[spec.encoder.type].builder](b, x, ctx, px)
    ctx.sizes.record(encoder_input_px=px, backbone_shape=x.shape)
    if spec.bottleneck.in_encoder:
        x = add_bottleneck(b, x, spec.bottleneck, ctx)
    ctx.sizes.record(encoder_output_shape=x.shape)
    return b.build(x, pretrained)
