"""Anti-aliased 2-D shapes on a pixel grid, in numpy: the drawing kit of the synthetic faces.

Every function returns a coverage map in [0, 1] (how much of each pixel the shape covers),
computed from an approximate signed distance so edges are smooth at any size. Coordinates are
arrays of the pixels' centres in any frame; ``pixel`` is one pixel's width in that frame.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-6


def coverage(distance: np.ndarray, pixel: float) -> np.ndarray:
    """Coverage of a shape from the signed distance of each pixel centre (negative inside)."""
    return np.clip(0.5 - distance / pixel, 0.0, 1.0)


def ellipse_distance(x: np.ndarray, y: np.ndarray, cx: float, cy: float, rx: float | np.ndarray,
                     ry: float) -> np.ndarray:
    """Approximate signed distance to an axis-aligned ellipse (first-order, exact on circles)."""
    dx, dy = (x - cx) / rx, (y - cy) / ry
    level = np.sqrt(dx * dx + dy * dy)
    grad = np.sqrt((dx / rx) ** 2 + (dy / ry) ** 2) / np.maximum(level, _EPS)
    return (level - 1.0) / np.maximum(grad, _EPS)


def ellipse(x: np.ndarray, y: np.ndarray, cx: float, cy: float, rx: float | np.ndarray,
            ry: float, pixel: float) -> np.ndarray:
    """Coverage of an axis-aligned ellipse."""
    return coverage(ellipse_distance(x, y, cx, cy, rx, ry), pixel)


def ring(x: np.ndarray, y: np.ndarray, cx: float, cy: float, rx: float, ry: float,
         width: float, pixel: float) -> np.ndarray:
    """Coverage of an elliptical ring of the given line width."""
    distance = np.abs(ellipse_distance(x, y, cx, cy, rx, ry)) - width / 2
    return coverage(distance, pixel)


def band(x: np.ndarray, y: np.ndarray, cx: float, cy: float, half_length: float,
         half_width: float, angle: float, bend: float, pixel: float) -> np.ndarray:
    """Coverage of a bent, tapering stroke (an eyebrow): a band around a parabola.

    Args:
        x: pixel x coordinates.
        y: pixel y coordinates.
        cx: the stroke's centre, x.
        cy: the stroke's centre, y.
        half_length: half its length along its axis.
        half_width: half its thickness at the middle (it tapers to the ends).
        angle: rotation of its axis (radians, y down).
        bend: how far the middle rises above the ends (positive arches upwards).
        pixel: one pixel's width.
    """
    cos, sin = np.cos(angle), np.sin(angle)
    u = ((x - cx) * cos + (y - cy) * sin) / half_length
    v = -(x - cx) * sin + (y - cy) * cos
    centre_line = -bend * (1.0 - np.clip(u, -1.0, 1.0) ** 2)
    thickness = half_width * np.sqrt(np.clip(1.0 - u * u, 0.0, 1.0)) + _EPS
    across = np.abs(v - centre_line) - thickness
    along = (np.abs(u) - 1.0) * half_length
    return coverage(np.maximum(across, along), pixel)


def blend(base: np.ndarray, colour: np.ndarray | tuple[float, ...], alpha: np.ndarray
          ) -> np.ndarray:
    """Paint ``colour`` over ``base`` ([H, W, 3]) with per-pixel opacity ``alpha`` ([H, W])."""
    alpha = alpha[..., None]
    return base + (np.asarray(colour, dtype=base.dtype) - base) * alpha
