"""How one side's face files become the arrays augmentation starts from (TensorFlow-free).

Two kinds of face folder (:attr:`phazer.data.folders.FaceFolder.faceswap`):

- **plain faces**: the image is the crop. Each file decodes to RGBA (the alpha channel is the
  face mask) at a working size just large enough for the coverage crop, which augmentation
  takes (with ``training.mask_dilation`` on the mask);
- **faceswap faces** (head-centred, with faceswap's PNG header): each file becomes exactly the
  sample faceswap's training loader makes (:mod:`phazer.data.faceswap_sample`): the crop at
  ``training.centering`` / ``coverage`` / ``vertical_offset``, at the larger of the model's
  input and output sizes, with the masks of the side's :class:`MaskPlan` (dilated, blurred and
  thresholded as faceswap does); augmentation then works on the whole sample.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from phazer.data.faceswap_header import read_faceswap_header
from phazer.data.faceswap_sample import SampleSettings, make_sample
from phazer.data.folders import FaceFolder
from phazer.data.images import read_face
from phazer.data.mask_plan import FACE, MaskPlan, resolved_mask_type
from phazer.spec.training import TrainingSpec


def working_size(image_size: int, input_size: int, output_size: int, coverage: float) -> int:
    """The side (px) decoded plain images are kept at.

    Large enough for the coverage crop to hold ``max(input_size, output_size)`` pixels, but
    never larger than the images themselves (0 for ``image_size`` means unknown).
    """
    needed = math.ceil(max(input_size, output_size) * 100 / coverage)
    return min(image_size, needed) if image_size else needed


def read_rgba(path: Path) -> np.ndarray:
    """A plain face file's RGBA pixels (``uint8 [h, w, 4]``)."""
    pixels = read_face(path)[0]
    assert pixels is not None
    return pixels


@dataclass(frozen=True)
class Decoding:
    """How one side's files are decoded, and what augmentation still does to them.

    Attributes:
        size: the side (px) of the decoded arrays.
        masks: the names of the mask channels after R, G, B, in order.
        coverage: the centred crop (percent) augmentation still takes.
        dilation: the face-mask dilation (percent) augmentation still applies.
        resize: decoded arrays may have another size and are resized to ``size``.
        decode: path -> ``uint8 [size, size, 3 + len(masks)]`` (before any resize).
    """

    size: int
    masks: tuple[str, ...]
    coverage: float
    dilation: float
    resize: bool
    decode: Callable[[Path], np.ndarray]

    @property
    def channels(self) -> int:
        """Channels of a decoded array: R, G, B and the masks."""
        return 3 + len(self.masks)

    def bytes_per_face(self) -> int:
        """Memory (bytes) one decoded face takes."""
        return self.size * self.size * self.channels


def decoding_for(folder: FaceFolder, training: TrainingSpec, plan: MaskPlan, input_size: int,
                 output_size: int) -> Decoding:
    """The decoding of one side's folder for a model of these sizes."""
    if not folder.faceswap:
        size = working_size(folder.size, input_size, output_size, training.coverage)
        return Decoding(size, (FACE,), training.coverage, training.mask_dilation, True,
                        read_rgba)
    settings = SampleSettings.from_training(training, max(input_size, output_size),
                                            plan.learn_mask, faceswap=True)
    return Decoding(settings.size, settings.masks, 100.0, 0.0, False,
                    lambda path: read_sample(path, settings))


def read_sample(path: Path, settings: SampleSettings) -> np.ndarray:
    """The training sample of one faceswap face file (:func:`make_sample`)."""
    return make_sample(read_rgba(path), read_faceswap_header(path), settings, path)


def view_settings(training: TrainingSpec | None, size: int, coverage: float) -> SampleSettings:
    """How a faceswap face is shown to a trained model (previews, swap, export).

    The training crop at ``size`` px with its face mask (none for ``mask_type: none``),
    without the eye and mouth areas.
    """
    training = training or TrainingSpec()
    mask_type = resolved_mask_type(training, faceswap=True)
    return SampleSettings(size, training.centering, coverage, training.vertical_offset,
                          mask_type, training.mask_blur_kernel, training.mask_threshold,
                          training.mask_dilation, face_mask=mask_type != "none")
