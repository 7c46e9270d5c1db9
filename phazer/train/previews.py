"""The preview image written at each save: each side's faces, reconstructed and swapped.

The preview (``preview.png`` in the model dir) shows a few fixed faces of each side, one per
row: original | reconstruction | swap for side A, then the same for side B; with more sides,
one swap column per other side. The reconstruction is the side's own route and each swap the
route :mod:`phazer.train.swap_route` forms (the face through its own side's path to where the
routes join, then the other side's), exactly what ``phazer swap`` runs. When the sides differ
in size each face sits in the middle of a tile of the largest output size. The faces are fed
in the model's colour order and shown as RGB (:meth:`phazer.train.swap_models.SwapModels.predict`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
from PIL import Image, ImageDraw

from phazer.data.images import FaceFileError
from phazer.data.pipeline import SideSizes, load_faces, side_size
from phazer.fileio import atomic_write_bytes
from phazer.ir.model import ModelIR
from phazer.sides import face_out, other_side
from phazer.spec.training import TrainingSpec
from phazer.train.swap_models import PREDICT_BATCH, SwapModels, predict_both

__all__ = ["PREDICT_BATCH", "PreviewFaces", "load_preview_faces", "pick_files",
           "predict_both", "preview_image", "resize_faces", "write_preview"]

_GAP = 8          # px between the two sides' blocks
_HEADER = 14      # px of the label row
_BACKGROUND = (32, 32, 32)
MASK_COLOUR = (1.0, 0.0, 0.0)   # faceswap's preview: outside the mask tinted red ...
MASK_OPACITY = 0.3              # ... at 30 % (its mask_color and mask_opacity defaults)


@dataclass
class PreviewFaces:
    """The fixed faces shown in every preview: model input and display size per side.

    ``model_ir`` is the IR of the model the preview runs: its routes say what each swap runs
    (:class:`phazer.train.swap_models.SwapModels`, kept in ``swaps`` between previews).
    ``masks`` (side -> [N, size, size, 1], at the shown size) is the training mask of each
    shown face when the model trains with one: the preview tints what lies outside it, as
    faceswap's preview does. ``inputs`` and ``shown`` are RGB; ``color_order`` is the
    model's (:mod:`phazer.model_colour`), the order the faces are fed in.
    """

    inputs: dict[str, np.ndarray]
    shown: dict[str, np.ndarray]
    model_ir: ModelIR | None = None
    masks: dict[str, np.ndarray] | None = None
    swaps: SwapModels | None = field(default=None, repr=False, compare=False)
    color_order: str = "rgb"


def pick_files(files: Sequence[Path], count: int) -> list[Path]:
    """``count`` files spread evenly over a sorted folder (all of them if fewer)."""
    if len(files) <= count:
        return list(files)
    step = len(files) / count
    return [files[int(i * step)] for i in range(count)]


def _readable(files: Sequence[Path], count: int, sizes: tuple[int, int], coverage: float,
              training: TrainingSpec | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The picked faces at both sizes, each an unreadable one replaced by a readable one.

    A file deleted or broken since the scan gives way to the next readable file of the folder.
    The faces at the second size carry their face mask as a 4th channel.
    """
    picked = pick_files(files, count)
    chosen = set(picked)
    rest = [path for path in files if path not in chosen]
    faces: list[tuple[np.ndarray, np.ndarray]] = []
    for path in [*picked, *rest]:
        if len(faces) == len(picked):
            break
        try:
            faces.append(tuple(load_faces([path], size, coverage, with_alpha=mask,
                                          training=training)[0]
                               for size, mask in zip(sizes, (False, True), strict=True)))
        except FaceFileError:
            continue
    if not faces:
        return tuple(np.zeros((0, size, size, channels), np.float32)
                     for size, channels in zip(sizes, (3, 4), strict=True))
    return np.stack([f[0] for f in faces]), np.stack([f[1] for f in faces])


def load_preview_faces(files: dict[str, Sequence[Path]], count: int, input_size: SideSizes,
                       output_size: SideSizes, coverage: float,
                       model_ir: ModelIR | None = None, training: TrainingSpec | None = None,
                       masked: bool = False, color_order: str = "rgb") -> PreviewFaces:
    """Load the preview faces of each side (``{"a": files, "b": files}``).

    Each side's faces are read at its own input and output size (``input_size`` and
    ``output_size``: one size, or side -> px), cropped as training crops them (``training``:
    a faceswap face's centering and offset; None: the defaults). A file that cannot be read
    any more is replaced by another of its side. ``model_ir`` is needed to draw the preview.
    ``masked``: the model trains with a face mask, which the preview shows.
    ``color_order``: the model's colour order (the model dir's), which the faces are fed in.
    """
    inputs, shown, masks = {}, {}, {}
    for side, side_files in files.items():
        sizes = (side_size(input_size, side), side_size(output_size, side))
        inputs[side], with_mask = _readable(list(side_files), count, sizes, coverage, training)
        shown[side], masks[side] = with_mask[..., :3], with_mask[..., 3:]
    return PreviewFaces(inputs, shown, model_ir, masks if masked else None,
                        color_order=color_order)


def _to_uint8(images: np.ndarray) -> np.ndarray:
    return np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)


def resize_faces(faces: np.ndarray, size: int) -> np.ndarray:
    """Faces ([N, h, w, 3] float32 in [0, 1]) at ``size`` px (bilinear; unchanged if equal)."""
    if len(faces) == 0 or faces.shape[1] == size:
        return faces
    return np.stack([np.asarray(Image.fromarray(face).resize(
        (size, size), Image.Resampling.BILINEAR), np.float32) / 255.0
        for face in _to_uint8(faces)])


def _swaps(model: keras.Model, faces: PreviewFaces) -> SwapModels:
    """The swaps of ``model``, kept in ``faces`` while it is the same model."""
    if faces.model_ir is None:
        raise ValueError("the preview faces were loaded without the model's IR "
                         "(load_preview_faces(..., model_ir=...))")
    if faces.swaps is None or faces.swaps.model is not model:
        faces.swaps = SwapModels(model, faces.model_ir, faces.color_order)
    return faces.swaps


def _drawn(swaps: SwapModels, source: str, to: str, faces: np.ndarray) -> np.ndarray:
    """Side ``source``'s faces drawn by side ``to``'s route (its own: the reconstruction)."""
    fed = resize_faces(faces, swaps.input_size(source, to))
    return swaps.predict(source, to, fed)[face_out(to)]


def preview_image(model: keras.Model, faces: PreviewFaces) -> Image.Image:
    """The preview grid: per side, original | reconstruction | swap to each other side.

    The swaps follow the model's side order from the side after this one, cyclically: with
    two sides that is one swap column (A>B, then B>A), with three two (A>B A>C, B>C B>A, ...).
    Every tile is as large as the largest image; a smaller one sits in its middle.

    Raises:
        ValueError: ``faces`` has no model IR.
    """
    swaps = _swaps(model, faces)
    sides = list(faces.inputs)
    blocks, labels = [], []
    for side in sides:
        others = _others(side, sides)
        block = [faces.shown[side],
                 *(_drawn(swaps, side, to, faces.inputs[side]) for to in [side, *others])]
        if faces.masks is not None:
            block = [_tinted(images, faces.masks[side]) for images in block]
        blocks.append(block)
        labels += [side.upper(), f"{side.upper()}>{side.upper()}",
                   *(f"{side.upper()}>{other.upper()}" for other in others)]
    rows = max(len(block[0]) for block in blocks)
    tile = max(images.shape[1] for block in blocks for images in block)
    block_width = tile * len(blocks[0])
    width = block_width * len(blocks) + _GAP * (len(blocks) - 1)
    canvas = Image.new("RGB", (width, _HEADER + rows * tile), _BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    column = 0
    for index, block in enumerate(blocks):
        left = index * (block_width + _GAP)
        for position, images in enumerate(block):
            x = left + position * tile
            draw.text((x + 3, 1), labels[column], fill=(230, 230, 230))
            column += 1
            margin = (tile - images.shape[1]) // 2
            for row, image in enumerate(_to_uint8(images)):
                canvas.paste(Image.fromarray(image, "RGB"),
                             (x + margin, _HEADER + row * tile + margin))
    return canvas


def _tinted(images: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Faces with what lies outside their mask tinted red (faceswap's preview overlay)."""
    if images.shape[1] != masks.shape[1]:
        masks = np.stack([np.asarray(Image.fromarray(mask[..., 0]).resize(
            (images.shape[2], images.shape[1]), Image.Resampling.BILINEAR))[..., None]
            for mask in _to_uint8(masks)]).astype(np.float32) / 255.0
    outside = (1.0 - masks) * MASK_OPACITY
    return images * (1.0 - outside) + np.asarray(MASK_COLOUR, np.float32) * outside


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
