"""faceswap's PNG header (``iTXt`` chunk ``faceswap``) read by phazer.data.faceswap_header.

Against the oracle's face files (written by faceswap's extract writer, checked by faceswap's
reader) and ``faces.json`` (what went into them); malformed chunks on small PNGs made here.
"""

from __future__ import annotations

import io
import json
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phazer.data.faceswap_header import (
    FaceswapHeaderError,
    read_faceswap_header,
)
from phazer.data.images import FaceFileError, read_face
from tests.faceswap_oracle import cases, face_files, require_oracle


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _png(chunks: list[bytes], size: int = 4, at_end: bool = False) -> bytes:
    """A small RGB PNG with extra chunks after IHDR (or before IEND)."""
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (10, 20, 30)).save(buffer, format="PNG")
    data = buffer.getvalue()
    cut = len(data) - 12 if at_end else 8 + 25      # before IEND, or after IHDR
    return data[:cut] + b"".join(chunks) + data[cut:]


def _faceswap_chunk(text: str | bytes, compressed: bool = False) -> bytes:
    body = text.encode("utf-8") if isinstance(text, str) else text
    if compressed:
        return _chunk(b"iTXt", b"faceswap\0\x01\x00\0\0" + zlib.compress(body))
    return _chunk(b"iTXt", b"faceswap\0\0\0\0\0" + body)


def _header_text(landmarks: object = None, mask: bytes | None = None, size: int = 4,
                 extra: str = "") -> str:
    points = [[float(i), float(2 * i)] for i in range(68)] if landmarks is None else landmarks
    stored = zlib.compress(bytes(range(size * size))) if mask is None else mask
    return repr({"alignments": {
        "x": 1, "y": 2, "w": 3, "h": 4, "landmarks_xy": points,
        "mask": {"m": {"mask": stored, "affine_matrix": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0],
                                                          [0.0, 0.0, 1.0]],
                       "interpolator": 3, "stored_size": size, "stored_centering": "face"}},
        "identity": {}},
        "source": {"source_frame_dims": (480, 640), "source_is_video": False}})[:-1] \
        + extra + "}"


def _write(tmp_path: Path, data: bytes, name: str = "face.png") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_reads_every_oracle_face_as_extract_wrote_it() -> None:
    """Landmarks, box, masks (bytes, matrices, sizes) and source agree with faces.json."""
    folder = require_oracle()
    made = {(f["side"], f["file"]): f for f in json.loads(
        (folder / "faces.json").read_text(encoding="utf-8"))["faces"]}
    files = face_files()
    assert len(files) == 10
    for path in files:
        header = read_faceswap_header(path)
        facts = made[(path.parent.name, path.name)]
        assert header is not None
        assert header.landmarks.dtype == np.float32 and header.landmarks.shape == (68, 2)
        np.testing.assert_array_equal(header.landmarks,
                                      np.asarray(facts["landmarks_xy"], np.float32))
        assert header.box == tuple(facts["bbox_xywh"])
        assert sorted(header.masks) == cases()["files"][f"{path.parent.name}/{path.name}"][
            "stored_masks"]
        for name, mask in header.masks.items():
            expect = facts["header_masks"][name]
            assert mask.name == name and mask.mask.shape == (128, 128)
            assert mask.mask.dtype == np.uint8 and not mask.mask.flags.writeable
            assert (mask.stored_size, mask.stored_centering, mask.interpolator) == (
                expect["stored_size"], expect["stored_centering"], expect["interpolator"])
            np.testing.assert_array_equal(mask.affine_matrix,
                                          np.asarray(expect["affine_matrix"], np.float32))
            assert mask.mask.mean() / 255 == pytest.approx(expect["mean"], abs=1e-6)
        assert header.source["original_filename"] == path.name
        assert header.source["source_frame_dims"] == (480, 640)     # a Python tuple
        assert header.source["source_is_video"] is False


def test_reads_the_header_without_the_pixels(tmp_path: Path) -> None:
    """Only the chunk headers are read: image data that cannot be decoded does not matter,
    and a folder of faces is scanned in about a millisecond per file."""
    data = bytearray((require_oracle() / "faces" / "A" / "a_000_0.png").read_bytes())
    start = data.index(b"IDAT") + 4
    data[start:start + 200] = bytes(200)                    # pixel data destroyed
    path = _write(tmp_path, bytes(data))
    with pytest.raises(FaceFileError):
        read_face(path)
    assert read_faceswap_header(path).landmarks.shape == (68, 2)
    begin = time.perf_counter()
    for face in face_files():
        read_faceswap_header(face)
    assert (time.perf_counter() - begin) / len(face_files()) < 0.05


def test_plain_images_have_no_header(tmp_path: Path) -> None:
    """A PNG without the chunk, one with other text chunks, and a JPEG give None."""
    assert read_faceswap_header(_write(tmp_path, _png([]))) is None
    other = _png([_chunk(b"tEXt", b"Software\0phazer"),
                  _chunk(b"iTXt", b"comment\0\0\0\0\0faceswap inside the text")])
    assert read_faceswap_header(_write(tmp_path, other, "other.png")) is None
    jpeg = tmp_path / "face.jpg"
    Image.new("RGB", (8, 8)).save(jpeg, format="JPEG")
    assert read_faceswap_header(jpeg) is None


def test_header_after_the_image_data_and_compressed_text(tmp_path: Path) -> None:
    """The chunk is found wherever it is; zlib-compressed iTXt text is read too."""
    late = read_faceswap_header(_write(tmp_path, _png([_faceswap_chunk(_header_text())],
                                                      at_end=True)))
    packed = read_faceswap_header(_write(tmp_path, _png(
        [_faceswap_chunk(_header_text(), compressed=True)]), "packed.png"))
    for header in (late, packed):
        assert header.box == (1, 2, 3, 4)
        assert header.landmarks[67].tolist() == [67.0, 134.0]
        assert header.masks["m"].mask[3, 3] == 15


def test_a_2x3_affine_matrix_becomes_3x3(tmp_path: Path) -> None:
    """Older faceswap wrote 2x3 mask matrices; faceswap reads them as 3x3."""
    text = _header_text().replace("[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]",
                                  "[[2.0, 0.0, 5.0], [0.0, 2.0, 6.0]]")
    header = read_faceswap_header(_write(tmp_path, _png([_faceswap_chunk(text)])))
    np.testing.assert_array_equal(header.masks["m"].affine_matrix,
                                  [[2, 0, 5], [0, 2, 6], [0, 0, 1]])


@pytest.mark.parametrize(("text", "expected"), [
    ("{'alignments': {'x': 1,", "is not a Python literal (SyntaxError)"),
    ("__import__('os').system('true')", "is not a Python literal (ValueError)"),
    ("[1, 2]", "has its top level as list, expected a dict"),
    ("{'source': {}}", "has no 'alignments'"),
    (_header_text().replace("'x': 1", "'x': '1'"), "has alignments 'x' as str, expected int"),
    (_header_text(landmarks=[[1.0, 2.0]] * 5), "has landmarks_xy shape (5, 2), expected "
                                               "68x2 or 98x2 or 4x2 numbers"),
    (_header_text(landmarks=[[1.0, 2.0]] * 98), "has 98 landmarks; phazer reads faceswap's "
                                                "68-point landmarks only"),
    (_header_text(landmarks=[["a", "b"]] * 68), "has landmarks_xy not numbers"),
    (_header_text(mask=b"not zlib"), "has mask 'm' data that is not zlib-compressed"),
    (_header_text(mask=zlib.compress(bytes(10))), "has mask 'm' of 10 bytes, expected "
                                                  "4x4 = 16"),
    (_header_text().replace("'face'", "'side'"), "has mask 'm' with centering 'side', "
                                                 "expected one of face, head, legacy"),
    (b"\xff\xfe{}", "is not UTF-8 text"),
])
def test_a_malformed_header_names_the_file_and_the_problem(tmp_path: Path, text: str | bytes,
                                                           expected: str) -> None:
    path = _write(tmp_path, _png([_faceswap_chunk(text)]), "broken.png")
    with pytest.raises(FaceswapHeaderError) as caught:
        read_faceswap_header(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: faceswap header (PNG iTXt chunk 'faceswap') ")
    assert expected in message, message
    assert message.endswith("re-extract the face with faceswap, or remove the file")
    assert isinstance(caught.value, FaceFileError) and caught.value.kind == "bad faceswap header"


def test_a_cut_off_header_chunk(tmp_path: Path) -> None:
    chunk = _faceswap_chunk(_header_text())
    data = _png([])[:33] + chunk[:len(chunk) // 2]
    with pytest.raises(FaceswapHeaderError, match="is cut off"):
        read_faceswap_header(_write(tmp_path, data))


def test_not_an_image(tmp_path: Path) -> None:
    with pytest.raises(FaceFileError, match="neither PNG nor JPEG"):
        read_faceswap_header(_write(tmp_path, b"hello, this is text", "notes.png"))
