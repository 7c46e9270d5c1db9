"""The CLIP / FaRL vision transformer encoders (faceswap's ``clipv_*``), as IR ops.

Layer order, as faceswap builds the model it calls ``visual``:

1. the patch embedding: Conv2D(width, kernel = stride = patch, 'valid', no bias), reshaped
   to a sequence of ``grid**2`` tokens;
2. a learned class token prepended (``class_token``) and a learned positional embedding of
   ``grid**2 + 1`` rows added (``position_embedding``; the only part whose size depends on the
   input size), then LayerNorm (epsilon 1e-5, ``ln_pre``);
3. ``layers`` residual attention blocks: ``x + MHA(LN(x))`` (width / 64 heads of 64, biases
   on), then ``x + c_proj(QuickGELU(c_fc(LN(x))))`` with a 4 x width hidden layer;
4. LayerNorm on the class token only (``ln_post``) and a bias-free projection to the
   embedding size: the encoder's output is a flat vector.

The input is fed in faceswap's 0..1 range (no CLIP mean/std normalisation). Layer names carry
the ``visual_`` prefix so the trainer can freeze the transformer (``keras_encoder``) and the
weight loader can find its layers.
"""

from __future__ import annotations

from phazer.catalog.encoders import CLIP_LAYER_PREFIX, ViTFacts
from phazer.ir.graph import SubModelBuilder, Tensor

LN_EPSILON = 1e-5
"""The LayerNorm epsilon of every CLIP LayerNorm."""

_GLOROT = "glorot_uniform"


def _name(*parts: object) -> str:
    return "_".join((CLIP_LAYER_PREFIX, *(str(p) for p in parts)))


def _attention_block(b: SubModelBuilder, x: Tensor, vit: ViTFacts, index: int) -> Tensor:
    stem = ("transformer", "resblocks", index)
    y = b.add("layer_norm", x, name=_name(*stem, "ln_1"), epsilon=LN_EPSILON)
    y = b.add("multi_head_attention", y, name=_name(*stem, "attn"), heads=vit.heads,
              key_dim=vit.width // vit.heads)
    x = b.add("add", [x, y], name=_name(*stem, "attn_add"))
    y = b.add("layer_norm", x, name=_name(*stem, "ln_2"), epsilon=LN_EPSILON)
    y = b.add("dense", y, name=_name(*stem, "mlp_c_fc"), units=4 * vit.width,
              kernel_initializer=_GLOROT)
    y = b.add("quick_gelu", y, name=_name(*stem, "mlp_gelu"))
    y = b.add("dense", y, name=_name(*stem, "mlp_c_proj"), units=vit.width,
              kernel_initializer=_GLOROT)
    return b.add("add", [x, y], name=_name(*stem, "mlp_add"))


def vision_transformer(b: SubModelBuilder, x: Tensor, vit: ViTFacts) -> Tensor:
    """Append a CLIP vision transformer to the image ``x`` (height, width, 3).

    Returns:
        The flat ``(vit.output,)`` embedding.
    """
    grid = vit.grid(x.shape[0])
    x = b.add("conv2d", x, name=_name("conv1"), filters=vit.width, kernel=vit.patch,
              strides=vit.patch, padding="valid", use_bias=False, kernel_initializer=_GLOROT)
    x = b.add("reshape", x, name=_name("patches"), target_shape=(grid * grid, vit.width))
    x = b.add("class_token", x, name=_name("class_embedding"))
    x = b.add("position_embedding", x, name=_name("positional_embedding"))
    x = b.add("layer_norm", x, name=_name("ln_pre"), epsilon=LN_EPSILON)
    for index in range(vit.layers):
        x = _attention_block(b, x, vit, index)
    x = b.add("take_token", x, name=_name("class_token_out"), index=0)
    x = b.add("layer_norm", x, name=_name("ln_post"), epsilon=LN_EPSILON)
    return b.add("dense", x, name=_name("proj"), units=vit.output, use_bias=False,
                 kernel_initializer=_GLOROT)
