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
        weights_files: the pretrained weights faceswap downloads for it (its trunk network's
            and its linear layers' files); phazer never downloads, so such a loss needs
            ``training.losses[].weights`` pointing at a local copy. Empty: no weights.
    """

    name: str
    description: str
    faceswap_name: str = ""
    structural: bool = False
    weights_files: tuple[str, ...] = ()


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
    LossInfo("l_inf_norm", "L-infinity norm: the largest error (over rows and channels), "
             "averaged over the columns; one value per face.", "l_inf_norm"),
    LossInfo("pixel_gradient_diff", "Differences of the first and second pixel gradients: "
             "rewards matching sharpness; pair it with a pixel loss.", "pixel_gradient_diff",
             structural=True),
    LossInfo("flip", "NVIDIA's LDR-FLIP: the error a viewer would perceive at a set viewing "
             "distance, from colour and edge/point differences.", "flip", structural=True),
    LossInfo("lpips_alex", "LPIPS on AlexNet features: a learned perceptual distance; needs "
             "local pretrained weights (training.losses[].weights).", "lpips_alex",
             structural=True,
             weights_files=("alexnet_imagenet_no_top_v2.pth", "alexnet_lpips_v2.pth")),
    LossInfo("lpips_squeeze", "LPIPS on SqueezeNet 1.1 features: a learned perceptual "
             "distance; needs local pretrained weights (training.losses[].weights).",
             "lpips_squeeze", structural=True,
             weights_files=("squeezenet_imagenet_no_top_v2.pth", "squeezenet_lpips_v2.pth")),
    LossInfo("lpips_vgg16", "LPIPS on VGG16 features: a learned perceptual distance; needs "
             "local pretrained weights (training.losses[].weights).", "lpips_vgg16",
             structural=True,
             weights_files=("vgg16_imagenet_no_top_v2.pth", "vgg16_lpips_v2.pth")),
)

# The spec's choice type, built from the table (``Literal[("a", "b")]`` is ``Literal["a", "b"]``).
LossName = Literal[tuple(LOSSES)]  # type: ignore[valid-type]

# The loss for the mask output (when ``decoder.learn_mask`` is on); faceswap offers the same two.
MaskLossName = Literal["mae", "mse"]

# faceswap losses phazer does not offer, with the reason (the importer drops them with a warning).
# Every faceswap loss has a phazer name now; the table stays for the importer's contract.
FACESWAP_ONLY_LOSSES: dict[str, str] = {}


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
