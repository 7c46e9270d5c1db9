"""The loss functions phazer offers, one entry each, TensorFlow-free.

This is the one place to add a loss: the spec's ``training.losses[].function`` choices, the
JSON Schema, the docs and the faceswap importer read this table, and a test checks that
:mod:`phazer.train` implements every name listed here.

``faceswap_name`` is the name faceswap's ``[global.loss]`` section uses for the same loss (""
when faceswap has none); the importer maps faceswap's names through it. Losses faceswap offers
that phazer lacks are listed in :data:`FACESWAP_ONLY_LOSSES` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class LossInfo:
    """Facts about one image loss.

    Attributes:
        name: phazer's name, used in ``training.losses[].function``.
        description: one line saying what the loss rewards.
        faceswap_name: faceswap's name for it ("" when faceswap has none).
        structural: compares local structure rather than pixel values (SSIM-like); such losses
            are usually paired with a pixel loss (mae / mse).
    """

    name: str
    description: str
    faceswap_name: str = ""
    structural: bool = False


def _table(*entries: LossInfo) -> dict[str, LossInfo]:
    return {entry.name: entry for entry in entries}


LOSSES: dict[str, LossInfo] = _table(
    LossInfo("mae", "Mean absolute error: every pixel's distance, robust to outliers; "
             "tends to the median colour.", "mae"),
    LossInfo("mse", "Mean squared error: penalises large pixel errors most; tends to the "
             "average colour, so slightly blurrier.", "mse"),
    LossInfo("logcosh", "log(cosh(error)): like mse for small errors and like mae for large "
             "ones.", "logcosh"),
    LossInfo("smooth_l1", "Smooth L1 (Huber-like): quadratic near zero, linear beyond; a "
             "steadier mae.", "smooth_loss"),
    LossInfo("ssim", "1 - structural similarity: compares local luminance, contrast and "
             "structure in a sliding window.", "ssim", structural=True),
    LossInfo("ms_ssim", "1 - multi-scale structural similarity: ssim over several image "
             "scales.", "ms_ssim", structural=True),
    LossInfo("gmsd", "Gradient magnitude similarity deviation: how unevenly the edge "
             "strengths of the two images agree.", "gmsd", structural=True),
    LossInfo("ffl", "Focal frequency loss: distance between the images' 2-D Fourier "
             "spectra, weighted towards the frequencies that are hardest to get right.", "ffl"),
    LossInfo("laplacian", "Laplacian pyramid loss: differences of band-pass (edge) images at "
             "several scales; pair it with a pixel loss, it ignores flat colour.", "laploss",
             structural=True),
)

# The spec's choice type, built from the table (``Literal[("a", "b")]`` is ``Literal["a", "b"]``).
LossName = Literal[tuple(LOSSES)]  # type: ignore[valid-type]

# The loss for the mask output (when ``decoder.learn_mask`` is on); faceswap offers the same two.
MaskLossName = Literal["mae", "mse"]

# faceswap losses phazer does not offer, with the reason (the importer drops them with a warning).
FACESWAP_ONLY_LOSSES: dict[str, str] = {
    "flip": "Nvidia FLIP is not implemented in phazer",
    "lpips_alex": "LPIPS needs pretrained AlexNet feature weights phazer does not ship",
    "lpips_squeeze": "LPIPS needs pretrained SqueezeNet feature weights phazer does not ship",
    "lpips_vgg16": "LPIPS needs pretrained VGG16 feature weights phazer does not ship",
    "l_inf_norm": "the L-infinity norm loss is not implemented in phazer",
    "pixel_gradient_diff": "the pixel gradient difference loss is not implemented in phazer",
}


def faceswap_choices() -> tuple[str, ...]:
    """The loss names faceswap offers, sorted: the ones phazer maps and the ones it lacks."""
    return tuple(sorted({i.faceswap_name for i in LOSSES.values() if i.faceswap_name}
                        | set(FACESWAP_ONLY_LOSSES)))


def from_faceswap(name: str) -> str | None:
    """The phazer name of a faceswap loss (None when phazer has no such loss)."""
    for info in LOSSES.values():
        if info.faceswap_name == name:
            return info.name
    return None
