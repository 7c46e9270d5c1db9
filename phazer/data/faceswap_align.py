"""Where faceswap's training crop lies inside an extracted face, and where its landmarks fall.

faceswap's extract step writes *head-centred* crops (``head`` centering, the crop's core a
fixed share of its side). Training cuts a smaller square out of that crop: centred on the
face, the head or the nose (``legacy``), at the configured coverage, moved up by the vertical
offset, then resized. The facts, from faceswap's ``lib/align`` (aligned_face.py,
aligned_utils.py, pose.py, constants.py):

1. **legacy alignment**: a similarity transform (Umeyama, with scale) of landmarks 17-67 onto
   faceswap's 51-point 2D mean face maps frame pixels into a unit square centred on the nose;
2. **pose**: OpenCV's iterative ``solvePnP`` of 26 of those aligned landmarks against
   faceswap's 3D mean face, with a camera of focal length 4 centred on (0.5, 0.5); projecting
   a fixed 3D point per centering gives how far that centering's centre lies from the legacy
   one (the *offsets*, in unit-square units);
3. **the crop**: each centering keeps a share of its crop as padding
   (:data:`EXTRACT_RATIOS`); the sub-crop's side and position inside the head crop follow from
   the ratio of the two cores, the coverage and the offsets, rounded to whole pixels; pixels
   outside the head crop are zeros; the sub-crop is resized with ``INTER_CUBIC`` when it grows
   and ``INTER_AREA`` when it shrinks.

All numpy and OpenCV; the arithmetic keeps faceswap's dtypes and order so that the crops
and landmark positions agree to the pixel.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

CENTERINGS: tuple[str, ...] = ("face", "head", "legacy")
EXTRACT_RATIOS: dict[str, float] = {"legacy": 0.375, "face": 0.5, "head": 0.625}
"""The share of each centering's crop that is padding around its core."""
SOURCE_CENTERING = "head"
"""The centering of the faces faceswap's extract step writes."""

MEAN_FACE_2D = np.array([
    [0.010086, 0.106454], [0.085135, 0.038915], [0.191003, 0.018748], [0.300643, 0.034489],
    [0.403270, 0.077391], [0.596729, 0.077391], [0.699356, 0.034489], [0.808997, 0.018748],
    [0.914864, 0.038915], [0.989913, 0.106454], [0.500000, 0.203352], [0.500000, 0.307009],
    [0.500000, 0.409805], [0.500000, 0.515625], [0.376753, 0.587326], [0.435909, 0.609345],
    [0.500000, 0.628106], [0.564090, 0.609345], [0.623246, 0.587326], [0.131610, 0.216423],
    [0.196995, 0.178758], [0.275698, 0.179852], [0.344479, 0.231733], [0.270791, 0.245099],
    [0.192616, 0.244077], [0.655520, 0.231733], [0.724301, 0.179852], [0.803005, 0.178758],
    [0.868389, 0.216423], [0.807383, 0.244077], [0.729208, 0.245099], [0.264022, 0.780233],
    [0.350858, 0.745405], [0.438731, 0.727388], [0.500000, 0.742578], [0.561268, 0.727388],
    [0.649141, 0.745405], [0.735977, 0.780233], [0.652032, 0.864805], [0.566594, 0.902192],
    [0.500000, 0.909281], [0.433405, 0.902192], [0.347967, 0.864805], [0.300252, 0.784792],
    [0.437969, 0.778746], [0.500000, 0.785343], [0.562030, 0.778746], [0.699747, 0.784792],
    [0.563237, 0.824182], [0.500000, 0.831803], [0.436763, 0.824182]])
"""faceswap's mean face: where landmarks 17-67 lie in the legacy unit square."""

MEAN_FACE_3D = np.array([
    [4.056931, -11.432347, 1.636229], [1.833492, -12.542305, 4.061275],
    [0.0, -12.901019, 4.070434], [-1.833492, -12.542305, 4.061275],
    [-4.056931, -11.432347, 1.636229], [6.825897, 1.275284, 4.402142],
    [1.330353, 1.636816, 6.903745], [-1.330353, 1.636816, 6.903745],
    [-6.825897, 1.275284, 4.402142], [1.930245, -5.060977, 5.914376],
    [0.746313, -5.136947, 6.263227], [0.0, -5.485328, 6.76343],
    [-0.746313, -5.136947, 6.263227], [-1.930245, -5.060977, 5.914376],
    [5.311432, 0.0, 3.987654], [1.78993, -0.091703, 4.413414],
    [-1.78993, -0.091703, 4.413414], [-5.311432, 0.0, 3.987654],
    [2.774015, -7.566103, 5.048531], [0.509714, -7.056507, 6.566167],
    [0.0, -7.131772, 6.704956], [-0.509714, -7.056507, 6.566167],
    [-2.774015, -7.566103, 5.048531], [-0.589441, -8.443925, 6.109526],
    [0.0, -8.601736, 6.097667], [0.589441, -8.443925, 6.109526]])
"""faceswap's 3D mean head: the points :data:`POSE_LANDMARKS` are matched against."""

POSE_LANDMARKS = np.array([6, 7, 8, 9, 10, 17, 21, 22, 26, 31, 32, 33, 34, 35, 36, 39, 42, 45,
                           48, 50, 51, 52, 54, 56, 57, 58], dtype=np.int32)
"""The 68-point landmarks the pose is solved from (in :data:`MEAN_FACE_3D`'s order)."""

CENTER_POINTS_3D: dict[str, np.ndarray] = {
    "head": np.array([0.0, 0.0, -2.3], dtype=np.float32),
    "face": np.array([0.0, -1.5, 4.2], dtype=np.float32)}
"""The 3D point each centering is centred on (legacy: the unit square's centre)."""

_CAMERA = np.array([[4, 0, 0.5], [0, 4, 0.5], [0, 0, 1]], dtype=np.float64)
_NO_DISTORTION = np.zeros((4, 1), dtype=np.float32)
_HALF = np.array([0.5, 0.5], dtype=np.float32)


def umeyama(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The least-squares similarity transform (rotation, uniform scale, shift) of points.

    Umeyama's method (PAMI 1991) as faceswap computes it (its dtypes kept: float32 points
    give a float32 variance).

    Args:
        source: ``[n, 2]`` points.
        target: ``[n, 2]`` points they should land on.

    Returns:
        ``float64 [3, 3]``; all NaN when the points are degenerate.
    """
    count, dim = source.shape
    source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
    source_centred, target_centred = source - source_mean, target - target_mean
    covariance = target_centred.T @ source_centred / count
    signs = np.ones((dim,), dtype=np.float64)
    if np.linalg.det(covariance) < 0:
        signs[dim - 1] = -1
    result = np.eye(dim + 1, dtype=np.float64)
    left, singular, right = np.linalg.svd(covariance)
    rank = np.linalg.matrix_rank(covariance)
    if rank == 0:
        return np.nan * result
    if rank == dim - 1 and np.linalg.det(left) * np.linalg.det(right) <= 0:
        flipped = signs.copy()
        flipped[dim - 1] = -1
        result[:dim, :dim] = left @ np.diag(flipped) @ right
    elif rank == dim - 1:
        result[:dim, :dim] = left @ right
    else:
        result[:dim, :dim] = left @ np.diag(signs) @ right
    scale = 1.0 / source_centred.var(axis=0).sum() * (singular @ signs)
    result[:dim, dim] = target_mean - scale * (result[:dim, :dim] @ source_mean.T)
    result[:dim, :dim] *= scale
    return result


@dataclass(frozen=True)
class FaceGeometry:
    """The legacy alignment and pose offsets of one face (from its frame landmarks).

    Attributes:
        landmarks: ``float32 [68, 2]`` frame landmarks.
        legacy: ``float64 [2, 3]``: frame pixels to the legacy unit square.
        offsets: centering -> ``float32 [2]``: its centre minus the legacy centre, in
            unit-square units.
    """

    landmarks: np.ndarray
    legacy: np.ndarray
    offsets: dict[str, np.ndarray]

    def matrix(self, centering: str) -> np.ndarray:
        """``float64 [2, 3]``: frame pixels to the unit square of ``centering``."""
        matrix = self.legacy.copy()
        matrix[:, 2] -= self.offsets[centering]
        return matrix


def face_geometry(landmarks: np.ndarray) -> FaceGeometry:
    """The legacy alignment and the pose offsets of a face, as faceswap estimates them.

    Args:
        landmarks: ``float32 [68, 2]`` landmarks in frame pixels (the header's).
    """
    landmarks = np.asarray(landmarks, dtype=np.float32)
    legacy = umeyama(landmarks[17:], MEAN_FACE_2D)[:2]
    aligned = np.nan_to_num(cv2.transform(landmarks[:, None, :], legacy).squeeze())
    _, rotation, translation = cv2.solvePnP(MEAN_FACE_3D, aligned[POSE_LANDMARKS], _CAMERA,
                                            _NO_DISTORTION, flags=cv2.SOLVEPNP_ITERATIVE)
    offsets = {"legacy": np.zeros(2, dtype=np.float32)}
    for centering, point in CENTER_POINTS_3D.items():
        projected = cv2.projectPoints(point[None], rotation, translation, _CAMERA,
                                      _NO_DISTORTION)[0]
        offsets[centering] = projected.squeeze().astype(np.float32) - _HALF
    return FaceGeometry(landmarks, legacy, offsets)


def sub_crop_size(source: str, target: str, size: int, coverage: float = 1.0) -> int:
    """The side (px, even) of a ``target``-centred crop at ``coverage`` inside a ``source`` crop.

    Args:
        source: the centering of the crop cut from.
        target: the centering of the crop wanted.
        size: the side of the crop cut from (px).
        coverage: the share (0-1) of the target crop kept.
    """
    if source == target and coverage == 1.0:
        return size
    scale = (1 - EXTRACT_RATIOS[source]) / (1 - EXTRACT_RATIOS[target]) * coverage
    return 2 * round(size * scale / 2)


def sub_crop(image: np.ndarray, left: int, top: int, size: int) -> np.ndarray:
    """The ``size`` square at (left, top) of an ``[h, w, c]`` image; zeros outside it."""
    height, width = image.shape[:2]
    out = np.zeros((size, size, *image.shape[2:]), dtype=image.dtype)
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + size, width), min(top + size, height)
    if x0 < x1 and y0 < y1:
        out[y0 - top:y1 - top, x0 - left:x1 - left] = image[y0:y1, x0:x1]
    return out


def resize_square(image: np.ndarray, size: int, grow: int = cv2.INTER_CUBIC) -> np.ndarray:
    """A square image at ``size`` px: ``grow`` when enlarging, ``INTER_AREA`` when shrinking.

    Channels are kept (OpenCV drops a single channel's axis; it is put back).
    """
    if image.shape[0] == size:
        return image
    method = grow if image.shape[0] < size else cv2.INTER_AREA
    resized = cv2.resize(image, (size, size), interpolation=method)
    return resized.reshape(size, size, *image.shape[2:])


@dataclass(frozen=True)
class TrainingCrop:
    """Where a training crop lies (faceswap's ``centering`` / ``coverage`` / ``vertical_offset``).

    Attributes:
        centering: ``face``, ``head`` or ``legacy``.
        size: the side (px) of the result.
        coverage: the share (0-1] of the centering's crop kept.
        y_offset: how far (share of the crop, -1 to 1) the crop moves up.
    """

    centering: str
    size: int
    coverage: float = 1.0
    y_offset: float = 0.0

    def padding(self) -> int:
        """The padding (px) faceswap's landmark mapping puts around the core at this size."""
        ratio = EXTRACT_RATIOS[self.centering]
        return round(self.size * (ratio + self.coverage - 1) / (2 * self.coverage))

    def cut(self, head_crop: np.ndarray, geometry: FaceGeometry) -> np.ndarray:
        """The training crop of an extracted (head-centred) face, at :attr:`size`.

        Args:
            head_crop: ``[n, n, c]`` the extracted face (any number of channels).
            geometry: the face's :func:`face_geometry`.
        """
        image_size = head_crop.shape[0]
        crop_size = sub_crop_size(SOURCE_CENTERING, self.centering, image_size, self.coverage)
        core = 2 * round(image_size * (1 - EXTRACT_RATIOS[SOURCE_CENTERING]) / 2)
        margin = (image_size - crop_size) / 2
        delta = geometry.offsets[self.centering] - geometry.offsets[SOURCE_CENTERING]
        if self.y_offset:
            delta[1] -= self.y_offset
        left, top = np.rint(delta * core + margin).astype(np.int32)
        return resize_square(sub_crop(head_crop, int(left), int(top), crop_size), self.size)

    def landmarks(self, geometry: FaceGeometry) -> np.ndarray:
        """``float32 [68, 2]``: the face's landmarks in the training crop's pixels."""
        padding = self.padding()
        matrix = geometry.matrix(self.centering) * (self.size - 2 * padding)
        matrix[:, 2] += padding
        if self.y_offset:
            matrix[1, 2] += self.y_offset * (self.size - padding * 2)
        return cv2.transform(geometry.landmarks[:, None, :], matrix).squeeze(1)
