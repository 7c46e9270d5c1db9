"""faceswap's Original family: original, dfaker, dfl_h128, lightweight and iae.

Each function reads the plugin's settings and writes the graph the plugin's ``build_model``
makes (faceswap's ``plugins/train/model/<plugin>.py``):

- **original**: four strided convs (three with ``lowmem``), Dense(1024, or 512 with
  ``lowmem``), Dense(4*4*1024), a reshape and one upscale to 8x8x512; per side a decoder of
  three upscales (256, 128, 64) to 64 px. The mask path repeats the three upscales from the
  decoder's input.
- **dfaker**: Original's encoder on ``output_size / 2`` px faces with Dense(1024) always; the
  convs follow ``[model.original] lowmem`` (dfaker calls Original's encoder). Each decoder
  has an upscale + LeakyReLU(0.2) + residual stage per 512, 256, 128 (and 1024 first at 256 px
  out), then an upscale to 64 and the output; the mask path is plain upscales from the input.
- **dfl_h128**: four convs on 128 px, Dense(``d``) with ``d`` = 512 (256 with ``lowmem``),
  Dense(8*8*d), reshape, upscale ``d``; decoders upscale ``d``, ``d/2``, ``d/4``.
- **lightweight**: three convs, Dense(512), Dense(4*4*512), upscale 256; decoders 512, 256,
  128 to 64 px.
- **iae**: encoder of four convs and a flatten; inter_a, inter_b and inter_both of
  Dense(1024), Dense(4*4*512), reshape; one decoder on ``concat(inter_<side>, inter_both)``.
"""

from __future__ import annotations

from phazer.faceswap_models import blocks as b
from phazer.faceswap_models.settings import Document, Settings, document, with_mask


def _decoder(side: str, filters: list[int], settings: Settings) -> list[b.Block]:
    """Upscales then the output; the mask path repeats the upscales from the input."""
    face = [b.upscale(filters), b.output(3, f"face_out_{side}")]
    mask = [b.upscale(filters), b.output(1, f"mask_out_{side}")]
    return with_mask(face, mask, settings)


def original(settings: Settings) -> Document:
    """The Original model of faceswap (``original.py``: ``encoder``, ``decoder``)."""
    lowmem = bool(settings["lowmem"])
    convs = [128, 256, 512] if lowmem else [128, 256, 512, 1024]
    encoder = [b.conv(convs), b.flatten(), b.dense([512 if lowmem else 1024, 4 * 4 * 1024]),
               b.reshape(4, 4, 1024), b.upscale(512)]
    models = {"encoder": encoder,
              "decoder_a": _decoder("a", [256, 128, 64], settings),
              "decoder_b": _decoder("b", [256, 128, 64], settings)}
    text = "faceswap's Original model" + (" with lowmem" if lowmem else "") + ", 64 px in and out."
    return document(settings, text, b.two_sides(64), models, b.split_routes())


def _dfaker_decoder(side: str, output_size: int, settings: Settings) -> list[b.Block]:
    stages = ([1024] if output_size == 256 else []) + [512, 256, 128]
    face: list[b.Block] = []
    for filters in stages:
        face += [b.upscale(filters, activation=False), b.leaky(0.2),
                 b.residual(filters, random_normal=True)]
    face += [b.upscale(64), b.output(3, f"face_out_{side}")]
    mask = [b.upscale([*stages, 64]), b.output(1, f"mask_out_{side}")]
    return with_mask(face, mask, settings)


def dfaker(settings: Settings) -> Document:
    """The Dfaker model of faceswap (``dfaker.py``; the encoder is Original's)."""
    output_size = int(settings["output_size"])
    lowmem = bool(settings.inherited.get("model.original", {}).get("lowmem", False))
    convs = [128, 256, 512] if lowmem else [128, 256, 512, 1024]
    encoder = [b.conv(convs), b.flatten(), b.dense([1024, 4 * 4 * 1024]), b.reshape(4, 4, 1024),
               b.upscale(512)]
    models = {"encoder": encoder,
              "decoder_a": _dfaker_decoder("a", output_size, settings),
              "decoder_b": _dfaker_decoder("b", output_size, settings)}
    text = (f"faceswap's Dfaker model, {output_size // 2} px in, {output_size} px out"
            + (" (on the lowmem Original encoder)" if lowmem else "") + ".")
    return document(settings, text, b.two_sides(output_size // 2), models, b.split_routes())


def dfl_h128(settings: Settings) -> Document:
    """The DFL-H128 model of faceswap (``dfl_h128.py``)."""
    lowmem = bool(settings["lowmem"])
    dims = 256 if lowmem else 512
    encoder = [b.conv([128, 256, 512, 1024]), b.flatten(), b.dense([dims, 8 * 8 * dims]),
               b.reshape(8, 8, dims), b.upscale(dims)]
    filters = [dims, dims // 2, dims // 4]
    models = {"encoder": encoder,
              "decoder_a": _decoder("a", filters, settings),
              "decoder_b": _decoder("b", filters, settings)}
    text = "faceswap's DFL-H128 model" + (" with lowmem" if lowmem else "") + ", 128 px."
    return document(settings, text, b.two_sides(128), models, b.split_routes())


def lightweight(settings: Settings) -> Document:
    """The Lightweight model of faceswap (``lightweight.py``)."""
    encoder = [b.conv([128, 256, 512]), b.flatten(), b.dense([512, 4 * 4 * 512]),
               b.reshape(4, 4, 512), b.upscale(256)]
    models = {"encoder": encoder,
              "decoder_a": _decoder("a", [512, 256, 128], settings),
              "decoder_b": _decoder("b", [512, 256, 128], settings)}
    return document(settings, "faceswap's Lightweight model, 64 px.", b.two_sides(64), models,
                    b.split_routes())


def iae(settings: Settings) -> Document:
    """The IAE model of faceswap (``iae.py``): intermediate models per side and shared."""
    inter = [b.dense([1024, 4 * 4 * 512]), b.reshape(4, 4, 512)]
    filters = [512, 256, 128, 64]
    decoder = with_mask([b.upscale(filters), b.output(3, "face_out")],
                        [b.upscale(filters), b.output(1, "mask_out")], settings)
    models = {"encoder": [b.conv([128, 256, 512, 1024]), b.flatten()],
              "inter_a": inter, "inter_both": list(inter), "inter_b": list(inter),
              "decoder": decoder}
    routes = {"a": "encoder -> concat(inter_a, inter_both) -> decoder",
              "b": "encoder -> concat(inter_b, inter_both) -> decoder"}
    return document(settings, "faceswap's IAE model (intermediate models per side and shared), "
                    "64 px.", b.two_sides(64), models, routes)
