"""faceswap's warp to landmarks: the warp of one face and the closest-face table (no TensorFlow).

The warp is checked against faceswap's own ``_random_warp_landmarks`` on faceswap's own
samples (``tests/data/landmark_warp/reference.npz``, made by ``make_reference.py`` there), and
against what a warp must do: the identity for identical landmarks, a shift of every landmark
moves the face by that shift (mirrored about the diagonal on faceswap's axes). The table is
checked against a brute-force nearest-neighbour search over the shared reference faces.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.interpolate import griddata
from scipy.spatial.distance import cdist

from phazer.data.faceswap_header import read_faceswap_header
from phazer.data.faceswap_sample import SampleSettings, sample_landmarks
from phazer.data.folders import DataError, FaceFolder
from phazer.data.landmark_match import (
    candidate_count,
    closest_matches,
    landmark_pairs,
    require_landmarks,
)
from phazer.data.landmark_warp import (
    edge_anchors,
    interpolate,
    kept_points,
    noise_scale,
    noisy,
    remap,
    warp_batch,
    warp_maps,
)
from phazer.spec.training import TrainingSpec
from tests.faceswap_oracle import oracle_dir, require_oracle, trainset

REFERENCE = Path(__file__).parent / "data" / "landmark_warp" / "reference.npz"
SIZE = 64


def _faces(side: str) -> list[Path]:
    return sorted((require_oracle() / "faces" / side).glob("*.png"))


def _landmarks(side: str, settings: SampleSettings) -> np.ndarray:
    return np.stack([sample_landmarks(read_faceswap_header(path), settings)
                     for path in _faces(side)])


def _face_points() -> np.ndarray:
    """A face's landmarks in a 64 px face-centred sample (the first reference face)."""
    return _landmarks("A", SampleSettings(SIZE, "face", 87.5))[0]


def _smooth_image(size: int = SIZE) -> np.ndarray:
    rng = np.random.default_rng(0)
    coarse = rng.uniform(0, 1, (8, 8, 3)).astype(np.float32)
    return cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)


def _core_pixels(points: np.ndarray, size: int, margin: float = 2.0) -> np.ndarray:
    """(x, y) of the pixels at least ``margin`` px inside the hull of landmarks 17-67."""
    hull = cv2.convexHull(points[17:].astype(np.float32))
    return np.array([(x, y) for y in range(size) for x in range(size)
                     if cv2.pointPolygonTest(hull, (float(x), float(y)), True) >= margin])


@pytest.mark.skipif(oracle_dir() is None, reason="shared/faceswap-training is absent")
def test_warp_is_faceswaps_on_its_own_samples():
    with np.load(REFERENCE) as data:
        cases = sorted({key.split("/")[0] for key in data.files})
        for case in cases:
            image = trainset()[str(data[f"{case}/key"])][..., :3]
            size = image.shape[0]
            destination = data[f"{case}/destination"] + data[f"{case}/noise"]
            map_x, map_y = warp_maps(data[f"{case}/source"], destination, size)
            ours = remap(image, map_x, map_y)
            # where a sample reaches past the image, faceswap's output holds whatever memory
            # its fresh array was given: only the pixels sampled inside the image are facts
            inside = ((map_x >= 0) & (map_x <= size - 1) & (map_y >= 0)
                      & (map_y <= size - 1))
            assert inside.mean() > 0.97, case
            np.testing.assert_array_equal(ours[inside], data[f"{case}/warped"][inside],
                                          err_msg=case)
    assert len(cases) == 4


@pytest.mark.parametrize(("size", "centering", "coverage"), [(64, "face", 87.5),
                                                             (128, "legacy", 68.75)])
def test_interpolation_is_griddatas(size, centering, coverage):
    settings = SampleSettings(size, centering, coverage)
    side_a, side_b = _landmarks("A", settings), _landmarks("B", settings)
    rng = np.random.default_rng(size)
    for source, destination in zip(side_a, side_b, strict=True):
        destination = destination + rng.normal(scale=noise_scale(size), size=(68, 2))
        keep = kept_points(source, destination)
        src = np.concatenate([source[keep], edge_anchors(size)])
        dst = np.concatenate([destination[keep], edge_anchors(size)])
        grid = np.mgrid[0:size, 0:size].astype(np.float64)
        expected = griddata(dst, src, (grid[0], grid[1]), method="linear")
        ours = interpolate(dst, src, size)
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
        np.testing.assert_allclose(ours, expected, atol=1e-9)


def test_identical_landmarks_give_the_identity():
    points = _face_points()
    map_x, map_y = warp_maps(points, points, SIZE)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    np.testing.assert_allclose(map_x, cols, atol=1e-3)
    np.testing.assert_allclose(map_y, rows, atol=1e-3)
    image = _smooth_image()
    np.testing.assert_allclose(remap(image, map_x, map_y), image, atol=1e-4)


@pytest.mark.parametrize("shift", [(3, 0), (0, -2), (2, 1)])
def test_a_shift_of_every_landmark_moves_the_face_by_it(shift):
    points, image = _face_points(), _smooth_image()
    dx, dy = shift
    map_x, map_y = warp_maps(points, points + np.array(shift, np.float32), SIZE,
                             faceswap_axes=False)
    moved = remap(image, map_x, map_y)
    for x, y in _core_pixels(points + np.array(shift, np.float32), SIZE):
        assert (map_x[y, x], map_y[y, x]) == pytest.approx((x - dx, y - dy), abs=1e-3)
        np.testing.assert_allclose(moved[y, x], image[y - dy, x - dx], atol=1e-5)


def test_faceswaps_axes_mirror_the_warp_about_the_diagonal():
    points = _face_points()
    destination = points + np.array((3.0, 0.0), np.float32)
    intended = warp_maps(points, destination, SIZE, faceswap_axes=False)
    faceswap = warp_maps(points, destination, SIZE)
    np.testing.assert_allclose(faceswap[0], intended[1].T, atol=1e-3)
    np.testing.assert_allclose(faceswap[1], intended[0].T, atol=1e-3)
    # moving the landmarks right moves faceswap's face down, where its mirrored core lies
    mirrored = _core_pixels(destination[:, ::-1], SIZE)
    assert len(mirrored) > 100
    for x, y in mirrored:
        assert (faceswap[0][y, x], faceswap[1][y, x]) == pytest.approx((x, y - 3), abs=1e-3)


def test_jaw_points_inside_the_face_core_are_left_out():
    points = np.rint(_face_points())
    inside = points.copy()
    inside[5] = points[30]          # a jaw point moved onto the nose
    keep = kept_points(inside, inside)
    assert not keep[5] and keep[0] and keep[16]
    assert not keep[17]             # the first brow point is a corner of the core itself
    assert keep[18:].all()          # points past 17 are never tested
    moved = points.copy()
    moved[8] = points[57]           # inside in the destination only: out of both
    assert not kept_points(points, moved)[8]


def test_edge_anchors_and_noise_scale():
    assert edge_anchors(64).tolist() == [[0, 0], [0, 63], [63, 63], [63, 0], [31, 0],
                                         [31, 63], [63, 31], [0, 31]]
    assert noise_scale(256) == 2.0 and noise_scale(128) == 1.0
    drawn = noisy(np.zeros((2000, 68, 2)), 256, np.random.default_rng(1))
    assert drawn.std() == pytest.approx(2.0, rel=0.01)
    assert abs(drawn.mean()) < 0.01


def test_transparent_border_keeps_the_unwarped_image():
    image = _smooth_image()
    rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    out = remap(image, cols + 100, rows)            # every sample outside the image
    np.testing.assert_array_equal(out, image)


def test_warp_batch_repeats_with_its_seed_and_resizes():
    points = _face_points()
    images = np.stack([_smooth_image(), _smooth_image()[::-1]])
    sources = np.stack([points, points])
    destinations = sources + np.float32(1.5)
    first = warp_batch(images, sources, destinations, np.array([7, -3]), 32)
    again = warp_batch(images, sources, destinations, np.array([7, -3]), 32)
    other = warp_batch(images, sources, destinations, np.array([8, -3]), 32)
    assert first.shape == (2, 32, 32, 3) and first.dtype == np.float32
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).max() > 1e-4


@pytest.mark.parametrize(("own", "other", "count"), [
    (5, 5, 4), (11, 11, 10), (200, 11, 10), (10, 50, 9), (3, 100, 2), (1, 7, 1), (2, 1, 1)])
def test_candidate_count_follows_faceswap(own, other, count):
    assert candidate_count(own, other) == count


def test_closest_faces_of_the_reference_set():
    settings = SampleSettings(SIZE, "face", 87.5)
    side_a, side_b = _landmarks("A", settings), _landmarks("B", settings)
    count = candidate_count(len(side_a), len(side_b))
    assert count == 4
    for own, other in ((side_a, side_b), (side_b, side_a)):
        table = closest_matches(own, other, count)
        distances = cdist(own.reshape(len(own), -1).astype(np.float64),
                          other.reshape(len(other), -1).astype(np.float64))
        expected = np.argsort(distances, axis=1)[:, :count]
        np.testing.assert_array_equal(table, expected)
        assert (np.sort(distances, axis=1)[:, count] - np.sort(distances, axis=1)[:, count - 1]
                > 1e-3).all()    # no near tie at the cut: the set is well defined


def test_landmark_pairs_match_each_side_with_the_next():
    training = TrainingSpec.model_validate(
        {"centering": "face", "coverage": 87.5, "augmentation": {"warp_to_landmarks": True}})
    folder_a = FaceFolder(require_oracle() / "faces" / "A", tuple(_faces("A")), faceswap=True)
    folder_b = FaceFolder(require_oracle() / "faces" / "B", tuple(_faces("B")), faceswap=True)
    pairs = landmark_pairs({"a": folder_a, "b": folder_b, "c": folder_a}, training,
                           {"a": SIZE, "b": SIZE, "c": 128})
    assert [pairs[s].other_side for s in "abc"] == ["b", "c", "a"]
    np.testing.assert_allclose(pairs["a"].own, _landmarks("A", SampleSettings(SIZE, "face",
                                                                               87.5)))
    # side c's samples are 128 px: side a's faces are placed at its size
    np.testing.assert_allclose(pairs["c"].other,
                               _landmarks("A", SampleSettings(128, "face", 87.5)))
    assert pairs["a"].closest.shape == (5, 4) and pairs["c"].closest.shape == (5, 4)
    # a matched with itself: each face's nearest is itself
    assert (pairs["c"].closest[:, 0] == np.arange(5)).all()


def test_plain_faces_are_refused_only_with_the_warp_on(tmp_path):
    plain = FaceFolder(tmp_path, (tmp_path / "x.png",), faceswap=False)
    on = TrainingSpec.model_validate({"augmentation": {"warp_to_landmarks": True}})
    with pytest.raises(DataError, match=r"side B: .*warp_to_landmarks is true.*plain faces"):
        require_landmarks(on, plain, "b")
    off = TrainingSpec.model_validate({"augmentation": {"warp_to_landmarks": True,
                                                        "warp": False}})
    require_landmarks(off, plain, "b")
    require_landmarks(TrainingSpec(), plain, "b")
