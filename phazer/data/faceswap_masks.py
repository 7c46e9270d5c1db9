"""The masks of a faceswap training sample, made as faceswap's ``TrainSet`` makes them.

Two kinds, both ``uint8 [size, size]`` at the training crop:

- **landmark masks**, drawn at the sample size from the landmarks in the crop's pixels
  (:meth:`phazer.data.faceswap_align.TrainingCrop.landmarks`): ``components`` (faceswap's
  ``face``: eight convex hulls of parts of the face), ``extended`` (the same with the brows
  raised half their distance from the eyes, reaching onto the forehead), ``eye`` (the two
  eyes) and ``mouth`` (the outer lip line). Each hull is filled with anti-aliased edges. The
  face masks are grown or shrunk by ``mask_dilation`` and never blurred or thresholded; the eye
  and mouth masks are grown by 2.5 % and blurred with a gaussian of ``size // 16`` px;
- **stored masks**, from the face's header (:class:`phazer.data.faceswap_header.StoredMask`):
  grown or shrunk by ``mask_dilation`` (of the stored size), thresholded, blurred (gaussian,
  ``mask_blur_kernel`` px at the stored size, an even kernel taken as the next odd one), cut to
  the training crop from the centering they were stored at (zeros outside), then resized:
  ``INTER_CUBIC`` when the *stored* size is below the sample size, ``INTER_AREA`` otherwise
  (faceswap's choice, so a 112 px cut of a 128 px mask is enlarged to 128 with ``INTER_AREA``).

Facts from faceswap's ``lib/align/aligned_mask.py``, ``lib/align/constants.py`` and
``lib/training/data/data_set.py``. numpy and OpenCV only.
"""

from __future__ import annotations

import cv2
import numpy as np

from phazer.data.faceswap_align import (
    EXTRACT_RATIOS,
    FaceGeometry,
    TrainingCrop,
    sub_crop,
    sub_crop_size,
)
from phazer.data.faceswap_header import StoredMask

LANDMARK_MASK_AREAS: tuple[str, ...] = ("components", "extended", "eye", "mouth")
"""The masks drawn from landmarks (``components`` and ``extended`` are face masks)."""

FACE_PARTS: tuple[tuple[tuple[int, int], ...], ...] = (
    ((0, 9), (17, 18)),                      # right jaw
    ((8, 17), (26, 27)),                     # left jaw
    ((17, 20), (8, 9)),                      # right cheek
    ((24, 27), (8, 9)),                      # left cheek
    ((19, 25), (8, 9)),                      # nose ridge
    ((17, 22), (27, 28), (31, 36), (8, 9)),  # right eye
    ((22, 27), (27, 28), (31, 36), (8, 9)),  # left eye
    ((27, 31), (31, 36)))                    # nose
"""The landmark ranges of each hull of faceswap's face mask (68-point landmarks)."""
EYES: tuple[tuple[int, int], ...] = ((36, 42), (42, 48))
MOUTH: tuple[tuple[int, int], ...] = ((48, 60),)

AREA_DILATION = 2.5
"""The eye and mouth masks are grown by this percentage of the sample size."""
AREA_BLUR_DIVISOR = 16
"""The eye and mouth masks are blurred with a kernel of the sample size over this."""


def odd_kernel(size: int) -> int:
    """A blur kernel size made odd (an even one becomes the next odd one; 0 stays 0)."""
    return size + 1 if size and size % 2 == 0 else size


def dilate(mask: np.ndarray, percent: float) -> np.ndarray:
    """Grow (positive) or shrink (negative) a mask by an ellipse ``percent`` of its side.

    The kernel is ``round(side * |percent| / 100)`` px; 0 px leaves the mask as it is.
    """
    kernel = int(round(mask.shape[0] * abs(percent / 100.0), 0))
    if percent == 0 or kernel == 0:
        return mask
    element = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kernel, kernel))
    operation = cv2.erode if percent < 0 else cv2.dilate
    return operation(mask, element, iterations=1)


def gaussian_blur(mask: np.ndarray, kernel: int) -> np.ndarray:
    """A gaussian blur with a ``kernel`` px square kernel (made odd), sigma from the kernel."""
    kernel = odd_kernel(kernel)
    if not kernel:
        return mask
    return cv2.GaussianBlur(mask, (kernel, kernel), 0)


def _raised_brows(points: np.ndarray) -> np.ndarray:
    """The landmarks with each brow moved up by half its distance from the eye below it."""
    left_mid = (points[36] + points[0]) // 2
    right_mid = (points[16] + points[45]) // 2
    below_left = np.array((((points[36] + left_mid) // 2), points[36], points[37],
                           points[38], points[39]))
    below_right = np.array((points[42], points[43], points[44], points[45],
                            (points[45] + right_mid) // 2))
    raised = points.copy()
    raised[17:22] = points[17:22] + (points[17:22] - below_left) // 2
    raised[22:27] = points[22:27] + (points[22:27] - below_right) // 2
    return raised


def _hulls(area: str, points: np.ndarray) -> list[np.ndarray]:
    """The int32 point sets whose convex hulls make up ``area``."""
    if area == "extended":
        points = _raised_brows(points)
    if area in ("components", "extended"):
        return [np.concatenate([np.rint(points[start:stop]).astype(np.int32)
                                for start, stop in part]) for part in FACE_PARTS]
    ranges = EYES if area == "eye" else MOUTH
    return [np.rint(points[start:stop]).astype(np.int32) for start, stop in ranges]


def landmark_mask(area: str, landmarks: np.ndarray, size: int, dilation: float = 0.0
                  ) -> np.ndarray:
    """A mask drawn from landmarks, as faceswap's training draws it.

    Args:
        area: ``components``, ``extended``, ``eye`` or ``mouth``.
        landmarks: ``float32 [68, 2]`` in the sample's pixels.
        size: the sample's side (px).
        dilation: ``mask_dilation`` (percent) for ``components`` / ``extended``; the eye and
            mouth masks always use :data:`AREA_DILATION` and a blur.

    Returns:
        ``uint8 [size, size]``.
    """
    if area not in LANDMARK_MASK_AREAS:
        raise ValueError(f"no landmark mask {area!r}; expected one of "
                         f"{', '.join(LANDMARK_MASK_AREAS)}")
    mask = np.zeros((size, size), dtype=np.uint8)
    for points in _hulls(area, landmarks):
        cv2.fillConvexPoly(mask, cv2.convexHull(points), 255, lineType=cv2.LINE_AA)
    if area in ("components", "extended"):
        return dilate(mask, dilation)
    return gaussian_blur(dilate(mask, AREA_DILATION), size // AREA_BLUR_DIVISOR)


def stored_mask(stored: StoredMask, geometry: FaceGeometry, crop: TrainingCrop,
                dilation: float = 0.0, blur_kernel: int = 0, threshold: float = 0.0
                ) -> np.ndarray:
    """A mask from a face's header at the training crop, as faceswap's training makes it.

    Args:
        stored: the mask from the header.
        geometry: the face's :func:`phazer.data.faceswap_align.face_geometry`.
        crop: the training crop.
        dilation: ``mask_dilation`` (percent of the stored size; negative shrinks).
        blur_kernel: ``mask_blur_kernel`` (px at the stored size; 0 for none).
        threshold: ``mask_threshold`` (percent): values below it become 0, values above 100
            minus it become 255.

    Returns:
        ``uint8 [crop.size, crop.size]``.
    """
    mask = dilate(stored.mask, dilation)
    if threshold:
        level = threshold / 100.0 * 255.0
        mask = mask.copy() if mask is stored.mask else mask
        mask[mask < level] = 0
        mask[mask > 255.0 - level] = 255
    mask = gaussian_blur(mask, blur_kernel)
    size = stored.stored_size
    if crop.centering != stored.stored_centering or crop.coverage != 1.0:
        cut = sub_crop_size(stored.stored_centering, crop.centering, size, crop.coverage)
        shift = (geometry.offsets[crop.centering] - geometry.offsets[stored.stored_centering]
                 - [0.0, crop.y_offset])
        core = size - size * EXTRACT_RATIOS[stored.stored_centering]
        centre = np.rint(shift * core + size / 2).astype(np.int32)
        left, top = centre - cut // 2
        mask = sub_crop(mask, int(left), int(top), cut)
    if mask.shape[0] == crop.size:
        return mask
    method = cv2.INTER_CUBIC if size < crop.size else cv2.INTER_AREA
    return cv2.resize(mask, (crop.size, crop.size), interpolation=method)

