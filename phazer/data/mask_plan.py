"""Which masks a side's training targets carry, decided before any model is built.

faceswap's rules, applied to a face folder of either kind (:class:`FaceFolder.faceswap`):

- the **face mask** (``mask_out_<side>``) is carried when ``training.mask_type`` is not
  ``none`` and the penalized mask loss or ``decoder.learn_mask`` uses it;
- the **eye** and **mouth** areas (``eye_mask_<side>``, ``mouth_mask_<side>``) when the
  penalized mask loss is on and ``eye_multiplier`` / ``mouth_multiplier`` is above 1; they are
  drawn from the landmarks, so only faceswap faces have them.

An unset ``mask_type`` is faceswap's default (``extended``) for faceswap faces and the alpha
channel for plain faces. faceswap refuses ``mask_type: none`` with the penalized loss or
learn_mask; so does phazer. Every choice that leaves something out is said in a note for the
run's log. TensorFlow-free.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from phazer.catalog.masks import (
    ALPHA_MASK,
    FACESWAP_DEFAULT_MASK,
    LANDMARK_MASKS,
    STORED_MASKS,
)
from phazer.data.faceswap_header import read_faceswap_header
from phazer.data.folders import DataError, FaceFolder
from phazer.spec.training import TrainingSpec

_THREADS = 4
FACE, EYE, MOUTH = "face", "eye", "mouth"
"""The mask channels a sample may carry after its R, G, B, in this order."""


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


def resolved_mask_type(training: TrainingSpec, faceswap: bool) -> str:
    """``training.mask_type``, or what leaving it unset means for a folder of this kind."""
    if training.mask_type is not None:
        return training.mask_type
    return FACESWAP_DEFAULT_MASK if faceswap else ALPHA_MASK


def check_mask_setting(training: TrainingSpec, learn_mask: bool) -> None:
    """Refuse what faceswap refuses: no mask for a loss or output that needs one.

    Raises:
        DataError: ``mask_type: none`` with the penalized mask loss or learn_mask.
    """
    if training.mask_type != "none":
        return
    users = [name for name, on in (("training.penalized_mask_loss", training.penalized_mask_loss),
                                   ("decoder.learn_mask", learn_mask)) if on]
    if users:
        raise DataError(
            f"training.mask_type is none, but {' and '.join(users)} "
            f"{'needs' if len(users) == 1 else 'need'} a mask (faceswap refuses this too)",
            "choose a mask_type (extended, components, a stored mask such as "
            f"bisenet-fp_face, or alpha), or set {users[0]} to false")


def plan_masks(training: TrainingSpec, folder: FaceFolder, learn_mask: bool,
               side: str) -> MaskPlan:
    """The masks side ``side`` trains with, from its folder's kind and the spec.

    Raises:
        DataError: the mask asked for cannot come from this folder (landmark or stored masks
            from plain images, the alpha channel of images without one), or
            :func:`check_mask_setting` refuses the setting.
    """
    check_mask_setting(training, learn_mask)
    mask_type = resolved_mask_type(training, folder.faceswap)
    name = f"side {side.upper()}"
    penalized = training.penalized_mask_loss
    wants_face = mask_type != "none" and (penalized or learn_mask)
    if folder.faceswap:
        return _faceswap_plan(training, folder, mask_type, wants_face, name, learn_mask)
    if mask_type in LANDMARK_MASKS or mask_type in STORED_MASKS:
        source = "landmarks" if mask_type in LANDMARK_MASKS else "a stored mask"
        raise DataError(
            f"{name}: training.mask_type {mask_type} comes from {source} in faceswap's face "
            f"headers, but {folder.folder} holds plain images without that header",
            "use mask_type alpha (the images' alpha channel) or none, or point --input at "
            "faceswap's extracted faces")
    notes = [f"{name}: {folder.folder} holds plain faces (no faceswap header): the image is "
             "the crop"]
    channels: tuple[str, ...] = ()
    if wants_face:
        if not folder.with_alpha:
            if training.mask_type == ALPHA_MASK:
                raise DataError(
                    f"{name}: training.mask_type is alpha, but no image in {folder.folder} "
                    "has an alpha channel", "export the faces with their mask as alpha, or "
                    "set mask_type none and penalized_mask_loss false")
            notes.append(f"{name}: no image has an alpha channel: no mask, every pixel "
                         "counts fully")
            channels = (FACE,) if learn_mask else ()
        else:
            channels = (FACE,)
            notes.append(f"{name}: mask from the alpha channel ({folder.with_alpha} of "
                         f"{len(folder)} images have one; the others count fully)")
    if penalized and max(training.eye_multiplier, training.mouth_multiplier) > 1:
        notes.append(f"{name}: eye_multiplier / mouth_multiplier need landmarks, which "
                     "plain faces lack: not applied")
    return MaskPlan(mask_type, channels, tuple(notes), learn_mask)


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


def _faceswap_plan(training: TrainingSpec, folder: FaceFolder, mask_type: str,
                   wants_face: bool, name: str, learn_mask: bool) -> MaskPlan:
    if mask_type == ALPHA_MASK and wants_face and not folder.with_alpha:
        raise DataError(
            f"{name}: training.mask_type is alpha, but faceswap's faces in {folder.folder} "
            "have no alpha channel", "choose a mask stored in their headers (e.g. "
            "bisenet-fp_face) or a landmark mask (extended, components)")
    if wants_face and mask_type in STORED_MASKS:
        require_stored_mask(folder, mask_type, name)
    channels = (FACE,) if wants_face else ()
    if training.penalized_mask_loss and training.eye_multiplier > 1:
        channels += (EYE,)
    if training.penalized_mask_loss and training.mouth_multiplier > 1:
        channels += (MOUTH,)
    crop = (f"{training.centering} centering, coverage {training.coverage:g}%"
            + (f", vertical offset {training.vertical_offset}%"
               if training.vertical_offset else ""))
    mask = (f"{mask_type} mask" if wants_face else "no mask")
    weights = [f"{part} x{factor}" for channel, part, factor in (
        (EYE, "eyes", training.eye_multiplier), (MOUTH, "mouth", training.mouth_multiplier))
        if channel in channels]
    extra = f", {' and '.join(weights)} in the loss" if weights else ""
    note = (f"{name}: {folder.folder} holds faceswap faces: {crop}, {mask}{extra}")
    return MaskPlan(mask_type, channels, (note,), learn_mask)
