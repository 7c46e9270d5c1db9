"""faceswap's warp to landmarks (``--warp-to-landmarks``): the warp of one input face (TF-free).

With ``training.augmentation.warp_to_landmarks``, the model's input is not warped at random:
it is bent so that its landmarks move onto the landmarks of a similar face of the other side
(:mod:`phazer.data.landmark_match` picks that face). What faceswap does
(``lib/training/data/augmentation.py``, ``_random_warp_landmarks``), on the face after its
random affine and flip, at the sample's size ``S`` (the larger of the model's input and
output), before the input is resized to the model's input size:

1. the destination landmarks get independent gaussian noise of standard deviation
   ``2 / 256 * S`` px (:func:`noise_scale`);
2. the *face core* is the convex hull of landmarks 17-67 (brows, eyes, nose, mouth) of the
   source and of the noisy destination together, their coordinates truncated to integers;
3. eight *edge anchors* pin the image's corners and the middles of its sides
   (:func:`edge_anchors`); they map onto themselves;
4. of the first 18 points (the jaw, 0-16, and the first brow point, 17), every one that lies
   inside or on the face core, in the source or in the destination, is left out of both;
5. the displacement is interpolated linearly over the Delaunay triangles of the remaining
   destination points (``scipy.interpolate.griddata``), giving for each output pixel the
   source position it shows, and the image is resampled there (``cv2.remap``, bilinear,
   ``BORDER_TRANSPARENT``).

phazer triangulates with scipy's ``Delaunay`` (Qhull, as ``griddata`` does) but computes the
linear interpolation itself (:func:`interpolate`: each triangle's barycentric coordinates in
closed form) rather than calling ``griddata``: ``griddata`` solves the triangles' barycentric
transforms with the LAPACK of scipy's bundled OpenBLAS, which deadlocks when several threads
call it at once, as the training pipeline's threads do. The values are ``griddata``'s to
rounding (``tests/test_landmark_warp.py`` checks both).

Two things faceswap does that phazer keeps or settles:

- **Axes.** faceswap evaluates the interpolation on a ``numpy.mgrid`` whose first axis is the
  row, but feeds it points written (x, y), and reads the result back the same way, so its warp
  is the intended one mirrored about the image's diagonal: moving every destination landmark
  right by ``d`` px moves the face *down* by ``d``. dfaker's original swapped the points to
  (y, x) first; faceswap dropped that swap. phazer warps as faceswap does
  (``faceswap_axes=True``, what training uses); ``faceswap_axes=False`` gives dfaker's
  intended warp.
- **Transparent border.** ``BORDER_TRANSPARENT`` leaves the output as it was wherever a
  sample falls outside the image (OpenCV 5 blends the outside neighbours of a bilinear sample
  with the output's existing value). faceswap gives ``cv2.remap`` no output array, so those
  pixels hold whatever memory OpenCV was handed (zeros on fresh pages, leftovers otherwise).
  phazer starts the output as a copy of the unwarped image, so the unwarped face shows there.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import Delaunay

LANDMARKS = 68
"""faceswap's warp needs its 68-point landmarks."""
CORE_FROM = 17
"""Landmarks from this index on (brows, eyes, nose, mouth) make the face core."""
TESTED = 18
"""Only the first 18 points (the jaw and the first brow point) are tested against the core."""
_INSIDE = 1e-8   # barycentric tolerance: grid points on a triangle's edge belong to it


def noise_scale(size: int) -> float:
    """The standard deviation (px) of the noise on the destination landmarks at ``size`` px."""
    return 2 / 256 * size


def edge_anchors(size: int) -> np.ndarray:
    """``int32 [8, 2]``: the four corners and the middles of the four sides, (x, y) px."""
    last, half = size - 1, size // 2 - 1
    return np.array([(0, 0), (0, last), (last, last), (last, 0),
                     (half, 0), (half, last), (last, half), (0, half)], dtype=np.int32)


def noisy(destination: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``float64 [..., 68, 2]``: the destination landmarks with faceswap's gaussian noise."""
    return destination + rng.normal(scale=noise_scale(size), size=destination.shape)


def kept_points(source: np.ndarray, destination: np.ndarray) -> np.ndarray:
    """``bool [68]``: the landmarks the warp uses (jaw points inside the face core left out).

    Args:
        source: ``[68, 2]`` the face's landmarks (x, y) px.
        destination: ``[68, 2]`` where they go (noise included).
    """
    core = cv2.convexHull(np.concatenate([source[CORE_FROM:].astype(np.int32),
                                          destination[CORE_FROM:].astype(np.int32)]))
    keep = np.ones(len(source), dtype=bool)
    for points in (source, destination):
        for index in range(TESTED):
            point = (float(points[index, 0]), float(points[index, 1]))
            if cv2.pointPolygonTest(core, point, False) >= 0:
                keep[index] = False
    return keep


def _row_spans(edges: np.ndarray, det: np.ndarray, last: np.ndarray, row: np.ndarray,
               size: int) -> tuple[np.ndarray, np.ndarray]:
    """The columns each (triangle, row) pair covers, one wider each way than its exact span.

    On a row each barycentric weight is linear in the column, so each bounds the column from
    one side; the span is their intersection, clipped to the grid (empty: first > last).
    """
    dx = row - last[:, 0]
    slopes = np.stack([-edges[:, 1, 0], edges[:, 0, 0]], axis=-1) / det[:, None]
    offsets = np.stack([edges[:, 1, 1] * dx + edges[:, 1, 0] * last[:, 1],
                        -edges[:, 0, 1] * dx - edges[:, 0, 0] * last[:, 1]],
                       axis=-1) / det[:, None]
    slopes = np.concatenate([slopes, -slopes.sum(axis=1, keepdims=True)], axis=1)
    offsets = np.concatenate([offsets, 1.0 - offsets.sum(axis=1, keepdims=True)], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = (-_INSIDE - offsets) / slopes               # weight >= -tol from here on
    never = (slopes == 0) & (offsets < -_INSIDE)
    lower = np.where(slopes > 0, bound, -np.inf).max(axis=1)
    upper = np.where(slopes < 0, bound, np.inf).min(axis=1)
    lower = np.where(never.any(axis=1), np.inf, lower)
    first = np.clip(np.floor(lower), 0, size).astype(np.int64)
    last_column = np.clip(np.ceil(upper), -1, size - 1).astype(np.int64)
    return first, last_column


def interpolate(points: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Linear interpolation of scattered values on the integer grid (``griddata``'s "linear").

    Args:
        points: ``[n, 2]`` where the values are known.
        values: ``[n, k]`` the values there.
        size: the grid's side.

    Returns:
        ``float64 [size, size, k]``: at ``[i, j]`` the value at the point ``(i, j)``,
        interpolated over the Delaunay triangles of ``points``; NaN outside their hull.
    """
    points = np.asarray(points, np.float64)
    values = np.asarray(values, np.float64)
    out = np.full((size * size, values.shape[1]), np.nan)
    simplices = Delaunay(points).simplices
    corners = points[simplices]                                  # [t, 3, 2]
    # barycentric coordinates as scipy takes them, relative to the last corner: for the grid
    # point (i, j), weight_a = (ey1 (i - cx) - ex1 (j - cy)) / det, weight_b likewise
    edges = corners[:, :2] - corners[:, 2:]                      # [t, 2 edges, (x, y)]
    det = edges[:, 0, 0] * edges[:, 1, 1] - edges[:, 1, 0] * edges[:, 0, 1]
    keep = np.abs(det) >= 1e-12                                  # a flat triangle covers nothing
    simplices, corners, edges, det = simplices[keep], corners[keep], edges[keep], det[keep]
    # the rows (first coordinate) each triangle spans, one (triangle, row) pair per row
    low = np.clip(np.ceil(corners[:, :, 0].min(axis=1) - _INSIDE), 0, size).astype(np.int64)
    high = np.clip(np.floor(corners[:, :, 0].max(axis=1) + _INSIDE), -1, size - 1)
    rows = np.maximum(high.astype(np.int64) - low + 1, 0)
    tri = np.repeat(np.arange(len(simplices)), rows)
    row = low[tri] + np.arange(rows.sum()) - np.repeat(np.cumsum(rows) - rows, rows)
    span = _row_spans(edges[tri], det[tri], corners[tri, 2], row, size)
    # every grid point of every span, then the exact barycentric test on each
    counts = np.maximum(span[1] - span[0] + 1, 0)
    pair = np.repeat(np.arange(len(row)), counts)
    first = row[pair]
    second = span[0][pair] + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts,
                                                                  counts)
    tri = tri[pair]
    e, d = edges[tri], det[tri]
    dx, dy = first - corners[tri, 2, 0], second - corners[tri, 2, 1]
    weight_a = (e[:, 1, 1] * dx - e[:, 1, 0] * dy) / d
    weight_b = (e[:, 0, 0] * dy - e[:, 0, 1] * dx) / d
    weight_c = 1.0 - weight_a - weight_b
    inside = (weight_a >= -_INSIDE) & (weight_b >= -_INSIDE) & (weight_c >= -_INSIDE)
    # a grid point on an edge gets one of its triangles' values: they agree to rounding
    corner_values = values[simplices[tri[inside]]]              # [n, 3, k]
    out[(first * size + second)[inside]] = (
        weight_a[inside, None] * corner_values[:, 0] + weight_b[inside, None] * corner_values[:, 1]
        + weight_c[inside, None] * corner_values[:, 2])
    return out.reshape(size, size, -1)


def warp_maps(source: np.ndarray, destination: np.ndarray, size: int,
              faceswap_axes: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The ``cv2.remap`` maps that move ``source`` landmarks onto ``destination`` ones.

    Args:
        source: ``[68, 2]`` the face's landmarks (x, y) in its ``size`` px image.
        destination: ``[68, 2]`` where they should go (already noisy, :func:`noisy`).
        size: the image's side (px).
        faceswap_axes: evaluate on faceswap's (row, column) grid, as faceswap does (see the
            module's notes); False: the warp the points describe.

    Returns:
        ``(map_x, map_y)``, each ``float32 [size, size]``: the source position each output
        pixel shows (the pixel itself where the interpolation is undefined).
    """
    keep = kept_points(source, destination)
    anchors = edge_anchors(size)
    src = np.concatenate([np.asarray(source, np.float64)[keep], anchors])
    dst = np.concatenate([np.asarray(destination, np.float64)[keep], anchors])
    # values[i, j]: the source position of the destination point (i, j); faceswap reads it
    # for the pixel at row i, column j, the intended warp for row j, column i
    values = interpolate(dst, src, size)
    if not faceswap_axes:
        values = values.transpose(1, 0, 2)
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    at = np.stack((rows, cols) if faceswap_axes else (cols, rows), axis=-1)
    first, second = np.where(np.isnan(values), at, values).astype(np.float32).transpose(2, 0, 1)
    return (second, first) if faceswap_axes else (first, second)


def remap(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """``image`` resampled at the maps (bilinear, transparent border over the unwarped image)."""
    out = image.copy()
    cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, dst=out,
              borderMode=cv2.BORDER_TRANSPARENT)
    return out


def warp_to_landmarks(image: np.ndarray, source: np.ndarray, destination: np.ndarray,
                      rng: np.random.Generator, faceswap_axes: bool = True) -> np.ndarray:
    """One face warped from its landmarks to (noisy) destination landmarks, as faceswap does.

    Args:
        image: ``[S, S, C]`` the face (after its affine and flip), uint8 or float32.
        source: ``[68, 2]`` its landmarks (x, y) px, moved by the same affine and flip.
        destination: ``[68, 2]`` the other face's landmarks, moved the same way.
        rng: draws the destination's noise.
        faceswap_axes: see :func:`warp_maps`.

    Returns:
        The warped image, same shape and dtype.
    """
    size = image.shape[0]
    map_x, map_y = warp_maps(source, noisy(destination, size, rng), size, faceswap_axes)
    return remap(image, map_x, map_y)


def warp_batch(images: np.ndarray, sources: np.ndarray, destinations: np.ndarray,
               seed: np.ndarray, size: int) -> np.ndarray:
    """A batch warped to its destination landmarks, then resized to the model's input.

    The noise of the whole batch is drawn at once from ``seed`` (as faceswap draws it per
    batch), so a seed repeats the batch exactly. The warped face is shrunk to ``size`` with
    ``INTER_AREA``, as faceswap resizes its input.

    Args:
        images: ``float32 [B, S, S, C]``.
        sources: ``[B, 68, 2]`` landmarks of each face (x, y) px.
        destinations: ``[B, 68, 2]`` the landmarks each should move onto.
        seed: ``int64 [2]``: the noise's seed.
        size: the model's input side (px), at most ``S``.

    Returns:
        ``float32 [B, size, size, C]``.
    """
    rng = np.random.default_rng(np.asarray(seed).astype(np.int64).view(np.uint64))
    noisy_all = noisy(np.asarray(destinations, np.float64), images.shape[1], rng)
    out = np.empty((len(images), size, size, images.shape[-1]), dtype=np.float32)
    for index, image in enumerate(np.asarray(images, np.float32)):
        map_x, map_y = warp_maps(sources[index], noisy_all[index], image.shape[0])
        warped = remap(image, map_x, map_y)
        if warped.shape[0] != size:
            warped = cv2.resize(warped, (size, size), interpolation=cv2.INTER_AREA)
        out[index] = warped.reshape(size, size, -1)
    return out
