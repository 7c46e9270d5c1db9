"""faceswap's DFL-SAE model (``plugins/train/model/dfl_sae.py``), df or liae.

The sizes, as faceswap's ``Model`` computes them:

- encoder convs ``3 * encoder_dims`` times 1, 2, 4, 8 (``encoder_df`` / ``encoder_liae``);
- ``ae_dims`` is ``autoencoder_dims``, or 512 (df) / 256 (liae) when it is 0;
- the dense reshape is ``input_size // 16`` square (``lowest_dense_res``);
- df: the encoder ends Dense(ae), Dense(res*res*ae), reshape, upscale ``ae``; liae: the
  encoder ends at the flatten and ``intermediate_both`` / ``intermediate_b`` do
  Dense(ae), Dense(res*res*2ae), reshape, upscale ``2ae``; side a concatenates
  ``intermediate_both`` with itself, side b ``intermediate_b`` with ``intermediate_both``, and
  one ``decoder_both`` serves both;
- each decoder has three stages (upscale, LeakyReLU(0.2), two residuals) of
  ``3 * decoder_dims`` times 8, 4, 2; with ``multiscale_decoder`` the first two stages also
  put out a face (named ``face_out_32_<side>`` and ``face_out_64_<side>`` whatever the size);
- the mask path upscales ``decoder_dims`` times 8, 4, 2 (not times 3) from the input.
"""

from __future__ import annotations

from phazer.faceswap_models import blocks as b
from phazer.faceswap_models.settings import Document, Problem, Settings, document, with_mask


def ae_dims(settings: Settings) -> int:
    """``autoencoder_dims``, or the architecture's default when it is 0 (``Model.ae_dims``)."""
    dims = int(settings["autoencoder_dims"])
    if dims == 0:
        return 256 if settings["architecture"] == "liae" else 512
    return dims


def check(settings: Settings) -> list[Problem]:
    """``input_size`` must divide by 16: the dense reshape is ``input_size // 16`` square."""
    size = int(settings["input_size"])
    if size % 16:
        return [Problem("input_size", f"input_size = {size} is not divisible by 16: faceswap "
                        "reshapes the dense output to input_size // 16 px, so the decoder "
                        f"would not give back {size} px",
                        f"use {size // 16 * 16} or {size // 16 * 16 + 16}")]
    return []


def _decoder(side: str, settings: Settings) -> list[b.Block]:
    dims = 3 * int(settings["decoder_dims"])
    multiscale = bool(settings["multiscale_decoder"])
    face: list[b.Block] = []
    for scale, filters in ((32, dims * 8), (64, dims * 4), (128, dims * 2)):
        face += [b.upscale(filters, activation=False), b.leaky(0.2),
                 b.residual([filters, filters])]
        if multiscale or scale == 128:
            face.append(b.output(3, f"face_out_{scale}_{side}"))
    mask_dims = int(settings["decoder_dims"])
    mask = [b.upscale([mask_dims * 8, mask_dims * 4, mask_dims * 2]),
            b.output(1, f"mask_out_{side}")]
    return with_mask(face, mask, settings)


def _convs(settings: Settings) -> b.Block:
    dims = 3 * int(settings["encoder_dims"])
    return b.conv([dims, dims * 2, dims * 4, dims * 8])


def build(settings: Settings) -> Document:
    """The df or liae graph for ``settings``."""
    size = int(settings["input_size"])
    res = size // 16
    ae = ae_dims(settings)
    if settings["architecture"] == "liae":
        inter = [b.dense([ae, res * res * ae * 2]), b.reshape(res, res, ae * 2),
                 b.upscale(ae * 2)]
        models = {"encoder_liae": [_convs(settings), b.flatten()],
                  "intermediate_both": inter, "intermediate_b": list(inter),
                  "decoder_both": _decoder("both", settings)}
        routes = {"a": "encoder_liae -> concat(intermediate_both, intermediate_both) -> "
                       "decoder_both",
                  "b": "encoder_liae -> concat(intermediate_b, intermediate_both) -> "
                       "decoder_both"}
    else:
        encoder = [_convs(settings), b.flatten(), b.dense([ae, res * res * ae]),
                   b.reshape(res, res, ae), b.upscale(ae)]
        models = {"encoder_df": encoder, "decoder_a": _decoder("a", settings),
                  "decoder_b": _decoder("b", settings)}
        routes = b.split_routes("encoder_df")
    extra = ", multiscale decoder" if settings["multiscale_decoder"] else ""
    text = (f"faceswap's DFL-SAE model, {settings['architecture']} architecture{extra}, "
            f"{size} px.")
    return document(settings, text, b.two_sides(size), models, routes)
