"""One trainer per model dir: the lock file ``M/.lock`` (no TensorFlow).

``phazer train`` holds an exclusive :func:`fcntl.flock` on ``M/.lock`` for its whole session,
so a second ``phazer train`` on the same model dir is refused at once, with the pid and host
the lock file names. The operating system drops the lock when its process dies, however it
dies, so a lock left by a killed process is free: the next trainer takes it over and says so
(the file still names the dead process). The file is never deleted while in use (a trainer
waiting on a deleted file would hold a lock nobody else sees); it is emptied on release.

Readers that repair a model dir (:meth:`phazer.train.modeldir.ModelDir.recover`) take a
shared lock for the few milliseconds they need, so they never discard the half-written save of
a trainer at work; a trainer retries for a moment while a reader holds it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE = ".lock"
ACQUIRE_SECONDS = 2.0     # how long a trainer retries while a reader holds a shared lock
_RETRY = 0.05
_NO_FLOCK = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) a model dir's lock, as its lock file says."""

    pid: int
    host: str
    started: str = ""

    def alive(self) -> bool:
        """Whether that process still runs (a process on another host counts as alive)."""
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def describe(self) -> str:
        """``pid 1234 on host h (since 2024-...)``."""
        since = f", since {self.started}" if self.started else ""
        return f"pid {self.pid} on host {self.host}{since}"


class ModelDirInUse(Exception):
    """Another process trains in this model dir.

    Attributes:
        path: the lock file.
        holder: what it says of the other process (None when it is still empty).
    """

    def __init__(self, path: Path, holder: Holder | None) -> None:
        self.path = path
        self.holder = holder
        who = holder.describe() if holder else "a process that has not written its pid yet"
        super().__init__(f"{path.parent} is in use by another phazer train ({who})")


def read_holder(path: Path) -> Holder | None:
    """The process a lock file names, or None (no file, empty, or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Holder(int(data["pid"]), str(data["host"]), str(data.get("started", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class ModelDirLock:
    """The exclusive lock of one model dir (a context manager).

    Args:
        folder: the model dir; created (with parents) when the lock is taken.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self._fd: int | None = None
        self.stale: Holder | None = None
        self.created = False      # the model dir did not exist before the lock was taken

    def acquire(self) -> Holder | None:
        """Take the lock, or raise :class:`ModelDirInUse` at once.

        Returns:
            The holder of a stale lock that was taken over (its process is gone), else None.
        """
        self.created = not self.folder.exists()
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._lock(fd)
            previous = read_holder(self.path)
            record = {"pid": os.getpid(), "host": socket.gethostname(),
                      "started": datetime.now(UTC).isoformat(timespec="seconds")}
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)   # one write: whole or none
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self.stale = previous
        return previous

    def _lock(self, fd: int) -> None:
        deadline = time.monotonic() + ACQUIRE_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                holder = read_holder(self.path)     # a dead holder: a reader has it
                if (holder is not None and holder.alive()) or time.monotonic() >= deadline:
                    raise ModelDirInUse(self.path, _wait_for_holder(self.path, holder)
                                        ) from None
                time.sleep(_RETRY)          # a reader's shared lock, or a pid not yet written
            except OSError as exc:
                if exc.errno not in _NO_FLOCK:
                    raise
                holder = read_holder(self.path)    # no flock here: trust a live pid
                if holder is not None and holder.alive() and holder.pid != os.getpid():
                    raise ModelDirInUse(self.path, holder) from None
                return

    def release(self, *, tidy: bool = False) -> None:
        """Empty the lock file and let go (nothing if not held).

        Args:
            tidy: also remove the model dir when this lock created it and nothing else was
                written into it (a run that failed before its first save).
        """
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        finally:
            os.close(fd)          # closing drops the flock
        if tidy and self.created:
            with contextlib.suppress(OSError):
                if [p.name for p in self.folder.iterdir()] == [LOCK_FILE]:
                    self.path.unlink()
                    self.folder.rmdir()

    def __enter__(self) -> ModelDirLock:
        if self._fd is None:
            self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _wait_for_holder(path: Path, holder: Holder | None) -> Holder | None:
    """The holder's record, waiting briefly when it has just taken the lock."""
    deadline = time.monotonic() + 0.5
    while holder is None and time.monotonic() < deadline:
        time.sleep(_RETRY)
        holder = read_holder(path)
    return holder


@contextlib.contextmanager
def shared(folder: Path) -> Iterator[bool]:
    """A shared lock on a model dir while a reader repairs it.

    Yields:
        True when no other process trains in ``folder`` (repairs are safe), False otherwise.
        This process's own lock counts as free; so does a folder without a lock file.
    """
    path = folder / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        yield True
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            free = True
        except BlockingIOError:
            holder = read_holder(path)
            free = holder is not None and holder.pid == os.getpid()
        except OSError:
            free = True
        yield free
    finally:
        os.close(fd)
