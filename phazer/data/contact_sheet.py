"""A contact sheet of training samples: each crop with its masks outlined (numpy + OpenCV).

What ``phazer faces`` draws to show what the model will be trained on: the samples of one side
in a grid, each sample's masks drawn as outlines where they pass half strength (the face mask
green, the eye mask cyan, the mouth mask magenta), so a wrong crop or a mask that misses the
face shows at a glance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

OUTLINE_COLOURS: dict[str, tuple[int, int, int]] = {
    "face": (0, 255, 0), "eye": (0, 255, 255), "mouth": (255, 0, 255)}
"""The RGB colour each mask's outline is drawn in."""
GAP = 2                          # px between tiles
BACKGROUND = (32, 32, 32)
MAX_COLUMNS = 16


def outlined(sample: np.ndarray, mask_names: Sequence[str]) -> np.ndarray:
    """A sample's RGB crop with the outline of each of its masks drawn on it.

    Args:
        sample: ``uint8 [n, n, 3 + k]``: R, G, B, then the masks ``mask_names``.
        mask_names: the names of the mask channels (``face``, ``eye``, ``mouth``).

    Returns:
        ``uint8 [n, n, 3]`` RGB.
    """
    picture = np.ascontiguousarray(sample[..., :3]).copy()
    for index, name in enumerate(mask_names):
        solid = (sample[..., 3 + index] >= 128).astype(np.uint8)
        contours, _ = cv2.findContours(solid, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(picture, contours, -1, OUTLINE_COLOURS.get(name, (255, 255, 0)), 1)
    return picture


def contact_sheet(samples: Sequence[np.ndarray], mask_names: Sequence[str]) -> np.ndarray:
    """The samples (all one size) in a grid, masks outlined; ``uint8 [h, w, 3]`` RGB.

    Raises:
        ValueError: no samples.
    """
    if not samples:
        raise ValueError("no samples to draw")
    size = samples[0].shape[0]
    columns = min(MAX_COLUMNS, math.ceil(math.sqrt(len(samples))))
    rows = math.ceil(len(samples) / columns)
    step = size + GAP
    sheet = np.empty((rows * step + GAP, columns * step + GAP, 3), np.uint8)
    sheet[:] = BACKGROUND
    for number, sample in enumerate(samples):
        top, left = GAP + (number // columns) * step, GAP + (number % columns) * step
        sheet[top:top + size, left:left + size] = outlined(sample, mask_names)
    return sheet
