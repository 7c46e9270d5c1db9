"""Which faces of the other side each face is warped towards (warp to landmarks, TF-free).

faceswap's ``LandmarkMatcher`` (``lib/training/data/collate.py``), computed once before
training:

- every face's 68 landmarks are read from its header and placed in the training sample's
  pixels (centering, coverage, vertical offset, at the sample's size: what
  :func:`phazer.data.faceswap_sample.sample_landmarks` gives);
- for each face, its closest faces of the other side: the smallest squared distances between
  the two faces' landmarks, all 136 coordinates flattened (:func:`closest_matches`);
- how many are kept (:func:`candidate_count`): 10 when both sides have more than 10 faces,
  else one less than the smaller side's count;
- each time a face is drawn for a batch, one of its candidates is picked at random, uniformly
  (:mod:`phazer.data.augment` does that with the batch's seed).

faceswap allows exactly two sides (A with B). A phazer model may have more: each side is
matched with :func:`phazer.sides.other_side`, the next side cyclically (B for A and A for B
with two sides; with three, A with B, B with C, C with A; a single side with itself). When the
sides' sample sizes differ, the other side's landmarks are placed at this side's size.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from phazer.data.faceswap_align import FaceGeometry, TrainingCrop, face_geometry
from phazer.data.faceswap_header import read_faceswap_header
from phazer.data.folders import DataError, FaceFolder
from phazer.data.images import FaceFileError
from phazer.sides import other_side
from phazer.spec.training import TrainingSpec

CANDIDATES = 10
"""faceswap keeps this many closest faces of the other side per face."""
_CHUNK = 1024      # rows of the distance matrix computed at once (faceswap computes them all)
_THREADS = 4


def candidate_count(own: int, other: int) -> int:
    """How many closest faces are kept, for sides of ``own`` and ``other`` faces.

    faceswap's rule: 10 when the smaller side has more than 10 faces, else one less than the
    smaller side's count. faceswap itself fails when the smaller side has exactly 10 faces
    (or one); phazer keeps 9 (or 1) then.
    """
    smallest = min(own, other)
    return CANDIDATES if smallest > CANDIDATES else max(smallest - 1, 1)


def closest_matches(own: np.ndarray, other: np.ndarray, count: int) -> np.ndarray:
    """``int32 [N, count]``: for each face of ``own``, its ``count`` closest faces of ``other``.

    The distance is faceswap's: the squared euclidean distance of the flattened landmarks,
    computed as ``|a|^2 + |b|^2 - 2 a.b`` in float32. Each row is ordered nearest first.

    Args:
        own: ``[N, 68, 2]`` landmarks.
        other: ``[M, 68, 2]`` landmarks, in the same pixels.
        count: how many to keep (1 to M, :func:`candidate_count`).
    """
    first = np.asarray(own, np.float32).reshape(len(own), -1)
    second = np.asarray(other, np.float32).reshape(len(other), -1)
    if not 1 <= count <= len(second):
        raise ValueError(f"count {count}: expected 1 to {len(second)} (the other side's faces)")
    second_sq = (second ** 2).sum(axis=1)[None, :]
    rows = []
    for start in range(0, len(first), _CHUNK):
        part = first[start:start + _CHUNK]
        dist2 = np.clip((part ** 2).sum(axis=1, keepdims=True) + second_sq
                        - 2.0 * (part @ second.T), 0, None)
        picked = np.argpartition(dist2, count - 1, axis=1)[:, :count]
        order = np.argsort(np.take_along_axis(dist2, picked, axis=1), axis=1, kind="stable")
        rows.append(np.take_along_axis(picked, order, axis=1))
    return np.concatenate(rows).astype(np.int32)


@dataclass(frozen=True)
class LandmarkPairs:
    """What one side's warp to landmarks draws from.

    Attributes:
        other_side: the side its faces are matched with.
        own: ``float32 [N, 68, 2]``: its faces' landmarks in its samples' pixels (file order).
        other: ``float32 [M, 68, 2]``: the other side's faces' landmarks, in this side's
            sample pixels.
        closest: ``int32 [N, K]``: each face's candidates, indices into :attr:`other`.
    """

    other_side: str
    own: np.ndarray
    other: np.ndarray
    closest: np.ndarray


def require_landmarks(training: TrainingSpec, folder: FaceFolder, side: str) -> None:
    """A side's folder has faceswap's faces when the warp to landmarks is on.

    Nothing is needed when it is off, or when ``training.augmentation.warp`` is off (faceswap
    does not load landmarks without the warp either).

    Raises:
        DataError: the folder holds plain faces (no header, so no landmarks).
    """
    aug = training.augmentation
    if aug.warp_to_landmarks and aug.warp and not folder.faceswap:
        raise DataError(
            f"side {side.upper()}: training.augmentation.warp_to_landmarks is true, but "
            f"{folder.folder} holds plain faces without faceswap's header, so they have no "
            "landmarks", "train on faceswap's extracted faces (faceswap extract's output) on "
            "every side, or set training.augmentation.warp_to_landmarks false")


def _geometry(path: Path) -> FaceGeometry:
    try:
        header = read_faceswap_header(path)
    except FaceFileError as exc:
        raise DataError(f"{path}: {exc.reason}", "restore the file, or remove it") from None
    if header is None:
        raise DataError(f"{path} has no faceswap header any more, so it has no landmarks",
                        "restore faceswap's extracted face, or remove the file")
    return face_geometry(header.landmarks)


def _crop(training: TrainingSpec, size: int) -> TrainingCrop:
    return TrainingCrop(training.centering, size, training.coverage / 100,
                        training.vertical_offset / 100)


def landmark_pairs(folders: Mapping[str, FaceFolder], training: TrainingSpec,
                   sizes: Mapping[str, int]) -> dict[str, LandmarkPairs]:
    """Each side's landmarks and closest faces of its other side (read from the headers).

    Args:
        folders: side -> its faces, in the model's side order.
        training: the spec's training section (the crop: centering, coverage, offset).
        sizes: side -> the side (px) of its samples.

    Raises:
        DataError: see :func:`require_landmarks`; a face whose header cannot be read any more.
    """
    for side, folder in folders.items():
        require_landmarks(training, folder, side)
    sides = tuple(folders)
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        geometries = {side: list(pool.map(_geometry, folders[side].files)) for side in sides}
    placed: dict[tuple[str, int], np.ndarray] = {}

    def landmarks(side: str, size: int) -> np.ndarray:
        if (side, size) not in placed:
            crop = _crop(training, size)
            placed[side, size] = np.stack([crop.landmarks(g) for g in geometries[side]])
        return placed[side, size]

    pairs = {}
    for side in sides:
        other = other_side(side, sides)
        own, theirs = landmarks(side, sizes[side]), landmarks(other, sizes[side])
        count = candidate_count(len(own), len(theirs))
        pairs[side] = LandmarkPairs(other, own, theirs, closest_matches(own, theirs, count))
    return pairs
