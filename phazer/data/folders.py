"""Find the usable face images in a folder, before any model is built (TensorFlow-free).

A face folder holds aligned, square face crops as PNG or JPEG files (faceswap's extraction
output, or :mod:`phazer.data.synthetic`'s). :func:`scan_faces` decodes every file named like
an image (:func:`phazer.data.images.read_face`) and keeps those that decode completely; the
others are skipped with the reason, so one bad file never stops a long training run halfway.
:func:`skipped_lines` gives the log one warning line per skipped file and a count. A folder
that is missing, empty or has too few usable images raises :class:`DataError` with a one-line
message and a hint.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from phazer.data.images import FaceFileError, FaceInfo, read_face

IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg")
DEFAULT_MIN_IMAGES = 8
LISTED_SKIPS = 20       # skipped files named one per line in the log; the rest are counted
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


class SkippedFile(NamedTuple):
    """A file named like an image that cannot be used.

    Attributes:
        path: the file.
        reason: what is wrong with it (and how to fix it).
        kind: a short name of the problem, for the count (``"corrupt"``, ``"not square"``...).
    """

    path: Path
    reason: str
    kind: str = ""


@dataclass(frozen=True)
class FaceFolder:
    """The usable images of a face folder.

    Attributes:
        folder: the folder scanned.
        files: the usable images, sorted by name.
        skipped: every file named like an image that cannot be used, sorted by name.
        size: the images' side in px (the most common one when ``expected_size`` was None).
        with_alpha: how many of the usable images have an alpha channel (their mask).
        grey: how many of the usable images are grey (used as grey RGB).
        deep: how many of the usable images have 16 bits per sample (reduced to 8).
        faceswap: the images are faceswap's extracted faces (each carries faceswap's PNG
            header: landmarks and stored masks); False: plain crops (the image is the face,
            its alpha channel the mask). A folder mixing the two is refused by the scan.
    """

    folder: Path
    files: tuple[Path, ...]
    skipped: tuple[SkippedFile, ...] = ()
    size: int = 0
    with_alpha: int = 0
    grey: int = 0
    deep: int = 0
    faceswap: bool = False

    @property
    def kind(self) -> str:
        """``"faceswap faces"`` or ``"plain faces"``, for the run's log."""
        return "faceswap faces" if self.faceswap else "plain faces"

    def __len__(self) -> int:
        return len(self.files)


def _probe(path: Path) -> FaceInfo | SkippedFile:
    """Decode one file completely: what it holds, or why it cannot be used."""
    try:
        return read_face(path, pixels=False)[1]
    except FaceFileError as exc:
        return SkippedFile(path, exc.reason, exc.kind)


def _image_files(folder: Path) -> list[Path]:
    """Every visible entry named like an image (folders and broken links too: they warn)."""
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))


def scan_faces(folder: str | Path, min_images: int = DEFAULT_MIN_IMAGES,
               expected_size: int | None = None, needed_for: str = "") -> FaceFolder:
    """Check a face folder and list its usable images.

    Every ``.png`` / ``.jpg`` / ``.jpeg`` entry directly in the folder is decoded completely
    (a truncated or corrupt file is found here, not mid-training). Unreadable, non-square and
    wrong-size files, and folders or links named like images, are skipped with the reason.
    Other files are ignored.

    Args:
        folder: the folder of aligned face images.
        min_images: the fewest usable images accepted.
        expected_size: if given, images of another size are skipped; otherwise images of any
            size are kept (the training pipeline resizes them) and ``size`` is the most common.
        needed_for: what ``min_images`` are needed for, in the error (e.g. ``"a batch of 16
            per side"``).

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
    try:
        candidates = _image_files(path)
    except OSError as exc:
        raise DataError(f"face folder {path} cannot be listed ({exc.strerror or exc})",
                        "make it readable (chmod +rx) or pass another folder") from None
    if not candidates:
        raise DataError(f"face folder {path} holds no png or jpg images",
                        "point at the folder of extracted faces (faceswap's extract output)")
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        probes = list(pool.map(_probe, candidates))
    good = [(p, info) for p, info in zip(candidates, probes, strict=True)
            if isinstance(info, FaceInfo)]
    skipped = [info for info in probes if isinstance(info, SkippedFile)]
    if expected_size is not None:
        skipped += [SkippedFile(p, f"{info.size} px, expected {expected_size} px",
                                "wrong size") for p, info in good if info.size != expected_size]
        good = [(p, info) for p, info in good if info.size == expected_size]
        size = expected_size
    else:
        sizes = Counter(info.size for _, info in good)
        size = sizes.most_common(1)[0][0] if sizes else 0
    skipped.sort(key=lambda item: item.path.name)
    infos = [info for _, info in good]
    faces = FaceFolder(path, tuple(p for p, _ in good), tuple(skipped), size,
                       sum(i.alpha for i in infos), sum(i.grey for i in infos),
                       sum(i.deep for i in infos), _one_kind(path, good))
    require_faces(faces, min_images, needed_for)
    return faces


def _one_kind(folder: Path, good: list[tuple[Path, FaceInfo]]) -> bool:
    """Whether the folder holds faceswap faces; a mix of the two kinds is refused."""
    marked = [p for p, info in good if info.faceswap]
    if not marked or len(marked) == len(good):
        return bool(marked)
    plain = next(p for p, info in good if not info.faceswap)
    raise DataError(
        f"face folder {folder} mixes faceswap's extracted faces ({len(marked)}, e.g. "
        f"{marked[0].name}) with plain images without faceswap's header "
        f"({len(good) - len(marked)}, e.g. {plain.name}); the two are cropped differently",
        "keep one kind per folder: move the plain images out, or re-extract them with "
        "faceswap")


def require_faces(face_folder: FaceFolder, min_images: int, needed_for: str = "") -> None:
    """Refuse a scanned folder with fewer than ``min_images`` usable images.

    Args:
        face_folder: the scan's result.
        min_images: the fewest usable images accepted.
        needed_for: what they are needed for, in the error (e.g. ``"a batch of 16 per
            side"``).

    Raises:
        DataError: too few usable images; the message names the first skipped file.
    """
    count, skipped = len(face_folder.files), face_folder.skipped
    if count >= min_images:
        return
    why = f"; {len(skipped)} skipped, e.g. {skipped[0].path.name}: {skipped[0].reason}" \
        if skipped else ""
    purpose = f" for {needed_for}" if needed_for else ""
    raise DataError(f"face folder {face_folder.folder} has {count} usable image"
                    f"{'' if count == 1 else 's'}, fewer than the {min_images} "
                    f"needed{purpose}{why}",
                    "add more aligned faces (faceswap suggests 1,000 to 10,000 per side)"
                    + (" or lower --batch-size" if "batch" in needed_for else ""))


def skipped_summary(face_folder: FaceFolder) -> str:
    """The count line of the log: how many files were skipped, by kind ("" if none)."""
    if not face_folder.skipped:
        return ""
    kinds = Counter(item.kind or "unusable" for item in face_folder.skipped)
    shown = ", ".join(f"{count} {kind}" for kind, count in kinds.most_common())
    total = len(face_folder.skipped) + len(face_folder.files)
    return (f"{face_folder.folder}: skipped {len(face_folder.skipped)} of {total} images "
            f"({shown})")


def skipped_lines(face_folder: FaceFolder, limit: int = LISTED_SKIPS) -> list[str]:
    """The warnings of a scan: one line per skipped file (up to ``limit``), then the count."""
    if not face_folder.skipped:
        return []
    lines = [f"{item.path}: {item.reason}" for item in face_folder.skipped[:limit]]
    more = len(face_folder.skipped) - limit
    if more > 0:
        lines.append(f"{face_folder.folder}: {more} more skipped file"
                     f"{'' if more == 1 else 's'} not listed")
    return [*lines, skipped_summary(face_folder)]


def conversion_note(face_folder: FaceFolder) -> str:
    """A note on images used after a conversion (grey, 16-bit), "" if none."""
    parts = []
    if face_folder.grey:
        parts.append(f"{face_folder.grey} grey image{'s are' if face_folder.grey > 1 else ' is'}"
                     " used as grey RGB")
    if face_folder.deep:
        parts.append(f"{face_folder.deep} 16-bit image{'s are' if face_folder.deep > 1 else ' is'}"
                     " reduced to 8 bits per channel")
    return f"{face_folder.folder}: {'; '.join(parts)}" if parts else ""
