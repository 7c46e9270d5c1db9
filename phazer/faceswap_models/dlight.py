"""faceswap's DLight model (``plugins/train/model/dlight.py``).

The sizes, as faceswap's ``Model.__init__`` sets them:

- ``features`` lowmem / fair / best -> encoder filters 48 / 64 / 64 and the first dense
  layer 640 / 1152 / 1664 units (512, 1024 or 1536 plus 128);
- ``output_size`` 128 / 256 / 384 -> ``upscale_ratio`` 2 / 4 / 6 (any other size is
  faceswap's "Config error"); the decoders start from the 4x4x1024 bottleneck, scale it by
  the ratio and then upscale four times, so they put out ``64 * ratio`` px;
- ``details`` good -> ``decoder_b`` (hybrid upscales with residuals and batch norms); fast ->
  ``decoder_b_fast`` (the fast Upscale2xBlock, an added pair instead of a concatenated one).

The encoder is five steps of a strided conv beside an average-pooled copy of its input,
concatenated, on 128 px faces. The mask paths (``learn_mask``) start from the decoder's
tensor after its first scaling (decoder_b adds a LeakyReLU(0.1)) and upscale 128, 64, 32, 16.
"""

from __future__ import annotations

from phazer.faceswap_models import blocks as b
from phazer.faceswap_models.settings import Document, Problem, Settings, document, with_mask

RATIOS = {128: 2, 256: 4, 384: 6}
"""``output_size`` -> the scale of the decoders' first step (``Model.upscale_ratio``)."""
FEATURES = {"lowmem": 0, "fair": 1, "best": 2}


def check(settings: Settings) -> list[Problem]:
    """``output_size`` must be 128, 256 or 384 (faceswap raises a Config error otherwise)."""
    size = settings["output_size"]
    if size not in RATIOS:
        return [Problem("output_size", f"output_size = {size} is not one faceswap's DLight "
                        "builds: it must be 128, 256 or 384", "use 128, 256 or 384")]
    return []


def _encoder(settings: Settings) -> list[b.Block]:
    level = FEATURES[str(settings["features"])]
    filters = 64 if level > 0 else 48
    units = (512, 1024, 1536)[level] + 128
    steps = [b.branch("concat", [b.conv(f)], [b.avg_pool(), b.leaky(0.1)])
             for f in (filters // 2, filters, filters * 2, filters * 4, filters * 8)]
    return [*steps, b.flatten(), b.dense(units), b.dropout(0.05), b.dense(4 * 4 * 1024),
            b.dropout(0.05), b.reshape(4, 4, 1024)]


def _mask(settings: Settings) -> list[b.Block]:
    return [b.hybrid([128, 64, 32, 16]), b.output(1, "mask_out")]


def _decoder_a(ratio: int, settings: Settings) -> list[b.Block]:
    face = [b.upsample(ratio), b.mark("xy"), b.hybrid([256, 128, 64, 32]), b.output(3)]
    return with_mask(face, _mask(settings), settings, "xy")


def _decoder_b(ratio: int, settings: Settings) -> list[b.Block]:
    face = [b.hybrid(512, scale=ratio, activation=False), b.mark("xy"), b.leaky(0.2),
            b.residual(512), b.residual([512, 512], use_bias=False),
            b.hybrid(512, activation=False), b.leaky(0.2),
            b.residual(512), b.residual(512, use_bias=False), b.batch_norm(),
            b.hybrid(256, activation=False), b.leaky(0.2), b.residual(256),
            b.hybrid(128, activation=False), b.leaky(0.2), b.residual(128, use_bias=False),
            b.batch_norm(), b.hybrid(64), b.output(3)]
    return with_mask(face, [b.leaky(0.1), *_mask(settings)], settings, "xy")


def _decoder_b_fast(ratio: int, settings: Settings) -> list[b.Block]:
    face = [b.upscale(512, scale=ratio), b.mark("xy"),
            *(b.fast(f) for f in (512, 256, 128, 64)), b.output(3)]
    return with_mask(face, _mask(settings), settings, "xy")


def build(settings: Settings) -> Document:
    """The DLight graph for ``settings``."""
    size = int(settings["output_size"])
    ratio = RATIOS[size]
    good = settings["details"] == "good"
    decoder_b = "decoder_b" if good else "decoder_b_fast"
    models = {"encoder": _encoder(settings), "decoder_a": _decoder_a(ratio, settings),
              decoder_b: (_decoder_b if good else _decoder_b_fast)(ratio, settings)}
    text = (f"faceswap's DLight model, 128 px in, {size} px out, features "
            f"{settings['features']}, details {settings['details']}.")
    return document(settings, text, b.two_sides(128), models,
                    b.split_routes(decoder_b=decoder_b))
