"""A few faces read as a trained model sees them: no augmentation, no TensorFlow.

:func:`load_faces` crops each face as training does (a plain face's centred
``training.coverage`` crop; a faceswap face's sample at the spec's centering) and resizes it
to the size asked for. Previews, ``phazer swap``, the export's check and the demo read faces
through it; it needs only numpy, Pillow and OpenCV, so those commands run on the torch and jax
backends without loading TensorFlow (the training pipeline, :mod:`phazer.data.pipeline`, is
``tf.data``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from phazer.data.decoding import view_settings
from phazer.data.faceswap_header import read_faceswap_header
from phazer.data.faceswap_sample import make_sample
from phazer.data.images import read_face
from phazer.spec.training import TrainingSpec


def load_faces(files: Sequence[str | Path], size: int, coverage: float = 100.0,
               with_alpha: bool = False, *, training: TrainingSpec | None = None
               ) -> np.ndarray:
    """Read faces as the model sees them, without augmentation.

    Args:
        files: image files (png / jpg).
        size: side (px) to resize the coverage crop to: the encoder's input size for the
            model's input, the output size for comparing with its output.
        coverage: the spec's ``training.coverage``: the centred crop the model was trained on.
        with_alpha: also return the face mask as a 4th channel: a plain face's alpha channel
            (ones without one), a faceswap face's ``training.mask_type`` mask.
        training: the spec's training section: how a faceswap face (a file with faceswap's
            header) is cropped (``centering``, ``vertical_offset``) and masked; None: the
            defaults. Plain faces only use ``coverage``.

    Returns:
        float32 [N, size, size, 3] (or 4 with ``with_alpha``) in [0, 1].

    Raises:
        phazer.data.images.FaceFileError: a file cannot be read (its reason says why).
    """
    channels = 4 if with_alpha else 3
    faces = [_load_face(Path(path), size, coverage, training)[..., :channels]
             for path in files]
    if not faces:
        return np.zeros((0, size, size, channels), np.float32)
    return np.stack(faces)


def _load_face(path: Path, size: int, coverage: float, training: TrainingSpec | None
               ) -> np.ndarray:
    """One face as float32 [size, size, 4] in [0, 1]: R, G, B and its face mask."""
    pixels, info = read_face(path)
    if info.faceswap:
        settings = view_settings(training, size, coverage)
        sample = make_sample(pixels, read_faceswap_header(path), settings, path)
        if sample.shape[-1] == 3:
            sample = np.concatenate([sample, np.full((size, size, 1), 255, np.uint8)], -1)
        return sample.astype(np.float32) / 255.0
    rgba = Image.fromarray(pixels, "RGBA")
    side = min(rgba.size) * coverage / 100
    left = (rgba.size[0] - side) / 2
    top = (rgba.size[1] - side) / 2
    box = (left, top, left + side, top + side)
    # colour and alpha apart: Pillow premultiplies RGBA, which blackens transparent pixels
    planes = [plane.resize((size, size), Image.Resampling.BILINEAR, box=box)
              for plane in (rgba.convert("RGB"), rgba.getchannel("A"))]
    return np.concatenate([np.asarray(planes[0]), np.asarray(planes[1])[..., None]],
                          axis=-1).astype(np.float32) / 255.0
