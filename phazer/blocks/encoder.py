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

from phazer.blocks.arithmetic import encoder_input_px, keras_app_attrs, keras_app_available
from phazer.blocks.bottleneck import add_bottleneck
from phazer.blocks.conv import ConvSettings, conv_block
from phazer.blocks.limits import require_buildable
from phazer.blocks.vit import vision_transformer
from phazer.catalog.encoders import ENCODERS
from phazer.ir.graph import PretrainedWeights, SubModelBuilder, SubModelIR, Tensor
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


def keras_encoder(b: SubModelBuilder, x: Tensor, spec: ModelSpec, px: int) -> Tensor:
    """Append the pixel scaling and the opaque Keras Applications backbone to ``x``.

    Raises:
        ValueError: the ``keras_app`` op kind is not available.
    """
    scaling = PIXEL_SCALING[ENCODERS[spec.encoder.type].pixel_range]
    if scaling is not None:
        x = b.add("rescale", x, name="input_scaling", scale=scaling[0], offset=scaling[1])
    if not keras_app_available():
        raise ValueError(f"the {spec.encoder.type} encoder needs the keras_app op kind "
                         "(phazer/ir/keras_app.py), which is not available")
    return b.add("keras_app", x, name=spec.encoder.type, **keras_app_attrs(spec, px))


def build_encoder(spec: ModelSpec) -> SubModelIR:
    """Build the ``encoder`` sub-model.

    Raises:
        ValueError: the spec cannot be built (see :func:`phazer.blocks.limits.problems`).
    """
    require_buildable(spec)
    px = encoder_input_px(spec)
    b = SubModelBuilder("encoder")
    x = b.input((px, px, 3), name="face_in")
    pretrained = None
    if isinstance(spec.encoder, FsOriginalEncoder):
        x = fs_encoder(b, x, spec.encoder, ConvSettings.from_spec(spec.convolutions))
    elif isinstance(spec.encoder, ClipEncoder):
        vit = ENCODERS[spec.encoder.type].vit
        assert vit is not None
        x = vision_transformer(b, x, vit)
        if spec.encoder.pretrained:
            pretrained = PretrainedWeights("clip_vit", spec.encoder.type,
                                           spec.encoder.weights_file)
    else:
        x = keras_encoder(b, x, spec, px)
    if spec.bottleneck.in_encoder:
        x = add_bottleneck(b, x, spec.bottleneck)
    return b.build(x, pretrained)
