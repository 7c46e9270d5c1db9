"""Pixel losses: each pixel's error on its own, or simple finite differences.

Each takes ``(y_true, y_pred)`` NHWC batches in [0, 1] and returns faceswap's per-pixel map
(N, H, W, C), except :func:`l_inf_norm`, which returns one value per item (N,). Formulas and
constants are faceswap's (``lib/model/losses/loss.py``, ``torch.nn.L1Loss`` / ``MSELoss``).
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

from phazer.train.losses.filters import Tensor, as_float

SMOOTH_ALPHA = 1.0            # faceswap smooth_loss: GeneralizedLoss(alpha=1.0)
SMOOTH_BETA = 1.0 / 255.0     # ... beta 1/255: a smooth L1 below one grey level
GRADIENT_ALPHA = 1.9999       # pixel_gradient_diff's GeneralizedLoss (near L2)


def mae(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """Absolute error per pixel and channel."""
    return ops.abs(as_float(y_pred) - as_float(y_true))


def mse(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """Squared error per pixel and channel."""
    return ops.square(as_float(y_pred) - as_float(y_true))


def logcosh(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """log(cosh(error)) per pixel, computed as e + softplus(-2e) - log 2."""
    error = as_float(y_true) - as_float(y_pred)
    return error + ops.softplus(-2.0 * error) - math.log(2.0)


def generalized(y_true: Tensor, y_pred: Tensor, alpha: float = SMOOTH_ALPHA,
                beta: float = SMOOTH_BETA) -> Tensor:
    """Barron's general robust loss per pixel (faceswap's GeneralizedLoss).

    ``beta * |2-a|/a * (((e/beta)**2 / |2-a| + 1) ** (a/2) - 1)`` with ``e = pred - true``;
    alpha 1 is a smooth L1, alpha near 2 an L2.
    """
    error = as_float(y_pred) - as_float(y_true)
    spread = abs(2.0 - alpha)
    second = ops.power(ops.square(error / beta) / spread + 1.0, alpha / 2.0) - 1.0
    return (spread / alpha) * second * beta


def smooth_l1(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """The smooth L1 of faceswap's smooth_loss: :func:`generalized` with alpha 1, beta 1/255."""
    return generalized(y_true, y_pred)


def l_inf_norm(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """The L-infinity norm loss (faceswap's l_inf_norm), one value per item (N,).

    faceswap wrote it for channels-last input but calls it with NCHW tensors, so it takes the
    largest error over the channels and rows, then the mean over the columns; phazer keeps
    that (the values equal faceswap's).
    """
    error = ops.abs(as_float(y_true) - as_float(y_pred))
    return ops.mean(ops.max(error, axis=(1, 3)), axis=-1)


def _neighbours(size: int) -> tuple[np.ndarray, np.ndarray]:
    """The next and previous index along an axis, clamped at the ends."""
    index = np.arange(size)
    return (np.minimum(index + 1, size - 1).astype("int32"),
            np.maximum(index - 1, 0).astype("int32"))


def _step(images: Tensor, axis: int) -> tuple[Tensor, Tensor]:
    after, before = _neighbours(int(images.shape[axis]))
    return ops.take(images, after, axis=axis), ops.take(images, before, axis=axis)


def _first(images: Tensor, axis: int) -> Tensor:
    after, before = _step(images, axis)
    return (after - before) * 0.5


def _second(images: Tensor, axis: int) -> Tensor:
    after, before = _step(images, axis)
    return after + before - 2.0 * images


def _mixed(images: Tensor, rows: int, cols: int) -> Tensor:
    down, up = _step(images, rows)
    down_right, down_left = _step(down, cols)
    up_right, up_left = _step(up, cols)
    return ((down_right + up_left) - (up_right + down_left)) * 0.25


# faceswap's GradientLoss indexes NCHW tensors as if they were NHWC: its "x" axis is the rows
# (NHWC axis 1) and its "y" axis the channels (NHWC axis 3).
_X_AXIS, _Y_AXIS = 1, 3


def pixel_gradient_diff(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """The pixel gradient difference loss: first and second differences compared (near L2).

    The mean of the first-order (x, y) and second-order (xx, yy, 2 * xy) difference terms, each
    scored with :func:`generalized` (alpha 1.9999). faceswap wrote it for channels-last input
    but calls it with NCHW tensors, so its "x" differences run down the rows and its "y"
    differences across the colour channels; phazer keeps that (the values equal faceswap's).
    """
    true, pred = as_float(y_true), as_float(y_pred)

    def term(function, *axes: int) -> Tensor:
        return generalized(function(true, *axes), function(pred, *axes), GRADIENT_ALPHA)

    first = term(_first, _X_AXIS) + term(_first, _Y_AXIS)
    second = (term(_second, _X_AXIS) + term(_second, _Y_AXIS)
              + term(_mixed, _Y_AXIS, _X_AXIS) * 2.0)
    return (first + second) / 2.0
