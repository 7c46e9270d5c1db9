"""Fixtures shared by several test files (plain helpers are in ``tests/helpers.py``)."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import PRESETS_DIR, write_face_folders

if TYPE_CHECKING:
    from phazer.data.folders import FaceFolder

DEFAULT_FACES = (8, 21)   # faces per side, seed: see the ``faces`` fixture

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


@pytest.fixture(scope="module")
def faces(request: pytest.FixtureRequest, face_folders: Callable[..., Path]) -> Path:
    """The folder of face folders (``a``, ``b``) a test module trains on or reads.

    A module picks them with a top-level ``FACES = (count, seed)``, or ``(count, seed, sides)``
    for other sides (:data:`DEFAULT_FACES` if it sets none); modules asking for the same share
    one folder, so tests must not write into it (see ``faces_copy``).
    """
    return face_folders(*getattr(request.module, "FACES", DEFAULT_FACES))


@pytest.fixture
def faces_copy(faces: Path, tmp_path: Path) -> Path:
    """A private copy of the module's ``faces`` (``tmp_path / "faces"``), for tests that edit it."""
    root = tmp_path / "faces"
    shutil.copytree(faces, root)
    return root


@pytest.fixture(scope="module")
def face_scans(faces: Path) -> dict[str, FaceFolder]:
    """The module's ``faces``, scanned: side name -> :class:`~phazer.data.folders.FaceFolder`."""
    from phazer.data.folders import scan_faces

    return {side.name: scan_faces(side) for side in sorted(faces.iterdir()) if side.is_dir()}


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
