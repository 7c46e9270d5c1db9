"""N identities end to end: the `three-identities` preset through every command.

A graph-form spec with three sides (a shared encoder and fc, a decoder per identity) goes
through summary (its memory estimate), diagram (routing and layers), compile (a Keras model
with face_in_/face_out_ a, b and c), train (a face folder per side, --input SIDE=DIR; errors
for a wrong side), resume, and swap to each side.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from phazer.cli.main import main
from phazer.spec.presets import presets_dir

PRESET = "three-identities"
SIDES = ("a", "b", "c")


def _two_sided(tmp_path: Path) -> Path:
    """The preset without side c: the same sub-models for a and b."""
    data = yaml.safe_load((presets_dir() / f"{PRESET}.yaml").read_text())
    del data["sides"]["c"], data["routes"]["c"], data["models"]["decoder_c"]
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _summary(capsys, *args: str) -> dict:
    assert main(["summary", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_preset_has_three_sides_sharing_encoder_and_fc(capsys) -> None:
    summary = _summary(capsys, PRESET)
    assert summary["sides"] == list(SIDES)
    assert {s["name"]: s["sides"] for s in summary["submodels"]} == {
        "encoder": list(SIDES), "fc": list(SIDES), "decoder_a": ["a"], "decoder_b": ["b"],
        "decoder_c": ["c"]}
    assert summary["input_shape"] == [64, 64, 3] and summary["output_shape"] == [64, 64, 3]
    assert summary["total_params"] < 2_000_000
    assert not [i for i in summary["issues"] if i["severity"] != "info"]


def test_the_memory_estimate_counts_the_third_side(tmp_path, capsys) -> None:
    three = _summary(capsys, PRESET, "--batch-size", "8")["memory"]
    two = _summary(capsys, str(_two_sided(tmp_path)), "--batch-size", "8")["memory"]
    # one more decoder's weights and optimizer state, and a third side's activations
    assert three["weights"] > two["weights"] and three["optimizer_state"] > two["optimizer_state"]
    assert three["activations"] > two["activations"]
    assert three["total"] > two["total"]
    budget = _summary(capsys, PRESET, "--gpu-memory", "2GiB")["memory"]
    assert budget["max_batch_size"] and budget["max_batch_size"] > 16


@pytest.mark.parametrize("level", ["routing", "layers"])
@pytest.mark.parametrize("suffix", ["dot", "mmd"])
def test_diagrams_show_every_side(tmp_path, level, suffix) -> None:
    out = tmp_path / f"three.{suffix}"
    assert main(["diagram", PRESET, "-o", str(out), "--level", level]) == 0
    text = out.read_text()
    for side in SIDES:
        for name in (f"face_in_{side}", f"face_out_{side}", f"decoder_{side}"):
            assert name in text, (name, level, suffix)
    assert "A, B and C" in text       # the shared sub-models say whom they serve


def test_face_folders_draw_one_identity_per_side(tmp_path) -> None:
    from PIL import Image

    from tests.helpers import write_face_folders

    two = write_face_folders(tmp_path / "two", 2, seed=5)
    three = write_face_folders(tmp_path / "three", 2, seed=5, sides=SIDES)
    assert sorted(p.name for p in three.iterdir()) == list(SIDES)
    for side in ("a", "b"):    # the first two sides are what a two-sided run gets
        for path in (two / side).iterdir():
            assert path.read_bytes() == (three / side / path.name).read_bytes()

    def pixels(side: str) -> np.ndarray:
        with Image.open(three / side / "face_00000.png") as image:
            return np.asarray(image, np.float32)

    assert all(np.abs(pixels(x) - pixels("c")).mean() > 5 for x in ("a", "b"))


# -- Keras from here on --------------------------------------------------------------------

@pytest.mark.keras
def test_compile_names_an_input_and_an_output_per_side(tmp_path, capsys) -> None:
    pytest.importorskip("tensorflow")
    import keras

    import phazer.emit  # noqa: F401  (registers phazer's layers for loading)

    out = tmp_path / "three.keras"
    assert main(["compile", PRESET, "-o", str(out)]) == 0
    assert "matches the plan" in capsys.readouterr().out
    model = keras.models.load_model(out, safe_mode=True)
    assert [str(t.name).split(":")[0] for t in model.inputs] == [f"face_in_{s}" for s in SIDES]
    assert [str(n) for n in model.output_names] == [f"face_out_{s}" for s in SIDES]
    summary = _summary(capsys, PRESET, "--keras")
    assert summary["keras_total_params"] == summary["total_params"] == model.count_params()


@pytest.mark.keras
@pytest.mark.slow
def test_the_measured_memory_agrees_with_the_estimate(capsys) -> None:
    pytest.importorskip("tensorflow")
    memory = _summary(capsys, PRESET, "--batch-size", "2", "--measure", "--device", "cpu",
                      "--measure-steps", "1")["memory"]
    assert 0.9 < memory["total"] / memory["measured"] < 1.2   # XLA's plan of the step, bytes


FAST = ["--set", "training.xla=off", "--set", "training.save_interval=2", "--set",
        "training.preview_images=2", "--batch-size", "4", "--seed", "1"]


FACES = (8, 21, SIDES)   # per side, seed, sides: the ``faces`` fixture (tests/conftest.py)


def _inputs(faces: Path, sides=SIDES) -> list[str]:
    return [arg for side in sides for arg in ("--input", f"{side}={faces / side}")]


@pytest.mark.keras
def test_train_resume_and_swap_to_each_side(faces, tmp_path, capsys) -> None:
    """Three identities through the CLI: train, resume, previews, swap --to a / b / c."""
    pytest.importorskip("tensorflow")
    from PIL import Image

    model_dir = tmp_path / "m"
    assert main(["train", PRESET, *_inputs(faces), "--model-dir", str(model_dir),
                 "--iterations", "2", *FAST]) == 0
    out = capsys.readouterr().out
    assert "8 A faces, 8 B faces, 8 C faces" in out
    assert "A " in out and "B " in out and "C " in out    # a loss per side in the save line
    state = json.loads((model_dir / "state.json").read_text())
    assert state["iterations"] == 2 and state["sessions"][0]["images"] == [8, 8, 8]
    assert set(state["loss_history"][-1]) >= {f"face_out_{s}" for s in SIDES}
    with Image.open(model_dir / "preview.png") as preview:
        # per side: original, reconstruction and a swap to each of the two other sides
        assert preview.size[0] == 3 * 4 * 64 + 2 * 8

    # resume: the same sides, the order of the options does not matter
    assert main(["train", PRESET, *_inputs(faces, ("c", "a", "b")), "--model-dir",
                 str(model_dir), "--iterations", "2", *FAST]) == 0
    out = capsys.readouterr().out
    assert "resuming" in out and "saved at iteration 4" in out
    assert len(json.loads((model_dir / "state.json").read_text())["sessions"]) == 2

    swapped = {}
    for side in SIDES:
        target = tmp_path / f"to_{side}"
        assert main(["swap", "--model-dir", str(model_dir), "--input", str(faces / "a"),
                     "--output", str(target), "--to", side]) == 0
        assert "wrote 8 swapped faces" in capsys.readouterr().out
        files = sorted(target.iterdir())
        assert [p.name for p in files] == sorted(p.name for p in (faces / "a").iterdir())
        with Image.open(files[0]) as image:
            assert image.size == (64, 64) and image.mode == "RGB"
        swapped[side] = np.stack([np.asarray(Image.open(p), np.float32) for p in files])
    for first, second in (("a", "b"), ("b", "c"), ("a", "c")):
        assert np.abs(swapped[first] - swapped[second]).mean() > 0.5, (first, second)
    # without --to: the side after the first, as for two sides
    assert main(["swap", "--model-dir", str(model_dir), "--input", str(faces / "a"),
                 "--output", str(tmp_path / "default")]) == 0
    capsys.readouterr()
    default = np.stack([np.asarray(Image.open(p), np.float32)
                        for p in sorted((tmp_path / "default").iterdir())])
    assert np.array_equal(default, swapped["b"])

    code = main(["swap", "--model-dir", str(model_dir), "--input", str(faces / "a"),
                 "--output", str(tmp_path / "to_d"), "--to", "d"])
    err = capsys.readouterr().err
    assert code == 1 and "no side 'd'" in err and "a, b, c" in err and "Traceback" not in err
    assert not (tmp_path / "to_d").exists()


@pytest.mark.keras
@pytest.mark.parametrize(("case", "expected"), [
    ("unknown", "the model has no side 'd'; its sides are a, b, c"),
    ("missing", "no face folder for side c; the model has the sides a, b, c"),
    ("twice", "side a is given twice"),
    ("input-a twice", "side a is given twice"),
    ("empty", "side C: face folder"),
    ("nowhere", "side C: face folder"),
])
def test_wrong_face_folders_exit_1_before_any_model(faces, tmp_path, capsys, case,
                                                     expected) -> None:
    pytest.importorskip("tensorflow")
    (tmp_path / "empty").mkdir()
    given = {
        "unknown": [*_inputs(faces), "--input", f"d={faces / 'c'}"],
        "missing": _inputs(faces, ("a", "b")),
        "twice": [*_inputs(faces), "--input", f"a={faces / 'b'}"],
        "input-a twice": ["--input-a", str(faces / "a"), *_inputs(faces)],
        "empty": [*_inputs(faces, ("a", "b")), "--input", f"c={tmp_path / 'empty'}"],
        "nowhere": [*_inputs(faces, ("a", "b")), "--input", f"c={tmp_path / 'nowhere'}"],
    }[case]
    model_dir = tmp_path / "m"
    code = main(["train", PRESET, *given, "--model-dir", str(model_dir), *FAST])
    err = capsys.readouterr().err
    assert code == 1, err
    assert expected in err and "Traceback" not in err and "hint:" in err
    assert not model_dir.exists()


@pytest.mark.keras
def test_input_a_and_b_are_input_a_and_b(faces, tmp_path, capsys) -> None:
    """--input-a/--input-b name sides a and b of any model; a malformed --input is usage."""
    pytest.importorskip("tensorflow")
    code = main(["train", PRESET, "--input-a", str(faces / "a"), "--input-b",
                 str(faces / "b"), "--model-dir", str(tmp_path / "m"), *FAST])
    assert code == 1 and "no face folder for side c" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["train", PRESET, "--input", str(faces / "a"), "--model-dir", str(tmp_path / "m")])
    assert caught.value.code == 2
    assert "expected SIDE=DIR" in capsys.readouterr().err


@pytest.mark.keras
def test_the_demo_draws_an_identity_per_side(tmp_path) -> None:
    pytest.importorskip("tensorflow")
    from rich.console import Console

    from phazer.train.demo import DemoSettings, run_demo

    spec = tmp_path / "small.yaml"
    data = yaml.safe_load((presets_dir() / f"{PRESET}.yaml").read_text())
    data["training"].update(batch_size=4, save_interval=2, preview_images=2, xla="off")
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    settings = DemoSettings(preset=str(spec), iterations=2, faces=8, test_faces=4, seed=1)
    report = run_demo(tmp_path / "demo", settings, Console(file=None, quiet=True),
                      show_bar=False)
    assert report["iterations"] == 2
    faces = tmp_path / "demo" / "faces"
    assert sorted(p.name for p in faces.iterdir()) == ["a", "b", "c", "test_a", "test_truth"]
    assert all(len(list((faces / side).iterdir())) == 8 for side in SIDES)
    shutil.rmtree(tmp_path / "demo")
