"""``phazer faces SPEC --input SIDE=DIR ... -o OUT``: the training samples of face folders.

Shows what a model would be trained on, before training: each face cut and resized as the
spec's ``training:`` section says (faceswap's centering, coverage and vertical offset for
faceswap's extracted faces; the image itself for plain faces) with the masks the loss and the
mask output use. ``OUT.npz`` holds one ``uint8 [N, N, 3 + k]`` array per face (R, G, B, then
the face, eye and mouth masks), keyed ``<side>/<file name>``; ``OUT.png`` or a folder gets a
contact sheet per side with the masks outlined. No TensorFlow.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from phazer.cli.common import add_set_option, positive_int, print_issues, stderr_console
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.cli.train import side_folder

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import BinaryIO

    import numpy as np
    from rich.console import Console

    from phazer.data.faceswap_sample import SampleSettings
    from phazer.data.folders import FaceFolder
    from phazer.spec.training import TrainingSpec

SHEET_FACES = 64
"""Faces per side a contact sheet shows unless ``--limit`` says otherwise."""


class FacesError(Exception):
    """Something the user can fix: one line, and a hint."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "faces", help="write the training samples of face folders (crops and masks) as "
                      ".npz or contact sheets",
        description="Cut the faces of each side's folder as training will (faceswap's "
                    "extracted faces at training.centering, coverage and vertical_offset; "
                    "plain images at the coverage) and make the masks the loss and the mask "
                    "output use (training.mask_type, eye and mouth masks). OUT.npz: one uint8 "
                    "array per face, key SIDE/FILE, channels R, G, B then the face, eye and "
                    "mouth masks; OUT.png or a folder: a contact sheet per side with the masks "
                    "outlined (face green, eyes cyan, mouth magenta).")
    parser.add_argument("spec", metavar="SPEC", help="spec file or built-in preset name")
    parser.add_argument("--input", dest="inputs", action="append", type=side_folder,
                        default=[], metavar="SIDE=DIR",
                        help="a side's face folder, e.g. --input a=faces_a/ (repeatable)")
    parser.add_argument("--input-a", type=Path, metavar="DIR", help="the same as --input a=DIR")
    parser.add_argument("--input-b", type=Path, metavar="DIR", help="the same as --input b=DIR")
    parser.add_argument("--size", type=positive_int, metavar="N",
                        help="sample side in px (default: the model's largest input or "
                             "output size, what training uses)")
    add_set_option(parser)
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUT",
                        help="OUT.npz (the arrays), OUT.png or a folder (contact sheets)")
    parser.add_argument("--limit", type=positive_int, metavar="N",
                        help=f"the first N faces of each side (default: all in .npz, "
                             f"{SHEET_FACES} on a contact sheet)")
    parser.set_defaults(func=run)


@dataclass(frozen=True)
class _Side:
    """One side's folder, settings and samples."""

    name: str
    folder: FaceFolder
    settings: SampleSettings
    samples: dict[str, np.ndarray]


def run(args: argparse.Namespace) -> int:
    """Write the samples; 0 on success, 1 on input the user can fix."""
    errors = stderr_console()
    try:
        kind = _output_kind(args.output)
        training, sides, size, learn_mask = _load(args, errors)
        done = [_side(name, folder, training, size, learn_mask, args.limit, kind)
                for name, folder in _inputs(args, sides)]
        written = _write(args.output, kind, done)
    except FacesError as exc:
        errors.print(f"phazer faces: error: {exc.message}", markup=False, highlight=False)
        if exc.hint:
            errors.print(f"  hint: {exc.hint}", markup=False, highlight=False)
        return EXIT_INVALID
    counts = ", ".join(f"{len(side.samples)} of side {side.name}" for side in done)
    print(f"wrote {', '.join(str(path) for path in written)}: {counts} ({size} px)")
    return EXIT_OK


def _output_kind(output: Path) -> str:
    suffix = output.suffix.lower()
    if suffix in (".npz", ".png"):
        return suffix[1:]
    if not suffix or output.is_dir():
        return "folder"
    raise FacesError(f"-o {output}: expected a .npz file, a .png file or a folder",
                     "name the output OUT.npz for the arrays, OUT.png or a folder for the "
                     "contact sheets")


def _load(args: argparse.Namespace, errors: Console
          ) -> tuple[TrainingSpec, tuple[str, ...], int, bool]:
    """The spec's training section, sides, sample size and whether it learns a mask."""
    from phazer.pipeline.summary import summarize
    from phazer.sides import is_mask_out

    summary = summarize(args.spec, list(args.overrides))
    if not summary.ok or summary.report.loaded is None:
        count = sum(issue.severity == "error" for issue in summary.issues)
        print_issues(errors, summary.issues)
        raise FacesError(f"the spec {args.spec} is not valid ({count} error"
                         f"{'' if count == 1 else 's'})")
    figures = summary.figures
    sizes = [int(figures.side_inputs[side][0]) for side in figures.sides]
    sizes += [int(figures.face_output(side)[0]) for side in figures.sides]
    learn_mask = any(is_mask_out(name) for outputs in figures.side_outputs.values()
                     for name in outputs)
    return (summary.report.loaded.spec.training, tuple(figures.sides),
            args.size or max(sizes), learn_mask)


def _inputs(args: argparse.Namespace, sides: tuple[str, ...]) -> list[tuple[str, Path]]:
    given = [(side, folder) for side, folder in (("a", args.input_a), ("b", args.input_b))
             if folder is not None] + list(args.inputs)
    flags = " ".join(f"--input {side}=DIR" for side in sides)
    if not given:
        raise FacesError("no face folder given", f"give one per side to show: {flags}")
    seen: dict[str, Path] = {}
    for side, folder in given:
        if side not in sides:
            raise FacesError(f"the model has no side {side!r}; its sides are "
                             f"{', '.join(sides)}", f"give face folders as {flags}")
        if side in seen:
            raise FacesError(f"side {side} is given twice ({seen[side]} and {folder})",
                             "give each side one face folder")
        seen[side] = folder
    return given


def _side(name: str, path: Path, training: TrainingSpec, size: int, learn_mask: bool,
          limit: int | None, kind: str) -> _Side:
    """Scan one side's folder, make its settings and samples, and say what it holds."""
    from phazer.data.faceswap_sample import SampleSettings, channel_names
    from phazer.data.folders import DataError, scan_faces, skipped_lines

    try:
        folder = scan_faces(path, min_images=1)
        settings = SampleSettings.from_training(training, size, learn_mask,
                                                faceswap=folder.faceswap)
    except DataError as exc:
        raise FacesError(f"side {name}: {exc.message}", exc.hint) from None
    for line in skipped_lines(folder):
        print(f"warning: {line}")
    print(f"side {name}: {_describe(folder, settings)}; channels "
          f"{', '.join(channel_names(settings))}")
    count = limit or (SHEET_FACES if kind != "npz" else None)
    samples = _samples(name, folder, settings, count)
    if not samples:
        raise FacesError(f"side {name}: no face of {path} could be read",
                         "see the warnings above")
    return _Side(name, folder, settings, samples)


def _describe(folder: FaceFolder, settings: SampleSettings) -> str:
    """What kind of folder it is, how it is cut and which mask is used."""
    files = f"{len(folder)} face{'' if len(folder) == 1 else 's'}"
    if folder.faceswap:
        crop = f"{settings.centering} centering, coverage {settings.coverage:g}%"
        if settings.vertical_offset:
            crop += f", vertical offset {settings.vertical_offset:g}%"
        head = f"{folder.folder} holds faceswap faces ({files}): {crop}"
    else:
        head = (f"{folder.folder} holds plain faces ({files}, no faceswap header): the image "
                f"is the crop, coverage {settings.coverage:g}%")
    if not settings.face_mask:
        return f"{head}; no face mask (mask_type {settings.mask_type}, not used by the loss)"
    mask = f"{head}; mask {settings.mask_type}"
    if not folder.faceswap:
        mask += (f" ({folder.with_alpha} of {len(folder)} have an alpha channel; the others "
                 "count fully)")
    return mask


def _samples(name: str, folder: FaceFolder, settings: SampleSettings, count: int | None
             ) -> dict[str, np.ndarray]:
    from phazer.data.faceswap_header import read_faceswap_header
    from phazer.data.faceswap_sample import MissingMaskError, make_sample
    from phazer.data.images import FaceFileError, read_face

    samples = {}
    for path in folder.files[:count]:
        try:
            image, _ = read_face(path)
            header = read_faceswap_header(path) if folder.faceswap else None
            samples[path.name] = make_sample(image, header, settings, path)
        except MissingMaskError as exc:
            raise FacesError(f"side {name}: {exc}") from None
        except FaceFileError as exc:
            print(f"warning: {exc}; skipped")
    return samples


def _write(output: Path, kind: str, sides: list[_Side]) -> list[Path]:
    """Write the arrays or the contact sheets; the paths written."""
    if kind == "npz":
        import numpy as np

        arrays = {f"{side.name}/{key}": sample for side in sides
                  for key, sample in side.samples.items()}
        _atomic(output, lambda stream: np.savez_compressed(stream, **arrays))
        return [output]
    from PIL import Image

    from phazer.data.contact_sheet import contact_sheet

    written = []
    for side in sides:
        if kind == "folder":
            path = output / f"{side.name}.png"
        else:
            path = output if len(sides) == 1 else output.with_name(
                f"{output.stem}_{side.name}{output.suffix}")
        sheet = contact_sheet(list(side.samples.values()), side.settings.masks)
        _atomic(path, lambda stream, sheet=sheet: Image.fromarray(sheet).save(stream, "PNG"))
        written.append(path)
    return written


def _atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a file through a temporary one beside it, so a failure leaves no half file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                write(stream)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError as exc:
        raise FacesError(f"cannot write {path} ({exc.strerror or exc})",
                         "check the folder exists and is writable, and the disk has room") \
            from None
