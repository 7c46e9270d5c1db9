"""Atomic, journaled saves of a set of files (no TensorFlow).

A save writes several files that belong together (weights, optimizer state, ``state.json``,
the spec). :func:`commit` makes the set appear all at once, even if the process is killed
halfway:

1. every file is written into ``<folder>/.saving/`` and flushed to disk;
2. ``.saving`` is renamed to ``.commit``: the commit point (a directory rename is atomic);
3. each file is renamed from ``.commit/`` over its old version in ``<folder>``; ``.commit`` is
   removed.

:func:`recover`, run before every read and write, finishes step 3 when ``.commit`` exists (the
new set is complete) and deletes a leftover ``.saving`` (an unfinished set). So a kill before
the commit point leaves the previous save, and a kill after it the new one; a reader never
mixes a half-written file into either. Files are only ever replaced by rename, never rewritten
in place, so hard links to them (backups, snapshots) stay valid.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

STAGING = ".saving"
COMMITTED = ".commit"
Writer = Callable[[Path], None]


def _fsync_path(path: Path) -> None:
    """Flush a file or folder to disk (folders where the OS allows it)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _install(folder: Path) -> None:
    """Move every file of a committed set into place, then drop the ``.commit`` folder."""
    committed = folder / COMMITTED
    for item in sorted(committed.iterdir()):
        install_file(item, folder / item.name)
    _fsync_path(folder)
    committed.rmdir()


def install_file(source: Path, target: Path) -> None:
    """Rename one committed file over its old version (a seam the kill tests patch)."""
    os.replace(source, target)


def recover(folder: Path) -> None:
    """Finish a committed save or discard an unfinished one in ``folder`` (no-op otherwise)."""
    if (folder / COMMITTED).is_dir():
        _install(folder)
    staging = folder / STAGING
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)


def commit(folder: Path, writers: Mapping[str, Writer]) -> None:
    """Write a set of files into ``folder`` so that they appear together or not at all.

    Args:
        folder: the destination (created if missing).
        writers: file name -> a function that writes the file at the path it is given.

    Raises:
        OSError: a file cannot be written; the previous set is left untouched.
    """
    folder.mkdir(parents=True, exist_ok=True)
    recover(folder)
    staging = folder / STAGING
    staging.mkdir()
    try:
        for name, write in writers.items():
            write(staging / name)
            _fsync_path(staging / name)
        _fsync_path(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    os.replace(staging, folder / COMMITTED)
    _fsync_path(folder)
    _install(folder)


def link_writer(source: Path) -> Writer:
    """A writer that hard-links (or, across file systems, copies) an existing file."""
    def write(target: Path) -> None:
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
    return write


def text_writer(text: str) -> Writer:
    """A writer of a UTF-8 text file."""
    def write(target: Path) -> None:
        target.write_text(text, encoding="utf-8")
    return write


def bytes_writer(data: bytes) -> Writer:
    """A writer of a binary file."""
    def write(target: Path) -> None:
        target.write_bytes(data)
    return write


def link_or_copy_tree(files: Iterable[Path], folder: Path) -> None:
    """Commit existing files into another folder (hard links where possible)."""
    commit(folder, {path.name: link_writer(path) for path in files if path.exists()})
