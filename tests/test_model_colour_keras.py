"""Each model is fed in its own colour order: training batches, the loss, previews, swap, export,
transfer and a resumed or new model dir's ``state.json``.

The swap checks use a BGR twin of a model dir: the same weights with the input channels of the
encoder's first convolution and the output channels of every face output convolution
reversed. Fed BGR, the twin computes exactly the RGB model's function with the channels
reversed, so everything phazer draws from it (as RGB) must equal what it draws from the RGB
model — and differ when the twin is fed in the wrong order.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

from phazer.cli.main import main  # noqa: E402
from phazer.data.pipeline import load_faces, make_dataset  # noqa: E402
from phazer.spec.training import TrainingSpec  # noqa: E402
from phazer.train.modeldir import STATE_FILE, WEIGHTS_FILE, ModelDir  # noqa: E402
from tests.helpers import TINY_SPEC  # noqa: E402
from tests.model_dirs import make_model_dir  # noqa: E402

FACES = (10, 8)   # per side, seed: the ``faces`` fixture (tests/conftest.py)
PLAIN = TrainingSpec.model_validate({"augmentation": {
    "rotation_range": 0, "zoom_amount": 0, "shift_range": 0, "flip_chance": 0,
    "color_lightness": 0, "color_ab": 0, "color_clahe_chance": 0, "warp": False}})


def _set_order(model_dir: Path, order: str) -> None:
    path = model_dir / STATE_FILE
    state = json.loads(path.read_text(encoding="utf-8"))
    state["color_order"] = order
    path.write_text(json.dumps(state), encoding="utf-8")


def bgr_twin(rgb_dir: Path, target: Path, learn_mask: bool = False) -> Path:
    """A BGR model dir computing ``rgb_dir``'s model with every face's channels reversed."""
    from phazer.train.swap import load_trained

    shutil.copytree(rgb_dir, target)
    model, _ = load_trained(target)
    first = next(layer for layer in model.get_layer("encoder").layers if layer.weights)
    kernel = first.weights[0]
    assert kernel.shape[2] == 3
    kernel.assign(np.asarray(kernel)[:, :, ::-1, :])
    faces = 0
    for sub in model.layers:
        for layer in getattr(sub, "layers", ()):
            if layer.name.startswith("face_out") and layer.weights:
                weight, bias = layer.weights
                weight.assign(np.asarray(weight)[..., ::-1])
                bias.assign(np.asarray(bias)[::-1])
                faces += 1
    assert faces == 2
    model.save_weights(target / WEIGHTS_FILE)
    _set_order(target, "bgr")
    return target


@pytest.fixture(scope="module")
def twins(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("colour")
    rgb = make_model_dir(root / "rgb", TINY_SPEC, seed=11)
    return rgb, bgr_twin(rgb, root / "bgr")


def test_a_bgr_model_s_batches_are_the_rgb_batches_reversed(faces):
    from phazer.data.folders import scan_faces

    folders = {side: scan_faces(faces / side) for side in "ab"}

    def batch(order: str):
        dataset = make_dataset(folders, PLAIN, 48, 64, 3, learn_mask=True, seed=4,
                               augment=False, color_order=order)
        inputs, targets = next(iter(dataset))
        return ({k: v.numpy() for k, v in inputs.items()},
                {k: v.numpy() for k, v in targets.items()})

    (rgb_in, rgb_out), (bgr_in, bgr_out) = batch("rgb"), batch("bgr")
    assert set(bgr_in) == {"face_in_a", "face_in_b"} and set(bgr_out) == set(rgb_out)
    for name in bgr_in:
        np.testing.assert_array_equal(bgr_in[name], rgb_in[name][..., ::-1])
        assert not np.array_equal(bgr_in[name], rgb_in[name])
    for name in ("face_out_a", "face_out_b"):
        np.testing.assert_array_equal(bgr_out[name], rgb_out[name][..., ::-1])
    for name in ("mask_out_a", "mask_out_b"):
        np.testing.assert_array_equal(bgr_out[name], rgb_out[name])
    with pytest.raises(ValueError, match="color_order"):
        make_dataset(folders, PLAIN, 48, 64, 3, learn_mask=True, color_order="BGR")


def test_the_loss_of_a_bgr_model_is_faceswap_s_for_bgr():
    """Fed BGR, every loss is the RGB model's, except gmsd, which faceswap computes in the
    model's order (its grouped edge filters are not symmetric in the channels)."""
    from phazer.train.losses import ModelLoss
    from phazer.train.losses.registry import LossOptions, get_loss

    rng = np.random.default_rng(0)
    true = rng.uniform(0, 1, (2, 32, 32, 3)).astype(np.float32)
    pred = np.clip(true + rng.normal(0, 0.1, true.shape), 0, 1).astype(np.float32)
    names = ["face_out_a"]
    symmetric = TrainingSpec.model_validate({"losses": [
        {"function": "ssim"}, {"function": "mae", "weight": 0.5}, {"function": "flip"}]})
    rgb = ModelLoss(symmetric, names, False).per_item({"face_out_a": true}, {"face_out_a": pred})
    bgr = ModelLoss(symmetric, names, False, color_order="bgr").per_item(
        {"face_out_a": true[..., ::-1]}, {"face_out_a": pred[..., ::-1]})
    for key, value in rgb.items():
        np.testing.assert_allclose(np.asarray(bgr[key]), np.asarray(value), rtol=1e-5)
    gmsd = TrainingSpec.model_validate({"losses": [{"function": "gmsd"}]})
    got = ModelLoss(gmsd, names, False, color_order="bgr").per_item(
        {"face_out_a": true[..., ::-1]}, {"face_out_a": pred[..., ::-1]})["face_out_a/gmsd"]
    faceswap = get_loss("gmsd", LossOptions(color_order="bgr")).per_item(true, pred)
    np.testing.assert_allclose(np.asarray(got), np.asarray(faceswap), rtol=1e-5)


def _pixels(folder: Path) -> dict[str, np.ndarray]:
    return {p.name: np.asarray(Image.open(p), np.int16) for p in sorted(folder.iterdir())}


def test_swap_feeds_a_bgr_model_bgr_and_writes_rgb(twins, faces, tmp_path):
    from phazer.train.swap import swap_folder

    rgb, bgr = twins
    for name, folder in (("rgb", rgb), ("bgr", bgr)):
        swap_folder(folder, faces / "a", tmp_path / name, to="b")
    want, got = _pixels(tmp_path / "rgb"), _pixels(tmp_path / "bgr")
    assert sorted(got) == sorted(want) and len(got) == 10
    for name, image in got.items():       # float rounding of the reordered sums at most
        assert np.abs(image - want[name]).max() <= 1, name
    wrong = tmp_path / "wrong"
    shutil.copytree(bgr, wrong)
    _set_order(wrong, "rgb")              # the twin's weights fed RGB: red and blue swapped
    swap_folder(wrong, faces / "a", tmp_path / "wrong-out", to="b")
    swapped = _pixels(tmp_path / "wrong-out")
    assert max(np.abs(swapped[n] - want[n]).max() for n in want) > 8


def test_previews_and_predictions_show_rgb(twins, faces):
    from phazer.compiler import compile_model_ir
    from phazer.train.previews import load_preview_faces, predict_both, preview_image
    from phazer.train.swap import load_trained

    images, outputs = {}, {}
    files = {side: sorted((faces / side).iterdir()) for side in "ab"}
    batch = load_faces(files["a"][:4], 64)
    for folder in twins:
        order = ModelDir(folder).read_state().color_order
        model, spec = load_trained(folder)
        shown = load_preview_faces(files, 2, 64, 64, 100.0,
                                   compile_model_ir(spec).without_pretrained(),
                                   color_order=order)
        images[order] = np.asarray(preview_image(model, shown), np.int16)
        outputs[order] = predict_both(model, batch, color_order=order)
    assert np.abs(images["bgr"] - images["rgb"]).max() <= 1
    for name in ("face_out_a", "face_out_b"):
        np.testing.assert_allclose(outputs["bgr"][name], outputs["rgb"][name], atol=1e-5)


def test_export_states_the_order_its_models_take(twins, faces, tmp_path, capsys):
    from tests.test_export import run_exported

    reports, files = {}, {}
    for folder in twins:
        out = tmp_path / folder.name
        assert main(["export", "--model-dir", str(folder), "-o", str(out), "--faces",
                     str(faces / "a"), "--json", "--side", "b"]) == 0
        reports[folder.name] = json.loads((out / "export.json").read_text())
        files[folder.name] = out / "swap_to_b.keras"
    capsys.readouterr()
    assert reports["rgb"]["input"]["pixels"] == "RGB in [0, 1]"
    assert reports["bgr"]["input"]["pixels"] == "BGR in [0, 1]"
    assert reports["bgr"]["input"]["color_order"] == "bgr"
    assert reports["bgr"]["max_abs_diff"] < 1e-5     # the check fed the export BGR faces
    faces_rgb = load_faces(sorted((faces / "a").iterdir())[:4], 64)
    want = run_exported("keras", files["rgb"], faces_rgb)["face_out_b"]
    got = run_exported("keras", files["bgr"], np.ascontiguousarray(faces_rgb[..., ::-1]))
    np.testing.assert_allclose(got["face_out_b"][..., ::-1], want, atol=1e-5)


def test_transfer_keeps_the_order_of_the_weights_it_copies(twins, tmp_path, capsys):
    rgb, _ = twins       # an RGB model dir (as before phazer recorded the order)
    target = tmp_path / "new"
    assert main(["transfer", str(rgb), TINY_SPEC, "-o", str(target), "--set",
                 "decoder.res_blocks=2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["copied_params"] > 0
    assert report["color_order"] == "rgb"                # tiny.yaml's own order is BGR
    assert ModelDir(target).read_state().color_order == "rgb"


@pytest.mark.slow
def test_train_records_the_order_and_a_resume_keeps_an_old_dir_s(faces, tmp_path,
                                                                 monkeypatch, capsys):
    """A new model dir trains in its model's order; an old one (no field) stays RGB."""
    import phazer.train.session as session

    seen: list[tuple[str, str]] = []
    real_dataset, real_loss = session.make_dataset, session.ModelLoss

    def dataset(*args, **kwargs):
        seen.append(("data", kwargs["color_order"]))
        return real_dataset(*args, **kwargs)

    def loss(*args, **kwargs):
        seen.append(("loss", kwargs["color_order"]))
        return real_loss(*args, **kwargs)

    monkeypatch.setattr(session, "make_dataset", dataset)
    monkeypatch.setattr(session, "ModelLoss", loss)
    model_dir = tmp_path / "m"
    args = ["train", TINY_SPEC, "--input-a", str(faces / "a"), "--input-b", str(faces / "b"),
            "--model-dir", str(model_dir), "--set", "training.xla=off", "--set",
            "training.preview_images=2", "--batch-size", "4", "--iterations", "1"]
    assert main(args) == 0
    assert json.loads((model_dir / STATE_FILE).read_text())["color_order"] == "bgr"
    assert seen == [("loss", "bgr"), ("data", "bgr")]
    state = json.loads((model_dir / STATE_FILE).read_text())
    del state["color_order"]                 # as a model dir written before the field
    (model_dir / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
    seen.clear()
    assert main(args) == 0
    capsys.readouterr()
    assert seen == [("loss", "rgb"), ("data", "rgb")]
    state = json.loads((model_dir / STATE_FILE).read_text())
    assert state["iterations"] == 2 and state["color_order"] == "rgb"
