"""The files of ``phazer swap``: checked before any model is built, written atomically.

TensorFlow-free, so every problem with the folders or the model dir is reported in a moment:
:func:`plan_swap` checks the input folder (its faces scanned, bad ones skipped with the
reason), the model dir (a phazer model dir with saved weights and a valid ``spec.yaml``) and
the output folder (not the input folder, created if needed, writable), in that order.
:func:`write_png` writes each output through a temporary file renamed into place, so a
failure (a full disk, a kill) never leaves a half-written PNG under an output's name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from phazer.compiler import compile_model_ir
from phazer.data.folders import DataError, FaceFolder, scan_faces
from phazer.ir.model import ModelIR
from phazer.issues import SpecError
from phazer.sides import other_side
from phazer.spec import ModelSpec
from phazer.train.modeldir import (
    BACKUP_DIR,
    SPEC_FILE,
    STATE_FILE,
    WEIGHTS_FILE,
    ModelDir,
    ModelDirError,
)
from phazer.train.swap_route import SwapRouteError, default_source, swap_route

TEMP_SUFFIX = ".phazer-tmp"   # temporary files of write_png; a killed swap may leave one


class SwapError(Exception):
    """The swap cannot run; ``message`` says why and ``hint`` how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class SwapPlan:
    """What a swap reads and where it writes, every part checked.

    Attributes:
        model_dir: the trained model's dir.
        spec: its resolved spec.
        model: the model's IR (built from ``spec``, pretrained weights left out).
        to: the side the faces are swapped to.
        source: the side the faces are of: they go through its path up to where its route
            joins side ``to``'s (:mod:`phazer.train.swap_route`).
        faces: the usable faces of the input folder (and those skipped).
        target: the output folder (it exists now).
        created: the output folder was created by :func:`plan_swap` (removed again by
            :func:`discard_output` when nothing is written into it).
        color_order: the colour order the model's weights take faces in (its
            ``state.json``'s, :mod:`phazer.model_colour`).
    """

    model_dir: ModelDir
    spec: ModelSpec
    model: ModelIR
    to: str
    faces: FaceFolder
    target: Path
    created: bool = False
    source: str = ""
    color_order: str = "rgb"


def read_model_dir(model_dir: str | Path) -> tuple[ModelDir, ModelSpec]:
    """The model dir and its spec, if it holds a saved model.

    Raises:
        SwapError: missing, not a model dir, no saved weights or no valid spec.
    """
    folder = ModelDir(model_dir)
    path = folder.path
    how = "pass the --model-dir of a `phazer train` run"
    if not path.exists():
        raise SwapError(f"model dir {path} does not exist (no trained model there)", how)
    if not path.is_dir():
        raise SwapError(f"model dir {path} is a file, not a folder", how)
    try:
        if not folder.is_model():
            raise SwapError(f"{path} is not a phazer model dir ({STATE_FILE} is missing)", how)
        if not folder.weights.is_file():
            raise SwapError(f"{path} holds no trained model ({WEIGHTS_FILE} is missing: "
                            "no save yet, or the file was removed)",
                            f"train it first, or restore {WEIGHTS_FILE} together with "
                            f"{SPEC_FILE} from {path / BACKUP_DIR} or a snapshot")
        return folder, folder.read_spec()
    except ModelDirError as exc:
        raise SwapError(str(exc), f"restore {SPEC_FILE} from {path / BACKUP_DIR} or a "
                        "snapshot of the same save") from None
    except OSError as exc:
        raise SwapError(f"model dir {path} cannot be read ({exc.strerror or exc})",
                        "check its permissions") from None


def model_color_order(folder: ModelDir) -> str:
    """The colour order a model dir's weights take faces in (its ``state.json``'s).

    Raises:
        SwapError: ``state.json`` cannot be read.
    """
    try:
        return folder.read_state().color_order
    except ModelDirError as exc:
        raise SwapError(str(exc), f"restore {STATE_FILE} from {folder.path / BACKUP_DIR} or "
                        "a snapshot of the same save") from None


def _prepare_output(target: Path) -> bool:
    """Make sure the output folder can take the swapped faces; True if it was created.

    Raises:
        SwapError: it is a file, or cannot be created or written to.
    """
    if target.exists() and not target.is_dir():
        raise SwapError(f"the output {target} is a file, not a folder",
                        "pass a folder (it is created when missing)")
    how = "pass an --output folder you can write to"
    created = not target.exists()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SwapError(f"the output folder {target} cannot be created "
                        f"({exc.strerror or exc})", how) from None
    try:
        with tempfile.NamedTemporaryFile(dir=target, prefix=".write-test-",
                                         suffix=TEMP_SUFFIX):
            pass
    except OSError as exc:
        if created:
            discard_output(target)
        raise SwapError(f"the output folder {target} cannot be written to "
                        f"({exc.strerror or exc})", how) from None
    for stale in target.glob(f".*{TEMP_SUFFIX}"):   # left by a killed swap
        with contextlib.suppress(OSError):
            stale.unlink()
    return created


def _model_ir(folder: ModelDir, spec: ModelSpec) -> ModelIR:
    try:
        return compile_model_ir(spec).without_pretrained()
    except SpecError as exc:
        errors = [i for i in exc.issues if i.severity == "error"] or list(exc.issues)
        first = f"{errors[0].path}: {errors[0].message}" if errors else str(exc)
        raise SwapError(f"the model of {folder.file(SPEC_FILE)} cannot be built: {first}",
                        f"restore {SPEC_FILE} from {folder.path / BACKUP_DIR} or a snapshot "
                        "of the same save") from None


def _side(model: ModelIR, to: str | None, flag: str = "--to") -> str:
    sides = tuple(model.sides)
    side = to or other_side(sides[0], sides)
    if side not in sides:
        raise SwapError(f"the model has no side {side!r}; its sides are {', '.join(sides)}",
                        f"pass {flag} {f' or {flag} '.join(sides)}")
    return side


def _source(model: ModelIR, to: str, source: str | None) -> str:
    """The side the faces are of (default: the side before ``to``), its route checked."""
    side = _side(model, source or default_source(to, model.sides), "--from")
    try:
        swap_route(model, side, to)
    except SwapRouteError as exc:
        raise SwapError(str(exc), "swap to another side, or from another side (--from)"
                        ) from None
    return side


def plan_swap(model_dir: str | Path, input_dir: str | Path, output_dir: str | Path,
              to: str | None = None, source: str | None = None) -> SwapPlan:
    """Check everything a swap needs, before any model is built (no TensorFlow).

    Args:
        model_dir: a trained model dir.
        input_dir: the folder of aligned faces.
        output_dir: where the PNGs go (created when missing; not the input folder).
        to: the side to swap to; None: the side after the model's first.
        source: the side the faces are of; None: the side before ``to`` (with two sides,
            the other one).

    Raises:
        SwapError: the input folder, the model dir, the side or the output folder cannot be
            used.
    """
    folder_in, target = Path(input_dir), Path(output_dir)
    if target.exists() and folder_in.exists() and target.resolve() == folder_in.resolve():
        raise SwapError(f"the output folder {target} is the input folder",
                        "write the swapped faces to another folder")
    try:
        faces = scan_faces(folder_in, min_images=1)
    except DataError as exc:
        raise SwapError(exc.message, exc.hint) from None
    folder, spec = read_model_dir(model_dir)
    order = model_color_order(folder)
    model = _model_ir(folder, spec)
    side = _side(model, to)
    of = _source(model, side, source)
    created = _prepare_output(target)
    return SwapPlan(folder, spec, model, side, faces, target, created, of, order)


def discard_output(target: Path) -> None:
    """Remove an output folder the swap created, if nothing was written into it."""
    with contextlib.suppress(OSError):
        target.rmdir()


def output_names(files: list[Path]) -> dict[Path, str]:
    """The output file name of each input: the same name with ``.png``.

    When ``a.jpg`` and ``a.png`` are both present they keep their full names (``a.jpg.png``),
    so no output overwrites another.
    """
    stems: dict[str, int] = {}
    for path in files:
        stems[path.stem] = stems.get(path.stem, 0) + 1
    return {path: f"{path.stem}.png" if stems[path.stem] == 1 else f"{path.name}.png"
            for path in files}


def write_png(pixels: np.ndarray, out: Path) -> None:
    """Write ``uint8 [H, W, 3|4]`` pixels as the PNG ``out``, atomically.

    The image goes to a hidden temporary file next to ``out``, which is renamed over ``out``
    once complete; on any failure the temporary file is removed and ``out`` is untouched.

    Raises:
        SwapError: the file cannot be written (with the reason, e.g. no space left).
    """
    mode = "RGBA" if pixels.shape[-1] == 4 else "RGB"
    handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=TEMP_SUFFIX)
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            Image.fromarray(pixels, mode).save(stream, format="PNG")
        os.replace(temp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise SwapError(f"cannot write {out} ({exc.strerror or exc})",
                        "free some disk space or pass another --output; the faces written "
                        "before it are complete") from None
