"""MobileNet widths: steps of 0.05, the values phazer's Keras table has figures for."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from phazer.catalog.keras_apps import keras_app_figures
from phazer.pipeline.validation import validate_reference
from phazer.spec.encoders import MobileNetV2Encoder


@pytest.mark.parametrize("width", [0.1, 0.35, 1.0, 1.4, 2.0])
def test_tabulated_widths_are_accepted_and_known(width):
    encoder = MobileNetV2Encoder(type="mobilenet_v2", width=width)
    assert encoder.width == width
    figures = keras_app_figures("mobilenet_v2", 64, width=encoder.width)
    assert figures.params.total > 0 and figures.memory is not None


@pytest.mark.parametrize("width", [0.33, 1.01, 0.125])
def test_other_widths_are_rejected_with_neighbours(width):
    with pytest.raises(ValidationError, match=r"multiple of 0\.05"):
        MobileNetV2Encoder(type="mobilenet_v2", width=width)


def test_cli_reports_width_as_not_a_multiple():
    report = validate_reference("original", ["encoder={type: mobilenet_v2, width: 0.33, "
                                             "scaling: 29}"])
    [issue] = [i for i in report.issues if i.severity == "error"]
    assert (issue.code, issue.path) == ("PHZ105", "encoder.width")
    assert "0.30 or 0.35" in issue.message
