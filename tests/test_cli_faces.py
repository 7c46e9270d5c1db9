"""``phazer faces``: the training samples of face folders, against faceswap's ``TrainSet``.

A few of the oracle's configs (``cases.json``) go through the command itself, in-process, set
with ``--set``; tests/test_faceswap_samples.py takes every config through the Python API.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phazer.cli.main import main
from tests.faceswap_oracle import (
    SIDES,
    agreement,
    cases,
    reference_channel,
    require_oracle,
    training_values,
    trainset,
)
from tests.helpers import TINY_SPEC, run_cli_fresh


def _sets(config: dict) -> list[str]:
    values = {f"training.{name}": value for name, value in training_values(config).items()}
    values["decoder.learn_mask"] = config["learn_mask"]
    words = []
    for path, value in values.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        words += ["--set", f"{path}={text}"]
    return words


def _faces(config_id: str, out: Path, size: bool = True) -> list[str]:
    folder = require_oracle() / "faces"
    config = cases()["configs"][config_id]
    return ["faces", TINY_SPEC, "--input", f"a={folder / 'A'}", "--input", f"b={folder / 'B'}",
            *_sets(config), *(["--size", str(config["size"])] if size else []), "-o", str(out)]


def _names(config: dict) -> list[str]:
    """phazer's channel names of a config: R, G, B, then face, eye, mouth as present."""
    masks = [label.split(":", 1)[1] for label in config["channels"][3:]]
    return ["R", "G", "B", *(m if m in ("eye", "mouth") else "face" for m in masks)]


@pytest.mark.parametrize(("config_id", "size"), [
    ("c002", True), ("c019", True), ("c034", True), ("c037", True), ("c041", True),
    ("c004", False)])
def test_the_npz_holds_faceswaps_training_samples(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                  config_id: str, size: bool) -> None:
    """Stored, landmark and head-stored masks, legacy centering at 128 px, learn_mask only,
    eye 1 / mouth 2 (by name), and the size taken from the model (tiny: 64 px)."""
    config = cases()["configs"][config_id]
    out = tmp_path / "samples.npz"
    assert main(_faces(config_id, out, size)) == 0
    stdout = capsys.readouterr().out
    mask = config["mask_type"]
    for side in "ab":
        assert f"side {side}: " in stdout and "holds faceswap faces (5 faces): " \
            f"{config['centering']} centering, coverage {config['coverage']:g}%" in stdout
    assert f"; mask {mask}; channels {', '.join(_names(config))}" in stdout
    with np.load(out) as arrays:
        keys = sorted(arrays.files)
        assert len(keys) == 10
        for key in keys:
            side, name = key.split("/")
            reference = trainset()[f"{config_id}/{side.upper()}/{name}"]
            assert side in SIDES.values() and arrays[key].shape == reference.shape
            for index, channel in enumerate(_names(config)):
                share, mean, _ = agreement(arrays[key][..., index],
                                           reference_channel(config, reference, channel))
                assert share >= 0.995 and mean <= 0.5, (key, channel)


def test_mask_none_with_the_penalized_loss_exits_1_with_faceswaps_reason(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(_faces("c044", tmp_path / "x.npz")) == 1
    stderr = capsys.readouterr().err
    assert stderr.startswith("phazer faces: error: side a: training.mask_type is none, but "
                             "training.penalized_mask_loss needs a mask (faceswap refuses "
                             "this: \"You have selected the mask type 'none'")
    assert "hint: choose a mask_type" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "x.npz").exists()


def test_a_contact_sheet_per_side(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """OUT.png with two sides: OUT_a.png and OUT_b.png, 5 tiles of 64 px in a 3 x 2 grid
    (2 px gaps), the masks outlined in their colours."""
    assert main(_faces("c004", tmp_path / "sheet.png")) == 0
    assert "wrote " in capsys.readouterr().out
    for side in "ab":
        sheet = np.asarray(Image.open(tmp_path / f"sheet_{side}.png"))
        assert sheet.shape == (2 * 66 + 2, 3 * 66 + 2, 3)
        tile = sheet[2:66, 2:66]
        assert np.any(np.all(tile == (0, 255, 0), axis=-1))       # the face mask's outline
        assert np.any(np.all(tile == (255, 0, 255), axis=-1))     # the mouth's
    assert main([*_faces("c004", tmp_path / "sheets"), "--limit", "2"]) == 0
    assert sorted(p.name for p in (tmp_path / "sheets").iterdir()) == ["a.png", "b.png"]
    assert np.asarray(Image.open(tmp_path / "sheets" / "a.png")).shape == (68, 134, 3)


def _plain_folder(folder: Path, alpha: bool) -> Path:
    folder.mkdir()
    rng = np.random.default_rng(5)
    for number in range(3):
        pixels = rng.integers(0, 256, (80, 80, 4 if alpha else 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{number}.png")
    return folder


def test_plain_folders_are_the_crop_with_the_alpha_mask(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    folder = _plain_folder(tmp_path / "plain", alpha=True)
    out = tmp_path / "plain.npz"
    assert main(["faces", TINY_SPEC, "--input", f"a={folder}", "--set",
                 "training.coverage=80", "-o", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert (f"side a: {folder} holds plain faces (3 faces, no faceswap header): the image is "
            "the crop, coverage 80%; mask alpha (3 of 3 have an alpha channel; the others "
            "count fully); channels R, G, B, face") in stdout
    with np.load(out) as arrays:
        image = np.asarray(Image.open(folder / "1.png"))
        np.testing.assert_array_equal(arrays["a/1.png"], image[8:72, 8:72])


def test_landmark_masks_need_faceswap_faces(tmp_path: Path, capsys: pytest.CaptureFixture
                                            ) -> None:
    folder = _plain_folder(tmp_path / "plain", alpha=False)
    assert main(["faces", TINY_SPEC, "--input-a", str(folder), "--set",
                 "training.mask_type=extended", "-o", str(tmp_path / "x.npz")]) == 1
    assert ("phazer faces: error: side a: training.mask_type extended comes from the "
            "landmarks in faceswap's face headers, but these are plain images without that "
            "header") in capsys.readouterr().err


def test_a_folder_mixing_faceswap_and_plain_faces_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = _plain_folder(tmp_path / "mixed", alpha=False)
    shutil.copy(require_oracle() / "faces" / "A" / "a_000_0.png", folder)
    assert main(["faces", TINY_SPEC, "--input", f"a={folder}", "-o",
                 str(tmp_path / "x.npz")]) == 1
    stderr = capsys.readouterr().err
    assert f"phazer faces: error: side a: face folder {folder} mixes faceswap's" in stderr
    assert "hint: keep one kind per folder" in stderr


@pytest.mark.parametrize(("argv", "message"), [
    (["--input", "c=faces"], "the model has no side 'c'; its sides are a, b"),
    (["--input", "a=faces", "--input-a", "other"], "side a is given twice"),
    ([], "no face folder given"),
    (["--input", "a=faces", "-o", "out.txt"], "expected a .npz file, a .png file or a folder"),
])
def test_input_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture, argv: list[str],
                             message: str) -> None:
    output = [] if "-o" in argv else ["-o", str(tmp_path / "x.npz")]
    assert main(["faces", TINY_SPEC, *argv, *output]) == 1
    stderr = capsys.readouterr().err
    assert stderr.startswith("phazer faces: error: ") and message in stderr


def test_phazer_faces_imports_no_tensorflow(tmp_path: Path) -> None:
    """The command (and the sample modules the training pipeline reads faces with) stay
    TensorFlow-free."""
    folder = require_oracle() / "faces" / "A"
    run = run_cli_fresh("faces", TINY_SPEC, "--input", f"a={folder}", "-o",
                        str(tmp_path / "x.npz"))
    assert run.returncode == 0, run.stderr
    assert run.loaded() == []
