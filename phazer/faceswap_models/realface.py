"""faceswap's RealFace model (``plugins/train/model/realface.py``).

The sizes, as faceswap's ``Model`` computes them:

- ``check_input_output``: ``input_size`` 64-128 and divisible by 16, ``output_size`` 64-256
  and divisible by 32 (faceswap stops otherwise; its GUI offers output sizes in steps of 16);
- ``get_dense_width_upscalers_numbers``: of ``output_size // 16`` and ``output_size // 32``
  (4 and 5 upscales), those below 10 are candidate dense widths; the one whose
  ``width * 16`` is nearest ``input_size`` wins (the first on a tie);
- ``dense_filters`` = ``(1024 - (width - 4) * 64) // 16 * 16``;
- the encoder: three stages of a linear strided conv, LeakyReLU(0.2) and two residuals
  (``complexity_encoder`` times 1, 2, 4), then a strided conv of 8 times it;
- decoder_b: Dense(``dense_nodes``), Dense(width^2 * dense_filters), an upscale without
  activation (the mask path starts here), LeakyReLU(0.2), a residual without biases, then
  ``upscalers - 2`` stages of ``complexity_decoder / 2^i`` (upscale, LeakyReLU(0.2), a
  residual without and one with biases) and a last upscale of the next halving;
- decoder_a: the same start with ``dense_nodes / 1.5`` and ``dense_filters / 1.5``
  (truncated), then plain upscales of ``int(complexity_decoder / 1.5) / 2^i``;
- the mask paths: LeakyReLU(0.1) then upscales of 384 / 2^i.
"""

from __future__ import annotations

from phazer.faceswap_models import blocks as b
from phazer.faceswap_models.settings import Document, Problem, Settings, document, with_mask


def check(settings: Settings) -> list[Problem]:
    """The rule of ``check_input_output``: input 64-128 by 16, output 64-256 by 32."""
    problems = []
    size = int(settings["input_size"])
    if not 64 <= size <= 128 or size % 16:
        problems.append(Problem("input_size", f"input_size = {size}: faceswap's RealFace "
                                "needs 64 to 128, divisible by 16", "use 64, 80, 96, 112 or 128"))
    size = int(settings["output_size"])
    if not 64 <= size <= 256 or size % 32:
        options = ", ".join(str(s) for s in range(64, 257, 32))
        problems.append(Problem("output_size", f"output_size = {size}: faceswap's RealFace "
                                "builds 64 to 256, divisible by 32 (its GUI's step of 16 also "
                                "offers sizes its build refuses)", f"use one of {options}"))
    return problems


def dense_width_and_upscales(input_size: int, output_size: int) -> tuple[int, int]:
    """The dense layer's width and the number of upscales (faceswap's rule, see above)."""
    sides = [(output_size // 2 ** n, n) for n in (4, 5) if output_size // 2 ** n < 10]
    closest = min((width * 16 for width, _ in sides), key=lambda x: abs(x - input_size))
    return next((width, n) for width, n in sides if width * 16 == closest)


def _decoder(side: str, settings: Settings, width: int, upscales: int,
             filters: int) -> list[b.Block]:
    heavy = side == "b"
    nodes = int(settings["dense_nodes"]) if heavy else int(settings["dense_nodes"] / 1.5)
    dense_filters = filters if heavy else int(filters / 1.5)
    complexity = (int(settings["complexity_decoder"]) if heavy
                  else int(settings["complexity_decoder"] / 1.5))
    face = [b.flatten(), b.dense([nodes, width * width * dense_filters]),
            b.reshape(width, width, dense_filters), b.upscale(dense_filters, activation=False),
            b.mark("xy"), b.leaky(0.2), b.residual(dense_filters, use_bias=False)]
    for index in range(upscales - 2):
        stage = complexity // 2 ** index
        if heavy:
            face += [b.upscale(stage, activation=False), b.leaky(0.2),
                     b.residual(stage, use_bias=False), b.residual(stage)]
        else:
            face.append(b.upscale(stage))
    face += [b.upscale(complexity // 2 ** (upscales - 2)), b.output(3, f"face_out_{side}")]
    mask = [b.leaky(0.1), b.upscale([384 // 2 ** i for i in range(upscales - 1)]),
            b.output(1, f"mask_out_{side}")]
    return with_mask(face, mask, settings, "xy")


def build(settings: Settings) -> Document:
    """The RealFace graph for ``settings``."""
    size, out = int(settings["input_size"]), int(settings["output_size"])
    width, upscales = dense_width_and_upscales(size, out)
    filters = (1024 - (width - 4) * 64) // 16 * 16
    complexity = int(settings["complexity_encoder"])
    encoder: list[b.Block] = []
    for index in range(3):
        stage = complexity * 2 ** index
        encoder += [b.conv(stage, activation="linear"), b.leaky(0.2),
                    b.residual([stage, stage])]
    encoder.append(b.conv(complexity * 8))
    models = {"encoder": encoder,
              "decoder_a": _decoder("a", settings, width, upscales, filters),
              "decoder_b": _decoder("b", settings, width, upscales, filters)}
    text = f"faceswap's RealFace model, {size} px in, {out} px out."
    return document(settings, text, b.two_sides(size), models, b.split_routes())
