"""The tf.data training pipeline: shapes, ranges, masks, warp on the input only, crops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phazer.data.folders import FaceFolder, scan_faces
from phazer.spec.training import TrainingSpec

pytestmark = pytest.mark.keras

NO_AUGMENTATION = {"rotation_range": 0, "zoom_amount": 0, "shift_range": 0, "flip_chance": 0,
                   "color_lightness": 0, "color_ab": 0, "color_clahe_chance": 0}


def training(coverage: float = 100.0, **augmentation) -> TrainingSpec:
    return TrainingSpec.model_validate({"coverage": coverage, "augmentation": augmentation})


FACES = (12, 0)   # per side, seed: the ``face_scans`` fixture (tests/conftest.py)


def one_face(folder: FaceFolder) -> FaceFolder:
    return FaceFolder(folder.folder, folder.files[:1], size=64)


def first_batch(dataset):
    inputs, targets = next(iter(dataset))
    return ({k: v.numpy() for k, v in inputs.items()}, {k: v.numpy() for k, v in targets.items()})


def test_shapes_dtypes_keys_and_range(face_scans):
    from phazer.data.pipeline import make_dataset

    dataset = make_dataset(face_scans, TrainingSpec(), input_size=48, output_size=64, batch_size=5,
                           learn_mask=True, seed=1)
    inputs, targets = first_batch(dataset)
    assert set(inputs) == {"face_in_a", "face_in_b"}
    assert set(targets) == {"face_out_a", "face_out_b", "mask_out_a", "mask_out_b"}
    assert inputs["face_in_a"].shape == (5, 48, 48, 3)
    assert targets["face_out_b"].shape == (5, 64, 64, 3)
    assert targets["mask_out_a"].shape == (5, 64, 64, 1)
    for array in (*inputs.values(), *targets.values()):
        assert array.dtype == np.float32 and array.min() >= 0.0 and array.max() <= 1.0
    spec = dataset.element_spec
    assert spec[0]["face_in_a"].shape.as_list() == [5, 48, 48, 3]   # whole batches only


def test_every_side_of_the_mapping_gets_its_own_keys(face_scans):
    from phazer.data.pipeline import make_dataset

    third = one_face(face_scans["b"])
    sides = {"x": face_scans["a"], "y": face_scans["b"], "z": third}
    dataset = make_dataset(sides, TrainingSpec(), input_size=32, output_size=40, batch_size=3,
                           learn_mask=True, seed=2, augment=False)
    inputs, targets = first_batch(dataset)
    assert list(inputs) == ["face_in_x", "face_in_y", "face_in_z"]
    assert list(targets) == ["face_out_x", "face_out_y", "face_out_z",
                             "mask_out_x", "mask_out_y", "mask_out_z"]
    for side in "xyz":
        assert inputs[f"face_in_{side}"].shape == (3, 32, 32, 3)
        assert targets[f"face_out_{side}"].shape == (3, 40, 40, 3)
        assert targets[f"mask_out_{side}"].shape == (3, 40, 40, 1)
    # each side is fed from its own folder: z holds one face, so its batch repeats it
    np.testing.assert_allclose(targets["face_out_z"], targets["face_out_z"][:1].repeat(3, 0))
    assert not np.allclose(targets["face_out_x"][0], targets["face_out_y"][0])


def test_one_side_and_bad_sides(face_scans):
    from phazer.data.pipeline import make_dataset

    inputs, targets = first_batch(make_dataset({"a": face_scans["a"]}, TrainingSpec(), 32, 32, 2,
                                               False, seed=0))
    assert set(inputs) == {"face_in_a"} and set(targets) == {"face_out_a", "mask_out_a"}
    assert inputs["face_in_a"].shape == (2, 32, 32, 3)
    with pytest.raises(ValueError, match="at least one side"):
        make_dataset({}, TrainingSpec(), 32, 32, 2, False)
    with pytest.raises(ValueError, match="side name"):
        make_dataset({"A": face_scans["a"]}, TrainingSpec(), 32, 32, 2, False)


def test_masks_only_when_the_loss_or_a_mask_output_uses_them(face_scans):
    from phazer.data.pipeline import make_dataset

    unpenalized = TrainingSpec.model_validate({"penalized_mask_loss": False})
    _, targets = first_batch(make_dataset(face_scans, unpenalized, 32, 32, 2, False, seed=0))
    assert set(targets) == {"face_out_a", "face_out_b"}
    _, targets = first_batch(make_dataset(face_scans, unpenalized, 32, 32, 2, True, seed=0))
    assert set(targets) == {"face_out_a", "face_out_b", "mask_out_a", "mask_out_b"}
    _, targets = first_batch(make_dataset(face_scans, TrainingSpec(), 32, 32, 2, False, seed=0))
    assert "mask_out_a" in targets      # the penalized mask loss weighs by the alpha channel
    _, targets = first_batch(make_dataset(face_scans, TrainingSpec(), 32, 32, 2, False, seed=0,
                                          include_masks=False))
    assert "mask_out_a" not in targets


def test_warp_changes_the_input_but_not_the_target(face_scans):
    from phazer.data.pipeline import load_faces, make_dataset

    plain = training(**NO_AUGMENTATION, warp=False)
    warped = training(**NO_AUGMENTATION, warp=True)
    a = one_face(face_scans["a"])
    source = load_faces(a.files, 64, with_alpha=True)
    inputs, targets = first_batch(make_dataset({**face_scans, "a": a}, plain,
                                               64, 64, 2, True, seed=3))
    np.testing.assert_allclose(targets["face_out_a"][0], source[0, ..., :3], atol=1e-5)
    np.testing.assert_allclose(targets["mask_out_a"][0], source[0, ..., 3:], atol=1e-5)
    np.testing.assert_allclose(inputs["face_in_a"][0], source[0, ..., :3], atol=1e-5)
    inputs, targets = first_batch(make_dataset({**face_scans, "a": a}, warped,
                                               64, 64, 2, True, seed=3))
    np.testing.assert_allclose(targets["face_out_a"][0], source[0, ..., :3], atol=1e-5)
    change = np.abs(inputs["face_in_a"][0] - source[0, ..., :3])
    assert change.mean() > 0.01          # the input moved ...
    assert change.mean() < 0.2           # ... but it is still the same face


def test_augmentation_is_shared_by_input_and_target(face_scans):
    from phazer.data.pipeline import make_dataset

    spec = training(warp=False, color_clahe_chance=0)   # colour + affine + flip, no warp
    inputs, targets = first_batch(make_dataset(face_scans, spec, 64, 64, 4, False, seed=5))
    np.testing.assert_allclose(inputs["face_in_a"], targets["face_out_a"], atol=1e-5)


def test_seed_repeats_and_batches_differ(face_scans):
    from phazer.data.pipeline import make_dataset

    batches = iter(make_dataset(face_scans, TrainingSpec(), 32, 32, 4, False, seed=9))
    first, second = next(batches), next(batches)
    again = first_batch(make_dataset(face_scans, TrainingSpec(), 32, 32, 4, False, seed=9))
    np.testing.assert_array_equal(first[0]["face_in_a"].numpy(), again[0]["face_in_a"])
    np.testing.assert_array_equal(first[1]["face_out_b"].numpy(), again[1]["face_out_b"])
    assert not np.allclose(first[0]["face_in_a"], second[0]["face_in_a"])


def test_coverage_crop_matches_load_faces(face_scans):
    from phazer.data.pipeline import load_faces, make_dataset

    a = one_face(face_scans["a"])
    spec = training(coverage=62.5, **NO_AUGMENTATION, warp=False)
    inputs, targets = first_batch(make_dataset({**face_scans, "a": a}, spec,
                                               40, 40, 1, False, seed=0))
    expected = load_faces(a.files, 40, coverage=62.5)[0]
    assert np.abs(targets["face_out_a"][0] - expected).mean() < 0.02
    assert np.abs(inputs["face_in_a"][0] - expected).mean() < 0.02


def test_augment_false_gives_plain_crops(face_scans):
    from phazer.data.pipeline import load_faces, make_dataset

    a = one_face(face_scans["a"])
    inputs, targets = first_batch(make_dataset({**face_scans, "a": a}, TrainingSpec(), 64, 64, 1,
                                               False, seed=0, augment=False))
    expected = load_faces(a.files, 64)[0]
    np.testing.assert_allclose(inputs["face_in_a"][0], expected, atol=1e-5)
    np.testing.assert_allclose(targets["face_out_a"][0], expected, atol=1e-5)


def _mixed_folder(folder: Path) -> FaceFolder:
    folder.mkdir()
    rng = np.random.default_rng(0)
    rgb = (rng.random((40, 40, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(folder / "rgb.jpg", quality=95)
    Image.fromarray(rgb[..., 0]).save(folder / "grey.png")
    rgba = np.concatenate([rgb, np.full((40, 40, 1), 128, np.uint8)], axis=-1)
    Image.fromarray(rgba, "RGBA").save(folder / "half.png")
    Image.fromarray(rgb).resize((80, 80)).save(folder / "big.png")
    return scan_faces(folder, min_images=4)


@pytest.mark.parametrize("cache_bytes", [0, 1 << 30])
def test_any_image_kind_and_size_decodes(tmp_path, cache_bytes):
    from phazer.data.pipeline import make_dataset

    mixed = _mixed_folder(tmp_path / "mixed")
    assert mixed.size == 40 and len(mixed) == 4
    spec = training(**NO_AUGMENTATION, warp=False)
    dataset = make_dataset({"a": mixed, "b": mixed}, spec, 32, 40, 4, True, seed=0,
                           cache_bytes=cache_bytes)
    inputs, targets = first_batch(dataset)
    masks = targets["mask_out_a"].reshape(4, -1)
    means = sorted(np.round(masks.mean(axis=1), 2))
    assert means == [0.5, 1.0, 1.0, 1.0]   # the half-transparent PNG; opaque without alpha
    assert inputs["face_in_a"].shape == (4, 32, 32, 3)


def test_working_size():
    from phazer.data.decoding import working_size

    assert working_size(256, 64, 128, 100.0) == 128
    assert working_size(256, 64, 128, 62.5) == 205
    assert working_size(96, 64, 128, 62.5) == 96    # never larger than the files
    assert working_size(0, 64, 64, 100.0) == 64
