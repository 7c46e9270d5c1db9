"""Faces read during training, where a file may vanish or break at any time (TensorFlow-free).

The scan before training (:func:`phazer.data.folders.scan_faces`) proves every file usable,
but a long run reads them again: every epoch when the decoded faces do not fit in memory,
once at the start otherwise. A file deleted, truncated or replaced in between must not end the
run with a decoder's error and lose the work since the last save. So:

- :class:`FaceReader` decodes one side's files by index (the training pipeline calls it
  through ``tf.numpy_function``). A file that cannot be read any more is logged once and
  replaced by the next readable file of the same side (in file order, so the same failures
  give the same batches); it is not tried again. The batch keeps its shape.
- :class:`SkipLog` collects those failures, thread-safe: each is told as it happens (up to
  :data:`LISTED_FAILURES` per side, then only counted) and :meth:`SkipLog.summary` gives the
  count at the end.
- When no file of a side can be read any more, the reader raises :class:`FacesGoneError`;
  :class:`GuardedBatches`, the iterator the training loop draws from, then asks the loop to
  stop (it saves) instead of letting the error through.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from phazer.data.folders import DataError
from phazer.data.images import FaceFileError, read_face

LISTED_FAILURES = 20   # failures told one by one per side; the rest are counted


class FacesGoneError(DataError):
    """No face file of a side can be read any more."""


class SkipLog:
    """The face files that failed during training, told as they fail and counted.

    Args:
        warn: called with one line per failure (from the pipeline's threads); None keeps
            them silent (the summary still counts them).
    """

    def __init__(self, warn: Callable[[str], None] | None = None) -> None:
        self._warn = warn
        self._lock = threading.Lock()
        self.failures: dict[str, list[tuple[Path, str]]] = {}
        self.fatal = ""

    def add(self, side: str, path: Path, reason: str) -> None:
        """Record (and tell) that a face file of ``side`` failed."""
        with self._lock:
            failed = self.failures.setdefault(side, [])
            failed.append((path, reason))
            count = len(failed)
        if self._warn is None:
            return
        if count <= LISTED_FAILURES:
            self._warn(f"{path}: {reason}; skipped, another face of side {side.upper()} "
                       "is used in its place")
        elif count == LISTED_FAILURES + 1:
            self._warn(f"side {side.upper()}: more face files fail; they are counted at the "
                       "end, not listed")

    def count(self) -> int:
        """How many face files failed, all sides together."""
        with self._lock:
            return sum(len(failed) for failed in self.failures.values())

    def summary(self) -> list[str]:
        """One line per side with failures: how many, and the first few."""
        with self._lock:
            items = [(side, list(failed)) for side, failed in self.failures.items()]
        lines = []
        for side, failed in items:
            shown = "; ".join(f"{path.name}: {reason.split(';')[0]}"
                              for path, reason in failed[:3])
            more = f"; and {len(failed) - 3} more" if len(failed) > 3 else ""
            lines.append(f"side {side.upper()}: {len(failed)} face file"
                         f"{'' if len(failed) == 1 else 's'} could not be read during "
                         f"training and {'was' if len(failed) == 1 else 'were'} skipped "
                         f"({shown}{more})")
        return lines


def _rgba(path: Path) -> np.ndarray:
    pixels = read_face(path)[0]
    assert pixels is not None
    return pixels


class FaceReader:
    """Decode the face files of one side by index, replacing files that fail.

    Args:
        files: the side's usable files (from the scan), in order.
        side: the side's name, for the messages.
        log: where failures are recorded.
        decode: reads one file (default: its RGBA pixels, :func:`read_face`); it raises
            :class:`FaceFileError` for a file that cannot be used.
    """

    def __init__(self, files: Sequence[Path], side: str, log: SkipLog,
                 decode: Callable[[Path], np.ndarray] | None = None) -> None:
        if not files:
            raise ValueError("FaceReader needs at least one file")
        self.files = [Path(p) for p in files]
        self.side = side
        self.log = log
        self._decode = decode or _rgba
        self._bad: set[int] = set()
        self._lock = threading.Lock()

    def _fail(self, index: int, error: FaceFileError) -> None:
        with self._lock:
            if index in self._bad:
                return
            self._bad.add(index)
        self.log.add(self.side, self.files[index], error.reason)

    def read(self, index: Any) -> np.ndarray:
        """The decoded file ``index`` (RGBA pixels by default), or its stand-in's.

        Raises:
            FacesGoneError: no file of the side can be read any more.
        """
        count = len(self.files)
        start = int(index) % count
        for step in range(count):
            candidate = (start + step) % count
            if candidate in self._bad:
                continue
            try:
                return self._decode(self.files[candidate])
            except FaceFileError as error:
                self._fail(candidate, error)
        message = (f"no face file of side {self.side.upper()} can be read any more (all "
                   f"{count} of {self.files[0].parent} failed)")
        self.log.fatal = self.log.fatal or message
        raise FacesGoneError(message, "restore the face folder, or point --input at one "
                             "that holds the faces, and run the same command to resume")


class GuardedBatches:
    """The training loop's batches: a failure of the data stops training instead of crashing.

    When drawing a batch fails after training has begun (every file of a side gone, or any
    other error of the input pipeline), the previous batch is given once more and
    ``request_stop("data")`` is called, so the loop finishes that iteration, saves and
    returns; :attr:`failure` then says what happened. A failure before the first batch
    raises :class:`DataError` (nothing to save yet).

    Args:
        batches: the dataset's iterator.
        log: the readers' failure log (its fatal message is the clearest reason).
        request_stop: asks the training loop to save and stop, with a reason.
    """

    def __init__(self, batches: Iterator[Any], log: SkipLog,
                 request_stop: Callable[[str], None]) -> None:
        self._batches = batches
        self._log = log
        self._request_stop = request_stop
        self._last: Any = None
        self.failure = ""

    def __iter__(self) -> GuardedBatches:
        return self

    def __next__(self) -> Any:
        try:
            batch = next(self._batches)
        except StopIteration:
            raise
        except Exception as exc:   # any error of the input pipeline ends training cleanly
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.failure = self._log.fatal or f"reading the training faces failed: {first}"
            if self._last is None:
                raise DataError(self.failure, "check the face folders and run again") from None
            self._request_stop("data")
            return self._last
        self._last = batch
        return batch
