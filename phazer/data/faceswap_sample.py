"""One training sample of a face, exactly as faceswap's ``TrainSet`` makes it (numpy + OpenCV).

A sample is ``uint8 [size, size, 3 + k]``: the face crop in **R, G, B** order, then the masks
the settings ask for, in this order: the face mask, the eye mask, the mouth mask
(:func:`channel_names`). faceswap's arrays are B, G, R with the same masks after them.

Which masks a sample carries follows faceswap's rules (:meth:`SampleSettings.from_training`):
the face mask when a mask type is set (not ``none``) and the penalized mask loss or
``decoder.learn_mask`` uses it; the eye mask when the penalized loss is on and
``eye_multiplier`` > 1; the mouth mask when it is on and ``mouth_multiplier`` > 1. Unlike
faceswap, whose loss names the extra channels by position (with ``eye_multiplier: 1`` and
``mouth_multiplier: 2`` faceswap weights the mouth as if it were the eyes), phazer's channels are
named, so the mouth channel is always the mouth.

Two kinds of face file:

- **faceswap faces** (with the PNG header, :mod:`phazer.data.faceswap_header`): the crop is
  cut from the head-centred file at ``centering`` / ``coverage`` / ``vertical_offset``
  (:mod:`phazer.data.faceswap_align`), the masks are drawn from the landmarks or taken from
  the header (:mod:`phazer.data.faceswap_masks`), or ``alpha``: the image's own alpha channel
  cut like the face;
- **plain faces** (no header): the image is the crop; the centre ``coverage`` share of it is
  kept and resized, and its alpha channel (255 without one) is the face mask. Plain faces have
  no landmarks, so no eye or mouth masks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from phazer.catalog.masks import ALPHA_MASK, FACESWAP_DEFAULT_MASK, LANDMARK_MASKS
from phazer.data.faceswap_align import (
    CENTERINGS,
    FaceGeometry,
    TrainingCrop,
    face_geometry,
    resize_square,
    sub_crop,
    sub_crop_size,
)
from phazer.data.faceswap_header import FaceswapHeader
from phazer.data.faceswap_masks import landmark_mask, stored_mask
from phazer.data.folders import DataError
from phazer.data.images import FaceFileError
from phazer.spec.training import TrainingSpec

FACE, EYE, MOUTH = "face", "eye", "mouth"
"""The names of the mask channels, in the order a sample carries them."""
COLOUR_CHANNELS: tuple[str, ...] = ("R", "G", "B")


class MissingMaskError(FaceFileError):
    """A face file does not hold the mask the settings ask for."""


@dataclass(frozen=True)
class SampleSettings:
    """How the samples of one side are made.

    Attributes:
        size: the sample's side (px): the largest of the model's input and output sizes.
        centering: ``face``, ``head`` or ``legacy`` (faceswap faces only).
        coverage: the percentage (62.5-100) of the centering's crop the sample shows.
        vertical_offset: percentage of the crop the crop moves up (faceswap faces only).
        mask_type: the face mask: ``components``, ``extended``, a stored mask's name,
            ``alpha`` or ``none`` (resolved: never unset).
        mask_blur_kernel: gaussian blur of a stored mask (px at its stored size).
        mask_threshold: percentage below which a stored mask is 0 and above 100 minus which
            it is 255.
        mask_dilation: percentage of the side the face mask grows (negative: shrinks).
        face_mask: the sample carries the face mask.
        eye_mask: the sample carries the eye mask (landmarks: faceswap faces only).
        mouth_mask: the sample carries the mouth mask (landmarks: faceswap faces only).
    """

    size: int
    centering: str = "face"
    coverage: float = 100.0
    vertical_offset: float = 0.0
    mask_type: str = FACESWAP_DEFAULT_MASK
    mask_blur_kernel: int = 3
    mask_threshold: float = 4.0
    mask_dilation: float = 0.0
    face_mask: bool = False
    eye_mask: bool = False
    mouth_mask: bool = False

    def __post_init__(self) -> None:
        if self.centering not in CENTERINGS:
            raise ValueError(f"centering {self.centering!r}: expected one of "
                             f"{', '.join(CENTERINGS)}")
        if self.size < 1 or not 0 < self.coverage <= 100:
            raise ValueError(f"size {self.size} px, coverage {self.coverage}%: expected a "
                             "positive size and a coverage in (0, 100]")
        if self.face_mask and self.mask_type == "none":
            raise ValueError("mask_type none gives no face mask; set face_mask false")

    @classmethod
    def from_training(cls, training: TrainingSpec, size: int, learn_mask: bool,
                      faceswap: bool = True) -> SampleSettings:
        """The settings of a spec's ``training:`` section, with faceswap's channel rules.

        Args:
            training: the spec's training section.
            size: the sample size (px).
            learn_mask: the model has mask outputs (``decoder.learn_mask``).
            faceswap: the faces are faceswap's extracted faces; False: plain images (see
                :func:`sample_masks`).

        Raises:
            DataError: see :func:`sample_masks`.
        """
        masks = sample_masks(training, learn_mask, faceswap)
        return cls(size=size, centering=training.centering, coverage=training.coverage,
                   vertical_offset=training.vertical_offset, mask_type=masks.mask_type,
                   mask_blur_kernel=training.mask_blur_kernel,
                   mask_threshold=training.mask_threshold,
                   mask_dilation=training.mask_dilation, face_mask=FACE in masks.channels,
                   eye_mask=EYE in masks.channels, mouth_mask=MOUTH in masks.channels)

    @property
    def masks(self) -> tuple[str, ...]:
        """The mask channels a sample carries, in order (a subset of face, eye, mouth)."""
        return tuple(name for name, on in ((FACE, self.face_mask), (EYE, self.eye_mask),
                                           (MOUTH, self.mouth_mask)) if on)

    def crop(self, size: int | None = None, coverage: float | None = None) -> TrainingCrop:
        """The training crop of these settings (at another size or coverage if given)."""
        return TrainingCrop(self.centering, self.size if size is None else size,
                            (self.coverage if coverage is None else coverage) / 100,
                            self.vertical_offset / 100)


def resolved_mask_type(training: TrainingSpec, faceswap: bool) -> str:
    """``training.mask_type``, or what leaving it unset means for this kind of face.

    ``extended`` (faceswap's default) for faceswap faces, ``alpha`` for plain ones.
    """
    return training.mask_type or (FACESWAP_DEFAULT_MASK if faceswap else ALPHA_MASK)


@dataclass(frozen=True)
class SampleMasks:
    """The masks a sample carries: the face mask's type and the channels, in order."""

    mask_type: str
    channels: tuple[str, ...]


def sample_masks(training: TrainingSpec, learn_mask: bool, faceswap: bool) -> SampleMasks:
    """Which masks the samples carry, by faceswap's rules.

    The face mask when the mask type is not ``none`` and the penalized mask loss or
    ``decoder.learn_mask`` uses it; the eye (mouth) mask when the penalized loss is on and
    ``eye_multiplier`` (``mouth_multiplier``) > 1, for faceswap faces (plain ones have no
    landmarks).

    Raises:
        DataError: ``mask_type: none`` with the penalized mask loss or learn_mask (faceswap
            refuses it too); a landmark or stored mask for plain images.
    """
    mask_type = resolved_mask_type(training, faceswap)
    penalized = training.penalized_mask_loss
    users = [name for name, used in (("training.penalized_mask_loss", penalized),
                                     ("decoder.learn_mask", learn_mask)) if used]
    if mask_type == "none" and users:
        raise DataError(
            f"training.mask_type is none, but {' and '.join(users)} "
            f"{'needs' if len(users) == 1 else 'need'} a mask (faceswap refuses this: "
            "\"You have selected the mask type 'none' but at least one face does not "
            "contain the selected mask\")",
            "choose a mask_type (extended, components, a stored mask such as "
            f"bisenet-fp_face, or alpha), or set {users[0]} to false")
    if not faceswap and mask_type not in (ALPHA_MASK, "none") and users:
        source = "the landmarks" if mask_type in LANDMARK_MASKS else "a stored mask"
        raise DataError(
            f"training.mask_type {mask_type} comes from {source} in faceswap's face "
            "headers, but these are plain images without that header",
            "use mask_type alpha (the images' alpha channel) or none, or use faceswap's "
            "extracted faces")
    wanted = ((FACE, mask_type != "none" and bool(users)),
              (EYE, faceswap and penalized and training.eye_multiplier > 1),
              (MOUTH, faceswap and penalized and training.mouth_multiplier > 1))
    return SampleMasks(mask_type, tuple(name for name, on in wanted if on))


def channel_names(settings: SampleSettings) -> tuple[str, ...]:
    """The names of a sample's channels: ``R``, ``G``, ``B``, then its masks."""
    return COLOUR_CHANNELS + settings.masks


def _colour_and_alpha(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The RGB channels (contiguous) and the alpha channel (None without one)."""
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 [n, n, 3|4] RGB(A) image, got {image.dtype} "
                         f"{list(image.shape)}")
    alpha = image[..., 3:] if image.shape[2] == 4 else None
    return np.ascontiguousarray(image[..., :3]), alpha


def make_sample(image: np.ndarray, header: FaceswapHeader | None, settings: SampleSettings,
                path: str | Path | None = None) -> np.ndarray:
    """The training sample of one face, before augmentation.

    Args:
        image: ``uint8 [n, n, 3|4]`` the face file's pixels, RGB(A) (as
            :func:`phazer.data.images.read_face` gives them).
        header: the file's faceswap header; None for a plain image.
        settings: how samples are made.
        path: the file, for error messages.

    Returns:
        ``uint8 [size, size, 3 + k]``: R, G, B, then :attr:`SampleSettings.masks`.

    Raises:
        MissingMaskError: the face does not hold the mask asked for.
    """
    if header is None:
        return _plain_sample(image, settings)
    colour, alpha = _colour_and_alpha(image)
    geometry = face_geometry(header.landmarks)
    crop = settings.crop()
    channels = [crop.cut(colour, geometry)]
    points = crop.landmarks(geometry) if settings.masks else None
    if settings.face_mask:
        channels.append(_face_mask(alpha, header, geometry, points, settings, path)[..., None])
    for area, wanted in ((EYE, settings.eye_mask), (MOUTH, settings.mouth_mask)):
        if wanted:
            channels.append(landmark_mask(area, points, settings.size)[..., None])
    return np.concatenate(channels, axis=-1) if len(channels) > 1 else channels[0]


def sample_landmarks(header: FaceswapHeader, settings: SampleSettings) -> np.ndarray:
    """``float32 [68, 2]``: the face's landmarks in the sample's pixels (x, y)."""
    return settings.crop().landmarks(face_geometry(header.landmarks))


def preview_target(image: np.ndarray, header: FaceswapHeader | None,
                   settings: SampleSettings, output_size: int,
                   path: str | Path | None = None) -> np.ndarray:
    """The face at full coverage with its face mask, as faceswap's ``PreviewSet`` target.

    The side is ``2 * rint(output_size / coverage / 2)`` px, so the training crop inside it is
    ``output_size`` px. The 4th channel is the face mask, or 255 where none is configured.

    Returns:
        ``uint8 [n, n, 4]``: R, G, B, face mask.
    """
    full = 2 * int(np.rint(output_size / (settings.coverage / 100) / 2))
    wide = SampleSettings(full, settings.centering, 100.0, settings.vertical_offset,
                          settings.mask_type, settings.mask_blur_kernel,
                          settings.mask_threshold, settings.mask_dilation,
                          face_mask=settings.face_mask)
    sample = make_sample(image, header, wide, path)
    if settings.face_mask:
        return sample
    return np.concatenate([sample, np.full((full, full, 1), 255, np.uint8)], axis=-1)


def _face_mask(alpha: np.ndarray | None, header: FaceswapHeader, geometry: FaceGeometry,
               points: np.ndarray, settings: SampleSettings, path: str | Path | None
               ) -> np.ndarray:
    """The face mask of a faceswap face at the sample's crop."""
    name, crop = settings.mask_type, settings.crop()
    if name in LANDMARK_MASKS:
        return landmark_mask(name, points, settings.size, settings.mask_dilation)
    if name == ALPHA_MASK:
        if alpha is None:
            return np.full((settings.size, settings.size), 255, np.uint8)
        return crop.cut(np.ascontiguousarray(alpha), geometry)[..., 0]
    if name not in header.masks:
        held = [*header.masks, *LANDMARK_MASKS]
        file = Path(path) if path is not None else Path("<face>")
        raise MissingMaskError(
            file, "missing mask",
            f"has no stored mask {name!r}; it holds {', '.join(held)} (set training.mask_type "
            "to one of them, or add the mask with faceswap's mask tool)")
    return stored_mask(header.masks[name], geometry, crop, settings.mask_dilation,
                       settings.mask_blur_kernel, settings.mask_threshold)


def _plain_sample(image: np.ndarray, settings: SampleSettings) -> np.ndarray:
    """A plain image's sample: its centre ``coverage`` share, resized; alpha as the mask."""
    colour, alpha = _colour_and_alpha(image)
    side = colour.shape[0]
    cut = sub_crop_size("face", "face", side, settings.coverage / 100)
    start = (side - cut) // 2
    channels = [resize_square(sub_crop(colour, start, start, cut), settings.size)]
    if settings.face_mask:
        if alpha is None:
            channels.append(np.full((settings.size, settings.size, 1), 255, np.uint8))
        else:
            mask = sub_crop(np.ascontiguousarray(alpha), start, start, cut)
            channels.append(resize_square(mask, settings.size))
    return np.concatenate(channels, axis=-1) if len(channels) > 1 else channels[0]
