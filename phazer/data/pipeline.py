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
4. zip the sides into the model's dicts (keyed ``face_in_<side>``, ``face_out_<side>``,
   ``mask_out_<side>``) and prefetch.

Each side has its own input and output size when the model's sides differ (a graph-form spec
with ``sides: {a: {input: 64}, b: {input: 48}}``): ``input_size`` and ``output_size`` are then
a side -> px mapping (:data:`SideSizes`), and each side's faces are cropped, warped and resized
at its own sizes.

Images are decoded by :class:`phazer.data.facereader.FaceReader` (Pillow, through
``tf.numpy_function``), the reader the folder scan checked them with: a file deleted or broken
after the scan is skipped with a warning and another face of its side takes its place, so the
batches keep their shape and training goes on.

:func:`load_faces` reads a few faces with the same crop and no augmentation, for previews and
``phazer swap``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image

from phazer.data.augment import augment_batch
from phazer.data.facereader import FaceReader, SkipLog
from phazer.data.folders import FaceFolder
from phazer.data.images import read_face
from phazer.data.warp_stop import NEVER, WarpStop, warped
from phazer.sides import face_in, face_out, mask_out
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


def working_size(image_size: int, input_size: int, output_size: int, coverage: float) -> int:
    """The side (px) decoded images are kept at.

    Large enough for the coverage crop to hold ``max(input_size, output_size)`` pixels, but
    never larger than the images themselves (0 for ``image_size`` means unknown).
    """
    needed = math.ceil(max(input_size, output_size) * 100 / coverage)
    return min(image_size, needed) if image_size else needed


def resize_face(image: tf.Tensor, size: int) -> tf.Tensor:
    """A decoded RGBA face ([h, w, 4] uint8) at [size, size, 4] (resized only if it differs)."""
    def resize() -> tf.Tensor:
        scaled = tf.image.resize(image, [size, size], method="bilinear", antialias=True)
        return tf.cast(tf.round(tf.clip_by_value(scaled, 0, 255)), tf.uint8)

    same = tf.reduce_all(tf.equal(tf.shape(image)[:2], [size, size]))
    image = tf.cond(same, lambda: image, resize)
    return tf.ensure_shape(image, [size, size, 4])


def _side(folder: FaceFolder, reader: FaceReader, training: TrainingSpec, input_size: int,
          output_size: int, batch_size: int, seed: int | None, cache: bool, augment: bool,
          start: tuple[int, int] = (0, 0), first_iteration: int = 0,
          no_warp_from: WarpMark | None = None) -> tf.data.Dataset:
    size = working_size(folder.size, input_size, output_size, training.coverage)
    count = len(folder.files)
    files = tf.data.Dataset.range(count)   # indices into the reader's files

    def decode(index: tf.Tensor) -> tf.Tensor:
        image = tf.numpy_function(reader.read, [index], tf.uint8, name="read_face")
        return resize_face(tf.ensure_shape(image, [None, None, 4]), size)

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
    aug, coverage = training.augmentation, training.coverage
    mark = NEVER if no_warp_from is None else no_warp_from
    # the model iteration each batch trains (1-based), for the warp's stop
    iterations = tf.data.Dataset.counter(first_iteration + 1)
    return tf.data.Dataset.zip(batches, seeds, iterations).map(
        lambda images, pair, iteration: augment_batch(
            images, pair, aug, coverage, input_size, output_size, augment,
            training.mask_dilation, warp=warped(iteration, mark)),
        num_parallel_calls=tf.data.AUTOTUNE)


def decoded_bytes(folder: FaceFolder, input_size: int, output_size: int,
                  coverage: float) -> int:
    """Memory (bytes) the decoded images of a folder take at the working size."""
    size = working_size(folder.size, input_size, output_size, coverage)
    return len(folder.files) * size * size * 4


def make_dataset(folders: Mapping[str, FaceFolder], training: TrainingSpec,
                 input_size: SideSizes, output_size: SideSizes, batch_size: int,
                 learn_mask: bool,
                 seed: int | None = None, *, include_masks: bool | None = None,
                 augment: bool = True, cache_bytes: int = CACHE_BYTES,
                 skip_log: SkipLog | None = None, start: tuple[int, int] = (0, 0),
                 first_iteration: int = 0, warp_stop: WarpStop | None = None
                 ) -> tf.data.Dataset:
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
        include_masks: also yield the masks as targets; defaults to ``learn_mask``. Pass True
            to weight the face loss by the mask (penalized mask loss) without a mask output.
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

    Returns:
        Batches of ``(inputs, targets)``: ``inputs`` maps ``face_in_<side>`` of every side to
        [batch, input_size, input_size, 3]; ``targets`` maps ``face_out_<side>`` to
        [batch, output_size, output_size, 3], plus ``mask_out_<side>``
        ([batch, output_size, output_size, 1], from the alpha channel, ones without one) when
        masks are included, each at its side's sizes. All float32 in [0, 1]. The inputs are
        warped, the targets not.

    Raises:
        ValueError: no side, a side name that is not lowercase letters and digits, or a
            per-side size mapping without one of the sides.
    """
    if not folders:
        raise ValueError("make_dataset needs the faces of at least one side")
    # (input, face target, mask target) names per side, checked before any tracing
    names = [(face_in(side), face_out(side), mask_out(side)) for side in folders]
    masks = learn_mask if include_masks is None else include_masks
    sizes = {side: (side_size(input_size, side), side_size(output_size, side))
             for side in folders}
    need = sum(decoded_bytes(folders[side], *sizes[side], training.coverage)
               for side in folders)
    cache = need <= cache_bytes
    log = skip_log if skip_log is not None else SkipLog()
    no_warp_from = (warp_stop.variable if warp_stop is not None
                    else training.augmentation.no_warp_from)
    streams = tuple(
        _side(folders[side], FaceReader(folders[side].files, side, log), training,
              *sizes[side], batch_size, None if seed is None else seed + index,
              cache, augment, start, first_iteration, no_warp_from)
        for index, side in enumerate(folders))

    def to_dicts(*batches: tuple[tf.Tensor, ...]
                 ) -> tuple[dict[str, tf.Tensor], dict[str, tf.Tensor]]:
        pairs = list(zip(names, batches, strict=True))
        inputs = {name[0]: batch[0] for name, batch in pairs}
        targets = {name[1]: batch[1] for name, batch in pairs}
        if masks:
            targets.update({name[2]: batch[2] for name, batch in pairs})
        return inputs, targets

    options = tf.data.Options()
    options.deterministic = seed is not None
    dataset = tf.data.Dataset.zip(streams).map(to_dicts)  # a tuple, even of one side
    return dataset.prefetch(tf.data.AUTOTUNE).with_options(options)


def load_faces(files: Sequence[str | Path], size: int, coverage: float = 100.0,
               with_alpha: bool = False) -> np.ndarray:
    """Read faces as the model sees them, without augmentation.

    Args:
        files: image files (png / jpg).
        size: side (px) to resize the coverage crop to: the encoder's input size for the
            model's input, the output size for comparing with its output.
        coverage: the spec's ``training.coverage``: the centred crop the model was trained on.
        with_alpha: also return the mask (alpha channel, ones without one) as a 4th channel.

    Returns:
        float32 [N, size, size, 3] (or 4 with ``with_alpha``) in [0, 1].

    Raises:
        phazer.data.images.FaceFileError: a file cannot be read (its reason says why).
    """
    faces = []
    for path in files:
        pixels = read_face(path)[0]
        rgba = Image.fromarray(pixels, "RGBA")
        side = min(rgba.size) * coverage / 100
        left = (rgba.size[0] - side) / 2
        top = (rgba.size[1] - side) / 2
        box = (left, top, left + side, top + side)
        # colour and alpha apart: Pillow premultiplies RGBA, which blackens transparent pixels
        planes = [plane.resize((size, size), Image.Resampling.BILINEAR, box=box)
                  for plane in (rgba.convert("RGB"), rgba.getchannel("A"))]
        faces.append(np.concatenate([np.asarray(planes[0]), np.asarray(planes[1])[..., None]],
                                    axis=-1).astype(np.float32) / 255.0)
    channels = 4 if with_alpha else 3
    if not faces:
        return np.zeros((0, size, size, channels), np.float32)
    return np.stack(faces)[..., :channels]
