"""Fixtures shared by several test files (plain helpers are in ``tests/helpers.py``)."""

from __future__ import annotations

import errno
import gc
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import PRESETS_DIR, write_face_folders

if TYPE_CHECKING:
    from phazer.data.folders import FaceFolder

DEFAULT_FACES = (8, 21)   # faces per side, seed: see the ``faces`` fixture

# --- memory ------------------------------------------------------------------------------------
# The memory guard. A Keras model is a web of reference cycles (layers <-> model, tf.function
# caches), so the test that built it returns without freeing it: only the cyclic collector's
# full pass does, and with TensorFlow's millions of objects loaded that pass comes rarely (and
# takes about a second). The models of the emit and profiler tests then piled up past 14 GiB.
# So after a test, once Keras is loaded (never importing it), a full collection runs whenever
# this process's memory has grown by GC_AFTER_GROWTH_KIB since the last one: the few tests that
# build big models pay for it, the thousands of small ones do not.
GC_AFTER_GROWTH_KIB = 256 * 1024
_rss_after_gc = [0]   # KiB, after the last full collection

# PHAZER_TEST_RSS=FILE: after each test, append "node id<TAB>VmRSS kB<TAB>VmHWM kB<TAB>seconds"
# (this process's memory now and at its peak so far) to FILE, to find the tests that grow it.
RSS_LOG = os.environ.get("PHAZER_TEST_RSS")


def _memory_kib() -> tuple[int, int]:
    """This process's resident memory now and at its peak (VmRSS, VmHWM in /proc), in KiB."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    """The memory guard: after the test's own fixtures are gone, free what Keras left behind."""
    result = yield
    if "keras" in sys.modules:
        rss, _ = _memory_kib()
        if rss - _rss_after_gc[0] > GC_AFTER_GROWTH_KIB:
            gc.collect()
            _rss_after_gc[0] = _memory_kib()[0]
    return result


_last_logged = [time.monotonic()]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if RSS_LOG and report.when == "teardown":
        rss, peak = _memory_kib()
        now = time.monotonic()
        with open(RSS_LOG, "a", encoding="utf-8") as log:
            log.write(f"{report.nodeid}\t{rss}\t{peak}\t{now - _last_logged[0]:.2f}\n")
        _last_logged[0] = now


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
