"""Frequency losses: the focal frequency loss and the Laplacian pyramid loss.

Each takes ``(y_true, y_pred)`` NHWC batches in [0, 1] and returns faceswap's map
(N, H, W, C) (``lib/model/losses/loss.py``: FocalFrequencyLoss, LaplacianPyramidLoss).
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

from phazer.train.losses.filters import (
    Tensor,
    as_float,
    filter2d,
    halve,
    pad_same,
    safe_sqrt,
    upsample,
)

FFL_ALPHA = 1.0           # how strongly the hardest frequencies are favoured
FFL_EPSILON = 1e-6        # floor of the per-image weight normaliser
LAPLACIAN_LEVELS = 5
LAPLACIAN_SIZE = 5        # Gaussian kernel of the pyramid (px)
LAPLACIAN_SIGMA = 1.0


def _spectrum(images: Tensor) -> tuple[Tensor, Tensor]:
    """Orthonormal 2-D DFT of each channel: real and imaginary parts, (N, C, H, W)."""
    planes = ops.transpose(images, (0, 3, 1, 2))
    real, imag = ops.fft2((planes, ops.zeros_like(planes)))
    scale = 1.0 / math.sqrt(int(images.shape[1]) * int(images.shape[2]))
    return real * scale, imag * scale


def ffl(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """Focal frequency loss: the spectra's squared distance, each frequency weighted.

    The weight of a frequency is its distance (to the power :data:`FFL_ALPHA`) over the largest
    distance of that image and channel, so the frequencies the model gets most wrong count
    most. The map is over frequencies, laid out like the image (N, H, W, C) as faceswap's is
    (its mask weighting multiplies this map as if it were spatial).
    """
    true_real, true_imag = _spectrum(as_float(y_true))
    pred_real, pred_imag = _spectrum(as_float(y_pred))
    distance = ops.square(pred_real - true_real) + ops.square(pred_imag - true_imag)
    weights = ops.power(safe_sqrt(distance), FFL_ALPHA)
    scale = ops.max(weights, axis=(-2, -1), keepdims=True)
    weights = ops.clip(weights / ops.maximum(scale, FFL_EPSILON), 0.0, 1.0)
    return ops.transpose(weights * distance, (0, 2, 3, 1))


def _laplacian_kernel() -> np.ndarray:
    half = LAPLACIAN_SIZE // 2
    offsets = np.linspace(-half, half, LAPLACIAN_SIZE, dtype="float32")
    offsets /= np.sqrt(2) * LAPLACIAN_SIGMA
    squares = offsets ** 2
    kernel = np.exp(-squares[:, None] - squares[None, :])
    return kernel / kernel.sum()


def _pyramid(images: Tensor, kernel: np.ndarray) -> list[Tensor]:
    """Band-pass images at :data:`LAPLACIAN_LEVELS` octaves, then the remaining low-pass."""
    levels, current = [], images
    for _ in range(LAPLACIAN_LEVELS):
        blurred = filter2d(pad_same(current, LAPLACIAN_SIZE // 2, "edge"), kernel)
        levels.append(current - blurred)
        current = halve(blurred)
    levels.append(current)
    return levels


def laplacian(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """The Laplacian pyramid loss (faceswap's laploss): level differences summed per pixel.

    The absolute difference of each pyramid level (bilinear back to the image size), the level
    ``k`` weighted ``4 ** -k``.
    """
    kernel = _laplacian_kernel()
    size = int(y_true.shape[2])
    total = None
    for level, (true, pred) in enumerate(zip(_pyramid(as_float(y_true), kernel),
                                             _pyramid(as_float(y_pred), kernel), strict=True)):
        term = upsample(ops.abs(true - pred), size) * (2.0 ** (-2 * level))
        total = term if total is None else total + term
    return total
