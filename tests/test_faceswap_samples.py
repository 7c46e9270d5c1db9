"""Training samples of faceswap faces against faceswap's own ``TrainSet`` / ``PreviewSet``.

Every config of the oracle (``cases.json``) through :func:`make_sample` on the oracle's 10
faces, compared with ``trainset.npz`` channel by channel, by name (faceswap's arrays are
B, G, R then masks; phazer's R, G, B then face, eye, mouth). The bar: per array at least
99.5 % of the values within +-1 and a mean difference of at most 0.5 (with the OpenCV faceswap
used, 5.1, every array is identical).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from phazer.data.faceswap_header import FaceswapHeader, read_faceswap_header
from phazer.data.faceswap_sample import (
    MissingMaskError,
    SampleSettings,
    channel_names,
    make_sample,
    preview_target,
    sample_landmarks,
)
from phazer.data.folders import DataError
from phazer.data.images import read_face
from phazer.spec.training import TrainingSpec
from tests.faceswap_oracle import (
    agreement,
    cases,
    config_ids,
    face_files,
    previewset,
    reference_channel,
    training_values,
    trainset,
)


def _faces() -> list[tuple[str, np.ndarray, FaceswapHeader, Path]]:
    return [(f"{path.parent.name}/{path.name}", read_face(path)[0], read_faceswap_header(path),
             path) for path in face_files()]


def _settings(config: dict, size: int | None = None) -> SampleSettings:
    return SampleSettings.from_training(TrainingSpec(**training_values(config)),
                                        size or config["size"], config["learn_mask"])


def _compare(config: dict, ours: np.ndarray, theirs: np.ndarray, names: tuple[str, ...]
             ) -> list[tuple[float, float, int]]:
    assert ours.dtype == np.uint8 and ours.shape == theirs.shape
    figures = []
    for index, name in enumerate(names):
        share, mean, _ = figure = agreement(ours[..., index],
                                            reference_channel(config, theirs, name))
        assert share >= 0.995 and mean <= 0.5, (name, figure)
        figures.append(figure)
    return figures


@pytest.mark.parametrize("config_id", [c for c in config_ids() if c != "c044"])
def test_samples_equal_faceswaps_trainset(config_id: str) -> None:
    config = cases()["configs"][config_id]
    settings = _settings(config)
    names = channel_names(settings)
    wanted = ["R", "G", "B"] + [label.split(":")[1] for label in config["channels"][3:]]
    assert sorted(names) == sorted(n if n in ("R", "G", "B", "eye", "mouth") else "face"
                                   for n in wanted)
    reference = trainset()
    for key, image, header, path in _faces():
        sample = make_sample(image, header, settings, path)
        _compare(config, sample, reference[f"{config_id}/{key}"], names)


def test_eye_1_mouth_2_keeps_the_mouth_named_mouth() -> None:
    """c037: faceswap emits [face, mouth] and its loss takes the mouth for the eyes; phazer's
    third channel is the mouth, equal to faceswap's mouth mask."""
    config = cases()["configs"]["c037"]
    settings = _settings(config)
    assert channel_names(settings) == ("R", "G", "B", "face", "mouth")
    assert config["channels"] == ["B", "G", "R", "mask:extended", "mask:mouth"]
    key, image, header, path = _faces()[0]
    sample = make_sample(image, header, settings, path)
    np.testing.assert_array_equal(sample[..., 4], trainset()[f"c037/{key}"][..., 4])


def test_mask_none_with_the_penalized_loss_is_refused_as_faceswap_does() -> None:
    config = cases()["configs"]["c044"]
    (error,) = cases()["errors"]
    assert error["config"] == "c044"
    with pytest.raises(DataError) as caught:
        _settings(config)
    assert "You have selected the mask type 'none'" in error["message"]
    assert "You have selected the mask type 'none'" in str(caught.value)
    assert "training.mask_type is none, but training.penalized_mask_loss needs a mask" \
        in caught.value.message
    learn = TrainingSpec(mask_type="none", penalized_mask_loss=False)
    with pytest.raises(DataError, match=r"decoder\.learn_mask needs a mask"):
        SampleSettings.from_training(learn, 64, learn_mask=True)
    quiet = SampleSettings.from_training(learn, 64, learn_mask=False)
    assert channel_names(quiet) == ("R", "G", "B")


@pytest.mark.parametrize("preview", ["p0", "p1"])
def test_preview_targets_equal_faceswaps_previewset(preview: str) -> None:
    """PreviewSet's feed (training coverage at the input size) and target (full coverage at
    2 * rint(output / coverage / 2) px, face mask in the 4th channel)."""
    (entry,) = [p for p in cases()["previews"] if p["name"] == preview]
    settings = _settings(entry["config"], entry["input_size"])
    reference = previewset()
    bgr = entry["color_order"] == "bgr"
    for key, image, header, path in _faces():
        feed = make_sample(image, header, settings, path)[..., :3]
        target = preview_target(image, header, settings, entry["output_size"], path)
        their_feed = reference[f"{preview}/{key}/feed"]
        their_target = reference[f"{preview}/{key}/target"]
        if bgr:
            their_feed = their_feed[..., ::-1]
            their_target = np.concatenate([their_target[..., 2::-1], their_target[..., 3:]],
                                          axis=-1)
        for ours, theirs in ((feed, their_feed), (target, their_target)):
            assert ours.shape == theirs.shape
            share, mean, _ = agreement(ours, theirs)
            assert share >= 0.995 and mean <= 0.5


def test_preview_target_without_a_mask_is_opaque() -> None:
    """faceswap means 255s here but fails (p2); phazer gives the 255s."""
    (entry,) = [p for p in cases()["previews"] if p["name"] == "p2"]
    assert "could not broadcast" in entry["error"]["message"]
    settings = _settings(entry["config"], entry["input_size"])
    _, image, header, path = _faces()[0]
    target = preview_target(image, header, settings, entry["output_size"], path)
    assert target.shape == (74, 74, 4) and np.all(target[..., 3] == 255)


def test_sample_landmarks_lie_on_faceswaps_eye_and_mouth_masks() -> None:
    """The landmarks in the sample's pixels (for warping to landmarks) sit inside faceswap's
    own eye and mouth masks of the same crop."""
    for config_id in ("c001", "c017", "c025"):
        config = cases()["configs"][config_id]
        settings = _settings(config)
        for key, _, header, _ in _faces():
            points = sample_landmarks(header, settings)
            assert points.shape == (68, 2) and points.dtype == np.float32
            reference = trainset()[f"{config_id}/{key}"]
            for name, part in (("eye", slice(36, 42)), ("eye", slice(42, 48)),
                               ("mouth", slice(48, 60))):
                mask = reference_channel(config, reference, name)
                centre = np.rint(points[part].mean(axis=0)).astype(int)
                assert mask[centre[1], centre[0]] > 127, (config_id, key, name)


def test_a_face_without_the_stored_mask_names_the_file_and_its_masks() -> None:
    config = cases()["configs"]["c002"]
    _, image, header, path = _faces()[0]
    settings = dataclasses.replace(_settings(config), mask_type="unet-dfl")
    with pytest.raises(MissingMaskError) as caught:
        make_sample(image, header, settings, path)
    assert str(caught.value) == (
        f"{path}: has no stored mask 'unet-dfl'; it holds bisenet-fp_face, vgg-clear, "
        "bisenet-fp_head, components, extended (set training.mask_type to one of them, or add "
        "the mask with faceswap's mask tool)")


def test_plain_images_are_the_crop_and_alpha_is_the_mask() -> None:
    """No header: the centre coverage share of the image, its alpha channel the face mask
    (255 without one); no eye or mouth masks (no landmarks)."""
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (100, 100, 4), dtype=np.uint8)
    training = TrainingSpec(coverage=62.5)
    settings = SampleSettings.from_training(training, 62, learn_mask=False, faceswap=False)
    assert (settings.mask_type, channel_names(settings)) == ("alpha", ("R", "G", "B", "face"))
    sample = make_sample(image, None, settings)
    np.testing.assert_array_equal(sample, image[19:81, 19:81])
    opaque = make_sample(np.ascontiguousarray(image[..., :3]), None, settings)
    assert np.all(opaque[..., 3] == 255)
    np.testing.assert_array_equal(opaque[..., :3], image[19:81, 19:81, :3])
    with pytest.raises(DataError, match="comes from the landmarks in faceswap's face headers"):
        SampleSettings.from_training(TrainingSpec(mask_type="extended"), 64, False,
                                     faceswap=False)
