"""training.mask_dilation: the kernel faceswap sizes, growing and shrinking masks, the pipeline."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.keras

tf = pytest.importorskip("tensorflow")

from phazer.data.augment import dilate_mask, dilation_kernel  # noqa: E402
from phazer.data.folders import scan_faces  # noqa: E402
from phazer.data.pipeline import make_dataset  # noqa: E402
from phazer.spec.training import TrainingSpec  # noqa: E402


@pytest.mark.parametrize(("percent", "size", "width"), [
    (0.0, 64, 0), (1.0, 64, 0),          # under two pixels: nothing to grow
    (5.0, 128, 7),                         # 6.4 px rounds to 6, made odd
    (8.0, 64, 5), (-8.0, 64, 5), (20.0, 256, 51)])
def test_kernel_width_is_the_percentage_of_the_side_made_odd(percent, size, width):
    assert dilation_kernel(percent, size) == width


def _square(size: int = 32, low: int = 12, high: int = 20) -> np.ndarray:
    mask = np.zeros((1, size, size, 1), np.float32)
    mask[0, low:high, low:high, 0] = 1.0
    return mask


def test_dilation_grows_by_the_kernel_radius_and_erosion_shrinks():
    mask = _square()
    grown = dilate_mask(tf.constant(mask), 16.0).numpy()     # 5.12 px -> width 5, radius 2
    rows = np.flatnonzero(grown[0, :, 16, 0])
    assert (rows.min(), rows.max()) == (10, 21)
    # the kernel is round: the square's corner grows less than its sides
    assert grown[0, 10, 10, 0] == 0.0 and grown[0, 11, 11, 0] == 1.0
    shrunk = dilate_mask(tf.constant(mask), -16.0).numpy()
    rows = np.flatnonzero(shrunk[0, :, 16, 0])
    assert (rows.min(), rows.max()) == (14, 17)
    assert np.array_equal(dilate_mask(tf.constant(mask), 0.0).numpy(), mask)


def test_soft_masks_keep_their_values_in_range():
    mask = np.clip(np.random.default_rng(0).random((2, 16, 16, 1)), 0, 1).astype(np.float32)
    for percent in (12.0, -12.0):
        out = dilate_mask(tf.constant(mask), percent).numpy()
        assert out.min() >= 0.0 and out.max() <= 1.0
        assert (out >= mask).all() if percent > 0 else (out <= mask).all()


def test_the_pipelines_target_masks_are_dilated(face_folders):
    faces = face_folders(4, seed=2)
    folders = {side: scan_faces(faces / side, min_images=1) for side in ("a", "b")}

    def mask_area(dilation: float) -> float:
        training = TrainingSpec(mask_dilation=dilation)
        dataset = make_dataset(folders, training, 64, 64, 4, learn_mask=False, seed=3,
                               include_masks=True, augment=False)
        _, targets = next(iter(dataset))
        return float(tf.reduce_sum(targets["mask_out_a"]))

    plain, grown, shrunk = mask_area(0.0), mask_area(10.0), mask_area(-10.0)
    assert shrunk < plain < grown
