"""Which masks a side's training targets carry, decided before any model is built.

faceswap's channel rules (:func:`phazer.data.faceswap_sample.sample_masks`: the face mask as
``mask_out_<side>``, the eye and mouth areas as ``eye_mask_<side>`` and ``mouth_mask_<side>``),
checked against the side's folder: a stored mask every face must hold, an alpha channel the
images must have. A plain folder without alpha channels trains without a mask (every pixel
counts), as phazer always has. Every choice that leaves something out is said in a note for
the run's log. TensorFlow-free.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from phazer.catalog.masks import ALPHA_MASK, STORED_MASKS
from phazer.data.faceswap_header import read_faceswap_header
from phazer.data.faceswap_sample import (
    EYE,
    FACE,
    MOUTH,
    SampleMasks,
    resolved_mask_type,
    sample_masks,
)
from phazer.data.folders import DataError, FaceFolder
from phazer.data.landmark_match import require_landmarks
from phazer.spec.training import TrainingSpec

_THREADS = 4
__all__ = ["EYE", "FACE", "MOUTH", "MaskPlan", "plan_masks", "require_stored_mask",
           "resolved_mask_type"]


@dataclass(frozen=True)
class MaskPlan:
    """The masks of one side's training targets.

    Attributes:
        mask_type: the face mask used (``training.mask_type``, or its default for the
            folder's kind).
        channels: the masks the targets carry, in order: a subset of ``face``, ``eye``,
            ``mouth``.
        notes: lines for the run's log (what is used, and anything set that does not apply).
        learn_mask: the model has mask outputs (``decoder.learn_mask``).
    """

    mask_type: str
    channels: tuple[str, ...]
    notes: tuple[str, ...] = ()
    learn_mask: bool = False


def plan_masks(training: TrainingSpec, folder: FaceFolder, learn_mask: bool,
               side: str) -> MaskPlan:
    """The masks side ``side`` trains with, from its folder's kind and the spec.

    Raises:
        DataError: the setting faceswap refuses, or a mask this folder cannot give (landmark
            or stored masks from plain images, a stored mask a face lacks, the alpha channel
            of images without one), or plain images with ``warp_to_landmarks``
            (:func:`phazer.data.landmark_match.require_landmarks`); the message starts with
            the side.
    """
    name = f"side {side.upper()}"
    require_landmarks(training, folder, side)   # warp_to_landmarks: faceswap faces only
    try:
        masks = sample_masks(training, learn_mask, folder.faceswap)
    except DataError as exc:
        raise DataError(f"{name}: {exc.message} ({folder.folder})", exc.hint) from None
    if folder.faceswap:
        return _faceswap_plan(training, folder, masks, name, learn_mask)
    channels = masks.channels
    if FACE in channels and not folder.with_alpha:
        if training.mask_type == ALPHA_MASK:
            raise DataError(
                f"{name}: training.mask_type is alpha, but no image in {folder.folder} "
                "has an alpha channel", "export the faces with their mask as alpha, or "
                "set mask_type none and penalized_mask_loss false")
        mask = "no mask (no image has an alpha channel: every pixel counts fully)"
        channels = channels if learn_mask else ()
    elif FACE in channels:
        some = ("" if folder.with_alpha == len(folder) else
                f" ({folder.with_alpha} of {len(folder)} images have one; the others count "
                "fully)")
        mask = f"the alpha channel as the mask{some}"
    else:
        mask = "no mask"
    notes = [f"{name}: {folder.folder} holds plain faces (no faceswap header): the image is "
             f"the crop, {mask}"]
    if training.penalized_mask_loss and max(training.eye_multiplier,
                                            training.mouth_multiplier) > 1:
        notes.append(f"{name}: eye_multiplier / mouth_multiplier need landmarks, which "
                     "plain faces lack: not applied")
    return MaskPlan(masks.mask_type, channels, tuple(notes), learn_mask)


def _stored_names(path: Path) -> tuple[str, ...]:
    header = read_faceswap_header(path)
    return tuple(header.masks) if header is not None else ()


def require_stored_mask(folder: FaceFolder, mask_type: str, name: str) -> None:
    """Every face of a faceswap folder holds the stored mask ``mask_type``.

    Raises:
        DataError: the first face without it, with the masks it has.
    """
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        stored = list(pool.map(_stored_names, folder.files))
    lacking = [(path, names) for path, names in zip(folder.files, stored, strict=True)
               if mask_type not in names]
    if not lacking:
        return
    path, names = lacking[0]
    more = f" (and {len(lacking) - 1} more faces)" if len(lacking) > 1 else ""
    has = ", ".join(names) if names else "no stored mask"
    raise DataError(
        f"{name}: training.mask_type is {mask_type}, but {path} has {has}{more}",
        f"generate the {mask_type} mask for these faces with faceswap's mask tool, or pick a "
        f"mask they hold{' (' + names[0] + ')' if names else ''} or a landmark mask (extended)")


def _faceswap_plan(training: TrainingSpec, folder: FaceFolder, masks: SampleMasks,
                   name: str, learn_mask: bool) -> MaskPlan:
    mask_type, channels = masks.mask_type, masks.channels
    if mask_type == ALPHA_MASK and FACE in channels and not folder.with_alpha:
        raise DataError(
            f"{name}: training.mask_type is alpha, but faceswap's faces in {folder.folder} "
            "have no alpha channel", "choose a mask stored in their headers (e.g. "
            "bisenet-fp_face) or a landmark mask (extended, components)")
    if FACE in channels and mask_type in STORED_MASKS:
        require_stored_mask(folder, mask_type, name)
    crop = (f"{training.centering} centering, coverage {training.coverage:g}%"
            + (f", vertical offset {training.vertical_offset}%"
               if training.vertical_offset else ""))
    mask = f"{mask_type} mask" if FACE in channels else "no mask"
    weights = [f"{part} x{factor}" for channel, part, factor in (
        (EYE, "eyes", training.eye_multiplier), (MOUTH, "mouth", training.mouth_multiplier))
        if channel in channels]
    extra = f", {' and '.join(weights)} in the loss" if weights else ""
    if training.augmentation.warp_to_landmarks and training.augmentation.warp:
        extra += ", inputs warped to the landmarks of the closest faces of the next side"
    note = f"{name}: {folder.folder} holds faceswap faces: {crop}, {mask}{extra}"
    return MaskPlan(mask_type, channels, (note,), learn_mask)
