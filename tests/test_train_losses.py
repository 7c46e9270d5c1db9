"""The training losses: every catalog entry implemented and well behaved.

Equality with faceswap's values is checked against its oracle in tests/test_faceswap_losses.py
and tests/test_faceswap_loss_collator.py; this file checks behaviour any loss must have.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.keras

tf = pytest.importorskip("tensorflow")

from phazer.catalog.losses import LOSSES  # noqa: E402
from phazer.spec.training import TrainingSpec  # noqa: E402
from phazer.train.losses import LOSS_FUNCTIONS, ModelLoss, get_loss  # noqa: E402


def _images(seed: int, size: int = 64, batch: int = 2) -> tf.Tensor:
    rng = np.random.default_rng(seed)
    smooth = rng.random((batch, size // 8, size // 8, 3)).astype(np.float32)
    base = tf.image.resize(smooth, [size, size])   # structure at several scales
    noise = rng.normal(0, 0.05, (batch, size, size, 3)).astype(np.float32)
    return tf.clip_by_value(base + noise, 0.0, 1.0)


# the LPIPS losses need pretrained weights (tests/test_train_lpips.py)
WEIGHT_FREE = sorted(name for name, info in LOSSES.items() if not info.weights_files)


def test_every_catalog_loss_is_implemented():
    assert set(LOSS_FUNCTIONS) == set(LOSSES)


@pytest.mark.parametrize("name", WEIGHT_FREE)
@pytest.mark.parametrize("size", [64, 128])
def test_loss_is_zero_for_identical_images_and_positive_otherwise(name, size):
    loss = get_loss(name)
    x, y = _images(1, size), _images(2, size)
    same = float(loss(x, tf.identity(x)))
    assert abs(same) < 1e-6, same
    assert float(loss(x, y)) > 1e-4
    assert float(loss(x, tf.clip_by_value(x + 0.05, 0, 1))) > 0 or name in {"laplacian"}


@pytest.mark.parametrize("name", WEIGHT_FREE)
def test_loss_gradient_is_finite_even_at_a_perfect_match(name):
    x = _images(3)
    prediction = tf.Variable(tf.identity(x))
    for target in (x, _images(4)):
        with tf.GradientTape() as tape:
            value = get_loss(name)(target, prediction)
        grad = tape.gradient(value, prediction)
        assert grad is not None and bool(tf.reduce_all(tf.math.is_finite(grad)))


def test_laplacian_sees_a_flat_colour_shift_only_in_its_coarsest_level():
    """The band-pass levels ignore flat colour; faceswap's last level, the low-pass residue,
    weighs it by 4 ** -5."""
    x = _images(5) * 0.5
    assert float(get_loss("laplacian")(x, x + 0.2)) == pytest.approx(0.2 * 4.0 ** -5, rel=1e-3)


def _training(**changes) -> TrainingSpec:
    return TrainingSpec.model_validate(changes)


def test_model_loss_sums_weighted_terms_per_output():
    training = _training(losses=[{"function": "mae"}, {"function": "mse", "weight": 2.0}],
                         penalized_mask_loss=False)
    loss = ModelLoss(training, ["face_out_a", "face_out_b"], masks_in_targets=False)
    x, y = _images(6), _images(7)
    terms = loss.terms({"face_out_a": x, "face_out_b": x}, {"face_out_a": y, "face_out_b": x})
    assert sorted(terms) == sorted(loss.term_names())
    assert float(terms["face_out_a/mse"]) == pytest.approx(2 * float(get_loss("mse")(x, y)))
    totals = ModelLoss.per_output({k: float(v) for k, v in terms.items()})
    assert totals["face_out_b"] == 0.0 and totals["face_out_a"] > 0


def test_a_multiscale_face_is_scored_against_the_target_resized_to_its_size():
    """face_out_a_32 (a multiscale decoder's small face) has no target of its own: it is
    compared with face_out_a's target area-resized to 32 px (faceswap scores each scale)."""
    training = _training(losses=[{"function": "mae"}], penalized_mask_loss=False)
    loss = ModelLoss(training, ["face_out_a_32", "face_out_a"], masks_in_targets=False)
    x = _images(9)
    small = tf.image.resize(x, (32, 32), method="area")
    terms = loss.terms({"face_out_a": x}, {"face_out_a_32": small, "face_out_a": x})
    assert float(terms["face_out_a_32/mae"]) == pytest.approx(0.0, abs=1e-7)
    wrong = loss.terms({"face_out_a": x}, {"face_out_a_32": 1.0 - small, "face_out_a": x})
    assert float(wrong["face_out_a_32/mae"]) > 0.1
    assert sorted(terms) == sorted(loss.term_names())


def test_penalized_mask_loss_ignores_the_background_and_mask_outputs_have_their_loss():
    training = _training(losses=[{"function": "mae"}], penalized_mask_loss=True,
                         mask_loss="mae")
    loss = ModelLoss(training, ["face_out_a", "mask_out_a"], masks_in_targets=True)
    x = _images(8)
    mask = np.zeros((2, 64, 64, 1), np.float32)
    mask[:, 16:48, 16:48] = 1.0
    wrong_background = x.numpy().copy()
    wrong_background[:, :8] = 1.0 - wrong_background[:, :8]
    targets = {"face_out_a": x, "mask_out_a": tf.constant(mask)}
    terms = loss.terms(targets, {"face_out_a": tf.constant(wrong_background),
                                 "mask_out_a": tf.constant(mask)})
    assert float(terms["face_out_a/mae"]) == 0.0
    assert float(terms["mask_out_a/mae"]) == 0.0
    assert loss.needs_masks


def test_eye_and_mouth_masks_multiply_the_masked_loss_map():
    """L * face, then L + L * eye * eye_multiplier, then the same for the mouth (faceswap's
    collator); a multiplier of 1 leaves its mask unused."""
    rng = np.random.default_rng(10)
    x, y = _images(11), _images(12)
    face, eye, mouth = (rng.random((2, 64, 64, 1)).astype(np.float32) for _ in range(3))
    targets = {"face_out_a": x, "mask_out_a": face, "eye_mask_a": eye, "mouth_mask_a": mouth}
    error = np.abs(y.numpy() - x.numpy()) * face
    error = error + error * eye * 3.0
    error = error + error * mouth * 2.0
    loss = ModelLoss(_training(losses=[{"function": "mae", "weight": 0.5}],
                               eye_multiplier=3, mouth_multiplier=2),
                     ["face_out_a"], masks_in_targets=True)
    terms = loss.terms(targets, {"face_out_a": y})
    assert float(terms["face_out_a/mae"]) == pytest.approx(0.5 * error.mean(), rel=1e-5)
    plain = ModelLoss(_training(losses=[{"function": "mae"}], eye_multiplier=1,
                                mouth_multiplier=1), ["face_out_a"], masks_in_targets=True)
    value = float(plain.terms(targets, {"face_out_a": y})["face_out_a/mae"])
    assert value == pytest.approx(float(np.mean(np.abs(y.numpy() - x.numpy()) * face)), rel=1e-5)


def test_a_per_item_loss_is_scored_on_each_masked_copy_of_the_images():
    """l_inf_norm with the penalized mask loss: g(face) + 3 g(eye) + 2 g(mouth) on the images
    times each mask (faceswap checks only that the mask is there, not its multiplier)."""
    x, y = _images(13), _images(14)
    face = np.ones((2, 64, 64, 1), np.float32)
    eye = np.zeros_like(face)
    eye[:, 20:30, 10:50] = 1.0
    targets = {"face_out_a": x, "mask_out_a": face, "eye_mask_a": eye}
    g = get_loss("l_inf_norm").per_item
    expected = g(x, y) + 3.0 * g(x * eye, y * eye)
    loss = ModelLoss(_training(losses=[{"function": "l_inf_norm"}], eye_multiplier=3),
                     ["face_out_a"], masks_in_targets=True)
    values = loss.per_item(targets, {"face_out_a": y})["face_out_a/l_inf_norm"]
    np.testing.assert_allclose(np.asarray(values), np.asarray(expected), rtol=1e-6)


def test_weights_file_is_only_for_the_lpips_losses():
    with pytest.raises(ValueError, match="weights_file is only read by the LPIPS losses"):
        _training(losses=[{"function": "mse", "weights_file": "x.npz"}])
