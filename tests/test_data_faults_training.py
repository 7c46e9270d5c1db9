"""Face files that vanish or break while training reads them: a warning, never a crash.

Files are deleted or truncated after the scan (between the dataset's creation and its
iteration, and between batches of a dataset that decodes on the fly): the batches keep their
shape, each file is named once, and ``phazer train`` finishes and saves. A side whose every
file is gone mid-run stops training with a save and exit 1.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

from phazer.cli.main import main  # noqa: E402
from phazer.data.facereader import SkipLog  # noqa: E402
from phazer.data.folders import scan_faces  # noqa: E402
from phazer.spec.training import TrainingSpec  # noqa: E402
from tests.helpers import TINY_SPEC  # noqa: E402

FAST = ["--set", "training.xla=off", "--batch-size", "4", "--no-preview"]


FACES = (10, 8)   # per side, seed: the ``faces`` fixture (tests/conftest.py)


def train_args(faces: Path, model_dir: Path, *extra: str) -> list[str]:
    return ["train", TINY_SPEC, "--input-a", str(faces / "a"), "--input-b", str(faces / "b"),
            "--model-dir", str(model_dir), *FAST, *extra]


def break_files(faces: Path) -> list[Path]:
    """Delete two faces of side A and cut one of side B short; the files touched."""
    gone = sorted((faces / "a").iterdir())[2:4]
    for path in gone:
        path.unlink()
    cut = sorted((faces / "b").iterdir())[5]
    cut.write_bytes(cut.read_bytes()[:100])
    return [*gone, cut]


@pytest.mark.parametrize("cache", [True, False], ids=["cached", "decoded-each-epoch"])
def test_files_broken_after_the_scan_are_replaced_and_named_once(faces_copy, cache):
    from phazer.data.pipeline import make_dataset

    folders = {side: scan_faces(faces_copy / side) for side in ("a", "b")}
    told: list[str] = []
    log = SkipLog(told.append)
    dataset = make_dataset(folders, TrainingSpec(), 32, 32, 4, False, seed=1,
                           cache_bytes=2**30 if cache else 0, skip_log=log)
    touched = break_files(faces_copy)
    batches = iter(dataset)
    for _ in range(8):                       # 3+ epochs of 10 faces
        inputs, targets = next(batches)
        assert inputs["face_in_a"].shape == (4, 32, 32, 3)
        assert targets["face_out_b"].shape == (4, 32, 32, 3)
        assert np.isfinite(inputs["face_in_b"].numpy()).all()
    assert log.count() == 3 and len(told) == 3
    for path in touched:
        assert sum(str(path) in line for line in told) == 1


def test_training_goes_on_and_saves_when_faces_vanish(faces_copy, tmp_path, monkeypatch, capsys):
    import phazer.train.session as session

    def then_break(*args, **kwargs):        # decoded on the fly, files gone once it exists
        dataset = real(*args, **{**kwargs, "cache_bytes": 0})
        break_files(faces_copy)
        return dataset

    real = session.make_dataset
    monkeypatch.setattr(session, "make_dataset", then_break)
    model_dir = tmp_path / "m"
    code = main(train_args(faces_copy, model_dir, "--iterations", "6"))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = captured.out
    assert "Traceback" not in out + captured.err
    assert "saved at iteration 6" in out
    assert out.count("another face of side A is used in its place") == 2
    assert "side A: 2 face files could not be read during training" in out
    assert "side B: 1 face file could not be read during training and was skipped" in out
    assert json.loads((model_dir / "state.json").read_text())["iterations"] == 6


def test_a_side_whose_faces_all_vanish_saves_and_stops(faces_copy, tmp_path, monkeypatch, capsys):
    import phazer.train.loop as loop
    import phazer.train.session as session

    real_dataset, real_step = session.make_dataset, loop.Trainer.train_step

    def uncached(*args, **kwargs):
        return real_dataset(*args, **{**kwargs, "cache_bytes": 0})

    def step_then_delete(self, inputs, targets):
        terms = real_step(self, inputs, targets)
        if self.state.iterations == 2:
            shutil.rmtree(faces_copy / "a")
        return terms

    monkeypatch.setattr(session, "make_dataset", uncached)
    monkeypatch.setattr(loop.Trainer, "train_step", step_then_delete)
    model_dir = tmp_path / "m"
    code = main(train_args(faces_copy, model_dir, "--iterations", "200"))
    captured = capsys.readouterr()
    assert code == 1
    err = captured.err
    assert "Traceback" not in err and "node" not in err
    assert "training stopped: no face file of side A can be read any more" in err
    saved = json.loads((model_dir / "state.json").read_text())["iterations"]
    assert 2 < saved < 200 and f"is saved at iteration {saved}" in err
    assert "run the same command to resume" in err


def test_too_few_faces_for_the_batch_exits_1_before_a_model_is_built(faces_copy, tmp_path, capsys):
    model_dir = tmp_path / "m"
    code = main(train_args(faces_copy, model_dir, "--batch-size", "12"))
    err = capsys.readouterr().err
    assert code == 1
    assert "side A: face folder" in err
    assert "has 10 usable images, fewer than the 12 needed for a batch of 12 per side" in err
    assert "lower --batch-size" in err
    assert not model_dir.exists()


def test_scan_warnings_name_each_file_in_the_log(faces_copy, tmp_path, capsys):
    (faces_copy / "a" / "empty.png").write_bytes(b"")
    (faces_copy / "a" / "notes.png").write_text("not a face")
    (faces_copy / "a" / "sub.png").mkdir()
    code = main(train_args(faces_copy, tmp_path / "m", "--iterations", "1"))
    out = capsys.readouterr().out
    assert code == 0
    assert f"warning: {faces_copy / 'a' / 'empty.png'}: an empty file (0 bytes)" in out
    assert f"warning: {faces_copy / 'a' / 'notes.png'}: not an image" in out
    assert f"warning: {faces_copy / 'a' / 'sub.png'}: a folder named like an image" in out
    assert (f"warning: {faces_copy / 'a'}: skipped 3 of 13 images (1 empty, 1 not an image, "
            "1 folder)") in out



def test_a_preview_face_gone_before_training_gives_way_to_another(faces_copy):
    from phazer.train.previews import load_preview_faces, pick_files

    files = sorted((faces_copy / "a").iterdir())
    picked = pick_files(files, 2)
    picked[1].unlink()
    loaded = load_preview_faces({"a": files}, 2, 32, 48, 100.0)
    assert loaded.inputs["a"].shape == (2, 32, 32, 3)
    assert loaded.shown["a"].shape == (2, 48, 48, 3)
