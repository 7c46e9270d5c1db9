"""Training on faceswap's extracted faces: the batches hold faceswap's samples and masks, and
`phazer train` / `phazer swap` run on a faceswap face folder as it is."""

from __future__ import annotations

import numpy as np
import pytest

from tests.faceswap_oracle import require_oracle

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

from phazer.cli.main import main  # noqa: E402
from phazer.data.faceswap_header import read_faceswap_header  # noqa: E402
from phazer.data.faceswap_sample import SampleSettings, make_sample  # noqa: E402
from phazer.data.folders import scan_faces  # noqa: E402
from phazer.data.images import read_face  # noqa: E402
from phazer.spec.training import TrainingSpec  # noqa: E402
from tests.helpers import TINY_SPEC  # noqa: E402

FAST = ["--set", "training.xla=off", "--set", "training.preview_images=2", "--batch-size", "4",
        "--min-images", "4"]


def folders() -> dict[str, object]:
    faces = require_oracle() / "faces"
    return {side: scan_faces(faces / side.upper(), min_images=1) for side in ("a", "b")}


def test_batches_are_faceswaps_samples_with_named_masks():
    from phazer.data.pipeline import make_dataset

    training = TrainingSpec.model_validate({"mask_type": "bisenet-fp_face", "centering": "face",
                                            "coverage": 87.5})
    scans = folders()
    dataset = make_dataset(scans, training, 64, 64, 5, learn_mask=False, seed=3, augment=False)
    _, targets = next(iter(dataset))
    assert set(targets) == {f"{kind}_{side}" for side in ("a", "b")
                            for kind in ("face_out", "mask_out", "eye_mask", "mouth_mask")}
    settings = SampleSettings.from_training(training, 64, learn_mask=False)
    for side, scan in scans.items():
        samples = [make_sample(read_face(path)[0], read_faceswap_header(path), settings, path)
                   for path in scan.files]
        got = np.concatenate([np.asarray(targets[f"{kind}_{side}"]) for kind in
                              ("face_out", "mask_out", "eye_mask", "mouth_mask")], axis=-1)
        # a batch of 5 from 5 faces: every face once, in the shuffled order
        for image in got:
            errors = [np.abs(image * 255 - sample).max() for sample in samples]
            assert min(errors) <= 1.0, errors


def test_train_on_a_faceswap_folder_then_swap(tmp_path, capsys):
    faces = require_oracle() / "faces"
    model_dir = tmp_path / "model"
    code = main(["train", TINY_SPEC, "--input", f"a={faces / 'A'}", "--input",
                 f"b={faces / 'B'}", "--model-dir", str(model_dir), "--iterations", "2",
                 "--set", "training.mask_type=vgg-clear", *FAST])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "holds faceswap faces: face centering" in out and "vgg-clear mask" in out
    assert "eyes x3 and mouth x2 in the loss" in out
    assert (model_dir / "preview.png").is_file()
    swapped = tmp_path / "swapped"
    assert main(["swap", "--model-dir", str(model_dir), "--input", str(faces / "A"), "--output",
                 str(swapped)]) == 0
    assert len(list(swapped.glob("*.png"))) == 5


def test_a_mask_the_faces_lack_stops_before_any_model_is_built(tmp_path, capsys):
    faces = require_oracle() / "faces"
    model_dir = tmp_path / "model"
    code = main(["train", TINY_SPEC, "--input", f"a={faces / 'A'}", "--input",
                 f"b={faces / 'B'}", "--model-dir", str(model_dir), "--iterations", "1",
                 "--set", "training.mask_type=unet-dfl", *FAST])
    err = capsys.readouterr().err
    assert code == 1
    assert "a_000_0.png has bisenet-fp_face, vgg-clear, bisenet-fp_head" in err
    assert not model_dir.exists()
