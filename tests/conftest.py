"""Fixtures shared by several test files (plain helpers are in ``tests/helpers.py``)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from tests.helpers import PRESETS_DIR, write_face_folders


@pytest.fixture(scope="session")
def face_folders(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Make (once per session and arguments) a folder holding face folders ``a`` and ``b``.

    Call it with ``(count, seed)``, and ``sides=("a", "b", "c")`` for one identity per side;
    see :func:`tests.helpers.write_face_folders`. Tests must not write into the folders: other
    tests asking for the same arguments share them.
    """
    made: dict[tuple[int, int, tuple[str, ...]], Path] = {}

    def make(count: int, seed: int, sides: Sequence[str] = ("a", "b")) -> Path:
        key = (count, seed, tuple(sides))
        if key not in made:
            root = tmp_path_factory.mktemp(f"faces-{count}-{seed}-{''.join(sides)}")
            made[key] = write_face_folders(root, count, seed, tuple(sides))
        return made[key]

    return make


@pytest.fixture
def builtin_presets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                    ) -> Callable[[Mapping[str, str]], Path]:
    """Replace the built-in presets by a folder of test ones for one test.

    Call it with ``{file name: text}``; it returns the folder (``tmp_path / "builtin"``), to
    which more presets may be written.
    """
    def install(files: Mapping[str, str]) -> Path:
        folder = tmp_path / "builtin"
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        monkeypatch.setattr(PRESETS_DIR, lambda: folder)
        return folder

    return install


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``os.replace`` fails as on a full disk, so no atomic write can complete."""
    def refuse(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
