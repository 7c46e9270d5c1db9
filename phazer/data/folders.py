"""Find the usable face images in a folder, before any model is built (TensorFlow-free).

A face folder holds aligned, square face crops as PNG or JPEG files (faceswap's extraction
output, or :mod:`phazer.data.synthetic`'s). :func:`scan_faces` opens every file with Pillow and
keeps those that decode completely; the others are skipped with the reason, so one bad file
never stops a long training run halfway. A folder that is missing, empty or has too few usable
images raises :class:`DataError` with a one-line message and a hint.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg")
DEFAULT_MIN_IMAGES = 8
_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG"}  # MPO: a JPEG with extra frames
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_THREADS = 4


class DataError(Exception):
    """A face folder cannot be used for training.

    Attributes:
        message: one line saying what is wrong (with the folder).
        hint: one line saying how to fix it.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


@dataclass(frozen=True)
class FaceFolder:
    """The usable images of a face folder.

    Attributes:
        folder: the folder scanned.
        files: the usable images, sorted by name.
        skipped: ``(path, reason)`` for every image file that cannot be used.
        size: the images' side in px (the most common one when ``expected_size`` was None).
        with_alpha: how many of the usable images have an alpha channel (their mask).
    """

    folder: Path
    files: tuple[Path, ...]
    skipped: tuple[tuple[Path, str], ...] = ()
    size: int = 0
    with_alpha: int = 0

    def __len__(self) -> int:
        return len(self.files)


@dataclass(frozen=True)
class _Probe:
    path: Path
    size: int = 0
    alpha: bool = False
    reason: str = ""


def _probe(path: Path) -> _Probe:
    """Decode one file completely and say whether (and why not) it is a usable face."""
    try:
        with Image.open(path) as image:
            fmt = _FORMATS.get(image.format or "")
            if fmt is None:
                return _Probe(path, reason=f"not a PNG or JPEG file ({image.format} data)")
            if image.mode == "CMYK":
                return _Probe(path, reason="a CMYK JPEG; save it as RGB")
            image.load()
            width, height = image.size
            alpha = image.mode in _ALPHA_MODES or (
                image.mode == "P" and "transparency" in image.info)
    except UnidentifiedImageError:
        return _Probe(path, reason="not an image Pillow can read (corrupt or another format)")
    except (OSError, ValueError, SyntaxError) as exc:
        return _Probe(path, reason=f"cannot be decoded: {exc}")
    except Image.DecompressionBombError:
        return _Probe(path, reason="too large to decode safely")
    if width != height:
        return _Probe(path, reason=f"not square ({width}x{height} px); aligned faces are square")
    return _Probe(path, size=width, alpha=alpha)


def _image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                  and not p.name.startswith("."))


def scan_faces(folder: str | Path, min_images: int = DEFAULT_MIN_IMAGES,
               expected_size: int | None = None) -> FaceFolder:
    """Check a face folder and list its usable images.

    Every ``.png`` / ``.jpg`` / ``.jpeg`` file directly in the folder is decoded completely
    (a truncated or corrupt file is found here, not mid-training). Unreadable, non-square and
    wrong-size files are skipped with the reason. Other files are ignored.

    Args:
        folder: the folder of aligned face images.
        min_images: the fewest usable images accepted.
        expected_size: if given, images of another size are skipped; otherwise images of any
            size are kept (the training pipeline resizes them) and ``size`` is the most common.

    Returns:
        The usable files and the skipped ones.

    Raises:
        DataError: the folder is missing or not a folder, holds no image files, or fewer than
            ``min_images`` usable ones.
    """
    path = Path(folder)
    if not path.exists():
        raise DataError(f"face folder {path} does not exist",
                        "check the path; it should hold aligned face images (png or jpg)")
    if not path.is_dir():
        raise DataError(f"{path} is a file, not a folder of face images",
                        "pass the folder that holds the images")
    candidates = _image_files(path)
    if not candidates:
        raise DataError(f"face folder {path} holds no png or jpg images",
                        "point at the folder of extracted faces (faceswap's extract output)")
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        probes = list(pool.map(_probe, candidates))
    good = [p for p in probes if not p.reason]
    skipped = [(p.path, p.reason) for p in probes if p.reason]
    sizes = Counter(p.size for p in good)
    if expected_size is not None:
        wrong = [p for p in good if p.size != expected_size]
        skipped += [(p.path, f"{p.size} px, expected {expected_size} px") for p in wrong]
        good = [p for p in good if p.size == expected_size]
        size = expected_size
    else:
        size = sizes.most_common(1)[0][0] if sizes else 0
    skipped.sort(key=lambda item: item[0].name)
    if len(good) < min_images:
        why = f"; {len(skipped)} skipped, e.g. {skipped[0][0].name}: {skipped[0][1]}" \
            if skipped else ""
        raise DataError(f"face folder {path} has {len(good)} usable image"
                        f"{'' if len(good) == 1 else 's'}, fewer than the {min_images} "
                        f"needed{why}",
                        "add more aligned faces (faceswap suggests 1,000 to 10,000 per side)")
    return FaceFolder(path, tuple(p.path for p in good), tuple(skipped), size,
                      sum(p.alpha for p in good))


def skipped_summary(face_folder: FaceFolder, limit: int = 3) -> str:
    """One line for the log: how many files were skipped and why, e.g. for the first few."""
    if not face_folder.skipped:
        return ""
    shown = "; ".join(f"{p.name}: {reason}" for p, reason in face_folder.skipped[:limit])
    more = len(face_folder.skipped) - limit
    tail = f"; and {more} more" if more > 0 else ""
    return (f"{face_folder.folder}: skipped {len(face_folder.skipped)} of "
            f"{len(face_folder.skipped) + len(face_folder.files)} images ({shown}{tail})")
