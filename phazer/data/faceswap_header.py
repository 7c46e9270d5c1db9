"""Read the header faceswap's extract step writes into each face PNG (numpy only, no pixels).

faceswap keeps everything it knows about an extracted face in one PNG ``iTXt`` chunk with the
keyword ``faceswap``: the 68 landmarks (frame pixels), the detector's box, the masks its mask
plugins made (zlib-compressed ``uint8`` squares) and where the face came from. The text is the
``repr()`` of a Python dict, so it is read with :func:`ast.literal_eval` (bytes, tuples and
``True``/``False`` are Python literals, not JSON).

:func:`read_faceswap_header` walks the PNG's chunks without decoding any pixels (it skips over
the image data), so a folder scan can call it once per file. A PNG or JPEG without the chunk
gives ``None``; a chunk that is there but cannot be used raises :class:`FaceswapHeaderError`
naming the file and what is wrong.
"""

from __future__ import annotations

import ast
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from phazer.data.images import FaceFileError

KEYWORD = b"faceswap"
"""The keyword of faceswap's ``iTXt`` chunk."""
CENTERINGS: tuple[str, ...] = ("face", "head", "legacy")
"""The crops a stored mask may be centred on."""
LANDMARK_COUNT = 68

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_START = b"\xff\xd8\xff"
_MAX_CHUNK = 64 * 1024 * 1024      # a header larger than this is not faceswap's


class FaceswapHeaderError(FaceFileError):
    """A face file has faceswap's header chunk, but it cannot be used."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(path, "bad faceswap header",
                         f"faceswap header (PNG iTXt chunk 'faceswap') {problem}; re-extract "
                         "the face with faceswap, or remove the file")


@dataclass(frozen=True)
class StoredMask:
    """One mask stored in a face's header by a faceswap mask plugin.

    Attributes:
        name: the mask's name (``bisenet-fp_face``, ``vgg-clear``, ...).
        mask: ``uint8 [stored_size, stored_size]``, read-only: the mask as stored, 0-255.
        affine_matrix: ``float32 [3, 3]``: frame pixels to stored-mask pixels.
        interpolator: the OpenCV interpolation flag for warping it back onto the frame.
        stored_size: the side (px) of the stored mask.
        stored_centering: the crop it is stored at: ``face``, ``head`` or ``legacy``.
    """

    name: str
    mask: np.ndarray = field(repr=False)
    affine_matrix: np.ndarray = field(repr=False)
    interpolator: int
    stored_size: int
    stored_centering: str


@dataclass(frozen=True)
class FaceswapHeader:
    """What faceswap's header says about one extracted face.

    Attributes:
        landmarks: ``float32 [68, 2]``: the landmarks (x, y) in the source frame's pixels.
        box: the detector's box in the frame: (x, y, width, height).
        masks: the stored masks by name, in the header's order.
        source: the header's ``source`` dict (frame file name, face index, frame size ...).
    """

    landmarks: np.ndarray = field(repr=False)
    box: tuple[int, int, int, int]
    masks: dict[str, StoredMask]
    source: dict[str, Any]


def read_faceswap_header(path: str | Path) -> FaceswapHeader | None:
    """The faceswap header of a face file, or None when it has none.

    Only the PNG's chunk headers and the ``faceswap`` chunk are read; the pixels are not.

    Args:
        path: a PNG or JPEG face file.

    Returns:
        The header; None for a JPEG, or a PNG without a ``faceswap`` chunk.

    Raises:
        FaceswapHeaderError: the chunk is there but truncated, not a Python literal, or
            misses or mistypes a field faceswap writes.
        FaceFileError: the file cannot be read, or is neither PNG nor JPEG.
    """
    path = Path(path)
    try:
        text = _chunk_text(path)
    except FaceFileError:
        raise
    except OSError as exc:
        raise FaceFileError(path, "unreadable",
                            f"cannot be read ({exc.strerror or exc})") from None
    if text is None:
        return None
    try:
        data = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise FaceswapHeaderError(path, f"is not a Python literal ({type(exc).__name__})") \
            from None
    return _header(path, data)


def _chunk_text(path: Path) -> str | None:
    """The text of the ``faceswap`` iTXt chunk, None without one."""
    with path.open("rb") as stream:
        start = stream.read(8)
        if start != _PNG_SIGNATURE:
            if start.startswith(_JPEG_START):
                return None
            raise FaceFileError(path, "not an image", "neither PNG nor JPEG data")
        while True:
            head = stream.read(8)
            if len(head) < 8:
                return None       # cut off before IEND: the pixel reader says so
            length, kind = struct.unpack(">I4s", head)
            if kind == b"IEND":
                return None
            if kind != b"iTXt" or length > _MAX_CHUNK:
                stream.seek(length + 4, 1)        # the data and its CRC
                continue
            body = stream.read(length)
            if not body.startswith(KEYWORD + b"\0"):
                stream.seek(4, 1)
                continue
            if len(body) < length:
                raise FaceswapHeaderError(path, f"is cut off ({len(body)} of {length} bytes)")
            return _itxt_text(path, body[len(KEYWORD) + 1:])


def _itxt_text(path: Path, rest: bytes) -> str:
    """The text of an iTXt chunk after its keyword: flags, language, translated keyword."""
    if len(rest) < 2:
        raise FaceswapHeaderError(path, "ends after its keyword")
    compressed, method = rest[0], rest[1]
    parts = rest[2:].split(b"\0", 2)
    if len(parts) < 3:
        raise FaceswapHeaderError(path, "lacks the language and translated-keyword fields")
    value = parts[2]
    if compressed:
        if method != 0:
            raise FaceswapHeaderError(path, f"uses compression method {method} (only 0, "
                                      "zlib, exists)")
        try:
            value = zlib.decompress(value)
        except zlib.error:
            raise FaceswapHeaderError(path, "has compressed text that cannot be "
                                      "decompressed") from None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise FaceswapHeaderError(path, "is not UTF-8 text") from None


def _field(path: Path, mapping: Any, key: str, kind: type | tuple[type, ...],
           where: str) -> Any:
    """``mapping[key]``, checked to be of ``kind``."""
    if not isinstance(mapping, dict):
        raise FaceswapHeaderError(path, f"has {where or 'its top level'} as "
                                  f"{type(mapping).__name__}, expected a dict")
    if key not in mapping:
        raise FaceswapHeaderError(path, f"has no {where}{key!r}")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(
            k.__name__ for k in kind)
        raise FaceswapHeaderError(path, f"has {where}{key!r} as {type(value).__name__}, "
                                  f"expected {names}")
    return value


def _array(path: Path, value: Any, shapes: tuple[tuple[int, int], ...], what: str
           ) -> np.ndarray:
    """A list of number rows as a float32 array of one of ``shapes``."""
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        array = None
    if array is None or array.shape not in shapes or not np.all(np.isfinite(array)):
        found = "not numbers" if array is None else (
            "not finite" if array.shape in shapes else f"shape {array.shape}")
        wanted = " or ".join(f"{rows}x{cols}" for rows, cols in shapes)
        raise FaceswapHeaderError(path, f"has {what} {found}, expected {wanted} numbers")
    return array


def _header(path: Path, data: Any) -> FaceswapHeader:
    """Check the parsed dict and build the header from it."""
    alignments = _field(path, data, "alignments", dict, "")
    source = _field(path, data, "source", dict, "") if "source" in data else {}
    box = tuple(_field(path, alignments, key, int, "alignments ") for key in "xywh")
    points = _array(path, _field(path, alignments, "landmarks_xy", (list, tuple),
                                 "alignments "), ((LANDMARK_COUNT, 2), (98, 2), (4, 2)),
                    "landmarks_xy")
    if points.shape[0] != LANDMARK_COUNT:
        raise FaceswapHeaderError(path, f"has {points.shape[0]} landmarks; phazer reads "
                                  f"faceswap's {LANDMARK_COUNT}-point landmarks only (faces "
                                  "aligned with the 68-point aligners: fan, cv2-dnn)")
    points.setflags(write=False)
    masks = alignments.get("mask") or {}
    if not isinstance(masks, dict):
        raise FaceswapHeaderError(path, f"has alignments 'mask' as {type(masks).__name__}, "
                                  "expected a dict")
    stored = {str(name): _stored_mask(path, str(name), entry) for name, entry in masks.items()}
    return FaceswapHeader(points, box, stored, dict(source))  # type: ignore[arg-type]


def _stored_mask(path: Path, name: str, entry: Any) -> StoredMask:
    where = f"mask {name!r} "
    size = _field(path, entry, "stored_size", int, where)
    centering = _field(path, entry, "stored_centering", str, where)
    if centering not in CENTERINGS or not 0 < size <= 4096:
        problem = (f"centering {centering!r}, expected one of {', '.join(CENTERINGS)}"
                   if centering not in CENTERINGS else f"size {size} px")
        raise FaceswapHeaderError(path, f"has {where}with {problem}")
    compressed = _field(path, entry, "mask", bytes, where)
    try:
        raw = zlib.decompress(compressed)
    except zlib.error:
        raise FaceswapHeaderError(path, f"has {where}data that is not zlib-compressed") \
            from None
    if len(raw) != size * size:
        raise FaceswapHeaderError(path, f"has {where}of {len(raw)} bytes, expected "
                                  f"{size}x{size} = {size * size}")
    matrix = _array(path, _field(path, entry, "affine_matrix", (list, tuple, np.ndarray),
                                 where), ((3, 3), (2, 3)), f"{where}affine_matrix")
    if matrix.shape == (2, 3):      # older faceswap wrote 2x3
        matrix = np.concatenate([matrix, np.array([[0, 0, 1]], np.float32)])
    matrix.setflags(write=False)
    mask = np.frombuffer(raw, dtype=np.uint8).reshape(size, size)
    return StoredMask(name, mask, matrix, _field(path, entry, "interpolator", int, where),
                      size, centering)
