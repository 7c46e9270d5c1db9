"""The warp to landmarks in the training pipeline: only the input of faceswap faces is warped,
the landmarks follow each face's affine (flip included), and a seed repeats it."""

from __future__ import annotations

import numpy as np
import pytest

from phazer.data.folders import DataError, scan_faces
from phazer.spec.training import TrainingSpec
from tests.faceswap_oracle import oracle_dir, require_oracle

pytestmark = pytest.mark.keras
needs_oracle = pytest.mark.skipif(oracle_dir() is None,
                                  reason="shared/faceswap-training is absent")


def _training(**augmentation: object) -> TrainingSpec:
    return TrainingSpec.model_validate({"augmentation": augmentation})


def _batch(training: TrainingSpec, seed: int = 3):
    from phazer.data.pipeline import make_dataset

    faces = require_oracle() / "faces"
    folders = {side.lower(): scan_faces(faces / side, min_images=4) for side in "AB"}
    return next(iter(make_dataset(folders, training, 64, 48, 4, False, seed=seed)))


@needs_oracle
def test_the_input_is_warped_to_landmarks_and_the_target_is_not():
    inputs, targets = _batch(_training(warp_to_landmarks=True))
    plain_inputs, plain_targets = _batch(_training(warp=False))
    for side in "ab":
        ours = inputs[f"face_in_{side}"].numpy()
        assert ours.shape == (4, 64, 64, 3)
        assert np.abs(ours - plain_inputs[f"face_in_{side}"].numpy()).mean() > 5e-3
    for name, target in targets.items():
        np.testing.assert_array_equal(target.numpy(), plain_targets[name].numpy(), name)
    again, _ = _batch(_training(warp_to_landmarks=True))
    for name, image in inputs.items():
        np.testing.assert_array_equal(image.numpy(), again[name].numpy(), name)


def test_landmarks_follow_the_affine_and_the_flip():
    import tensorflow as tf

    from phazer.data.augment import _apply, _follow, _grid, _sample, _transform
    from phazer.spec.training import AugmentationSpec

    size, crop = 64, 56.0
    aug = AugmentationSpec(rotation_range=30, zoom_amount=20, shift_range=10, flip_chance=50)
    params = _transform(aug, 8, tf.random.experimental.stateless_split(
        tf.constant([5, 6], tf.int64), 4))
    assert set(params[3].numpy()) == {-1.0, 1.0}      # flipped and unflipped images
    points = tf.constant(np.random.default_rng(2).uniform(20, 44, (8, 1, 2)), tf.float32)
    image = np.zeros((8, size, size, 1), np.float32)
    for index, (x, y) in enumerate(points.numpy()[:, 0]):   # a bright 2x2 dot per image
        image[index, int(y):int(y) + 2, int(x):int(x) + 2] = 1.0
    centres = (points.numpy()[:, 0].astype(np.int32) + 0.5).astype(np.float32)
    xs, ys = _grid(size, tf.constant(crop))
    sx, sy = _apply(tf.tile(xs[None], [8, 1, 1]), tf.tile(ys[None], [8, 1, 1]), params,
                    tf.constant(float(size)))
    moved = _sample(tf.constant(image), sx, sy).numpy()[..., 0]
    followed = _follow(tf.constant(centres[:, None]), params, tf.constant(float(size)),
                       tf.constant(crop), size).numpy()[:, 0]
    for index in range(8):
        rows, cols = np.nonzero(moved[index] > 0.2)
        weights = moved[index][rows, cols]
        seen = (np.average(cols, weights=weights), np.average(rows, weights=weights))
        assert seen == pytest.approx(tuple(followed[index]), abs=0.35), index


def test_plain_faces_with_warp_to_landmarks_are_refused(face_scans):
    from phazer.data.pipeline import make_dataset

    with pytest.raises(DataError, match=r"side A: .*warp_to_landmarks is true"):
        make_dataset(face_scans, _training(warp_to_landmarks=True), 32, 32, 2, False, seed=1)
