"""Which masks a side trains with: faceswap's rules per folder kind (TensorFlow-free)."""

from __future__ import annotations

from pathlib import Path

import pytest

from phazer.data.folders import DataError, scan_faces
from phazer.data.mask_plan import plan_masks
from phazer.spec.training import TrainingSpec

FACESWAP_FACES = Path(__file__).resolve().parents[2] / "shared" / "faceswap-training" / "faces"
needs_faceswap_faces = pytest.mark.skipif(not FACESWAP_FACES.is_dir(),
                                          reason="../shared/faceswap-training is absent")


def training(**fields: object) -> TrainingSpec:
    return TrainingSpec.model_validate(fields)


@pytest.fixture(scope="module")
def faceswap_folder():
    return scan_faces(FACESWAP_FACES / "A", min_images=1)


@pytest.fixture(scope="module")
def plain_folder(face_scans):
    return face_scans["a"]


@needs_faceswap_faces
def test_faceswap_faces_default_to_faceswaps_extended_mask_with_eyes_and_mouth(faceswap_folder):
    assert faceswap_folder.faceswap
    plan = plan_masks(training(), faceswap_folder, learn_mask=False, side="a")
    assert plan.mask_type == "extended"
    assert plan.channels == ("face", "eye", "mouth")
    assert "faceswap faces" in plan.notes[0] and "eyes x3 and mouth x2" in plan.notes[0]


@needs_faceswap_faces
@pytest.mark.parametrize(("fields", "learn_mask", "channels"), [
    ({"eye_multiplier": 1}, False, ("face", "mouth")),
    ({"mouth_multiplier": 1}, False, ("face", "eye")),
    ({"penalized_mask_loss": False}, True, ("face",)),
    ({"penalized_mask_loss": False}, False, ()),
    ({"mask_type": "bisenet-fp_face"}, False, ("face", "eye", "mouth")),
])
def test_faceswap_channel_rules(faceswap_folder, fields, learn_mask, channels):
    assert plan_masks(training(**fields), faceswap_folder, learn_mask, "a").channels == channels


@needs_faceswap_faces
def test_a_stored_mask_the_faces_lack_names_the_file_and_its_masks(faceswap_folder):
    with pytest.raises(DataError) as caught:
        plan_masks(training(mask_type="vgg-obstructed"), faceswap_folder, False, "a")
    message = caught.value.message
    assert "a_000_0.png" in message
    assert "bisenet-fp_face, vgg-clear, bisenet-fp_head" in message


@needs_faceswap_faces
def test_no_mask_with_the_penalized_loss_is_refused_as_faceswap_does(faceswap_folder):
    with pytest.raises(DataError, match="penalized_mask_loss needs a mask"):
        plan_masks(training(mask_type="none"), faceswap_folder, False, "a")
    with pytest.raises(DataError, match="learn_mask"):
        plan_masks(training(mask_type="none", penalized_mask_loss=False), faceswap_folder,
                   True, "a")
    plan = plan_masks(training(mask_type="none", penalized_mask_loss=False), faceswap_folder,
                      False, "a")
    assert plan.channels == ()


def test_plain_faces_use_their_alpha_channel_and_say_eyes_are_not_weighted(plain_folder):
    assert not plain_folder.faceswap and plain_folder.with_alpha
    plan = plan_masks(training(), plain_folder, False, "a")
    assert plan.mask_type == "alpha" and plan.channels == ("face",)
    assert any("need landmarks" in note for note in plan.notes)


@pytest.mark.parametrize("mask_type", ["extended", "bisenet-fp_face"])
def test_landmark_and_stored_masks_need_faceswap_faces(plain_folder, mask_type):
    with pytest.raises(DataError, match="plain images without that header"):
        plan_masks(training(mask_type=mask_type), plain_folder, False, "a")


@needs_faceswap_faces
def test_a_folder_mixing_faceswap_and_plain_faces_is_refused(tmp_path, plain_folder):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for source in [*sorted((FACESWAP_FACES / "A").iterdir())[:2], *plain_folder.files[:2]]:
        (mixed / source.name).write_bytes(source.read_bytes())
    with pytest.raises(DataError, match="mixes faceswap's extracted faces"):
        scan_faces(mixed, min_images=1)


@needs_faceswap_faces
def test_the_note_says_when_inputs_are_warped_to_landmarks(faceswap_folder):
    plan = plan_masks(training(augmentation={"warp_to_landmarks": True}), faceswap_folder,
                      False, "a")
    assert "warped to the landmarks" in plan.notes[0]
    assert "warped" not in plan_masks(training(), faceswap_folder, False, "a").notes[0]
