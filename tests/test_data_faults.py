"""Bad face files before and during training: skipped with one line each, never a crash.

The scan before training names every unusable file once (empty, truncated, not an image, not
square, a folder or a broken link named like an image, unreadable, a pipe) and counts them;
grey and 16-bit images are used as faceswap reads them (grey RGB, the high byte). During
training, a file deleted or truncated after the scan is replaced by another face of its side
with a warning; when a side has no readable face left, training saves and stops with exit 1.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phazer.data.facereader import FaceReader, FacesGoneError, GuardedBatches, SkipLog
from phazer.data.folders import (
    DataError,
    conversion_note,
    scan_faces,
    skipped_lines,
    skipped_summary,
)
from phazer.data.images import read_face
from tests.helpers import run_fresh


def save(path: Path, size: int = 32, mode: str = "RGB", height: int | None = None) -> Path:
    rng = np.random.default_rng(len(path.name))
    channels = {"RGB": 3, "L": 1}[mode]
    pixels = (rng.random((height or size, size, channels)) * 255).astype(np.uint8)
    Image.fromarray(pixels.squeeze(), mode).save(path)
    return path


def png16(path: Path, samples: np.ndarray) -> Path:
    """A 16-bit PNG (RGB or RGBA) written by hand: Pillow cannot write one."""
    height, width, channels = samples.shape
    colour = {3: 2, 4: 6}[channels]
    rows = b"".join(b"\x00" + samples[y].astype(">u2").tobytes() for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 16, colour, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


def deep_samples(channels: int, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((32, 32, channels)) * 65535).astype(np.uint16)


def lock(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``path`` unreadable: chmod 0, or (as root, who reads everything) a refusing open."""
    path.chmod(0)
    if os.geteuid() != 0:
        return
    import phazer.data.images as images

    real_open = images.Image.open

    def refuse(file: object, *args: object, **kwargs: object) -> Image.Image:
        if Path(str(file)).name == path.name:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(images.Image, "open", refuse)


@pytest.fixture
def bad_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """8 good faces, 4 usable after a conversion, 8 unusable entries named like images."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs named pipes and symbolic links (POSIX)")
    folder = tmp_path / "faces"
    folder.mkdir()
    for index in range(8):
        save(folder / f"face_{index:02d}.png")
    good = (folder / "face_00.png").read_bytes()
    (folder / "truncated.png").write_bytes(good[: len(good) // 2])
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.png").write_text("these are my notes, not a face\n")
    save(folder / "wide.png", size=32, height=24)
    (folder / "photo.png").mkdir()
    (folder / "gone.png").symlink_to(folder / "nowhere.png")
    os.mkfifo(folder / "pipe.png")
    lock(save(folder / "locked.png"), monkeypatch)
    save(folder / "grey.png", mode="L")
    Image.fromarray(deep_samples(1)[..., 0]).save(folder / "grey16.png")   # mode I;16
    png16(folder / "rgb16.png", deep_samples(3))
    png16(folder / "rgba16.png", deep_samples(4))
    return folder


def test_each_unusable_file_gets_one_warning_line_and_a_count(bad_folder):
    faces = scan_faces(bad_folder)
    assert len(faces) == 12
    kinds = {item.path.name: item.kind for item in faces.skipped}
    assert kinds == {"empty.png": "empty", "gone.png": "broken link", "locked.png": "unreadable",
                     "notes.png": "not an image", "photo.png": "folder",
                     "pipe.png": "not a file", "truncated.png": "corrupt",
                     "wide.png": "not square"}
    lines = skipped_lines(faces)
    for name in kinds:       # one line each, naming the file
        assert sum(name in line for line in lines) == 1, name
    assert len(lines) == len(kinds) + 1
    assert lines[-1] == skipped_summary(faces)
    assert lines[-1].startswith(f"{bad_folder}: skipped 8 of 20 images (")
    reasons = {item.path.name: item.reason for item in faces.skipped}
    assert "0 bytes" in reasons["empty.png"]
    assert "truncated or corrupt" in reasons["truncated.png"]
    assert "not an image" in reasons["notes.png"]
    assert "permission denied" in reasons["locked.png"] and "chmod" in reasons["locked.png"]
    assert "folder named like an image" in reasons["photo.png"]
    assert "not square (32x24 px)" in reasons["wide.png"]
    assert all("Traceback" not in line and "\n" not in line for line in lines)


def test_more_skipped_files_than_listed_are_counted(bad_folder):
    lines = skipped_lines(scan_faces(bad_folder), limit=3)
    assert len(lines) == 5 and lines[3] == f"{bad_folder}: 5 more skipped files not listed"


def test_grey_and_16_bit_images_are_used_as_faceswap_reads_them(bad_folder):
    faces = scan_faces(bad_folder)
    names = {path.name for path in faces.files}
    assert {"grey.png", "grey16.png", "rgb16.png", "rgba16.png"} <= names
    assert faces.grey == 2 and faces.deep == 3 and faces.with_alpha == 1
    assert conversion_note(faces) == (f"{bad_folder}: 2 grey images are used as grey RGB; "
                                      "3 16-bit images are reduced to 8 bits per channel")
    grey, info = read_face(bad_folder / "grey.png")
    assert info.grey and not info.deep and grey.shape == (32, 32, 4)
    with Image.open(bad_folder / "grey.png") as image:
        expected = np.asarray(image)
    assert (grey[..., 0] == expected).all() and (grey[..., 2] == expected).all()
    assert (grey[..., 3] == 255).all()
    grey16, info = read_face(bad_folder / "grey16.png")
    assert info.grey and info.deep
    assert (grey16[..., 1] == deep_samples(1)[..., 0] >> 8).all()    # not clipped to white
    rgb16, _ = read_face(bad_folder / "rgb16.png")
    assert (rgb16[..., :3] == deep_samples(3) >> 8).all()
    rgba16, info = read_face(bad_folder / "rgba16.png")
    assert info.alpha and (rgba16 == deep_samples(4) >> 8).all()


def test_fewer_faces_than_a_batch_is_an_error_naming_the_batch(tmp_path):
    folder = tmp_path / "few"
    folder.mkdir()
    for index in range(10):
        save(folder / f"f{index}.png")
    (folder / "bad.png").write_bytes(b"")
    with pytest.raises(DataError) as caught:
        scan_faces(folder, min_images=16, needed_for="a batch of 16 per side")
    assert caught.value.message == (
        f"face folder {folder} has 10 usable images, fewer than the 16 needed for a batch of "
        "16 per side; 1 skipped, e.g. bad.png: an empty file (0 bytes); re-extract it or "
        "remove it")
    assert "lower --batch-size" in caught.value.hint


def test_the_checks_need_no_tensorflow(bad_folder):
    done = run_fresh("from phazer.data.folders import scan_faces; "
                     f"import phazer.data.facereader; scan_faces({str(bad_folder)!r})",
                     timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.loaded() == []


# -- during training ----------------------------------------------------------------------

def four_faces(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "four"
    folder.mkdir()
    return [save(folder / f"f{index}.png", size=16 + 2 * index) for index in range(4)]


def test_a_file_that_breaks_is_replaced_by_the_next_readable_one(tmp_path):
    files = four_faces(tmp_path)
    told: list[str] = []
    log = SkipLog(told.append)
    reader = FaceReader(files, "a", log)
    assert reader.read(np.int64(1)).shape == (18, 18, 4)
    files[1].unlink()
    files[2].write_bytes(files[2].read_bytes()[:40])
    for _ in range(3):                  # the same stand-in each time, told once
        assert reader.read(np.int64(1)).shape == (22, 22, 4)
    assert reader.read(2).shape == (22, 22, 4) and reader.read(0).shape == (16, 16, 4)
    assert len(told) == 2 and log.count() == 2
    assert told[0].startswith(f"{files[1]}: no longer exists")
    assert "another face of side A is used in its place" in told[0]
    assert told[1].startswith(f"{files[2]}: truncated or corrupt (PNG data")
    assert log.summary() == ["side A: 2 face files could not be read during training and were "
                             "skipped (f1.png: no longer exists (deleted or moved); f2.png: "
                             "truncated or corrupt (PNG data that cannot be decoded))"]


def test_no_readable_file_left_raises_a_data_error(tmp_path):
    files = four_faces(tmp_path)
    log = SkipLog()
    reader = FaceReader(files, "b", log)
    for path in files:
        path.unlink()
    with pytest.raises(FacesGoneError) as caught:
        reader.read(3)
    assert "no face file of side B can be read any more" in caught.value.message
    assert log.fatal == caught.value.message and log.count() == 4
    assert "resume" in caught.value.hint


def test_guarded_batches_stop_the_loop_instead_of_raising():
    def batches():
        yield 1
        yield 2
        raise RuntimeError("an input pipeline op failed\n  [[{{node read_face}}]]")

    stops: list[str] = []
    guarded = GuardedBatches(batches(), SkipLog(), stops.append)
    assert [next(guarded), next(guarded), next(guarded)] == [1, 2, 2]
    assert stops == ["data"]
    assert guarded.failure == "reading the training faces failed: an input pipeline op failed"

    def broken():
        raise RuntimeError("nothing at all")
        yield

    with pytest.raises(DataError, match="nothing at all"):
        next(GuardedBatches(broken(), SkipLog(), stops.append))
