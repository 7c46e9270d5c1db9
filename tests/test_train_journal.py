"""The journaled save: a set of files appears together or not at all (no TensorFlow)."""

from __future__ import annotations

import pytest

from phazer.train import journal
from phazer.train.journal import COMMITTED, STAGING, commit, recover, text_writer


def _files(folder):
    return {p.name: p.read_text() for p in folder.iterdir() if p.is_file()}


def test_commit_writes_the_set_and_leaves_no_temporaries(tmp_path):
    commit(tmp_path, {"a.txt": text_writer("1"), "b.txt": text_writer("1")})
    commit(tmp_path, {"a.txt": text_writer("2"), "b.txt": text_writer("2")})
    assert _files(tmp_path) == {"a.txt": "2", "b.txt": "2"}
    assert not (tmp_path / STAGING).exists() and not (tmp_path / COMMITTED).exists()


def test_a_failure_while_writing_leaves_the_previous_set(tmp_path):
    commit(tmp_path, {"a.txt": text_writer("1"), "b.txt": text_writer("1")})

    def broken(path):
        path.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        commit(tmp_path, {"a.txt": text_writer("2"), "b.txt": broken})
    assert _files(tmp_path) == {"a.txt": "1", "b.txt": "1"}
    assert not (tmp_path / STAGING).exists()


def test_a_crash_before_the_commit_point_is_discarded(tmp_path):
    commit(tmp_path, {"a.txt": text_writer("1"), "b.txt": text_writer("1")})
    staging = tmp_path / STAGING          # what a killed process leaves mid-write
    staging.mkdir()
    (staging / "a.txt").write_text("2")
    recover(tmp_path)
    assert _files(tmp_path) == {"a.txt": "1", "b.txt": "1"} and not staging.exists()


def test_a_crash_after_the_commit_point_is_rolled_forward(tmp_path, monkeypatch):
    commit(tmp_path, {"a.txt": text_writer("1"), "b.txt": text_writer("1")})
    moved = []

    def die_after_first(source, target):
        if moved:
            raise KeyboardInterrupt      # stands in for the process dying between renames
        moved.append(source.name)
        source.replace(target)

    monkeypatch.setattr(journal, "install_file", die_after_first)
    with pytest.raises(KeyboardInterrupt):
        commit(tmp_path, {"a.txt": text_writer("2"), "b.txt": text_writer("2")})
    assert (tmp_path / COMMITTED).is_dir()
    monkeypatch.undo()
    recover(tmp_path)
    assert _files(tmp_path) == {"a.txt": "2", "b.txt": "2"}
    assert not (tmp_path / COMMITTED).exists()


def test_link_or_copy_tree_keeps_old_versions_when_the_source_is_replaced(tmp_path):
    commit(tmp_path, {"a.txt": text_writer("1")})
    journal.link_or_copy_tree([tmp_path / "a.txt", tmp_path / "missing"], tmp_path / "backup")
    commit(tmp_path, {"a.txt": text_writer("2")})
    assert (tmp_path / "backup" / "a.txt").read_text() == "1"
    assert not (tmp_path / "backup" / "missing").exists()


def test_a_backup_remade_from_the_files_it_holds_finishes(tmp_path):
    # issue 15: the second copy links the same files again; a rename between two links of
    # one file does nothing, which left backup/.commit non-empty for ever
    commit(tmp_path, {"state.json": text_writer("1")})
    journal.link_or_copy_tree([tmp_path / "state.json"], tmp_path / "backup")
    journal.link_or_copy_tree([tmp_path / "state.json"], tmp_path / "backup")
    assert _files(tmp_path / "backup") == {"state.json": "1"}
    assert not (tmp_path / "backup" / COMMITTED).exists()


def test_recover_finishes_a_wedged_commit_of_links_to_the_files_in_place(tmp_path):
    # what a model dir wedged by the bug above holds: .commit with links of the backup's files
    (tmp_path / "state.json").write_text("1")
    (tmp_path / COMMITTED).mkdir()
    (tmp_path / COMMITTED / "state.json").hardlink_to(tmp_path / "state.json")
    assert recover(tmp_path) == "finished"
    assert _files(tmp_path) == {"state.json": "1"} and not (tmp_path / COMMITTED).exists()
    assert recover(tmp_path) is None


def test_a_full_disk_names_the_file_and_keeps_the_previous_set(tmp_path):
    import errno

    commit(tmp_path, {"a.txt": text_writer("1")})

    def full(path):
        path.write_bytes(b"12")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(journal.WriteError) as caught:
        commit(tmp_path, {"a.txt": text_writer("2"), "weights.h5": full})
    assert caught.value.errno == errno.ENOSPC
    assert str(caught.value) == f"cannot write weights.h5 in {tmp_path}: No space left on device"
    assert _files(tmp_path) == {"a.txt": "1"} and not (tmp_path / STAGING).exists()
