"""Read a spec file: every way a path can fail becomes an issue, and the size is capped.

A path may name nothing, a folder, a symbolic link that loops or dangles, a name the OS
refuses (too long, a NUL byte), a file that is not UTF-8 or one far larger than a spec
(``/dev/zero`` included: at most :data:`~phazer.spec.yaml_limits.MAX_SPEC_BYTES` + 1 bytes
are ever read).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from phazer.issues import (
    FILE_NOT_FOUND,
    FILE_UNREADABLE,
    INPUT_TOO_LARGE,
    Issue,
    SpecError,
    clip,
)
from phazer.spec.yaml_limits import MAX_SPEC_BYTES

_NOT_FOUND_HINT = "check the path, or run `phazer presets` for built-in preset names"


def path_problem(path: Path) -> Issue | None:
    """Why ``path`` cannot be read as a spec file (an issue without a line), or None."""
    name = clip(str(path))
    if "\0" in str(path):
        return Issue(FILE_UNREADABLE, "error", "", f"the path {name!r} holds a NUL byte",
                     "write the path without control characters", name)
    try:
        info = os.stat(path)
    except OSError as exc:
        return _stat_issue(path, name, exc)
    if stat.S_ISDIR(info.st_mode):
        return Issue(FILE_UNREADABLE, "error", "", f"{name} is a directory, not a spec file",
                     "pass a .yaml file inside it", name)
    if stat.S_ISREG(info.st_mode) and info.st_size > MAX_SPEC_BYTES:
        return too_large(name, info.st_size)
    return None


def too_large(name: str, size: int | None) -> Issue:
    """PHZ012 for a file over :data:`MAX_SPEC_BYTES` (``size`` None: not known, only over)."""
    found = f"{size:,} bytes" if size is not None else f"over {MAX_SPEC_BYTES:,} bytes"
    return Issue(INPUT_TOO_LARGE, "error", "", f"{name} is {found}: over phazer's limit of "
                 f"{MAX_SPEC_BYTES:,} bytes (1 MB) for a spec file",
                 "a spec is a few kB of YAML: check that this is the right file", name)


def _stat_issue(path: Path, name: str, exc: OSError) -> Issue:
    if exc.errno == errno.ELOOP:
        return Issue(FILE_UNREADABLE, "error", "", f"{name} is a symbolic link that loops "
                     "(it leads back to itself)", "point the link at a real file", name)
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        if path.is_symlink():
            return Issue(FILE_NOT_FOUND, "error", "", f"{name} is a symbolic link to "
                         f"{clip(os.readlink(path))}, which does not exist",
                         "point the link at a real file", name)
        return Issue(FILE_NOT_FOUND, "error", "", f"no such file: {name}", _NOT_FOUND_HINT,
                     name)
    if exc.errno == errno.ENAMETOOLONG:
        return Issue(FILE_UNREADABLE, "error", "", f"the path {name} is longer than the "
                     "system allows", "use a shorter path", name)
    return Issue(FILE_UNREADABLE, "error", "", f"cannot read {name}: "
                 f"{exc.strerror or exc}", "check the file's permissions", name)


def read_text(path: Path) -> str:
    """Read a spec file as UTF-8 text (newlines normalised), at most the size limit.

    Raises:
        SpecError: the file cannot be read, is not UTF-8 or is over the limit.
    """
    problem = path_problem(path)
    if problem is not None:
        raise SpecError([problem])
    name = clip(str(path))
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise SpecError([_stat_issue(path, name, exc)]) from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError([too_large(name, None)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError([Issue(FILE_UNREADABLE, "error", "", f"{name} is not UTF-8 text",
                               "save the spec as UTF-8 YAML", name)]) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
