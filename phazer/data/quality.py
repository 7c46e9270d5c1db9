"""How good a face swap is, measured against the ground truth (numpy only).

With synthetic faces the right answer of a swap is known: identity B drawn in the pose of the
A image (:func:`phazer.data.synthetic.render_face`). :func:`swap_quality` compares the swap with
it, and compares two baselines the same way, so the figure means something:

- **unchanged**: the A image itself, i.e. a "swap" that did nothing (right pose, wrong person);
- **random_b**: the model's reconstruction of some other B image (right person, wrong pose).

A swap that has learnt anything beats both: closer to the truth than the input it started
from, and than a B face that ignores the input's pose.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SSIM_WINDOW = 11       # side of the Gaussian window (odd), as in the SSIM paper
SSIM_SIGMA = 1.5
_K1, _K2 = 0.01, 0.03  # SSIM's stabilising constants for a data range of 1


def as_float(images: np.ndarray) -> np.ndarray:
    """Images as float64 in [0, 1] (uint8 is divided by 255), with a batch axis."""
    array = np.asarray(images)
    values = array.astype(np.float64) / 255.0 if array.dtype == np.uint8 else \
        array.astype(np.float64)
    return values[None] if values.ndim == 3 else values


def _gaussian(window: int, sigma: float) -> np.ndarray:
    offsets = np.arange(window) - (window - 1) / 2
    kernel = np.exp(-(offsets ** 2) / (2 * sigma * sigma))
    return kernel / kernel.sum()


def _filter(images: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Separable 'valid' filtering of [N, H, W, C] over H and W."""
    size = len(kernel)
    rows = np.lib.stride_tricks.sliding_window_view(images, size, axis=1) @ kernel
    return np.lib.stride_tricks.sliding_window_view(rows, size, axis=2) @ kernel


def ssim_map(first: np.ndarray, second: np.ndarray, window: int = SSIM_WINDOW,
             sigma: float = SSIM_SIGMA) -> np.ndarray:
    """Local SSIM of two image batches [N, H, W, C] in [0, 1]: [N, H-w+1, W-w+1, C]."""
    kernel = _gaussian(window, sigma)
    mean_x, mean_y = _filter(first, kernel), _filter(second, kernel)
    var_x = _filter(first * first, kernel) - mean_x ** 2
    var_y = _filter(second * second, kernel) - mean_y ** 2
    cov = _filter(first * second, kernel) - mean_x * mean_y
    c1, c2 = _K1 ** 2, _K2 ** 2
    return ((2 * mean_x * mean_y + c1) * (2 * cov + c2)) / (
        (mean_x ** 2 + mean_y ** 2 + c1) * (var_x + var_y + c2))


def _weights(mask: np.ndarray | None, shape: tuple[int, ...], crop: int) -> np.ndarray:
    """Per-pixel weights [N, H', W', 1] (cropped by ``crop`` each side for SSIM's map)."""
    if mask is None:
        return np.ones((shape[0], shape[1] - 2 * crop, shape[2] - 2 * crop, 1))
    weights = as_float(mask)
    weights = weights[..., :1] if weights.shape[-1] != 1 else weights
    weights = np.broadcast_to(weights, (shape[0], *weights.shape[1:]))
    return weights[:, crop:shape[1] - crop, crop:shape[2] - crop]


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    total = float(np.sum(weights) * values.shape[-1])
    if total <= 0:
        return float("nan")
    return float(np.sum(values * weights) / total)


def score(images: np.ndarray, truth: np.ndarray, mask: np.ndarray | None = None
          ) -> dict[str, float]:
    """MAE (lower is better) and SSIM (1 is identical) of images against the truth.

    Args:
        images: [N, H, W, C] or [H, W, C], uint8 or float in [0, 1].
        truth: the same shape.
        mask: optional [N, H, W, 1] weights (e.g. the truth's face mask); pixels count by it.
    """
    first, second = as_float(images), as_float(truth)
    if first.shape != second.shape:
        raise ValueError(f"shapes differ: {first.shape} vs {second.shape}")
    crop = (SSIM_WINDOW - 1) // 2
    mae = _weighted_mean(np.abs(first - second), _weights(mask, first.shape, 0))
    ssim = _weighted_mean(ssim_map(first, second), _weights(mask, first.shape, crop))
    return {"mae": mae, "ssim": ssim}


def swap_quality(swapped: np.ndarray, truth: np.ndarray, unchanged: np.ndarray,
                 random_recon: np.ndarray, mask: np.ndarray | None = None) -> dict[str, Any]:
    """Score a swap and the two baselines against the ground truth.

    Args:
        swapped: the model's A->B swaps of some A images.
        truth: B drawn in each A image's pose (the right answers).
        unchanged: the A images themselves (at the swap's size and crop).
        random_recon: the model's reconstructions of other B images, one per A image.
        mask: optional weights, e.g. the truth's face mask, to score the face only.

    Returns:
        ``{"swap": {"mae", "ssim"}, "unchanged": {...}, "random_b": {...},
        "beats_unchanged": bool, "beats_random_b": bool, "beats_baselines": bool}``; a swap
        beats a baseline when its MAE is lower and its SSIM higher.
    """
    result: dict[str, Any] = {
        "swap": score(swapped, truth, mask),
        "unchanged": score(unchanged, truth, mask),
        "random_b": score(random_recon, truth, mask),
    }
    swap = result["swap"]
    for name in ("unchanged", "random_b"):
        base = result[name]
        result[f"beats_{name}"] = bool(swap["mae"] < base["mae"] and swap["ssim"] > base["ssim"])
    result["beats_baselines"] = result["beats_unchanged"] and result["beats_random_b"]
    return result


def ssim_per_image(images: np.ndarray, truth: np.ndarray, mask: np.ndarray | None = None
                   ) -> np.ndarray:
    """SSIM of each image against its truth (weighted by the mask as in :func:`score`): [N]."""
    first, second = as_float(images), as_float(truth)
    if first.shape != second.shape:
        raise ValueError(f"shapes differ: {first.shape} vs {second.shape}")
    crop = (SSIM_WINDOW - 1) // 2
    values = ssim_map(first, second)
    weights = np.broadcast_to(_weights(mask, first.shape, crop), (*values.shape[:-1], 1))
    totals = np.sum(weights, axis=(1, 2, 3)) * values.shape[-1]
    sums = np.sum(values * weights, axis=(1, 2, 3))
    return np.where(totals > 0, sums / np.where(totals > 0, totals, 1.0), np.nan)


def distribution(values: np.ndarray, digits: int = 4) -> dict[str, Any]:
    """Min, quartiles, median, max and mean of per-face figures, and the figures themselves."""
    array = np.asarray(values, np.float64)
    if array.size == 0:
        return {"count": 0, "values": []}
    q1, median, q3 = np.percentile(array, [25, 50, 75])
    return {"count": int(array.size),
            **{name: round(float(value), digits) for name, value in (
                ("min", array.min()), ("q1", q1), ("median", median), ("q3", q3),
                ("max", array.max()), ("mean", array.mean()))},
            "values": [round(float(value), digits) for value in array]}
