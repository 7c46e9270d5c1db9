"""Synthetic faces: deterministic, distinct identities, masks, files; and the swap metric."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phazer.data.folders import scan_faces
from phazer.data.quality import distribution, score, ssim_map, ssim_per_image, swap_quality
from phazer.data.synthetic import (
    Identity,
    Pose,
    make_identities,
    render_face,
    render_faces,
    sample_poses,
    write_identity,
)
from tests.helpers import run_fresh


def test_same_seed_same_pixels():
    first = render_faces(make_identities(3, 7)[2], sample_poses(4, 11), 48)
    again = render_faces(make_identities(3, 7)[2], sample_poses(4, 11), 48)
    assert np.array_equal(first, again)
    assert make_identities(3, 7) == make_identities(3, 7)
    assert make_identities(3, 7) != make_identities(3, 8)
    assert not np.array_equal(first, render_faces(make_identities(3, 7)[2],
                                                  sample_poses(4, 12), 48))


def test_rgba_with_a_face_mask():
    face = render_face(make_identities(1, 0)[0], sample_poses(1, 0)[0], 64)
    assert face.shape == (64, 64, 4) and face.dtype == np.uint8
    alpha = face[..., 3]
    assert alpha[32, 32] == 255 and alpha[0, 0] == 0 and alpha[63, 63] == 0
    assert 0.3 < np.mean(alpha > 127) < 0.8     # the face fills much of an aligned crop
    assert 0 < np.sum((alpha > 0) & (alpha < 255)) < 0.1 * alpha.size  # smooth edge only


def test_any_size_and_count():
    identities = make_identities(20, 1)
    assert len(identities) == 20 and len(set(identities)) == 20
    assert all(isinstance(i, Identity) for i in identities)
    poses = sample_poses(3, 1)
    assert all(isinstance(p, Pose) for p in poses)
    assert render_face(identities[19], poses[0], 17).shape == (17, 17, 4)
    assert render_faces(identities[0], [], 32).shape == (0, 32, 32, 4)


def _face_colour(faces: np.ndarray) -> np.ndarray:
    """Mean colour under the mask: a pose-independent look of the person."""
    weights = faces[..., 3:].astype(float) / 255
    return (faces[..., :3] * weights).sum(axis=(1, 2)) / weights.sum(axis=(1, 2))


def test_identities_differ_more_than_poses_of_one_identity():
    identities = make_identities(6, 3)
    poses = sample_poses(12, 4)
    looks = [_face_colour(render_faces(identity, poses, 48)) for identity in identities]
    within = np.mean([np.linalg.norm(look - look.mean(axis=0), axis=1).mean()
                      for look in looks])
    means = np.stack([look.mean(axis=0) for look in looks])
    between = np.mean([np.linalg.norm(means[i] - means[j])
                       for i in range(len(means)) for j in range(i)])
    assert between > 3 * within, (between, within)
    # and in pixels, against the same pose, a different person is a large change
    same_pose = [score(render_faces(identities[0], poses, 48)[..., :3],
                       render_faces(other, poses, 48)[..., :3])["mae"]
                 for other in identities[1:]]
    assert min(same_pose) > 0.04


def test_truth_is_b_in_a_pose():
    a, b = make_identities(2, 5)
    pose = dataclasses.replace(sample_poses(1, 6)[0], shift_x=0.3)
    face_a, face_b = render_face(a, pose, 64), render_face(b, pose, 64)
    centre = [np.mean(np.nonzero(face[..., 3] > 127)[1]) for face in (face_a, face_b)]
    assert abs(centre[0] - centre[1]) < 3 and centre[0] > 36   # both shifted right
    assert np.array_equal(face_a[0, 0, :3], face_b[0, 0, :3])  # the pose's background


def test_write_identity(tmp_path):
    identity = make_identities(1, 2)[0]
    poses = sample_poses(9, 3)
    files = write_identity(tmp_path / "a", identity, poses, 40)
    assert [f.name for f in files[:2]] == ["face_00000.png", "face_00001.png"]
    faces = scan_faces(tmp_path / "a", expected_size=40)
    assert faces.files == tuple(files) and faces.with_alpha == 9
    from PIL import Image

    with Image.open(files[4]) as image:
        assert np.array_equal(np.asarray(image), render_face(identity, poses[4], 40))


# --- the swap-quality metric ---------------------------------------------------------------
def test_identical_images_score_perfectly():
    faces = render_faces(make_identities(1, 0)[0], sample_poses(3, 0), 48)
    assert score(faces, faces) == {"mae": 0.0, "ssim": 1.0}
    assert score(faces[0], faces[0]) == {"mae": 0.0, "ssim": 1.0}  # no batch axis


def test_more_noise_scores_worse():
    rng = np.random.default_rng(0)
    clean = rng.random((2, 32, 32, 3)) * 0.5 + 0.25
    light = np.clip(clean + rng.normal(0, 0.02, clean.shape), 0, 1)
    heavy = np.clip(clean + rng.normal(0, 0.2, clean.shape), 0, 1)
    first, second = score(light, clean), score(heavy, clean)
    assert 0 < first["mae"] < second["mae"]
    assert 1 > first["ssim"] > second["ssim"]
    assert ssim_map(clean, clean).shape == (2, 22, 22, 3)
    with pytest.raises(ValueError, match="shapes differ"):
        score(clean, clean[:, :16])


def test_uint8_and_float_agree():
    faces = render_faces(make_identities(2, 0)[1], sample_poses(2, 0), 32)[..., :3]
    other = render_faces(make_identities(2, 0)[0], sample_poses(2, 0), 32)[..., :3]
    assert score(faces, other) == pytest.approx(score(faces / 255.0, other / 255.0))


def test_mask_limits_the_score_to_the_face():
    rng = np.random.default_rng(1)
    truth = rng.random((1, 32, 32, 3))
    mask = np.zeros((1, 32, 32, 1))
    mask[:, 8:24, 8:24] = 1
    wrong_outside = np.where(mask > 0, truth, 1 - truth)
    assert score(wrong_outside, truth, mask)["mae"] == 0.0
    assert score(wrong_outside, truth)["mae"] > 0.1


def test_swap_quality_compares_with_both_baselines():
    a, b = make_identities(2, 9)
    poses_a, poses_b = sample_poses(4, 1), sample_poses(4, 2)
    truth = render_faces(b, poses_a, 48)[..., :3]
    unchanged = render_faces(a, poses_a, 48)[..., :3]
    random_b = render_faces(b, poses_b, 48)[..., :3]
    perfect = swap_quality(truth, truth, unchanged, random_b)
    assert perfect["swap"] == {"mae": 0.0, "ssim": 1.0}
    assert perfect["beats_unchanged"] and perfect["beats_random_b"]
    assert perfect["beats_baselines"] is True
    lazy = swap_quality(unchanged, truth, unchanged, random_b)
    assert lazy["beats_unchanged"] is False and lazy["beats_baselines"] is False
    assert set(lazy) == {"swap", "unchanged", "random_b", "beats_unchanged", "beats_random_b",
                         "beats_baselines"}


def test_per_face_ssim_matches_the_batch_score_and_its_distribution():
    a, b = make_identities(2, 5)
    poses = sample_poses(5, 3)
    truth = render_faces(b, poses, 48)
    swapped = render_faces(a, poses, 48)[..., :3]
    mask = truth[..., 3:]
    per_face = ssim_per_image(swapped, truth[..., :3], mask)
    assert per_face.shape == (5,)
    for index in range(5):   # each face's figure is the batch score of that face alone
        alone = score(swapped[index:index + 1], truth[index:index + 1, ..., :3],
                      mask[index:index + 1])["ssim"]
        assert per_face[index] == pytest.approx(alone)
    assert ssim_per_image(truth[..., :3], truth[..., :3], mask) == pytest.approx(np.ones(5))
    spread = distribution(per_face)
    assert spread["count"] == 5 and len(spread["values"]) == 5
    assert spread["min"] <= spread["q1"] <= spread["median"] <= spread["q3"] <= spread["max"]
    assert spread["min"] == round(float(per_face.min()), 4)
    assert distribution(np.zeros(0)) == {"count": 0, "values": []}


def test_no_tensorflow_needed():
    result = run_fresh("import phazer.data.synthetic, phazer.data.quality, phazer.data.folders")
    assert result.returncode == 0, result.stderr
    assert result.loaded("tensorflow") == []


def test_the_demo_pairs_a_with_the_identity_of_the_nearest_skin_tone():
    from phazer.train.demo import demo_identities

    for seed in (1, 2, 7):
        drawn = make_identities(8, seed)
        a, b, c = demo_identities(3, seed)
        assert a == drawn[0] and b in drawn[1:] and c in drawn[1:] and b != c

        def distance(other, first=a):
            return sum((x - y) ** 2 for x, y in zip(first.skin, other.skin, strict=True))

        assert distance(b) == min(distance(other) for other in drawn[1:])
        assert b.hair != a.hair or b.face_width != a.face_width    # still another person
    assert demo_identities(2, 1)[1] != make_identities(2, 1)[1]    # seed 1: a darker A
