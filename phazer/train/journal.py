"""Atomic, journaled saves of a set of files (no TensorFlow).

A save writes several files that belong together (weights, optimizer state, ``state.json``,
the spec). :func:`commit` makes the set appear all at once, even if the process is killed
halfway:

1. every file is written into ``<folder>/.saving/`` and flushed to disk;
2. ``.saving`` is renamed to ``.commit``: the commit point (a directory rename is atomic);
3. each file is renamed from ``.commit/`` over its old version in ``<folder>``; ``.commit`` is
   removed.

:func:`recover`, run before every read and write, finishes step 3 when ``.commit`` exists (the
new set is complete) and deletes a leftover ``.saving`` (an unfinished set). A file of the set
that is already in place (another hard link of the same file, as when a backup is re-made from
the files it holds) is dropped from ``.commit`` instead of renamed, since a rename between two
links of one file does nothing. So a kill before
the commit point leaves the previous save, and a kill after it the new one; a reader never
mixes a half-written file into either. Files are only ever replaced by rename, never rewritten
in place, so hard links to them (backups, snapshots) stay valid.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

STAGING = ".saving"
COMMITTED = ".commit"
Writer = Callable[[Path], None]


def _fsync_path(path: Path) -> None:
    """Flush a file or folder to disk.

    A file's flush must succeed (a full disk may only show here, when the data is written
    out), unless the file system has no such operation; a folder's is best effort.
    """
    folder = path.is_dir()
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if folder else os.O_RDONLY
    try:
        fd = os.open(path, flags)
    except OSError:
        if folder:
            return
        raise
    try:
        os.fsync(fd)
    except OSError as exc:
        if not folder and exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def _same_file(first: Path, second: Path) -> bool:
    """Whether two paths are links of one file (a rename between them would do nothing)."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _install(folder: Path) -> None:
    """Move every file of a committed set into place, then drop the ``.commit`` folder.

    A committed file that is already in place as another link of the same file (a backup
    re-made from the files it holds) is dropped instead: :func:`os.replace` between two links
    of one file does nothing, which would leave ``.commit`` for ever non-empty. Tolerates a
    second process finishing the same set at the same time.
    """
    committed = folder / COMMITTED
    try:
        items = sorted(committed.iterdir())
    except FileNotFoundError:
        return
    for item in items:
        target = folder / item.name
        try:
            if _same_file(item, target):
                item.unlink()
            else:
                install_file(item, target)
        except FileNotFoundError:
            if item.exists():       # not a vanished source (another process installed it)
                raise
    _fsync_path(folder)
    shutil.rmtree(committed, ignore_errors=True)
    if committed.exists():
        raise OSError(f"{committed} cannot be removed after its files were installed")


def install_file(source: Path, target: Path) -> None:
    """Rename one committed file over its old version (a seam the kill tests patch)."""
    os.replace(source, target)


def recover(folder: Path) -> str | None:
    """Finish a committed save or discard an unfinished one in ``folder``.

    Returns:
        ``"finished"`` (a committed set was moved into place), ``"discarded"`` (an unfinished
        set was deleted) or None (there was nothing to do).
    """
    done = None
    if (folder / COMMITTED).is_dir():
        _install(folder)
        done = "finished"
    staging = folder / STAGING
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)
        done = done or "discarded"
    return done


class WriteError(OSError):
    """A file of a set could not be written; nothing of the set was installed.

    Attributes:
        name: the file (its name in the set).
        folder: the set's folder.
        cause: the error of the writer.
    """

    def __init__(self, name: str, folder: Path, cause: BaseException) -> None:
        reason = getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
        super().__init__(f"cannot write {name} in {folder}: {reason}")
        self.errno = getattr(cause, "errno", None)
        self.name = name
        self.folder = folder
        self.cause = cause


def commit(folder: Path, writers: Mapping[str, Writer]) -> None:
    """Write a set of files into ``folder`` so that they appear together or not at all.

    Args:
        folder: the destination (created if missing).
        writers: file name -> a function that writes the file at the path it is given.

    Raises:
        WriteError: a file cannot be written (a full disk...); the previous set is left
            untouched and nothing of the new one is left behind.
        OSError: ``folder`` cannot be made or a leftover of a killed save cannot be finished.
    """
    folder.mkdir(parents=True, exist_ok=True)
    recover(folder)
    staging = folder / STAGING
    staging.mkdir()
    name = ""
    try:
        for name, write in writers.items():
            write(staging / name)
            _fsync_path(staging / name)
        _fsync_path(staging)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise WriteError(name, folder, exc) from exc
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


def link_or_copy_tree(files: Iterable[Path], folder: Path) -> None:
    """Commit existing files into another folder (hard links where possible)."""
    commit(folder, {path.name: link_writer(path) for path in files if path.exists()})
