"""Face folders: usable images found, bad ones skipped with a reason, bad folders refused."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phazer.data.folders import (
    DataError,
    FaceFolder,
    SkippedFile,
    scan_faces,
    skipped_lines,
    skipped_summary,
)


def save(path: Path, size: int = 32, mode: str = "RGB", height: int | None = None) -> Path:
    rng = np.random.default_rng(len(path.name))
    channels = {"RGB": 3, "RGBA": 4, "L": 1, "LA": 2}[mode]
    pixels = (rng.random((height or size, size, channels)) * 255).astype(np.uint8)
    Image.fromarray(pixels.squeeze(), mode).save(path)
    return path


def folder_of(tmp_path: Path, count: int, **kwargs) -> Path:
    folder = tmp_path / "faces"
    folder.mkdir(exist_ok=True)
    for index in range(count):
        save(folder / f"face_{index:03d}.png", **kwargs)
    return folder


def test_usable_images_are_listed(tmp_path):
    folder = folder_of(tmp_path, 6, mode="RGBA")
    save(folder / "extra.JPG")
    save(folder / "other.jpeg", mode="L")
    (folder / "notes.txt").write_text("not an image")
    (folder / "sub").mkdir()
    save(folder / ".hidden.png")
    faces = scan_faces(folder, min_images=8)
    assert isinstance(faces, FaceFolder) and len(faces) == 8
    assert [p.name for p in faces.files][:2] == ["extra.JPG", "face_000.png"]
    assert faces.skipped == () and faces.size == 32 and faces.with_alpha == 6
    assert skipped_summary(faces) == ""


def test_corrupt_and_truncated_files_are_skipped_with_reasons(tmp_path):
    folder = folder_of(tmp_path, 8)
    (folder / "garbage.png").write_bytes(b"\x89PNG not really")
    good = (folder / "face_000.png").read_bytes()
    (folder / "truncated.png").write_bytes(good[: len(good) // 2])
    jpeg = save(folder / "cut.jpg", size=64).read_bytes()
    (folder / "cut.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    save(folder / "wide.png", size=32, height=16)
    gif = folder / "anim.png"
    Image.new("RGB", (32, 32)).save(gif, format="GIF")
    Image.new("CMYK", (32, 32)).save(folder / "print.jpg")
    faces = scan_faces(folder)
    assert len(faces) == 8
    reasons = {item.path.name: item.reason for item in faces.skipped}
    assert set(reasons) == {"garbage.png", "truncated.png", "cut.jpg", "wide.png", "anim.png",
                            "print.jpg"}
    assert "CMYK" in reasons["print.jpg"]
    assert "not an image" in reasons["garbage.png"]
    assert "truncated or corrupt" in reasons["truncated.png"]
    assert "not square (32x16 px)" in reasons["wide.png"]
    assert "GIF data, not PNG or JPEG" in reasons["anim.png"]
    assert skipped_summary(faces) == (f"{folder}: skipped 6 of 14 images (2 corrupt, "
                                      "1 other format, 1 not an image, 1 CMYK, 1 not square)")
    lines = skipped_lines(faces)
    assert lines[0].startswith(f"{folder / 'anim.png'}: GIF data") and len(lines) == 7
    assert len(skipped_lines(faces, limit=2)) == 4    # 2 listed, "4 more ...", the count


def test_wrong_size_is_skipped_only_when_a_size_is_expected(tmp_path):
    folder = folder_of(tmp_path, 8, size=32)
    save(folder / "big.png", size=48)
    assert len(scan_faces(folder)) == 9 and scan_faces(folder).size == 32
    faces = scan_faces(folder, expected_size=32)
    assert len(faces) == 8
    assert faces.skipped == (SkippedFile(folder / "big.png", "48 px, expected 32 px",
                                         "wrong size"),)


def test_missing_folder(tmp_path):
    with pytest.raises(DataError) as caught:
        scan_faces(tmp_path / "nope")
    assert caught.value.message == f"face folder {tmp_path / 'nope'} does not exist"
    assert "check the path" in caught.value.hint


def test_a_file_is_not_a_folder(tmp_path):
    path = save(tmp_path / "one.png")
    with pytest.raises(DataError, match="is a file, not a folder"):
        scan_faces(path)


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(DataError, match="holds no png or jpg images") as caught:
        scan_faces(tmp_path / "empty")
    assert caught.value.hint


def test_too_few_usable_images(tmp_path):
    folder = folder_of(tmp_path, 3)
    (folder / "bad.png").write_bytes(b"nope")
    with pytest.raises(DataError) as caught:
        scan_faces(folder, min_images=5)
    message = caught.value.message
    assert message.startswith(f"face folder {folder} has 3 usable images, fewer than the 5")
    assert "1 skipped, e.g. bad.png: not an image" in message
    assert "\n" not in str(caught.value)
    assert len(scan_faces(folder, min_images=3)) == 3


@pytest.mark.skipif(sys.platform == "win32", reason="permissions")
def test_unreadable_file_is_skipped(tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    folder = folder_of(tmp_path, 8)
    locked = save(folder / "locked.png")
    locked.chmod(0)
    faces = scan_faces(folder)
    assert [item.path.name for item in faces.skipped] == ["locked.png"]
