"""`phazer train`, `phazer swap` and `phazer demo` from the command line: outputs, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

from PIL import Image  # noqa: E402

from phazer.cli.main import main  # noqa: E402
from tests.helpers import TINY_SPEC as TINY  # noqa: E402

FAST = ["--set", "training.xla=off", "--set", "training.preview_images=2", "--batch-size", "4"]


FACES = (10, 8)   # per side, seed: the ``faces`` fixture (tests/conftest.py)


def train_args(faces: Path, model_dir: Path, *extra: str, input_a: Path | None = None
               ) -> list[str]:
    return ["train", TINY, "--input-a", str(input_a or faces / "a"), "--input-b",
            str(faces / "b"), "--model-dir", str(model_dir), *FAST, *extra]


@pytest.fixture(scope="module")
def trained(faces, tmp_path_factory) -> Path:
    model_dir = tmp_path_factory.mktemp("cli-model") / "m"
    assert main(train_args(faces, model_dir, "--iterations", "2", "--no-preview")) == 0
    return model_dir


def test_train_saves_then_resumes_and_refuses_a_changed_model(faces, trained, tmp_path,
                                                              capsys):
    model_dir = tmp_path / "m"
    shutil.copytree(trained, model_dir)
    capsys.readouterr()
    code = main(train_args(faces, model_dir, "--set", "bottleneck.size=256", "--iterations",
                           "1"))
    err = capsys.readouterr().err
    assert code == 1
    assert "model-defining field changed" in err and "bottleneck.size: 128 -> 256" in err
    assert "Traceback" not in err
    assert main(train_args(faces, model_dir, "--iterations", "1", "--set",
                           "training.optimizer.learning_rate=0.0002")) == 0
    out = capsys.readouterr().out
    assert "resuming" in out and "saved at iteration 3" in out
    state = json.loads((model_dir / "state.json").read_text())
    assert state["iterations"] == 3 and len(state["sessions"]) == 2
    assert (model_dir / "preview.png").is_file()


def test_corrupt_and_odd_images_are_skipped_with_a_count(faces, tmp_path, capsys):
    side_a = tmp_path / "a"
    shutil.copytree(faces / "a", side_a)
    (side_a / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    Image.new("RGB", (64, 32)).save(side_a / "wide.png")
    code = main(train_args(faces, tmp_path / "m", "--iterations", "1", "--no-preview",
                           input_a=side_a))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    text = captured.out + captured.err
    assert "skipped 2 of 12 images" in text and "broken.png" in text


def test_data_problems_exit_1_before_any_model_is_built(faces, tmp_path, capsys):
    model_dir = tmp_path / "m"
    code = main(train_args(faces, model_dir, input_a=tmp_path / "nowhere"))
    err = capsys.readouterr().err
    assert code == 1 and "side A: face folder" in err and "does not exist" in err
    assert not model_dir.exists()
    few = tmp_path / "few"
    few.mkdir()
    for path in sorted((faces / "a").iterdir())[:3]:
        shutil.copy(path, few)
    assert main(train_args(faces, model_dir, input_a=few)) == 1
    assert "fewer than the" in capsys.readouterr().err


def test_invalid_spec_exits_1_and_usage_errors_exit_2(faces, tmp_path, capsys):
    assert main(train_args(faces, tmp_path / "m", "--set", "fc.depth=0")) == 1
    captured = capsys.readouterr()
    assert "fc.depth" in captured.err and "is not valid" in captured.err
    with pytest.raises(SystemExit) as caught:
        main(["train", TINY, "--input-a", str(faces / "a")])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(train_args(faces, tmp_path / "m", "--iterations", "0"))
    assert caught.value.code == 2


def test_swap_writes_one_png_per_input_with_the_same_names(faces, trained, tmp_path,
                                                           capsys):
    inputs = tmp_path / "in"
    shutil.copytree(faces / "a", inputs)
    (inputs / "broken.jpg").write_bytes(b"not a jpeg")
    out = tmp_path / "out"
    code = main(["swap", "--model-dir", str(trained), "--input", str(inputs), "--output",
                 str(out), "--to", "b"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    expected = sorted(p.name for p in (faces / "a").iterdir())
    assert sorted(p.name for p in out.iterdir()) == expected
    with Image.open(out / expected[0]) as image:
        assert image.size == (64, 64) and image.mode == "RGB"
    assert "wrote 10 swapped faces" in captured.out and "broken.jpg" in captured.err
    assert main(["swap", "--model-dir", str(trained), "--input", str(faces / "b"),
                 "--output", str(tmp_path / "to_a"), "--to", "a"]) == 0


def test_swap_refuses_its_input_folder_and_a_missing_model(faces, trained, tmp_path, capsys):
    code = main(["swap", "--model-dir", str(trained), "--input", str(faces / "a"),
                 "--output", str(faces / "a" / ".." / "a")])
    assert code == 1 and "is the input folder" in capsys.readouterr().err
    assert sorted(p.suffix for p in (faces / "a").iterdir()) == [".png"] * 10
    code = main(["swap", "--model-dir", str(tmp_path / "none"), "--input", str(faces / "a"),
                 "--output", str(tmp_path / "out")])
    assert code == 1 and "no trained model" in capsys.readouterr().err


def test_demo_library_runs_end_to_end_on_a_tiny_setting(tmp_path):
    from rich.console import Console

    from phazer.train.demo import DemoSettings, run_demo

    settings = DemoSettings(preset=TINY, iterations=2, faces=12, test_faces=4, seed=1)
    report = run_demo(tmp_path / "demo", settings, Console(file=None, quiet=True),
                      show_bar=False)
    assert report["iterations"] == 2
    assert set(report) >= {"swap", "unchanged", "random_b", "beats_baselines",
                           "reconstruction_a", "reconstruction_b", "per_face_ssim"}
    written = json.loads((tmp_path / "demo" / "quality.json").read_text())
    assert written["iterations"] == 2
    assert written["precision"] == "float32"     # the tiny spec's; demo's own is bfloat16
    spreads = written["per_face_ssim"]
    assert set(spreads) == {"swap", "reconstruction_a", "reconstruction_b", "unchanged",
                            "random_b"}
    for spread in spreads.values():   # one figure per held-out face, and its quartiles
        assert spread["count"] == 4 and len(spread["values"]) == 4
        assert spread["min"] <= spread["q1"] <= spread["median"] <= spread["q3"] <= spread["max"]
    assert spreads["swap"]["mean"] == pytest.approx(written["swap"]["ssim"], abs=0.05)
    assert (tmp_path / "demo" / "swap.png").is_file()
    assert (tmp_path / "demo" / "model" / "preview.png").is_file()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("x")
    from phazer.train.session import TrainInputError

    with pytest.raises(TrainInputError, match="not empty"):
        run_demo(tmp_path / "other", settings, Console(quiet=True))


@pytest.mark.slow
def test_demo_command_beats_both_baselines(tmp_path, capsys):
    # the README's job with 2 of its 3.5 minutes (the suite's time): it must win even so
    code = main(["demo", "--out", str(tmp_path / "demo"), "--minutes", "2"])
    out = capsys.readouterr().out
    assert code == 0
    quality = json.loads((tmp_path / "demo" / "quality.json").read_text())
    assert quality["beats_baselines"], quality
    assert "the swap beats both baselines" in out and "phazer summary demo" in out
