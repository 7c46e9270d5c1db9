"""Every phazer loss equals faceswap's on the oracle's fixed inputs (losses.json "single_losses").

faceswap called each loss on NCHW copies of ``losses_inputs.npz``'s NHWC arrays
(README section 4). The recorded per-item means, per-item per-channel means and values at 14
probe pixels are compared with phazer's NHWC maps. Each loss is checked twice: on the arrays
as they are (a model training in RGB, phazer's order) and with their channels reversed (a
model faceswap trains in BGR: phazer's RGB is faceswap's BGR reversed, and gmsd is told so).
FLIP converts to RGB itself, so its two records (color_order bgr / rgb) are the same images
seen in the two orders.
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

from phazer.catalog.losses import LOSSES, from_faceswap  # noqa: E402
from phazer.train.losses import LossOptions, get_loss  # noqa: E402
from phazer.train.losses.structural import ms_ssim, ms_ssim_window  # noqa: E402

FACESWAP_NAMES = ("ssim", "ms_ssim", "gmsd", "mae", "mse", "logcosh", "smooth_loss",
                  "l_inf_norm", "laploss", "ffl", "pixel_gradient_diff")
INPUTS = ("s64/noise", "s64/smooth", "s128/noise", "s128/smooth")
RELATIVE = 1e-4       # per-item and per-channel means
PROBE_ABSOLUTE = 2e-4  # single pixels: float32 rounding of local variances (ssim) shows here


@cache
def _recorded() -> dict[str, Any]:
    return json.loads((require_oracle() / "losses.json").read_text(encoding="utf-8"))[
        "single_losses"]


@cache
def _inputs(case: str) -> tuple[np.ndarray, np.ndarray]:
    with np.load(require_oracle() / "losses_inputs.npz") as data:
        return data[f"single/{case}/y_true"], data[f"single/{case}/y_pred"]


def _check(values: np.ndarray, record: dict[str, Any], reverse: bool) -> None:
    """Compare phazer's output with a record; ``reverse``: phazer's channels are reversed."""
    if record["kind"].startswith("per item"):
        assert values.shape == tuple(record["shape"])
        np.testing.assert_allclose(values, record["values"], rtol=RELATIVE)
        return
    n, c, h, w = record["shape"]
    assert values.shape == (n, h, w, c)
    if reverse:
        values = values[..., ::-1]
    np.testing.assert_allclose(values.mean(axis=(1, 2, 3)), record["per_item_mean"],
                               rtol=RELATIVE)
    np.testing.assert_allclose(values.mean(axis=(1, 2)), record["per_item_channel_mean"],
                               rtol=RELATIVE)
    rows, cols = np.asarray(record["probe_yx"]).T
    probes = values[:, rows, cols, :].transpose(0, 2, 1)         # (N, C, probe)
    np.testing.assert_allclose(probes, record["probe_values"], rtol=RELATIVE,
                               atol=PROBE_ABSOLUTE)


@pytest.mark.parametrize("case", INPUTS)
@pytest.mark.parametrize("fs_name", FACESWAP_NAMES)
def test_each_loss_equals_faceswaps_in_either_colour_order(fs_name, case):
    record = _recorded()[fs_name][case]
    y_true, y_pred = _inputs(case)
    name = from_faceswap(fs_name)
    as_is = get_loss(name, LossOptions(color_order="rgb"))
    _check(np.asarray(as_is.values(y_true, y_pred)), record, reverse=False)
    bgr = get_loss(name, LossOptions(color_order="bgr"))
    _check(np.asarray(bgr.values(y_true[..., ::-1], y_pred[..., ::-1])), record, reverse=True)


@pytest.mark.parametrize("case", INPUTS)
def test_flip_equals_faceswaps_for_both_colour_orders(case):
    y_true, y_pred = _inputs(case)
    flip = get_loss("flip")
    _check(np.asarray(flip.values(y_true, y_pred)),
           _recorded()["flip[color_order=rgb]"][case], reverse=False)
    _check(np.asarray(flip.values(y_true[..., ::-1], y_pred[..., ::-1])),
           _recorded()["flip[color_order=bgr]"][case], reverse=False)


def test_gmsd_depends_on_the_colour_order_as_faceswaps_does():
    """faceswap's grouped edge filters treat the first and last channel differently, so a BGR
    model's gmsd differs from an RGB model's on the same image."""
    y_true, y_pred = _inputs("s64/smooth")
    record = _recorded()["gmsd"]["s64/smooth"]["per_item_mean"]
    wrong = get_loss("gmsd", LossOptions(color_order="rgb")).per_item(
        y_true[..., ::-1], y_pred[..., ::-1])
    assert not np.allclose(np.asarray(wrong), record, rtol=1e-3)


def test_every_faceswap_loss_without_weights_is_checked():
    checked = {from_faceswap(n) for n in FACESWAP_NAMES} | {"flip"}
    assert checked == {n for n, info in LOSSES.items() if not info.weights_files}


def test_ms_ssim_shrinks_its_window_below_176_px_as_faceswap_does():
    assert [ms_ssim_window(size) for size in (48, 64, 96, 128, 160, 176, 256)] == [
        3, 3, 5, 7, 9, 11, 11]
    with pytest.raises(ValueError, match="at least 48 px"):
        ms_ssim_window(32)
    # faceswap sizes the window once, for the model's smallest output
    y_true, y_pred = _inputs("s128/smooth")
    own = np.asarray(ms_ssim(y_true, y_pred)).mean()
    smallest = np.asarray(ms_ssim(y_true, y_pred, smallest_size=64)).mean()
    assert own == pytest.approx(_recorded()["ms_ssim"]["s128/smooth"]["mean"], rel=RELATIVE)
    assert abs(own - smallest) > 1e-4
