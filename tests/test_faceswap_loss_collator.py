"""phazer's combined loss equals faceswap's LossCollator on the oracle's five recorded cases.

``losses.json["collator"]`` (see shared/faceswap-training/README.md section 4) holds, for each
case, faceswap's per-item unweighted values and per-side totals for targets and masks made by
faceswap's own TrainSet/Collate (``batch_uint8``: items A0, A1, B0, B1; B, G, R, then the mask
channels) and fixed predictions. faceswap trained in BGR here, as phazer trains a BGR model
(phazer.model_colour): targets and predictions are fed in faceswap's BGR as they are and the
loss is told the model's colour order (``color_order="bgr"``: gmsd and flip depend on it).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pytest

from tests.faceswap_oracle import require_oracle

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

from phazer.catalog.losses import from_faceswap  # noqa: E402
from phazer.sides import eye_mask, face_out, mask_out, mouth_mask  # noqa: E402
from phazer.spec.training import TrainingSpec  # noqa: E402
from phazer.train.losses import ModelLoss  # noqa: E402

CASES = ("ssim100_mse25_penalized_eye3_mouth2", "ssim100_mse25_no_penalized",
         "gmsd100_linf50_penalized_eye3_mouth2", "ssim100_mse25_penalized_eye1_mouth2",
         "ssim100_mse25_penalized_learn_mask")
SIDES = {"A": ("a", slice(0, 2)), "B": ("b", slice(2, 4))}
# faceswap's Collate names the mask channels after the face by position, whatever they hold
POSITIONAL_KEYS = (mask_out, eye_mask, mouth_mask)


@cache
def _recorded() -> dict[str, Any]:
    return json.loads((require_oracle() / "losses.json").read_text(encoding="utf-8"))["collator"]


@cache
def _arrays() -> dict[str, np.ndarray]:
    with np.load(require_oracle() / "losses_inputs.npz") as data:
        return {key: data[key] for key in data.files if key.startswith("collator/")}


def _training(case: dict[str, Any]) -> TrainingSpec:
    args = case["collator_args"]
    losses = [{"function": from_faceswap(name), "weight": weight}
              for name, weight in zip(args["functions"], args["weights"], strict=True)
              if name != "none" and weight > 0]
    return TrainingSpec.model_validate({
        "losses": losses, "penalized_mask_loss": args["use_mask"],
        "eye_multiplier": args["eye_multiplier"], "mouth_multiplier": args["mouth_multiplier"],
        "mask_loss": args["mask_loss"] or "mse"})


def _feed(name: str) -> tuple[ModelLoss, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The ModelLoss of a case, its targets and its predictions (a BGR model's, NHWC)."""
    case, arrays = _recorded()[name], _arrays()
    batch = arrays[f"collator/{name}/batch_uint8"].astype(np.float32) / np.float32(255)
    learn_mask = case["collator_args"]["mask_loss"] is not None
    outputs, targets, predictions = [], {}, {}
    for side_name, (side, items) in SIDES.items():
        outputs.append(face_out(side))
        targets[face_out(side)] = batch[items, ..., :3]              # B, G, R
        predictions[face_out(side)] = arrays[f"collator/y_pred_{side_name}"]
        for position in range(batch.shape[-1] - 3):
            targets[POSITIONAL_KEYS[position](side)] = batch[items, ..., 3 + position:4 + position]
        if learn_mask:
            outputs.append(mask_out(side))
            predictions[mask_out(side)] = arrays[f"collator/{name}/y_pred_mask_{side_name}"]
    masks = batch.shape[-1] > 3
    loss = ModelLoss(_training(case), outputs, masks_in_targets=masks, color_order="bgr")
    return loss, targets, predictions


@pytest.mark.parametrize("name", CASES)
def test_side_totals_and_their_sum_equal_faceswaps(name):
    case = _recorded()[name]
    loss, targets, predictions = _feed(name)
    terms = {key: float(value) for key, value in loss.terms(targets, predictions).items()}
    assert sorted(terms) == sorted(loss.term_names())
    totals = ModelLoss.per_output(terms)
    sides = {side: sum(v for k, v in totals.items() if k.endswith(f"_{side}"))
             for side, _ in SIDES.values()}
    for side_name, (side, _) in SIDES.items():
        assert sides[side] == pytest.approx(case["per_side"][side_name]["total"], rel=1e-5)
    assert sum(sides.values()) == pytest.approx(case["sum_of_side_totals"], rel=1e-5)


@pytest.mark.parametrize("name", CASES)
def test_per_item_values_equal_faceswaps(name):
    case = _recorded()[name]
    loss, targets, predictions = _feed(name)
    values = {key: np.asarray(value) for key, value in
              loss.per_item(targets, predictions).items()}
    for side_name, (side, _) in SIDES.items():
        recorded = case["per_side"][side_name]
        for fs_name, items in recorded["unweighted_per_item"][0].items():
            ours = values[f"{face_out(side)}/{from_faceswap(fs_name)}"]
            np.testing.assert_allclose(ours, items, rtol=1e-5, err_msg=f"{side} {fs_name}")
        if recorded["mask_loss_per_item"] is not None:
            np.testing.assert_allclose(values[f"{mask_out(side)}/mse"],
                                       recorded["mask_loss_per_item"], rtol=1e-5)


def test_the_eye_slot_holding_the_mouth_with_eye_multiplier_1_goes_unweighted():
    """faceswap's quirk 3 (README section 5): with eye_multiplier 1 its mouth channel is
    labelled as the eye mask and skipped. Fed the same way, phazer gives the same total; fed
    by name (mouth_mask_<side>), the mouth weighting applies and the total is larger."""
    name = "ssim100_mse25_penalized_eye1_mouth2"
    loss, targets, predictions = _feed(name)
    quirk = sum(float(v) for v in loss.terms(targets, predictions).values())
    assert quirk == pytest.approx(_recorded()[name]["sum_of_side_totals"], rel=1e-5)
    named = dict(targets)
    for side, _ in SIDES.values():
        named[mouth_mask(side)] = named.pop(eye_mask(side))
    by_name = sum(float(v) for v in loss.terms(named, predictions).values())
    assert by_name > quirk * 1.05
