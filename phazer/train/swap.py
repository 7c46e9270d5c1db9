"""``phazer swap``: run a trained model over a folder of aligned faces.

Each face goes through the path of side ``to``: with ``to="b"`` an A face comes out as B in
the same pose and expression (with more sides, a face of any side goes to ``to``). One PNG is
written per input image, under the same name with a ``.png`` suffix, at the model's output
size; when the model learnt a mask, it is the PNG's alpha channel. Inputs are cropped to the
model's ``training.coverage`` exactly as in training, so the output shows that central crop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from phazer.compiler import compile_model_ir
from phazer.data.folders import DataError, scan_faces
from phazer.data.pipeline import load_faces
from phazer.sides import face_out, face_sides, mask_out, other_side
from phazer.spec import ModelSpec
from phazer.spec.models import without_pretrained
from phazer.train.build import build_model
from phazer.train.modeldir import ModelDir, ModelDirError
from phazer.train.previews import predict_both

SWAP_BATCH = 16


class SwapError(Exception):
    """The swap cannot run; ``message`` says why and ``hint`` how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class SwapResult:
    """The files written and the inputs skipped (with the reason)."""

    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def load_trained(model_dir: str | Path) -> tuple[keras.Model, ModelSpec]:
    """The model saved in a model dir, with its last weights, and its spec.

    Raises:
        SwapError: not a model dir, or it has no saved weights yet.
    """
    folder = ModelDir(model_dir)
    try:
        if not folder.has_weights():
            raise ModelDirError(f"{folder.path} holds no trained model (no saved weights)")
        spec = folder.read_spec()
    except ModelDirError as exc:
        raise SwapError(str(exc), "pass the --model-dir of a `phazer train` run") from None
    model = build_model(compile_model_ir(without_pretrained(spec)))
    model.load_weights(folder.weights)
    return model, spec


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


def swap_folder(model_dir: str | Path, input_dir: str | Path, output_dir: str | Path,
                to: str | None = None, progress: Callable[[int, int], None] | None = None
                ) -> SwapResult:
    """Swap every usable face of a folder to side ``to`` and write the results.

    Args:
        model_dir: a trained model dir.
        input_dir: aligned faces (png / jpg) of the other side.
        output_dir: where the PNGs go (created); must not be the input folder.
        to: the side to swap to (any side of the model); None swaps to the side after the
            model's first (``b`` for sides ``a``, ``b``).
        progress: called with (done, total) after each batch.

    Raises:
        SwapError: the folders or the model cannot be used.
    """
    source, target = Path(input_dir), Path(output_dir)
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        raise SwapError(f"the output folder {target} is the input folder",
                        "write the swapped faces to another folder")
    if target.exists() and not target.is_dir():
        raise SwapError(f"the output {target} is a file", "pass a folder")
    try:
        faces = scan_faces(source, min_images=1)
    except DataError as exc:
        raise SwapError(exc.message, exc.hint) from None
    model, spec = load_trained(model_dir)
    sides = face_sides(str(n) for n in model.output_names)
    if to is None:
        to = other_side(sides[0], sides)
    if to not in sides:
        raise SwapError(f"the model has no side {to!r}; its sides are {', '.join(sides)}",
                        f"pass --to {' or --to '.join(sides)}")
    face_output = face_out(to)
    input_size = int(model.inputs[0].shape[1])
    target.mkdir(parents=True, exist_ok=True)
    names = output_names(list(faces.files))
    result = SwapResult(skipped=list(faces.skipped))
    files = list(faces.files)
    for start in range(0, len(files), SWAP_BATCH):
        chunk = files[start:start + SWAP_BATCH]
        outputs = predict_both(model, load_faces(chunk, input_size, spec.training.coverage))
        images = outputs[face_output]
        mask = outputs.get(mask_out(to))
        if mask is not None:
            images = np.concatenate([images, mask], axis=-1)
        for path, image in zip(chunk, images, strict=True):
            pixels = np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
            out = target / names[path]
            Image.fromarray(pixels, "RGBA" if pixels.shape[-1] == 4 else "RGB").save(out)
            result.written.append(out)
        if progress is not None:
            progress(min(start + SWAP_BATCH, len(files)), len(files))
    return result
