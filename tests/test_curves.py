"""phazer.curves.filter_curve against the worked values of the Phaze-A reference notes."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phazer.curves import filter_curve, floor8


@pytest.mark.parametrize(("slope", "expected"), [
    (-0.45, [512, 256, 128, 64]),
    (0.0, [512, 360, 208, 64]),
    (0.45, [512, 440, 312, 64]),
    (-0.75, [512, 160, 88, 64]),
    (0.75, [512, 480, 408, 64]),
])
def test_full_curve_worked_values(slope, expected):
    assert filter_curve(512, 64, 4, slope) == expected


def test_rising_curve_starts_at_start():
    assert filter_curve(64, 512, 4, -0.45) == [64, 312, 440, 512]


def test_single_point_is_start():
    assert filter_curve(512, 64, 1, 0.3) == [512]
    assert filter_curve(512, 64, 1, 0.3, "cap_max") == [512]
    assert filter_curve(512, 64, 1, 0.3, "cap_min") == [512]


def test_values_are_floored_to_eight():
    assert filter_curve(500, 60, 2, 0.0) == [496, 56]
    assert floor8(15.9) == 8
    assert floor8(16) == 16


def test_cap_max_pads_the_front_with_start():
    assert filter_curve(512, 16, 8, 0.5, "cap_max") == [512, 512, 512, 256, 128, 64, 32, 16]


def test_cap_min_pads_the_back_with_end():
    assert filter_curve(1024, 64, 5, 0.5, "cap_min") == [1024, 512, 256, 128, 64]
    assert filter_curve(1024, 64, 7, 0.5, "cap_min") == [1024, 512, 256, 128, 64, 64, 64]


def test_capped_modes_use_the_slope_size_only():
    assert filter_curve(512, 16, 8, -0.5, "cap_max") == filter_curve(512, 16, 8, 0.5, "cap_max")


def test_capped_modes_never_go_below_end():
    assert filter_curve(512, 100, 5, 0.5, "cap_min") == [512, 256, 128, 100, 100]


@pytest.mark.parametrize("points", [0, -1])
def test_points_below_one_are_rejected(points):
    with pytest.raises(ValueError, match="points"):
        filter_curve(512, 64, points, 0.0)


@pytest.mark.parametrize("slope", [1.0, -1.0, 0.995, 5.0])
def test_slope_outside_limit_is_rejected(slope):
    with pytest.raises(ValueError, match="slope"):
        filter_curve(512, 64, 4, slope)


def test_slope_limits_are_inclusive():
    assert len(filter_curve(512, 64, 4, 0.99)) == 4
    assert len(filter_curve(512, 64, 4, -0.99)) == 4


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="mode"):
        filter_curve(512, 64, 4, 0.0, "cap_middle")  # type: ignore[arg-type]


@given(start=st.integers(8, 8192), end=st.integers(8, 8192), points=st.integers(1, 12),
       slope=st.floats(-0.99, 0.99))
def test_full_curve_properties(start, end, points, slope):
    values = filter_curve(start, end, points, slope)
    assert len(values) == points
    assert all(v % 8 == 0 for v in values)
    assert values[0] == floor8(start)
    if points > 1:
        assert values[-1] == floor8(end)
    step = -1 if start >= end else 1
    assert all((b - a) * step >= 0 for a, b in pairwise(values))
