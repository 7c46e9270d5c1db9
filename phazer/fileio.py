"""Small file helpers shared by the commands: atomic text and binary writes."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

_CREATE_ATTEMPTS = 100


def _create_temp(directory: Path, stem: str) -> tuple[int, Path]:
    """Create a new, empty temp file next to the target; the mode follows the umask."""
    for _ in range(_CREATE_ATTEMPTS):
        candidate = directory / f".{stem}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file in {directory}")


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half.

    The text goes to a temporary file in the same folder, is flushed to disk, then renamed over
    ``path`` with :func:`os.replace`. An existing file keeps its permission bits; a new one gets
    the usual ``0o666`` minus the umask. The temporary file is removed if anything fails.

    Raises:
        OSError: the folder does not exist or is not writable, or ``path`` is a directory.
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, as :func:`atomic_write_text` does for text.

    Raises:
        OSError: the folder does not exist or is not writable, or ``path`` is a directory.
    """
    target = Path(path)
    existing_mode = None
    if target.exists():
        existing_mode = stat.S_IMODE(target.stat().st_mode)
    fd, temp = _create_temp(target.parent, target.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if existing_mode is not None:
            os.chmod(temp, existing_mode)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
