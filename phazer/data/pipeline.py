"""The training data pipeline: a face folder per side in, batches of (inputs, targets) out.

:func:`make_dataset` builds a ``tf.data`` pipeline per side (any number of sides) and zips
them:

1. decode every image once (in parallel), as RGBA at a *working size* just large enough for the
   coverage crop to hold the larger of the model's input and output at 1:1, and keep the
   decoded images in memory when they fit (``cache_bytes``); otherwise decode on the fly;
2. shuffle (a new order every epoch), repeat, batch (whole batches only);
3. augment each batch in parallel (:func:`phazer.data.augment.augment_batch`): colour, one
   affine per image with the coverage crop, and the random warp of the input only (until
   the model iteration ``training.augmentation.no_warp_from``, :mod:`phazer.data.warp_stop`);
   with ``training.augmentation.warp_to_landmarks`` the input is warped to the landmarks of
   one of its closest faces of the other side instead (:mod:`phazer.data.landmark_match`,
   worked out once before the first batch; each decoded face carries the index of the file
   it came from, so a stand-in for a broken file is warped with its own landmarks);
4. zip the sides into the model's dicts (keyed ``face_in_<side>``, ``face_out_<side>``,
   ``mask_out_<side>``), the faces in the model's colour order (``color_order``:
   :mod:`phazer.model_colour`; the channels reversed for a BGR model, masks as they are),
   and prefetch.

Each side has its own input and output size when the model's sides differ (a graph-form spec
with ``sides: {a: {input: 64}, b: {input: 48}}``): ``input_size`` and ``output_size`` are then
a side -> px mapping (:data:`SideSizes`), and each side's faces are cropped, warped and resized
at its own sizes.

Images are decoded by :class:`phazer.data.facereader.FaceReader` (Pillow, through
``tf.numpy_function``), the reader the folder scan checked them with: a file deleted or broken
after the scan is skipped with a warning and another face of its side takes its place, so the
batches keep their shape and training goes on.

:func:`load_faces` (:mod:`phazer.data.face_loading`, TensorFlow-free) reads a few faces with
the same crop and no augmentation, for previews and ``phazer swap``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from phazer.data.augment import augment_batch
from phazer.data.decoding import Decoding, decoding_for
from phazer.data.face_loading import load_faces  # noqa: F401  (its old home: re-exported)
from phazer.data.facereader import FaceReader, SkipLog
from phazer.data.folders import FaceFolder
from phazer.data.landmark_match import LandmarkPairs, landmark_pairs
from phazer.data.mask_plan import EYE, FACE, MOUTH, MaskPlan, plan_masks
from phazer.data.warp_stop import NEVER, WarpStop, warped
from phazer.model_colour import check_color_order, to_model_order
from phazer.sides import eye_mask, face_in, face_out, mask_out, mouth_mask
from phazer.spec.training import TrainingSpec

CACHE_BYTES = 2 * 1024**3   # decoded images of all sides kept in memory up to this size
SHUFFLE_BUFFER = 4096       # shuffle buffer (file names) when images are decoded on the fly
WarpMark = int | tf.Variable   # the first unwarped model iteration, fixed or movable
SideSizes = int | Mapping[str, int]
"""A size in px every side shares, or each side's own (side name -> px)."""


def side_size(sizes: SideSizes, side: str) -> int:
    """The size (px) of one side: the shared one, or its entry in a per-side mapping.

    Raises:
        ValueError: a mapping without that side.
    """
    if isinstance(sizes, Mapping):
        if side not in sizes:
            raise ValueError(f"no size for side {side!r} (sizes given for "
                             f"{', '.join(sizes) or 'no side'})")
        return int(sizes[side])
    return int(sizes)


def resize_face(image: tf.Tensor, size: int, channels: int = 4) -> tf.Tensor:
    """A decoded face ([h, w, channels] uint8) at [size, size, channels] (resized if it differs)."""
    def resize() -> tf.Tensor:
        scaled = tf.image.resize(image, [size, size], method="bilinear", antialias=True)
        return tf.cast(tf.round(tf.clip_by_value(scaled, 0, 255)), tf.uint8)

    same = tf.reduce_all(tf.equal(tf.shape(image)[:2], [size, size]))
    image = tf.cond(same, lambda: image, resize)
    return tf.ensure_shape(image, [size, size, channels])


def _side(reader: FaceReader, decoding: Decoding, training: TrainingSpec, input_size: int,
          output_size: int, batch_size: int, seed: int | None, cache: bool, augment: bool,
          start: tuple[int, int] = (0, 0), first_iteration: int = 0,
          no_warp_from: WarpMark | None = None, pairs: LandmarkPairs | None = None
          ) -> tf.data.Dataset:
    size, channels = decoding.size, decoding.channels
    count = len(reader.files)
    files = tf.data.Dataset.range(count)   # indices into the reader's files

    def decode(index: tf.Tensor) -> tf.Tensor | tuple[tf.Tensor, tf.Tensor]:
        if pairs is not None:   # the reader's decode gives (pixels, index of the file read)
            image, used = tf.numpy_function(reader.read, [index], [tf.uint8, tf.int64],
                                            name="read_face")
        else:
            image = tf.numpy_function(reader.read, [index], tf.uint8, name="read_face")
        image = tf.ensure_shape(image, [None, None, channels])
        image = resize_face(image, size, channels) if decoding.resize else tf.ensure_shape(
            image, [size, size, channels])
        return image if pairs is None else (image, tf.ensure_shape(used, []))

    if cache:
        # decoded once, in parallel; the shuffle buffer holds the whole (cached) set, so the
        # first batch waits for every image and each epoch is a full random permutation
        images = files.map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        images = images.cache().shuffle(count, seed=seed, reshuffle_each_iteration=True)
        images = images.repeat().skip(start[1])
    else:       # faces already drawn are skipped before they are decoded
        images = files.shuffle(min(count, SHUFFLE_BUFFER), seed=seed,
                               reshuffle_each_iteration=True).repeat().skip(start[1])
        images = images.map(decode, num_parallel_calls=tf.data.AUTOTUNE)
    batches = images.batch(batch_size, drop_remainder=True)
    seeds = tf.data.Dataset.random(seed=seed).batch(2).skip(start[0])
    aug = training.augmentation
    mark = NEVER if no_warp_from is None else no_warp_from
    # the model iteration each batch trains (1-based), for the warp's stop
    iterations = tf.data.Dataset.counter(first_iteration + 1)
    if pairs is None:
        return tf.data.Dataset.zip(batches, seeds, iterations).map(
            lambda images, pair, iteration: augment_batch(
                images, pair, aug, decoding.coverage, input_size, output_size, augment,
                decoding.dilation, warp=warped(iteration, mark)),
            num_parallel_calls=tf.data.AUTOTUNE)
    own, other = tf.constant(pairs.own), tf.constant(pairs.other)
    closest = tf.constant(pairs.closest)

    def to_landmarks(batch: tuple[tf.Tensor, tf.Tensor], pair: tf.Tensor,
                     iteration: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        images, used = batch
        points = (tf.gather(own, used), tf.gather(other, tf.gather(closest, used)))
        return augment_batch(images, pair, aug, decoding.coverage, input_size, output_size,
                             augment, decoding.dilation, warp=warped(iteration, mark),
                             landmarks=points)

    return tf.data.Dataset.zip(batches, seeds, iterations).map(
        to_landmarks, num_parallel_calls=tf.data.AUTOTUNE)


def _target_names(side: str, decoded: tuple[str, ...], carried: tuple[str, ...]
                  ) -> list[tuple[int, str]]:
    """(channel of the augmented masks, target name) of each mask the targets carry."""
    names = {FACE: mask_out(side), EYE: eye_mask(side), MOUTH: mouth_mask(side)}
    return [(decoded.index(mask), names[mask]) for mask in carried]


def make_dataset(folders: Mapping[str, FaceFolder], training: TrainingSpec,
                 input_size: SideSizes, output_size: SideSizes, batch_size: int,
                 learn_mask: bool,
                 seed: int | None = None, *, include_masks: bool | None = None,
                 plans: Mapping[str, MaskPlan] | None = None,
                 augment: bool = True, cache_bytes: int = CACHE_BYTES,
                 skip_log: SkipLog | None = None, start: tuple[int, int] = (0, 0),
                 first_iteration: int = 0, warp_stop: WarpStop | None = None,
                 color_order: str = "rgb") -> tf.data.Dataset:
    """The endless training dataset of every side.

    Args:
        folders: side name -> that side's faces (from :func:`phazer.data.folders.scan_faces`),
            in the model's side order, e.g. ``{"a": faces_a, "b": faces_b}``; one side or
            more. The same folder may serve several sides.
        training: the spec's training section (augmentation and coverage are used).
        input_size: the model's input side (px): one for every side, or side -> px when
            the sides differ.
        output_size: the model's output side (px): one for every side, or side -> px.
        batch_size: images per side per batch.
        learn_mask: the model has mask outputs (``decoder.learn_mask``).
        seed: makes the order and every augmentation repeatable; None draws fresh ones. The
            i-th side draws from ``seed + i``, so the sides differ.
        include_masks: force plain faces' targets to carry the face mask (True) or no mask
            (False); None: as each side's mask plan says.
        plans: each side's masks (:func:`phazer.data.mask_plan.plan_masks`, which decides
            them when None).
        augment: False gives plain crops (no colour, affine or warp): for checks and tests.
        cache_bytes: keep the decoded images in memory when all sides fit in this many bytes.
        start: ``(batches, faces)`` each side has already drawn from the stream of this
            ``seed`` (a resumed session): the stream continues there, as if never stopped.
        skip_log: where files that fail to decode are told and counted (a file deleted or
            broken since the scan is replaced by another face of its side); None: a silent
            log.
        first_iteration: the model's iterations before this session's first batch (a
            resumed model's count): the warp stops by model iteration.
        warp_stop: a variable mark for the warp's stop (:class:`WarpStop`, which a run with
            a time limit may bring forward); None: ``training.augmentation.no_warp_from``
            as written.
        color_order: the model's colour order (``"rgb"`` or ``"bgr"``,
            :mod:`phazer.model_colour`): the order of the input and target faces' channels.

    Returns:
        Batches of ``(inputs, targets)``: ``inputs`` maps ``face_in_<side>`` of every side to
        [batch, input_size, input_size, 3]; ``targets`` maps ``face_out_<side>`` to
        [batch, output_size, output_size, 3] (both in ``color_order``), plus the masks the
        side's plan carries, each [batch, output_size, output_size, 1]: ``mask_out_<side>``
        (the face mask: a plain face's alpha channel, ones without one, or the faceswap mask),
        ``eye_mask_<side>`` and ``mouth_mask_<side>``; each at its side's sizes. All float32
        in [0, 1]. The inputs are warped, the targets not.

    Raises:
        ValueError: no side, a side name that is not lowercase letters and digits, or a
            per-side size mapping without one of the sides.
        DataError: ``warp_to_landmarks`` with a side of plain faces, or a face whose header
            cannot be read any more (:func:`phazer.data.landmark_match.landmark_pairs`).
    """
    if not folders:
        raise ValueError("make_dataset needs the faces of at least one side")
    for side in folders:   # side names are checked before any tracing
        face_in(side)
    check_color_order(color_order, "make_dataset")
    if plans is None:
        plans = {side: plan_masks(training, folders[side], learn_mask, side)
                 for side in folders}
    carried = {side: _carried(plans[side], folders[side], include_masks) for side in folders}
    decodings = {side: decoding_for(folders[side], training, plans[side],
                                    side_size(input_size, side), side_size(output_size, side))
                 for side in folders}
    need = sum(len(folders[side]) * decodings[side].bytes_per_face() for side in folders)
    cache = need <= cache_bytes
    log = skip_log if skip_log is not None else SkipLog()
    no_warp_from = (warp_stop.variable if warp_stop is not None
                    else training.augmentation.no_warp_from)
    pairs = _landmark_pairs(folders, training, decodings, augment)
    streams = tuple(
        _side(FaceReader(folders[side].files, side, log,
                         _indexed(decodings[side], folders[side]) if pairs else
                         decodings[side].decode),
              decodings[side], training, side_size(input_size, side),
              side_size(output_size, side), batch_size,
              None if seed is None else seed + index, cache, augment, start, first_iteration,
              no_warp_from, pairs[side] if pairs else None)
        for index, side in enumerate(folders))
    targets_of = {side: _target_names(side, decodings[side].masks, carried[side])
                  for side in folders}

    def to_dicts(*batches: tuple[tf.Tensor, ...]
                 ) -> tuple[dict[str, tf.Tensor], dict[str, tf.Tensor]]:
        pairs = list(zip(folders, batches, strict=True))
        inputs = {face_in(side): to_model_order(batch[0], color_order)
                   for side, batch in pairs}
        targets = {face_out(side): to_model_order(batch[1], color_order)
                   for side, batch in pairs}
        for side, batch in pairs:      # the faces first, then the masks
            targets.update({name: batch[2][..., channel:channel + 1]
                            for channel, name in targets_of[side]})
        return inputs, targets

    options = tf.data.Options()
    options.deterministic = seed is not None
    dataset = tf.data.Dataset.zip(streams).map(to_dicts)  # a tuple, even of one side
    return dataset.prefetch(tf.data.AUTOTUNE).with_options(options)


def _landmark_pairs(folders: Mapping[str, FaceFolder], training: TrainingSpec,
                    decodings: Mapping[str, Decoding], augment: bool
                    ) -> dict[str, LandmarkPairs] | None:
    """Each side's landmarks and closest faces, when its input is warped to landmarks."""
    aug = training.augmentation
    if not (augment and aug.warp and aug.warp_to_landmarks):
        return None
    return landmark_pairs(folders, training, {side: d.size for side, d in decodings.items()})


def _indexed(decoding: Decoding, folder: FaceFolder) -> Callable[[Path], Any]:
    """The side's decode, giving ``(pixels, index of the file)``: the landmarks' row."""
    index = {path: row for row, path in enumerate(folder.files)}
    return lambda path: (decoding.decode(path), np.int64(index[Path(path)]))


def _carried(plan: MaskPlan, folder: FaceFolder, include_masks: bool | None
             ) -> tuple[str, ...]:
    """The masks a side's targets carry: its plan's, or the face mask or none when forced."""
    if include_masks is None or folder.faceswap:
        return plan.channels
    return (FACE,) if include_masks else ()
