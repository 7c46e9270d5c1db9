"""``phazer swap``: run a trained model over a folder of aligned faces.

Each face goes to side ``to``: with ``to="b"`` an A face comes out as B in the same pose and
expression (with more sides, a face of any side goes to ``to``). It goes through its own side's
path (``source``, by default the side before ``to``) up to the first sub-model the two routes
share, then through side ``to``'s (:mod:`phazer.train.swap_route`); with a shared encoder that
is side ``to``'s whole route. The face is read at the source side's input size. One PNG is
written per input image, under the same name with a ``.png`` suffix, at side ``to``'s output
size; when the model learnt a mask, it is the PNG's alpha channel. Inputs are cropped to the
model's ``training.coverage`` exactly as in training, so the output shows that central crop.

Everything is checked before the model is built (:func:`phazer.train.swap_files.plan_swap`):
input faces that cannot be used are skipped with the reason, and a model dir whose weights do
not fit its ``spec.yaml`` is refused. Each PNG is written atomically.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from phazer.compiler import compile_model_ir
from phazer.data.face_loading import load_faces
from phazer.data.folders import SkippedFile
from phazer.data.images import FaceFileError
from phazer.sides import face_out, mask_out
from phazer.spec import ModelSpec
from phazer.spec.training import TrainingSpec
from phazer.train.build import build_model
from phazer.train.modeldir import (
    BACKUP_DIR,
    SPEC_FILE,
    UNRECORDED_LAYERS,
    WEIGHTS_FILE,
    ModelDir,
    ModelDirError,
)
from phazer.train.swap_files import (
    SwapError,
    SwapPlan,
    discard_output,
    output_names,
    plan_swap,
    read_model_dir,
    write_png,
)
from phazer.train.swap_models import SwapModels
from phazer.train.weight_format import upgrade_weights

__all__ = ["SwapError", "SwapResult", "load_trained", "output_names", "swap_folder"]

SWAP_BATCH = 16


@dataclass
class SwapResult:
    """The files written and the inputs skipped (with the reason)."""

    written: list[Path] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


def _shape_detail(text: str) -> str:
    """``: <weight> is (1024, 256) in the model, (1024, 128) in the file`` from Keras' error."""
    model = re.search(r"variable\.shape=(\([^)]*\))", text)
    saved = re.search(r"value\.shape=(\([^)]*\))", text)
    name = re.search(r"Variable path=([^,\s]+)", text)
    if not (model and saved):
        return ""
    what = name.group(1) if name else "a weight"
    return f": {what} is {model.group(1)} in the model, {saved.group(1)} in the file"


def _load_weights(model: keras.Model, folder: ModelDir) -> None:
    """Load the saved weights, refusing a file that does not fit the model exactly.

    Keras raises on a weight of another shape, but only warns about layers it finds no
    weights for (the saved model had other layers): both are errors here.

    Raises:
        SwapError: the file cannot be read or does not fit the model of ``spec.yaml``.
    """
    weights, spec_file = folder.weights, folder.file(SPEC_FILE)
    mismatch = (f"the weights in {weights} do not fit the model of {spec_file}",
                f"{SPEC_FILE} was changed after training, or the weights come from another "
                f"model; put back the {SPEC_FILE} they were trained with (e.g. from "
                f"{folder.path / BACKUP_DIR} or a snapshot of the same save)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.load_weights(weights)
        except ValueError as exc:
            message, hint = mismatch
            raise SwapError(message + _shape_detail(str(exc)), hint) from None
        except (OSError, KeyError) as exc:
            raise SwapError(f"the weights file {weights} cannot be read ({exc})",
                            f"restore {WEIGHTS_FILE} from {folder.path / BACKUP_DIR} or a "
                            "snapshot, or train again") from None
    skipped = [str(w.message) for w in caught
               if re.search(r"skipping|could not be loaded|mismatch", str(w.message), re.I)]
    if skipped:
        message, hint = mismatch
        first = re.split(r"[.]\s", skipped[0])[0]
        raise SwapError(f"{message}: {first}", hint)
    upgrade_weights(model, _layers_version(folder))


def _layers_version(folder: ModelDir) -> int:
    """The layer layout the dir's weights were saved with (its state file's, else 1)."""
    try:
        return folder.read_state().layers
    except ModelDirError:
        return UNRECORDED_LAYERS


def load_trained(model_dir: str | Path) -> tuple[keras.Model, ModelSpec]:
    """The model saved in a model dir, with its last weights, and its spec.

    Raises:
        SwapError: not a model dir, no saved weights yet, or weights that do not fit.
    """
    folder, spec = read_model_dir(model_dir)
    model = build_model(compile_model_ir(spec).without_pretrained())
    _load_weights(model, folder)
    return model, spec


def _readable(chunk: list[Path], size: int, training: TrainingSpec, result: SwapResult
              ) -> tuple[list[Path], np.ndarray]:
    """The faces of ``chunk`` that can still be read; the others join ``result.skipped``.

    Each is cropped as training cropped it (a faceswap face at the spec's centering).
    """
    kept, faces = [], []
    for path in chunk:
        try:
            faces.append(load_faces([path], size, training.coverage, training=training)[0])
        except FaceFileError as exc:
            result.skipped.append(SkippedFile(path, exc.reason, exc.kind))
            continue
        kept.append(path)
    return kept, np.stack(faces) if faces else np.zeros((0, size, size, 3), np.float32)


def swap_folder(model_dir: str | Path, input_dir: str | Path, output_dir: str | Path,
                to: str | None = None, progress: Callable[[int, int], None] | None = None,
                plan: SwapPlan | None = None, source: str | None = None) -> SwapResult:
    """Swap every usable face of a folder to side ``to`` and write the results.

    Args:
        model_dir: a trained model dir.
        input_dir: aligned faces (png / jpg) of the other side.
        output_dir: where the PNGs go (created); must not be the input folder.
        to: the side to swap to (any side of the model); None swaps to the side after the
            model's first (``b`` for sides ``a``, ``b``).
        progress: called with (done, total) after each batch.
        plan: the checks of :func:`phazer.train.swap_files.plan_swap` for these folders
            and side, when already done (the other arguments are then not used).
        source: the side the faces are of; None: the side before ``to`` (with two sides,
            the other one).

    Raises:
        SwapError: the folders or the model cannot be used, or an output cannot be written
            (the outputs written before it are complete, none is half-written).
    """
    plan = plan or plan_swap(model_dir, input_dir, output_dir, to, source)
    try:
        model = build_model(plan.model)
        _load_weights(model, plan.model_dir)
    except SwapError:
        if plan.created:
            discard_output(plan.target)
        raise
    to = plan.to
    swap = SwapModels(model, plan.model, plan.color_order)
    face_output, input_size = face_out(to), swap.input_size(plan.source, to)
    names = output_names(list(plan.faces.files))
    result = SwapResult(skipped=list(plan.faces.skipped))
    files = list(plan.faces.files)
    for start in range(0, len(files), SWAP_BATCH):
        chunk, faces = _readable(files[start:start + SWAP_BATCH], input_size,
                                 plan.spec.training, result)
        outputs = swap.predict(plan.source, to, faces) if chunk else {}
        images = outputs.get(face_output, [])
        mask = outputs.get(mask_out(to))
        if mask is not None:
            images = np.concatenate([images, mask], axis=-1)
        for path, image in zip(chunk, images, strict=True):
            pixels = np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
            out = plan.target / names[path]
            try:
                write_png(pixels, out)
            except SwapError as exc:
                raise SwapError(exc.message, f"{exc.hint}; the {len(result.written)} faces "
                                "written before it are complete") from None
            result.written.append(out)
        if progress is not None:
            progress(min(start + SWAP_BATCH, len(files)), len(files))
    result.skipped.sort(key=lambda item: item.path.name)
    return result
