"""Structural losses: SSIM, MS-SSIM and GMSD, as faceswap computes them per pixel.

Each takes ``(y_true, y_pred)`` NHWC batches in [0, 1] and returns faceswap's per-pixel map
(N, H, W, C'). Constants and the order of operations are faceswap's
(``lib/model/losses/perceptual_loss.py``): local statistics from a Gaussian window over a
mirrored ("reflect") border, so the map has the image's size.
"""

from __future__ import annotations

import numpy as np
from keras import ops

from phazer.train.losses.filters import (
    Tensor,
    as_float,
    channel_mean,
    filter2d,
    gaussian_kernel,
    halve,
    pad,
    pad_same,
    reverse_channels,
    safe_power,
    upsample,
)

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1, SSIM_K2 = 0.01, 0.03
MS_SSIM_POWERS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)   # per scale, finest first
MS_SSIM_FULL_KERNEL_FROM = SSIM_WINDOW * 2 ** (len(MS_SSIM_POWERS) - 1)   # 176 px
GMSD_EPSILON = 0.0025

# faceswap's 5 x 5 edge filter (a smoothed Scharr): rows are the vertical offsets. The vertical
# derivative; the horizontal one is its transpose.
_EDGE_ROWS = np.array([
    [0.0007, 0.0052, 0.0370, 0.0052, 0.0007],
    [0.0037, 0.1187, 0.2589, 0.1187, 0.0037],
    [0.0, 0.0, 0.0, 0.0, 0.0],
    [-0.0037, -0.1187, -0.2589, -0.1187, -0.0037],
    [-0.0007, -0.0052, -0.0370, -0.0052, -0.0007]], dtype="float32")


def _local_mean(images: Tensor, kernel: np.ndarray) -> Tensor:
    return filter2d(pad_same(images, kernel.shape[0] // 2, "reflect"), kernel)


def _ssim_maps(x: Tensor, y: Tensor, kernel: np.ndarray) -> tuple[Tensor, Tensor]:
    """Per-pixel luminance and contrast-structure terms of SSIM, (N, H, W, C) each."""
    c_1, c_2 = SSIM_K1 ** 2, SSIM_K2 ** 2
    mean_x, mean_y = _local_mean(x, kernel), _local_mean(y, kernel)
    num0 = mean_x * mean_y * 2.0
    den0 = ops.square(mean_x) + ops.square(mean_y)
    luminance = (num0 + c_1) / (den0 + c_1)
    num1 = _local_mean(x * y, kernel) * 2.0
    den1 = _local_mean(ops.square(x) + ops.square(y), kernel)
    contrast = (num1 - num0 + c_2) / (ops.maximum(den1 - den0, 0.0) + c_2)
    return luminance, contrast


def ssim(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """1 - SSIM per pixel and channel (11 px Gaussian window, sigma 1.5)."""
    kernel = gaussian_kernel(SSIM_WINDOW, SSIM_SIGMA)
    luminance, contrast = _ssim_maps(as_float(y_true), as_float(y_pred), kernel)
    return 1.0 - luminance * contrast


def ms_ssim_window(size: int) -> int:
    """The MS-SSIM window for faces of ``size`` px, shrunk below 176 px as faceswap does.

    The window must fit the coarsest of the five scales (``size // 16``): 11 px from 176 px,
    else the largest odd size that fits (3 px at 64, 7 px at 128).

    Raises:
        ValueError: ``size`` is below 48 px (the window would be under 3 px).
    """
    smallest = size // 2 ** (len(MS_SSIM_POWERS) - 1)
    if smallest >= SSIM_WINDOW:
        return SSIM_WINDOW
    window = smallest - 1 if smallest % 2 == 0 else smallest
    if window < 3:
        raise ValueError(f"ms_ssim needs faces of at least 48 px (got {size} px): use ssim "
                         f"in training.losses")
    return window


def _pad_to_even(images: Tensor) -> Tensor:
    height, width = int(images.shape[1]), int(images.shape[2])
    return pad(images, (0, height % 2, 0, width % 2), "edge")


def ms_ssim(y_true: Tensor, y_pred: Tensor, smallest_size: int | None = None) -> Tensor:
    """1 - multi-scale SSIM per pixel and channel.

    At each of five scales (halved by 2 x 2 averaging) the contrast-structure map, and at the
    coarsest the full SSIM map, are resized back to the image size (bilinear), clipped at 0
    and multiplied with faceswap's scale powers.

    Args:
        y_true: the targets.
        y_pred: the predictions.
        smallest_size: the size the window is chosen for (:func:`ms_ssim_window`): faceswap
            sizes it once, for the model's smallest output; default the images' size.
    """
    size = int(y_true.shape[2])
    kernel = gaussian_kernel(ms_ssim_window(smallest_size or size), SSIM_SIGMA)
    x, y = as_float(y_true), as_float(y_pred)
    result = None
    for level, power in enumerate(MS_SSIM_POWERS):
        if level:
            x, y = halve(_pad_to_even(x)), halve(_pad_to_even(y))
        luminance, contrast = _ssim_maps(x, y, kernel)
        last = level == len(MS_SSIM_POWERS) - 1
        term = upsample(luminance * contrast if last else contrast, size)
        factor = safe_power(term, power)
        result = factor if result is None else result * factor
    return 1.0 - result


def _edge_kernels(channels: int) -> np.ndarray:
    """The grouped edge convolution of faceswap as depthwise kernels (5, 5, C, 2).

    faceswap lays out the 2 * C output channels filter-major but convolves them channel-major,
    so channel ``c``'s outputs ``2c`` and ``2c + 1`` use filter ``(2c + j) // C`` (0: vertical,
    1: horizontal) rather than one of each.
    """
    filters = (_EDGE_ROWS, _EDGE_ROWS.T)
    kernel = np.zeros((5, 5, channels, 2), dtype="float32")
    for channel in range(channels):
        for j in range(2):
            kernel[:, :, channel, j] = filters[(2 * channel + j) // channels]
    return kernel


def gmsd(y_true: Tensor, y_pred: Tensor, color_order: str = "rgb") -> Tensor:
    """GMSD as faceswap computes it: 1 - the mean edge similarity, one channel (N, H, W, 1).

    Args:
        y_true: the targets (phazer's RGB).
        y_pred: the predictions.
        color_order: the channel order faceswap's model would train in ("rgb", or "bgr" for
            the fs_original and VGG encoders). faceswap's edge filters depend on the channel's
            position (see :func:`_edge_kernels`), so the channels are put in that order first.
    """
    true, pred = as_float(y_true), as_float(y_pred)
    if color_order == "bgr":
        true, pred = reverse_channels(true), reverse_channels(pred)
    kernel = _edge_kernels(int(true.shape[-1]))
    true_edge = filter2d(pad_same(true, 2, "reflect"), kernel)
    pred_edge = filter2d(pad_same(pred, 2, "reflect"), kernel)
    similarity = ((2.0 * true_edge * pred_edge + GMSD_EPSILON)
                  / (ops.square(true_edge) + ops.square(pred_edge) + GMSD_EPSILON))
    return 1.0 - channel_mean(similarity)
