"""Building blocks of the image losses, written with ``keras.ops`` (backend-neutral).

Every image is a channels-last batch ``(N, H, W, C)`` with static spatial sizes. Padding is
done by gathering clamped or mirrored indices (so every backend pads the same way, "edge"
included), filters are depthwise convolutions, and :func:`safe_sqrt` / :func:`safe_power`
give the same values as the plain operations with finite gradients at 0.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from keras import ops

Tensor = Any
"""A backend tensor (``tf.Tensor`` under the TensorFlow backend)."""

PadMode = Literal["edge", "reflect"]


def as_float(images: Tensor) -> Tensor:
    """``images`` as float32 (mixed-precision outputs are scored in float32)."""
    return ops.cast(images, "float32")


def _indices(size: int, before: int, after: int, mode: PadMode) -> np.ndarray:
    return np.pad(np.arange(size), (before, after), mode=mode).astype("int32")


def pad(images: Tensor, amounts: tuple[int, int, int, int], mode: PadMode) -> Tensor:
    """Pad the rows and columns of an NHWC batch.

    Args:
        images: the batch (N, H, W, C).
        amounts: pixels to add (top, bottom, left, right).
        mode: "edge" repeats the border pixel (torch's "replicate"); "reflect" mirrors
            without repeating it (torch's "reflect").
    """
    top, bottom, left, right = amounts
    height, width = int(images.shape[1]), int(images.shape[2])
    if top or bottom:
        images = ops.take(images, _indices(height, top, bottom, mode), axis=1)
    if left or right:
        images = ops.take(images, _indices(width, left, right, mode), axis=2)
    return images


def pad_same(images: Tensor, radius: int, mode: PadMode) -> Tensor:
    """Pad ``radius`` pixels on every side."""
    return pad(images, (radius, radius, radius, radius), mode)


def filter2d(images: Tensor, kernels: np.ndarray) -> Tensor:
    """Correlate each channel with a 2-D kernel, without padding ("valid").

    Args:
        images: the batch (N, H, W, C).
        kernels: one kernel for every channel, (kh, kw); or (kh, kw, C, M): M kernels per
            channel, giving C * M output channels ordered channel-major.
    """
    channels = int(images.shape[-1])
    kernel = np.asarray(kernels, dtype="float32")
    if kernel.ndim == 2:
        kernel = np.tile(kernel[:, :, None, None], (1, 1, channels, 1))
    return ops.depthwise_conv(images, ops.convert_to_tensor(kernel), strides=1,
                              padding="valid", data_format="channels_last")


def gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    """A normalised 2-D Gaussian (size, size) centred on the middle pixel."""
    offsets = np.arange(size, dtype="float64") - (size - 1) / 2.0
    one = np.exp(-0.5 * offsets ** 2 / sigma ** 2)
    kernel = np.outer(one, one)
    return (kernel / kernel.sum()).astype("float32")


def upsample(images: Tensor, size: int) -> Tensor:
    """Bilinear resize to ``size`` x ``size`` with half-pixel centres, no antialiasing.

    The same as torch's ``F.interpolate(mode="bilinear", align_corners=False)``.
    """
    if int(images.shape[1]) == size and int(images.shape[2]) == size:
        return images
    return ops.image.resize(images, (size, size), interpolation="bilinear", antialias=False,
                            data_format="channels_last")


def halve(images: Tensor) -> Tensor:
    """2 x 2 average pooling with stride 2 (an odd last row/column is dropped)."""
    return ops.average_pool(images, 2, 2, padding="valid", data_format="channels_last")


def safe_sqrt(values: Tensor) -> Tensor:
    """``sqrt(values)`` for values >= 0, with a zero (not infinite) gradient at 0."""
    positive = values > 0
    return ops.where(positive, ops.sqrt(ops.where(positive, values, 1.0)), 0.0)


def safe_power(values: Tensor, exponent: Tensor | float) -> Tensor:
    """``max(values, 0) ** exponent`` (0 where values <= 0), with finite gradients there."""
    positive = values > 0
    return ops.where(positive, ops.power(ops.where(positive, values, 1.0), exponent), 0.0)


def channel_mean(values: Tensor) -> Tensor:
    """Mean over the channels, keeping the axis: (N, H, W, C) -> (N, H, W, 1)."""
    return ops.mean(values, axis=-1, keepdims=True)


def reverse_channels(images: Tensor) -> Tensor:
    """RGB <-> BGR."""
    return ops.flip(images, axis=-1)
