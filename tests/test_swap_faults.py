"""``phazer swap`` on bad input: clear errors (exit 1, the file named, a hint), no partial files.

A missing or non-model dir, missing or truncated weights, a ``spec.yaml`` the weights do not
fit, an output folder that cannot be created or written and a disk that fills up are errors
before (or instead of) any output; corrupt input faces, and faces that vanish after the scan,
are skipped with one warning each. Every PNG is written through a temporary file renamed into
place, so a failure leaves earlier outputs whole and no half-written file behind.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

from PIL import Image  # noqa: E402

from phazer.cli.main import main  # noqa: E402
from phazer.train.modeldir import ModelDir  # noqa: E402
from tests.helpers import TINY_SPEC, run_fresh  # noqa: E402

FACES = (10, 8)   # per side, seed: the ``faces`` fixture (tests/conftest.py)


@pytest.fixture(scope="module")
def trained(faces, tmp_path_factory) -> Path:
    model_dir = tmp_path_factory.mktemp("swap-faults") / "m"
    assert main(["train", TINY_SPEC, "--input-a", str(faces / "a"), "--input-b",
                 str(faces / "b"), "--model-dir", str(model_dir), "--set", "training.xla=off",
                 "--batch-size", "4", "--iterations", "1", "--no-preview"]) == 0
    return model_dir


def copy_model(trained: Path, tmp_path: Path) -> Path:
    model_dir = tmp_path / "m"
    shutil.copytree(trained, model_dir)
    return model_dir


def swap(model_dir: Path, inputs: Path, output: Path, capsys, *extra: str
         ) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["swap", "--model-dir", str(model_dir), "--input", str(inputs), "--output",
                 str(output), *extra])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return code, captured.out, captured.err


@pytest.mark.parametrize("case", ["missing", "a file", "not a model dir", "no weights",
                                  "spec not valid"])
def test_a_model_dir_that_cannot_be_used_exits_1_writing_nothing(case, faces, trained,
                                                                  tmp_path, capsys):
    model_dir = copy_model(trained, tmp_path)
    expected = {"missing": f"model dir {tmp_path / 'none'} does not exist",
                "a file": "is a file, not a folder",
                "not a model dir": "is not a phazer model dir (state.json is missing)",
                "no weights": "holds no trained model (model.weights.h5 is missing",
                "spec not valid": "spec.yaml is not a valid spec any more"}[case]
    if case == "missing":
        model_dir = tmp_path / "none"
    elif case == "a file":
        model_dir = model_dir / "state.json"
    elif case == "not a model dir":
        model_dir = faces / "a"
    elif case == "no weights":
        (model_dir / "model.weights.h5").unlink()
    else:
        (model_dir / "spec.yaml").write_text("phazer: 1\noutput_size: [not, a, size]\n")
    output = tmp_path / "out"
    code, _, err = swap(model_dir, faces / "a", output, capsys)
    assert code == 1 and expected in err and "hint:" in err
    assert not output.exists()


def test_weights_that_do_not_fit_spec_yaml_are_refused(faces, trained, tmp_path, capsys):
    model_dir = copy_model(trained, tmp_path)
    spec = model_dir / "spec.yaml"
    spec.write_text(spec.read_text().replace("  size: 128\n", "  size: 256\n", 1))
    output = tmp_path / "out"
    code, _, err = swap(model_dir, faces / "a", output, capsys)
    assert code == 1
    assert (f"the weights in {model_dir / 'model.weights.h5'} do not fit the model of {spec}: "
            "bottleneck_dense/kernel is (1024, 256) in the model, (1024, 128) in the file") in err
    assert "put back the spec.yaml they were trained with" in err
    assert not output.exists()          # created for the check, removed again


def test_a_truncated_weights_file_is_named(faces, trained, tmp_path, capsys):
    model_dir = copy_model(trained, tmp_path)
    weights = model_dir / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[:5000])
    code, _, err = swap(model_dir, faces / "a", tmp_path / "out", capsys)
    assert code == 1 and f"the weights file {weights} cannot be read" in err
    assert "restore model.weights.h5" in err


def test_layers_keras_only_warns_about_are_refused_too(tmp_path):
    from phazer.train.swap import SwapError, _load_weights

    class Model:
        def load_weights(self, path: Path) -> None:
            warnings.warn("Skipping nested container at 'layers/functional': no matching "
                          "group found in the saved file. This usually means...", stacklevel=1)

    with pytest.raises(SwapError) as caught:
        _load_weights(Model(), ModelDir(tmp_path))
    assert caught.value.message == (f"the weights in {tmp_path / 'model.weights.h5'} do not "
                                    f"fit the model of {tmp_path / 'spec.yaml'}: Skipping "
                                    "nested container at 'layers/functional': no matching "
                                    "group found in the saved file")


def test_corrupt_inputs_are_skipped_with_one_warning_each(faces, trained, tmp_path, capsys):
    inputs = tmp_path / "in"
    shutil.copytree(faces / "a", inputs)
    (inputs / "empty.png").write_bytes(b"")
    (inputs / "notes.jpg").write_text("not a face")
    Image.new("RGB", (64, 48)).save(inputs / "wide.png")
    good = sorted((faces / "a").iterdir())[0].read_bytes()
    (inputs / "cut.png").write_bytes(good[: len(good) // 2])
    output = tmp_path / "out"
    code, out, err = swap(trained, inputs, output, capsys)
    assert code == 0
    for name in ("empty.png", "notes.jpg", "wide.png", "cut.png"):
        assert err.count(f"warning: skipped {inputs / name}:") == 1, name
    assert "wrote 10 swapped faces" in out and "(4 skipped)" in out
    assert sorted(p.name for p in output.iterdir()) == sorted(p.name for p in
                                                              (faces / "a").iterdir())


def test_a_face_that_vanishes_after_the_scan_is_skipped(faces, trained, tmp_path):
    from phazer.train.swap import swap_folder
    from phazer.train.swap_files import plan_swap

    inputs = tmp_path / "in"
    shutil.copytree(faces / "a", inputs)
    plan = plan_swap(trained, inputs, tmp_path / "out", "b")
    gone = sorted(inputs.iterdir())[3]
    gone.unlink()
    result = swap_folder(trained, inputs, tmp_path / "out", plan=plan)
    assert len(result.written) == 9
    assert [(item.path, item.kind) for item in result.skipped] == [(gone, "missing")]


def test_an_output_that_cannot_be_created_or_written(faces, trained, tmp_path, monkeypatch,
                                                     capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    code, _, err = swap(trained, faces / "a", blocker / "out", capsys)
    assert code == 1 and f"the output folder {blocker / 'out'} cannot be created" in err
    assert "pass an --output folder you can write to" in err

    import phazer.train.swap_files as swap_files

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(swap_files.tempfile, "NamedTemporaryFile", refuse)
    output = tmp_path / "readonly"
    code, _, err = swap(trained, faces / "a", output, capsys)
    assert code == 1
    assert f"the output folder {output} cannot be written to (Permission denied)" in err
    assert not output.exists()


def test_a_full_disk_leaves_no_half_written_file(faces, trained, tmp_path, monkeypatch,
                                                 capsys):
    output = tmp_path / "out"
    output.mkdir()
    first = sorted(p.name for p in (faces / "a").iterdir())[0]
    (output / first).write_bytes(b"an earlier output")
    (output / f".{first}.abc.phazer-tmp").write_bytes(b"left by a killed swap")

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    code, _, err = swap(trained, faces / "a", output, capsys)
    assert code == 1
    assert f"cannot write {output / first} (No space left on device)" in err
    assert "the 0 faces written before it are complete" in err
    assert sorted(p.name for p in output.iterdir()) == [first]     # no temporary file left
    assert (output / first).read_bytes() == b"an earlier output"   # untouched


def test_outputs_are_renamed_into_place(tmp_path, monkeypatch):
    import numpy as np

    from phazer.train.swap_files import write_png

    seen: list[tuple[str, str]] = []
    real = os.replace

    def spy(src: object, dst: object) -> None:
        seen.append((Path(str(src)).name, Path(str(dst)).name))
        real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_png(np.zeros((8, 8, 4), np.uint8), tmp_path / "x.png")
    assert seen and seen[0][0].startswith(".x.png.") and seen[0][1] == "x.png"
    assert [p.name for p in tmp_path.iterdir()] == ["x.png"]
    with Image.open(tmp_path / "x.png") as image:
        assert image.mode == "RGBA" and image.size == (8, 8)


def test_every_check_comes_before_tensorflow(faces, trained, tmp_path):
    code = ("from phazer.train.swap_files import SwapError, plan_swap; "
            f"plan = plan_swap({str(trained)!r}, {str(faces / 'a')!r}, "
            f"{str(tmp_path / 'out')!r}, 'b'); "
            "assert plan.to == 'b' and len(plan.faces) == 10; "
            f"plan_swap({str(trained)!r}, {str(faces / 'a')!r}, {str(tmp_path / 'o2')!r}, 'c')")
    done = run_fresh(code)
    assert "SwapError: the model has no side 'c'; its sides are a, b" in done.stderr
    assert done.loaded("tensorflow") == []
