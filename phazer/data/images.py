"""Read one face image file, or say in one line why it cannot be used (TensorFlow-free).

Every place phazer reads a face goes through :func:`read_face`: the folder scan before
training, the training pipeline itself, previews and ``phazer swap``. So a file the scan
accepts decodes the same way later, and a file that breaks later (deleted, truncated,
replaced) fails with the same kind of reason, never with a decoder's stack trace.

What is accepted, as faceswap (OpenCV's ``imread``) reads it:

- PNG and JPEG data, whatever the file is named; RGB, RGBA, palette and grey images;
- grey images become grey RGB (the three channels equal);
- 16-bit PNGs are reduced to 8 bits per channel (the high byte of each sample);
- an alpha channel (RGBA, grey + alpha, a palette with transparency) is the mask.

Refused, each with a :class:`FaceFileError` naming the kind of problem: folders and other
non-files named like images, broken links, unreadable (permission) and empty files, data
that is not an image, other formats (GIF, WebP, ...), CMYK JPEGs, truncated or corrupt data,
images too large to decode safely, and non-square images (aligned faces are square).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG"}  # MPO: a JPEG with extra frames
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N"})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FACESWAP_CHUNK = "faceswap"   # the keyword of the PNG text chunk faceswap's extract writes
_WIDE_GREY = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})


class FaceFileError(Exception):
    """One face file cannot be used.

    Attributes:
        path: the file.
        kind: a short name for the problem, for counts (``"empty"``, ``"corrupt"``, ...).
        reason: what is wrong, with how to fix it where that is not obvious.
    """

    def __init__(self, path: Path, kind: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class FaceInfo:
    """What :func:`read_face` found out about a usable face file.

    Attributes:
        size: the side (px) of the square image.
        alpha: it has an alpha channel (its mask).
        grey: it is a grey image (used as grey RGB).
        deep: it has 16 bits per sample (reduced to 8).
        faceswap: it carries faceswap's PNG header (a ``faceswap`` text chunk: landmarks and
            stored masks, :mod:`phazer.data.faceswap_header`): an extracted, head-centred face.
    """

    size: int
    alpha: bool = False
    grey: bool = False
    deep: bool = False
    faceswap: bool = False


def _check_file(path: Path) -> None:
    """Refuse what is not a readable, non-empty regular file, before opening it."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if path.is_symlink():
            raise FaceFileError(path, "broken link", "a symbolic link to a file that does "
                                "not exist") from None
        raise FaceFileError(path, "missing", "no longer exists (deleted or moved)") from None
    except OSError as exc:
        raise FaceFileError(path, "unreadable",
                            f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise FaceFileError(path, "folder", "a folder named like an image, not an image "
                            "file; rename it or move it out of the face folder")
    if not stat.S_ISREG(info.st_mode):
        raise FaceFileError(path, "not a file", "not a regular file (a device, socket or "
                            "pipe named like an image)")
    if info.st_size == 0:
        raise FaceFileError(path, "empty", "an empty file (0 bytes); re-extract it or "
                            "remove it")


def _signature(path: Path) -> str:
    """``PNG`` or ``JPEG`` when the file starts like one (a cut-off file), else ""."""
    try:
        with path.open("rb") as stream:
            start = stream.read(8)
    except OSError:
        return ""
    if start.startswith(_PNG_SIGNATURE):
        return "PNG"
    return "JPEG" if start.startswith(b"\xff\xd8\xff") else ""


def _deep(image: Image.Image) -> bool:
    """Whether the file stores 16 bits per sample (Pillow reads 16-bit RGB(A) as 8-bit)."""
    return image.mode in _WIDE_GREY or any(
        isinstance(tile.args, str) and ";16" in tile.args for tile in image.tile)


def _grey_to_8bit(image: Image.Image) -> Image.Image:
    """A 16-bit (or 32-bit integer) grey image as 8-bit grey: the high byte of each sample."""
    values = np.asarray(image, dtype=np.uint32) >> 8
    return Image.fromarray(np.minimum(values, 255).astype(np.uint8), "L")


def _open(path: Path, pixels: bool) -> tuple[np.ndarray | None, FaceInfo]:
    with Image.open(path) as image:
        fmt = _FORMATS.get(image.format or "")
        if fmt is None:
            raise FaceFileError(path, "other format", f"{image.format} data, not PNG or "
                                "JPEG; convert it to PNG")
        if image.mode == "CMYK":
            raise FaceFileError(path, "CMYK", "a CMYK JPEG; save it as RGB")
        deep = _deep(image)
        image.load()
        width, height = image.size
        mode = image.mode
        alpha = mode in _ALPHA_MODES or (mode in ("P", "PA") and "transparency" in image.info)
        if width != height:
            raise FaceFileError(path, "not square", f"not square ({width}x{height} px); "
                                "aligned faces are square")
        info = FaceInfo(width, alpha, mode in _GREY_MODES, deep, FACESWAP_CHUNK in image.info)
        if not pixels:
            return None, info
        source = _grey_to_8bit(image) if mode in _WIDE_GREY else image
        return np.asarray(source.convert("RGBA")), info


def read_face(path: str | Path, pixels: bool = True) -> tuple[np.ndarray | None, FaceInfo]:
    """Decode one face file completely.

    Args:
        path: the image file.
        pixels: return the pixels; False only checks the file (the scan before training).

    Returns:
        ``uint8 [size, size, 4]`` RGBA pixels (opaque alpha without an alpha channel; None
        when ``pixels`` is False) and what was found out about the file.

    Raises:
        FaceFileError: the file cannot be used; its ``reason`` says why.
    """
    path = Path(path)
    _check_file(path)
    try:
        return _open(path, pixels)
    except FaceFileError:
        raise
    except FileNotFoundError:
        raise FaceFileError(path, "missing", "no longer exists (deleted or moved)") from None
    except PermissionError:
        raise FaceFileError(path, "unreadable", "cannot be read (permission denied); make "
                            "it readable (chmod +r) or remove it") from None
    except UnidentifiedImageError:
        start = _signature(path)
        if start:
            raise FaceFileError(path, "corrupt", f"truncated or corrupt ({start} data that "
                                "cannot be decoded); re-extract it or remove it") from None
        raise FaceFileError(path, "not an image", "not an image: neither PNG nor JPEG data "
                            "(a text or other file named like an image?)") from None
    except Image.DecompressionBombError:
        raise FaceFileError(path, "too large", "too large to decode safely") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise FaceFileError(path, "corrupt", f"truncated or corrupt ({exc}); re-extract it "
                            "or remove it") from None
