"""The training losses and optimizers: every catalog entry implemented and well behaved."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.keras

tf = pytest.importorskip("tensorflow")

from phazer.catalog.losses import LOSSES  # noqa: E402
from phazer.catalog.optimizers import OPTIMIZERS  # noqa: E402
from phazer.spec.training import TrainingSpec  # noqa: E402
from phazer.train.losses import LOSS_FUNCTIONS, ModelLoss, get_loss  # noqa: E402
from phazer.train.optimizers import AutoClip, build_optimizer  # noqa: E402


def _images(seed: int, size: int = 64, batch: int = 2) -> tf.Tensor:
    rng = np.random.default_rng(seed)
    smooth = rng.random((batch, size // 8, size // 8, 3)).astype(np.float32)
    base = tf.image.resize(smooth, [size, size])   # structure at several scales
    noise = rng.normal(0, 0.05, (batch, size, size, 3)).astype(np.float32)
    return tf.clip_by_value(base + noise, 0.0, 1.0)


def test_every_catalog_loss_is_implemented():
    assert set(LOSS_FUNCTIONS) == set(LOSSES)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("size", [64, 128])
def test_loss_is_zero_for_identical_images_and_positive_otherwise(name, size):
    loss = get_loss(name)
    x, y = _images(1, size), _images(2, size)
    same = float(loss(x, tf.identity(x)))
    assert abs(same) < 1e-6, same
    assert float(loss(x, y)) > 1e-4
    assert float(loss(x, tf.clip_by_value(x + 0.05, 0, 1))) > 0 or name in {"laplacian"}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_gradient_is_finite_even_at_a_perfect_match(name):
    x = _images(3)
    prediction = tf.Variable(tf.identity(x))
    for target in (x, _images(4)):
        with tf.GradientTape() as tape:
            value = get_loss(name)(target, prediction)
        grad = tape.gradient(value, prediction)
        assert grad is not None and bool(tf.reduce_all(tf.math.is_finite(grad)))


def test_laplacian_ignores_a_flat_colour_shift_away_from_the_edges():
    x = _images(5) * 0.5
    assert float(get_loss("laplacian")(x, x + 0.2)) < 1e-5


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


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_catalog_optimizer_builds_and_steps(name):
    training = _training(optimizer={"type": name, "learning_rate": 0.01})
    optimizer, autoclip = build_optimizer(training)
    assert autoclip is None
    weight = tf.Variable([1.0, -2.0])
    optimizer.build([weight])
    optimizer.apply([tf.constant([0.5, -0.5])], [weight])
    assert not np.allclose(weight.numpy(), [1.0, -2.0])


def test_optimizer_options_reach_keras():
    optimizer, _ = build_optimizer(_training(optimizer={
        "type": "adam", "learning_rate": 1e-4, "epsilon_exponent": -5, "clipping": "norm",
        "clipping_value": 0.5}))
    assert optimizer.epsilon == pytest.approx(1e-5)
    assert optimizer.clipnorm == 0.5
    assert float(optimizer.learning_rate) == pytest.approx(1e-4)
    mixed, _ = build_optimizer(_training(mixed_precision=True))
    assert type(mixed).__name__ == "LossScaleOptimizer"
    brain, _ = build_optimizer(_training(mixed_precision="bfloat16"))   # float32's range
    assert type(brain).__name__ == "Adam"


def test_autoclip_clips_to_a_percentile_of_past_norms():
    _, autoclip = build_optimizer(_training(optimizer={
        "type": "adam", "clipping": "autoclip", "clipping_value": 5.0,
        "autoclip_history": 4}))
    assert isinstance(autoclip, AutoClip) and autoclip.percentile == 50.0
    for _ in range(4):
        autoclip([tf.constant([3.0, 4.0])])          # norm 5 four times
    clipped = autoclip([tf.constant([30.0, 40.0]), None])
    assert clipped[1] is None
    assert float(tf.norm(clipped[0])) == pytest.approx(5.0, rel=1e-5)
    assert int(autoclip.count.numpy()) == 5
