"""What a killed save leaves in a model dir is finished or discarded, and said (no TensorFlow)."""

from __future__ import annotations

from pathlib import Path

from phazer.train.journal import COMMITTED, STAGING, text_writer
from phazer.train.modeldir import CHECKPOINT_FILES, STATE_FILE, ModelDir, TrainState


def _writers(iteration: int) -> dict:
    writers = {name: text_writer(f"{name} {iteration}") for name in CHECKPOINT_FILES}
    writers[STATE_FILE] = text_writer(TrainState(iterations=iteration).to_json())
    return writers


def _saved(folder: Path, iteration: int, **kwargs) -> ModelDir:
    model_dir = ModelDir(folder)
    model_dir.save(_writers(iteration), iteration=iteration, kept=0, **kwargs)
    return model_dir


def _leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name in (STAGING, COMMITTED) or p.name.endswith(".tmp"))


def test_a_model_dir_wedged_by_a_backup_of_links_recovers(tmp_path):
    # issue 15: a kill between the backup and the save it precedes left backup/ holding links
    # of the files in place; re-making it wedged backup/.commit for good
    model_dir = _saved(tmp_path, 1)
    backup = tmp_path / "backup"
    (backup / COMMITTED).mkdir(parents=True)
    for name in CHECKPOINT_FILES:
        (backup / name).hardlink_to(tmp_path / name)
        (backup / COMMITTED / name).hardlink_to(tmp_path / name)
    notes = model_dir.repair()
    assert notes == [f"finished the save that was interrupted in {backup}"]
    assert not _leftovers(tmp_path)
    model_dir.save(_writers(2), iteration=2, kept=1, backup=True)
    assert TrainState.from_json((backup / STATE_FILE).read_text()).iterations == 1


def test_a_snapshot_killed_mid_copy_is_made_again(tmp_path):
    model_dir = _saved(tmp_path, 4)
    snapshot = tmp_path / "snapshots" / "00000004"
    (snapshot / STAGING).mkdir(parents=True)            # what the kill left, for ever before
    (snapshot / STAGING / STATE_FILE).write_text("half")
    notes = model_dir.repair()
    assert notes == ["snapshots/00000004 was interrupted before it was complete; made it "
                     "again from the save of iteration 4"]
    assert sorted(p.name for p in snapshot.iterdir()) == sorted(CHECKPOINT_FILES)
    assert not _leftovers(tmp_path)
    assert ModelDir(tmp_path).repair() == []               # nothing more to do


def test_a_snapshot_whose_save_is_gone_is_removed_and_said(tmp_path):
    model_dir = _saved(tmp_path, 6)
    snapshot = tmp_path / "snapshots" / "00000004"
    (snapshot / STAGING).mkdir(parents=True)
    notes = model_dir.repair()
    assert notes == ["snapshots/00000004 was interrupted while it was copied, and the model "
                     "has moved on since; removed the unfinished copy"]
    assert not snapshot.exists()


def test_a_snapshot_marker_of_a_save_that_never_finished_goes_quietly(tmp_path):
    model_dir = _saved(tmp_path, 3)
    (tmp_path / "snapshots" / "00000004").mkdir(parents=True)   # made before save 4 began
    assert model_dir.repair() == [] and not (tmp_path / "snapshots" / "00000004").exists()


def test_an_unfinished_atomic_write_is_deleted(tmp_path):
    model_dir = _saved(tmp_path, 2)
    temp = tmp_path / ".preview.png.0123456789ab.tmp"
    temp.write_bytes(b"half a png")
    assert model_dir.repair() == [f"deleted {temp}, left by a write that was interrupted"]
    assert not temp.exists()


def test_save_makes_backup_and_snapshot(tmp_path):
    _saved(tmp_path, 2)
    _saved(tmp_path, 4, backup=True, snapshot=True)
    assert TrainState.from_json((tmp_path / "backup" / STATE_FILE).read_text()).iterations == 2
    snapshot = tmp_path / "snapshots" / "00000004" / STATE_FILE
    assert TrainState.from_json(snapshot.read_text()).iterations == 4
    assert not _leftovers(tmp_path)
