"""Which face folder feeds which side of the model, and scanning them before training.

``phazer train`` takes ``--input-a`` / ``--input-b`` (faceswap's two sides) and
``--input SIDE=DIR`` for any side of a graph-form model; :func:`match_inputs` pairs them with
the model's sides and says what is missing or extra, and :func:`scan_sides` checks that each
folder holds enough usable faces, before TensorFlow builds anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from phazer.data.folders import (
    DEFAULT_MIN_IMAGES,
    DataError,
    FaceFolder,
    require_faces,
    scan_faces,
)
from phazer.train.precheck import TrainInputError


def side_inputs(input_a: str | Path | None, input_b: str | Path | None,
                inputs: Sequence[tuple[str, str | Path]]) -> list[tuple[str, Path]]:
    """Every (side, folder) pair asked for: ``--input-a`` / ``--input-b``, then ``--input``."""
    pairs = [(side, Path(folder)) for side, folder in
             (("a", input_a), ("b", input_b)) if folder is not None]
    return pairs + [(side, Path(folder)) for side, folder in inputs]


def match_inputs(given: Sequence[tuple[str, Path]], sides: Sequence[str]) -> dict[str, Path]:
    """Each side of the model with its face folder, in the model's side order.

    Raises:
        TrainInputError: a side the model does not have, a side given twice, or a side of
            the model without a folder.
    """
    listed = ", ".join(sides)
    flags = " ".join(f"--input {side}=DIR" for side in sides)
    folders: dict[str, Path] = {}
    for side, folder in given:
        if side not in sides:
            raise TrainInputError(f"the model has no side {side!r}; its sides are {listed}",
                                  f"give one face folder per side: {flags}")
        if side in folders:
            raise TrainInputError(f"side {side} is given twice ({folders[side]} and {folder})",
                                  "give each side one face folder (--input-a is --input a=, "
                                  "--input-b is --input b=)")
        folders[side] = folder
    missing = [side for side in sides if side not in folders]
    if missing:
        names = ", ".join(missing)
        raise TrainInputError(f"no face folder for side{'s' if len(missing) > 1 else ''} "
                              f"{names}; the model has the sides {listed}",
                              f"give one face folder per side: {flags}")
    return {side: folders[side] for side in sides}


def scan_sides(given: Sequence[tuple[str, Path]], sides: Sequence[str], batch_size: int,
               min_images: int | None = None) -> dict[str, FaceFolder]:
    """Scan the face folder of each side of the model (in the model's side order).

    Every folder is scanned before any is counted, so a missing folder is told first. Each
    side then needs ``min_images`` usable faces; by default (None) 8, and a whole batch of
    distinct faces (as in faceswap).

    Raises:
        TrainInputError: see :func:`match_inputs`; a folder missing or with too few faces.
    """
    folders_given = match_inputs(given, sides)
    need, needed_for = min_images, ""
    if need is None:
        need = max(DEFAULT_MIN_IMAGES, batch_size)
        needed_for = f"a batch of {batch_size} per side" if batch_size > DEFAULT_MIN_IMAGES \
            else ""
    folders = {}
    try:
        for side, folder in folders_given.items():
            folders[side] = scan_faces(folder, min_images=0)
        for side in folders:
            require_faces(folders[side], need, needed_for)
    except DataError as exc:
        raise TrainInputError(f"side {side.upper()}: {exc.message}", exc.hint) from None
    return folders
