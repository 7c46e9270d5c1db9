"""``phazer import-faceswap FOLDER -o M``: the model dir computes what faceswap's model computes.

Each shared faceswap model folder (tests/faceswap_models_oracle.py) is imported with the
command; the model ``phazer swap`` loads from M, fed faceswap's inputs in inference mode,
gives each side's reconstruction and faceswap's swap A->B within 1e-4 of faceswap's own
outputs (face, mask, every scale); where faceswap's swap model fails (shared FC "half", DFL-SAE
LIAE) phazer's swap runs and gives the face through side B's route. ``phazer export`` of the
imported model gives swap models with the same outputs. pa01's saved optimizer state resumes
as faceswap's: the moments are one Adam step of the gradient phazer's model computes for the
loss faceswap's step used. A folder whose weights do not fit its options is refused naming the
first layer that differs, and writes nothing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.faceswap_models_oracle import (
    CASE_NAMES,
    FAST_CASES,
    TOLERANCE,
    case_dir,
    cases,
    inputs,
    outputs,
    require_oracle,
    side_outputs,
    swap_outputs,
)

pytestmark = pytest.mark.keras
pytest.importorskip("tensorflow")

from phazer.cli.main import main  # noqa: E402

OPTIMIZER_CASE = "pa01_subpixel_splitdec_optimizer"
EXPORT_FAST = ("pa06_learnmask_splitdec_res_rms",)


def _cases(fast: tuple[str, ...]) -> list[Any]:
    return [name if name in fast else pytest.param(name, marks=pytest.mark.slow)
            for name in CASE_NAMES]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Import a case's folder with the command (once per module); its model dir."""
    done: dict[str, Path] = {}

    def get(name: str) -> Path:
        require_oracle()
        if name not in done:
            target = tmp_path_factory.mktemp("imported") / name
            assert main(["import-faceswap", str(case_dir(name)), "-o", str(target)]) == 0
            done[name] = target
        return done[name]
    return get


def _by_key(found: dict[str, np.ndarray], expected: list[dict[str, Any]],
            side: str | None = None) -> dict[str, np.ndarray]:
    """phazer's output for each of faceswap's (same side, kind and shape: exactly one)."""
    matched = {}
    for entry in expected:
        kind = entry.get("kind", "mask" if "__mask_out" in entry["key"] else "face")
        prefix = f"{kind}_out_{side or entry['side']}"
        hits = [name for name, value in found.items() if name.startswith(prefix)
                and list(value.shape[1:]) == list(entry["shape"])]
        assert len(hits) == 1, (entry["key"], list(found))
        matched[entry["key"]] = found[hits[0]]
    return matched


def _worst(ours: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> dict[str, float]:
    return {key: float(np.abs(value - reference[key]).max()) for key, value in ours.items()}


def _model_outputs(model: Any, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    result = model(feed, training=False)
    result = result if isinstance(result, list | tuple) else [result]
    return {str(n): np.asarray(v) for n, v in zip(model.output_names, result, strict=True)}


@pytest.mark.parametrize("name", _cases(FAST_CASES))
def test_the_imported_model_computes_faceswaps_outputs(name, imported) -> None:
    from phazer.compiler import compile_model_ir
    from phazer.train.modeldir import ModelDir
    from phazer.train.swap import load_trained
    from phazer.train.swap_models import SwapModels

    target = imported(name)
    model, spec = load_trained(target)
    state = ModelDir(target).read_state()
    case = cases()[name]
    assert state.color_order == case["color_order"]
    assert state.iterations == case["iterations"]
    assert state.imported["plugin"] == case["plugin"]
    assert model.count_params() == case["total_params"]
    faces, reference = inputs(name), outputs(name)
    found = _model_outputs(model, faces)
    worst = _worst(_by_key(found, side_outputs(name)), reference)
    assert max(worst.values()) < TOLERANCE, worst

    # phazer swap's route: RGB faces in, turned to the model's order and back
    swaps = SwapModels(model, compile_model_ir(spec).without_pretrained(), state.color_order)
    flip = (lambda x: x[..., ::-1]) if state.color_order == "bgr" else (lambda x: x)
    swapped = swaps.predict("a", "b", flip(faces["face_in_a"]))
    swapped = {k: flip(v) if k.startswith("face_out") else v for k, v in swapped.items()}
    expected = swap_outputs(name)
    if expected is not None:
        worst = _worst(_by_key(swapped, expected, "b"), reference)
        assert max(worst.values()) < TOLERANCE, worst
    assert (case["inference"]["swap_a_to_b"]["status"] == "ok") == (expected is not None)
    # with or without faceswap's swap: A's face through side B's route
    through_b = _model_outputs(model, {"face_in_a": faces["face_in_b"],
                                       "face_in_b": faces["face_in_a"]})
    for key, value in swapped.items():
        assert float(np.abs(value - through_b[key]).max()) < 1e-5, key


@pytest.mark.parametrize("name", _cases(EXPORT_FAST))
def test_the_exported_swaps_compute_faceswaps_outputs(name, imported, tmp_path, capsys) -> None:
    import keras

    import phazer.emit  # noqa: F401  (phazer's layers, for loading the exported files)

    target = imported(name)
    out = tmp_path / "export"
    assert main(["export", "--model-dir", str(target), "--format", "keras", "-o",
                 str(out)]) == 0, capsys.readouterr()
    manifest = json.loads((out / "export.json").read_text())
    assert manifest["input"]["color_order"] == cases()[name]["color_order"]
    faces, reference = inputs(name), outputs(name)

    def run(side: str, face: np.ndarray) -> dict[str, np.ndarray]:
        exported = keras.saving.load_model(out / manifest["sides"][side]["file"])
        return _model_outputs(exported, face)

    expected = {side: [e for e in side_outputs(name) if e["side"] == side] for side in "ab"}
    worst = {**_worst(_by_key(run("a", faces["face_in_a"]), expected["a"]), reference),
             **_worst(_by_key(run("b", faces["face_in_b"]), expected["b"]), reference)}
    swap = swap_outputs(name)
    if swap is not None:
        worst.update(_worst(_by_key(run("b", faces["face_in_a"]), swap, "b"), reference))
    assert max(worst.values()) < TOLERANCE, worst


def test_the_optimizer_state_resumes_where_faceswap_stopped(imported) -> None:
    """pa01's moments and step, restored as a resume does, are faceswap's one Adam step."""
    import tensorflow as tf

    from phazer.train.checkpoint import read_optimizer_arrays, restore_optimizer
    from phazer.train.modeldir import ModelDir
    from phazer.train.optimizers import build_optimizer
    from phazer.train.swap import load_trained

    target = imported(OPTIMIZER_CASE)
    model, spec = load_trained(target)
    optimizer = build_optimizer(spec.training)
    optimizer.build(model.trainable_variables)
    _, fresh = restore_optimizer(optimizer, model,
                                 read_optimizer_arrays(ModelDir(target).optimizer))
    assert fresh == []
    assert int(optimizer.iterations.numpy()) == 1
    # faceswap's step: loss = sum over the outputs of mean |output - 0.5|, inference forward
    faces = inputs(OPTIMIZER_CASE)
    with tf.GradientTape() as tape:
        result = model(faces, training=False)
        loss = tf.add_n([tf.reduce_mean(tf.abs(out - 0.5)) for out in result])
    gradients = tape.gradient(loss, model.trainable_variables)
    for variable, gradient in zip(model.trainable_variables, gradients, strict=True):
        index = optimizer._get_variable_index(variable)
        momentum = optimizer._momentums[index].numpy()
        velocity = optimizer._velocities[index].numpy()
        g = gradient.numpy()
        np.testing.assert_allclose(momentum, 0.1 * g, rtol=1e-4, atol=1e-9)
        np.testing.assert_allclose(velocity, 0.001 * g * g, rtol=1e-3, atol=1e-14)
    assert ModelDir(target).read_state().imported["optimizer_carried"] is True


@pytest.mark.slow
def test_train_resumes_an_imported_model(imported, face_folders, tmp_path, capsys) -> None:
    from phazer.train.modeldir import ModelDir

    faces = face_folders(10, seed=8)
    target = tmp_path / "M"
    shutil.copytree(imported(OPTIMIZER_CASE), target)
    capsys.readouterr()
    assert main(["train", str(target / "spec.yaml"), "--input-a", str(faces / "a"),
                 "--input-b", str(faces / "b"), "--model-dir", str(target), "--iterations",
                 "2", "--no-preview", "--set", "training.xla=off"]) == 0
    out = capsys.readouterr().out
    assert f"resuming {target} at iteration 12" in out
    assert "start fresh" not in out
    state = ModelDir(target).read_state()
    assert state.iterations == 14 and len(state.sessions) == 2
    assert state.sessions[0]["faceswap_session"] == "1"


def test_weights_that_do_not_fit_the_options_are_refused(tmp_path, capsys) -> None:
    """A state file whose options build a wider decoder: the first differing layer is named."""
    require_oracle()
    folder = tmp_path / "faceswap"
    folder.mkdir()
    source = case_dir(OPTIMIZER_CASE)
    shutil.copy(source / "phaze_a.keras", folder)
    state = json.loads((source / "phaze_a_state.json").read_text())
    state["config"]["dec_max_filters"] = 64
    (folder / "phaze_a_state.json").write_text(json.dumps(state))
    target = tmp_path / "M"
    assert main(["import-faceswap", str(folder), "-o", str(target)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert ("decoder_a: faceswap's layer upscale_32_0_conv2d_conv2d (Conv2D) kernel is "
            "(3, 3, 16, 128), phazer's upscale_64_conv2d_conv2d kernel is (3, 3, 16, 256)"
            ) in err, err
    assert not target.exists()


def test_an_existing_model_dir_is_never_written(tmp_path, capsys) -> None:
    require_oracle()
    target = tmp_path / "M"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    assert main(["import-faceswap", str(case_dir(OPTIMIZER_CASE)), "-o", str(target)]) == 1
    assert "is not empty" in capsys.readouterr().err
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
