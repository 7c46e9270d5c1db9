"""The LPIPS losses: local weights only, clear errors, and torchvision's trunk shapes.

faceswap's LPIPS needs pretrained weights it downloads; no copy is available offline, so the
values are not compared with faceswap's (see docs/training-data.md). What is checked: the
errors that name faceswap's files, the weights-file format, the feature sizes torchvision's
AlexNet / SqueezeNet 1.1 / VGG16 give at 224 px, and the loss's behaviour with random weights.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

from phazer.catalog.losses import LOSSES  # noqa: E402
from phazer.spec.training import TrainingSpec  # noqa: E402
from phazer.train.losses import LossOptions, LossWeightsError, ModelLoss, get_loss  # noqa: E402
from phazer.train.losses.lpips import LPIPS, expected_arrays  # noqa: E402
from phazer.train.precheck import TrainInputError  # noqa: E402

TRUNKS = {"lpips_alex": "alex", "lpips_squeeze": "squeeze", "lpips_vgg16": "vgg16"}
# torchvision's feature sizes at a 224 px input, at the layers faceswap taps
SIZES_AT_224 = {"alex": [55, 27, 13, 13, 13], "squeeze": [111, 55, 27, 13, 13, 13, 13],
                "vgg16": [224, 112, 56, 28, 14]}
CHANNELS = {"alex": [64, 192, 384, 256, 256], "squeeze": [64, 128, 256, 384, 384, 512, 512],
            "vgg16": [64, 128, 256, 512, 512]}   # faceswap's _LINEAR table


def _arrays(trunk: str, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = {key: rng.normal(0.0, 0.05, shape).astype(np.float32)
              for key, shape in expected_arrays(trunk).items()}
    return {key: np.abs(value) if key.startswith("linear/") else value
            for key, value in arrays.items()}


def _write(tmp_path, trunk: str, arrays: dict[str, np.ndarray] | None = None) -> str:
    path = tmp_path / f"lpips_{trunk}.npz"
    np.savez(path, **(_arrays(trunk) if arrays is None else arrays))
    return str(path)


@pytest.mark.parametrize("name", sorted(TRUNKS))
def test_without_weights_the_error_names_faceswaps_files(name):
    with pytest.raises(LossWeightsError) as caught:
        get_loss(name)
    error = caught.value
    assert isinstance(error, TrainInputError)          # phazer train prints it on one line
    for file in LOSSES[name].weights_files:
        assert file in error.hint
    assert "never downloads" in error.message and "weights_file" in error.hint


def test_a_missing_file_an_absent_array_and_a_wrong_shape_are_named(tmp_path):
    with pytest.raises(LossWeightsError, match=r"nowhere\.npz: cannot be read"):
        get_loss("lpips_alex", LossOptions(weights_file=str(tmp_path / "nowhere.npz")))
    arrays = _arrays("alex")
    del arrays["linear/4"]
    with pytest.raises(LossWeightsError, match=r"lacks the array linear/4 \(shape \(1, 256"):
        get_loss("lpips_alex", LossOptions(weights_file=_write(tmp_path, "alex", arrays)))
    arrays = _arrays("alex")
    arrays["trunk/features.0.weight"] = arrays["trunk/features.0.weight"][:32]
    with pytest.raises(LossWeightsError, match=r"features.0.weight has shape \(32, 3, 11, 11\), "
                                               r"expected \(64, 3, 11, 11\)"):
        get_loss("lpips_alex", LossOptions(weights_file=_write(tmp_path, "alex", arrays)))


@pytest.mark.parametrize("trunk", sorted(SIZES_AT_224))
def test_the_trunks_tap_torchvisions_layers(trunk):
    lpips = LPIPS.from_arrays(trunk, _arrays(trunk))
    size = 112 if trunk == "vgg16" else 224        # VGG16 halves exactly: keep it quick
    features = lpips.features(np.zeros((1, size, size, 3), np.float32))
    expected = [s * size // 224 for s in SIZES_AT_224[trunk]]
    assert [int(f.shape[1]) for f in features] == expected
    assert [int(f.shape[-1]) for f in features] == CHANNELS[trunk]


@pytest.mark.parametrize("name", sorted(TRUNKS))
def test_lpips_is_a_map_zero_for_identical_images(tmp_path, name):
    loss = get_loss(name, LossOptions(weights_file=_write(tmp_path, TRUNKS[name])))
    rng = np.random.default_rng(1)
    x, y = (rng.random((2, 64, 64, 3)).astype(np.float32) for _ in range(2))
    values = np.asarray(loss.values(x, y))
    assert values.shape == (2, 64, 64, 1)
    assert (values >= 0).all() and values.mean() > 0
    assert float(np.abs(np.asarray(loss.values(x, x))).max()) == 0.0


def test_model_loss_reads_the_weights_file_of_its_term(tmp_path):
    path = _write(tmp_path, "squeeze")
    training = TrainingSpec.model_validate({"losses": [
        {"function": "mae"}, {"function": "lpips_squeeze", "weight": 0.5, "weights_file": path}],
        "penalized_mask_loss": False})
    loss = ModelLoss(training, ["face_out_a"], masks_in_targets=False)
    rng = np.random.default_rng(2)
    x, y = (rng.random((2, 64, 64, 3)).astype(np.float32) for _ in range(2))
    terms = loss.terms({"face_out_a": x}, {"face_out_a": y})
    lpips = get_loss("lpips_squeeze", LossOptions(weights_file=path))
    assert float(terms["face_out_a/lpips_squeeze"]) == pytest.approx(0.5 * float(lpips(x, y)))
    no_file = TrainingSpec.model_validate({"losses": [{"function": "lpips_squeeze"}]})
    with pytest.raises(LossWeightsError, match="lpips_squeeze needs pretrained weights"):
        ModelLoss(no_file, ["face_out_a"], masks_in_targets=False)


def test_phazer_train_refuses_a_missing_lpips_weights_file_before_building(faces, tmp_path,
                                                                          capsys):
    from phazer.cli.main import main
    from tests.helpers import TINY_SPEC

    model_dir = tmp_path / "model"
    code = main(["train", TINY_SPEC, "--input-a", str(faces / "a"), "--input-b",
                 str(faces / "b"), "--model-dir", str(model_dir), "--iterations", "1",
                 "--batch-size", "4", "--set",
                 "training.losses=[{function: ssim}, {function: lpips_alex, weight: 0.1}]"])
    err = capsys.readouterr().err
    assert code == 1
    assert "lpips_alex needs pretrained weights" in err and "alexnet" in err
    assert not model_dir.exists()
