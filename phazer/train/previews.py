"""Running a trained model on faces, and the preview image written at each save.

A model has one input and one output per side. Feeding the same faces to both inputs gives,
in one call, each face reconstructed by its own side and swapped by the other: for A faces,
``face_out_a`` is the reconstruction and ``face_out_b`` the swap A -> B.

The preview (``preview.png`` in the model dir) shows a few fixed faces of each side, one per
row: original | reconstruction | swap for side A, then the same for side B; with more sides,
one swap column per other side.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from PIL import Image, ImageDraw

from phazer.data.images import FaceFileError
from phazer.data.pipeline import load_faces
from phazer.fileio import atomic_write_bytes
from phazer.sides import face_out, other_side

PREDICT_BATCH = 16
_GAP = 8          # px between the two sides' blocks
_HEADER = 14      # px of the label row


def predict_both(model: keras.Model, faces: np.ndarray, batch_size: int = PREDICT_BATCH
                 ) -> dict[str, np.ndarray]:
    """Every output of the model with ``faces`` fed to every side's input.

    Args:
        model: the face-swap model.
        faces: float32 [N, input, input, 3] in [0, 1].
        batch_size: faces per call.

    Returns:
        Output name -> float32 [N, ...] array (e.g. ``face_out_a``, ``face_out_b``).
    """
    names = [str(name) for name in model.output_names]
    results: dict[str, list[np.ndarray]] = {name: [] for name in names}
    input_names = [str(t.name).split(":")[0] for t in model.inputs]
    for start in range(0, len(faces), batch_size):
        chunk = np.asarray(faces[start:start + batch_size], np.float32)
        outputs = model({name: chunk for name in input_names}, training=False)
        if not isinstance(outputs, list | tuple):
            outputs = [outputs]
        for name, value in zip(names, outputs, strict=True):
            results[name].append(np.asarray(value, np.float32))
    return {name: np.concatenate(parts) if parts else np.zeros((0,)) for name, parts in
            results.items()}


@dataclass
class PreviewFaces:
    """The fixed faces shown in every preview: model input and display size per side."""

    inputs: dict[str, np.ndarray]
    shown: dict[str, np.ndarray]


def pick_files(files: Sequence[Path], count: int) -> list[Path]:
    """``count`` files spread evenly over a sorted folder (all of them if fewer)."""
    if len(files) <= count:
        return list(files)
    step = len(files) / count
    return [files[int(i * step)] for i in range(count)]


def _readable(files: Sequence[Path], count: int, sizes: tuple[int, int], coverage: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """The picked faces at both sizes, each an unreadable one replaced by a readable one.

    A file deleted or broken since the scan gives way to the next readable file of the folder.
    """
    picked = pick_files(files, count)
    chosen = set(picked)
    rest = [path for path in files if path not in chosen]
    faces: list[tuple[np.ndarray, np.ndarray]] = []
    for path in [*picked, *rest]:
        if len(faces) == len(picked):
            break
        try:
            faces.append(tuple(load_faces([path], size, coverage)[0] for size in sizes))
        except FaceFileError:
            continue
    if not faces:
        return tuple(np.zeros((0, size, size, 3), np.float32) for size in sizes)
    return np.stack([f[0] for f in faces]), np.stack([f[1] for f in faces])


def load_preview_faces(files: dict[str, Sequence[Path]], count: int, input_size: int,
                       output_size: int, coverage: float) -> PreviewFaces:
    """Load the preview faces of each side (``{"a": files, "b": files}``).

    A file that cannot be read any more is replaced by another of its side.
    """
    inputs, shown = {}, {}
    for side, side_files in files.items():
        inputs[side], shown[side] = _readable(list(side_files), count,
                                              (input_size, output_size), coverage)
    return PreviewFaces(inputs, shown)


def _to_uint8(images: np.ndarray) -> np.ndarray:
    return np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)


def preview_image(model: keras.Model, faces: PreviewFaces) -> Image.Image:
    """The preview grid: per side, original | reconstruction | swap to each other side.

    The swaps follow the model's side order from the side after this one, cyclically: with
    two sides that is one swap column (A>B, then B>A), with three two (A>B A>C, B>C B>A, ...).
    """
    sides = list(faces.inputs)
    blocks, labels = [], []
    for side in sides:
        others = _others(side, sides)
        outputs = predict_both(model, faces.inputs[side])
        blocks.append([faces.shown[side], outputs[face_out(side)],
                       *(outputs[face_out(other)] for other in others)])
        labels += [side.upper(), f"{side.upper()}>{side.upper()}",
                   *(f"{side.upper()}>{other.upper()}" for other in others)]
    rows = max(len(block[0]) for block in blocks)
    tile = blocks[0][0].shape[1]
    block_width = tile * len(blocks[0])
    width = block_width * len(blocks) + _GAP * (len(blocks) - 1)
    canvas = Image.new("RGB", (width, _HEADER + rows * tile), (32, 32, 32))
    draw = ImageDraw.Draw(canvas)
    column = 0
    for index, block in enumerate(blocks):
        left = index * (block_width + _GAP)
        for position, images in enumerate(block):
            x = left + position * tile
            draw.text((x + 3, 1), labels[column], fill=(230, 230, 230))
            column += 1
            for row, image in enumerate(_to_uint8(images)):
                canvas.paste(Image.fromarray(image, "RGB"), (x, _HEADER + row * tile))
    return canvas


def _others(side: str, sides: Sequence[str]) -> list[str]:
    """The other sides in the order a face of ``side`` is swapped to them (cyclic)."""
    others, current = [], other_side(side, sides)
    while current != side:
        others.append(current)
        current = other_side(current, sides)
    return others or [side]


def write_preview(model: keras.Model, faces: PreviewFaces, path: Path) -> None:
    """Render the preview and write it as PNG atomically."""
    image = preview_image(model, faces)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    atomic_write_bytes(path, buffer.getvalue())
