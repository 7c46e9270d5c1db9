"""faceswap's Unbalanced and Villain models (``unbalanced.py``, ``villain.py``).

**Unbalanced**, as faceswap's ``Model`` sizes it:

- ``lowmem`` overrides the options: encoder complexity 128, bottleneck Dense(512), decoder A
  320 and decoder B 384 filters, a 384-channel reshape (512 without lowmem), whatever
  ``nodes`` and the ``complexity_*`` options say;
- the encoder: strided convs of complexity times 1 and 2 (instance-normalised), then 4, 6, 8;
  Dense(``nodes``), Dense((input/16)^2 * 512), reshape to input/16 px;
- decoder A: upscales (kernel 5) of c, c, c/2, c/4 with SpatialDropout2D after the first two
  (0.25, then 0.25 or 0.15 with lowmem); decoder B: three stages of upscale + LeakyReLU(0.2) +
  residual (c, c, c/2) and an upscale of c/4, or with lowmem four plain upscales c .. c/8;
- RandomNormal(0, 0.02) for the encoder, the dense layers, the upscales and residuals;
- the mask paths (kernel 3, default initializer) upscale from the decoder's input: A c, c,
  c/2, c/4; B c, c, c/2, c/4, or with lowmem c, c/2, c/4, c/8.

**Villain** (128 px): a linear strided conv of 128, a LeakyReLU(0.2) and 16 residuals (8 with
``lowmem``) added to a LeakyReLU(0.1) of that conv; convs with pixel shuffles, a separable conv
of 256, a conv of 512 and (without lowmem) a separable conv of 1024; Dense(1024, or 512 with
lowmem), Dense(8*8*1024), reshape, upscale 512; per side three upscale + LeakyReLU(0.2) +
residual stages (512, 256, 128); the mask path upscales 512, 256, 128 from the input.
"""

from __future__ import annotations

from phazer.faceswap_models import blocks as b
from phazer.faceswap_models.settings import Document, Problem, Settings, document, with_mask


def check(settings: Settings) -> list[Problem]:
    """``input_size`` must divide by 16: the encoder reshapes to input_size // 16 px."""
    size = int(settings["input_size"])
    if size % 16:
        return [Problem("input_size", f"input_size = {size} is not divisible by 16",
                        "use a multiple of 64 from 64 to 512")]
    return []


def _up(filters: int | list[int], activation: bool = True) -> b.Block:
    return b.upscale(filters, activation=activation, kernel=5, random_normal=True)


def unbalanced(settings: Settings) -> Document:
    """The Unbalanced graph for ``settings``."""
    lowmem = bool(settings["lowmem"])
    size = int(settings["input_size"])
    res = size // 16
    enc = 128 if lowmem else int(settings["complexity_encoder"])
    nodes = 512 if lowmem else int(settings["nodes"])
    dense_dim = 384 if lowmem else 512
    dec_a = 320 if lowmem else int(settings["complexity_decoder_a"])
    dec_b = 384 if lowmem else int(settings["complexity_decoder_b"])
    encoder = [b.conv([enc, enc * 2], norm="instance", random_normal=True),
               b.conv([enc * 4, enc * 6, enc * 8], random_normal=True), b.flatten(),
               b.dense([nodes, res * res * dense_dim], random_normal=True),
               b.reshape(res, res, dense_dim)]
    face_a = [_up(dec_a), b.dropout(0.25, spatial=True), _up(dec_a),
              b.dropout(0.15 if lowmem else 0.25, spatial=True),
              _up([dec_a // 2, dec_a // 4]), b.output(3, "face_out_a")]
    mask_a = [b.upscale([dec_a, dec_a, dec_a // 2, dec_a // 4]), b.output(1, "mask_out_a")]
    if lowmem:
        face_b = [_up([dec_b, dec_b // 2, dec_b // 4, dec_b // 8])]
        mask_b = [b.upscale([dec_b, dec_b // 2, dec_b // 4, dec_b // 8])]
    else:
        face_b = []
        for filters in (dec_b, dec_b, dec_b // 2):
            face_b += [_up(filters, activation=False), b.leaky(0.2),
                       b.residual(filters, random_normal=True)]
        face_b.append(_up(dec_b // 4))
        mask_b = [b.upscale([dec_b, dec_b, dec_b // 2, dec_b // 4])]
    models = {"encoder": encoder,
              "decoder_a": with_mask(face_a, mask_a, settings),
              "decoder_b": with_mask([*face_b, b.output(3, "face_out_b")],
                                     [*mask_b, b.output(1, "mask_out_b")], settings)}
    text = ("faceswap's Unbalanced model" + (" with lowmem" if lowmem else "")
            + f", {size} px (a lighter decoder A, a heavier decoder B).")
    return document(settings, text, b.two_sides(size), models, b.split_routes())


def villain(settings: Settings) -> Document:
    """The Villain graph for ``settings``."""
    lowmem = bool(settings["lowmem"])
    rn = {"random_normal": True}
    encoder = [b.conv(128, activation="linear", **rn),
               b.branch("add", [b.leaky(0.2), b.residual([128] * (8 if lowmem else 16), **rn)],
                        [b.leaky(0.1)]),
               b.conv(128, **rn), b.pixel_shuffle(), b.conv(128, **rn), b.pixel_shuffle(),
               b.conv(128, **rn), b.separable_conv(256, **rn), b.conv(512, **rn)]
    if not lowmem:
        encoder.append(b.separable_conv(1024, **rn))
    encoder += [b.flatten(), b.dense([512 if lowmem else 1024, 8 * 8 * 1024], **rn),
                b.reshape(8, 8, 1024), b.upscale(512, **rn)]
    models: dict[str, list[b.Block]] = {"encoder": encoder}
    for side in "ab":
        face: list[b.Block] = []
        for filters in (512, 256, 128):
            face += [b.upscale(filters, activation=False, **rn), b.leaky(0.2),
                     b.residual(filters, **rn)]
        models[f"decoder_{side}"] = with_mask(
            [*face, b.output(3, f"face_out_{side}")],
            [b.upscale([512, 256, 128]), b.output(1, f"mask_out_{side}")], settings)
    text = "faceswap's Villain model" + (" with lowmem" if lowmem else "") + ", 128 px."
    return document(settings, text, b.two_sides(128), models, b.split_routes())
