"""The per-side input/output names (phazer.sides): built, read back, rejected."""

from __future__ import annotations

import pytest

from phazer.sides import (
    DEFAULT_SIDES,
    face_in,
    face_out,
    face_sides,
    is_face_out,
    is_mask_out,
    mask_out,
    other_side,
    parse,
    side_of,
)
from tests.helpers import run_fresh


def test_names_of_a_side():
    assert (face_in("a"), face_out("b"), mask_out("x2")) == ("face_in_a", "face_out_b",
                                                             "mask_out_x2")


@pytest.mark.parametrize("side", ["a", "b", "c", "x2", "10"])
def test_every_name_reads_back_to_its_side(side):
    assert side_of(face_in(side)) == side
    assert side_of(face_out(side)) == side
    assert side_of(mask_out(side)) == side
    assert parse(mask_out(side)) == ("mask_out", side)
    assert parse(face_in(side)) == ("face_in", side)


@pytest.mark.parametrize("name", ["face_out_", "face_out", "face_in_A", "face_out_a_b",
                                  "decoder_a", "out_a", "face_out_a ", " face_in_a",
                                  "mask_out_a/ssim", "", "faceout_a"])
def test_side_of_rejects_what_is_not_an_input_or_output_name(name):
    with pytest.raises(ValueError, match="not a model input or output name"):
        side_of(name)


@pytest.mark.parametrize("side", ["", "A", "a_b", "a b", "ä"])
def test_a_malformed_side_has_no_names(side):
    for build in (face_in, face_out, mask_out):
        with pytest.raises(ValueError, match="side name"):
            build(side)


def test_kinds_and_the_sides_of_a_models_outputs():
    outputs = ["face_out_a", "mask_out_a", "face_out_b", "mask_out_b", "face_out_c"]
    assert [is_face_out(n) for n in outputs] == [True, False, True, False, True]
    assert [is_mask_out(n) for n in outputs] == [False, True, False, True, False]
    assert not is_face_out("face_in_a") and not is_mask_out("decoder_a")
    assert face_sides(outputs) == ("a", "b", "c")
    assert face_sides(["mask_out_a", "face_in_b"]) == ()


def test_other_side_is_the_next_one_cyclically():
    assert [other_side(s, DEFAULT_SIDES) for s in DEFAULT_SIDES] == ["b", "a"]
    assert [other_side(s, ("a", "b", "c")) for s in "abc"] == ["b", "c", "a"]
    assert other_side("a", ("a",)) == "a"
    with pytest.raises(ValueError, match="not one of"):
        other_side("c", DEFAULT_SIDES)


def test_importing_it_loads_no_heavy_dependency():
    result = run_fresh("import phazer.sides")
    assert result.returncode == 0, result.stderr
    assert result.loaded("networkx", "tensorflow", "keras", "pydantic") == []
