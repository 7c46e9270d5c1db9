"""Data augmentation as batched TensorFlow ops: colour, one affine per image, warp, crop.

:func:`augment_batch` takes a batch of decoded RGBA faces (uint8, the alpha channel is the
mask) and returns the model's input (warped), its target (not warped) and the target's mask.
Everything random is drawn from a stateless seed, so a seeded pipeline repeats exactly.

The order follows faceswap's: colour first (so input and target share it), then one geometric
transform per image (the coverage crop, rotation, zoom, shift and flip, composed into a single
resampling), and the random warp on top of that transform for the input only. Input and
target are each resampled once, straight from the decoded image, with bilinear interpolation
and edges repeated outward.

With ``training.augmentation.warp_to_landmarks`` (faceswap faces), the input is not warped at
random: the face after its affine is drawn at the sample's size, its landmarks and those of a
closest face of the other side are moved by the same affine (flip included), and faceswap's
landmark warp (:mod:`phazer.data.landmark_warp`, numpy and scipy through
``tf.numpy_function``) bends the one onto the other before the input is shrunk to its size.
"""

from __future__ import annotations

import math
from functools import partial

import tensorflow as tf

from phazer.data.landmark_warp import warp_batch
from phazer.spec.training import AugmentationSpec

Landmarks = tuple[tf.Tensor, tf.Tensor]
"""Each face's landmarks [B, 68, 2] and its candidate destinations [B, K, 68, 2]."""
WARP_GRID = 5          # control points per side of the warp grid
WARP_SCALE = 0.02      # std of a control point's offset, as a fraction of the crop side
CLAHE_MAX_GAIN = 2.0   # the local contrast boost never stretches more than this
_TARGET_STD = 0.29     # the spread of an evenly filled [0, 1] histogram (1 / sqrt(12))
# RGB -> YUV (BT.601, rows are R, G, B) and its inverse, for `rgb @ matrix`.
_RGB_TO_YUV = [[0.299, -0.14714119, 0.61497538],
               [0.587, -0.28886916, -0.51496512],
               [0.114, 0.43601035, -0.10001026]]
_YUV_TO_RGB = [[1.0, 1.0, 1.0],
               [0.0, -0.394642334, 2.03206185],
               [1.13988303, -0.58062185, 0.0]]


def _uniform(seed: tf.Tensor, batch: tf.Tensor, low: float, high: float) -> tf.Tensor:
    return tf.random.stateless_uniform([batch], seed, minval=low, maxval=high)


def _colour(rgb: tf.Tensor, aug: AugmentationSpec, seeds: tf.Tensor) -> tf.Tensor:
    """Local contrast boost, lightness and colour shifts of a [B, H, W, 3] batch in [0, 1].

    Lightness and colour work in YUV, a luma / two colour-opponent space close to Lab's
    lightness / a / b: lightness moves luma towards white (or black) by a random fraction,
    colour shifts U and V. Both are linear per image, so they are folded into one 3x3 colour
    matrix and offset per image, applied in a single batched matmul.
    """
    shape = tf.shape(rgb)
    batch = shape[0]
    to_yuv = tf.constant(_RGB_TO_YUV)
    if aug.color_clahe_chance > 0:
        luma = tf.tensordot(rgb, to_yuv[:, 0], axes=1)[..., None]
        # every RGB channel carries luma with weight 1, so this moves luma alone
        rgb = rgb + (_local_contrast(luma, aug, seeds[0]) - luma)
    if aug.color_lightness == 0 and aug.color_ab == 0:
        return tf.clip_by_value(rgb, 0.0, 1.0)
    amount = _uniform(seeds[1], batch, -aug.color_lightness / 100, aug.color_lightness / 100)
    scale = tf.where(amount >= 0, 1.0 - amount, 1.0 + amount)   # luma * scale + lift
    lift = tf.maximum(amount, 0.0)
    half = aug.color_ab / 200  # half the range: the channels are centred on 0
    chroma = tf.random.stateless_uniform([batch, 2], seeds[2], -half, half)
    diag = tf.concat([scale[:, None], tf.ones([batch, 2])], axis=1)
    matrix = tf.matmul(to_yuv[None] * diag[:, None, :], tf.constant(_YUV_TO_RGB)[None])
    offset = tf.matmul(tf.concat([lift[:, None], chroma], axis=1)[:, None, :],
                       tf.constant(_YUV_TO_RGB)[None])
    flat = tf.reshape(rgb, [batch, -1, 3])
    rgb = tf.reshape(tf.matmul(flat, matrix) + offset, shape)
    return tf.clip_by_value(rgb, 0.0, 1.0)


def _local_contrast(luma: tf.Tensor, aug: AugmentationSpec, seed: tf.Tensor) -> tf.Tensor:
    """Approximate CLAHE: stretch each pixel's difference from its tile's mean.

    The batch shares one random tile grid (1 to ``color_clahe_max_size`` tiles per side); each
    image is boosted with ``color_clahe_chance``. Tile means and spreads are interpolated
    between tile centres, as CLAHE interpolates its tile mappings.
    """
    seeds = tf.random.experimental.stateless_split(seed, 2)
    size = tf.shape(luma)[1:3]
    tiles = tf.random.stateless_uniform([], seeds[0], 1, aug.color_clahe_max_size + 1,
                                        dtype=tf.int32)
    grid = tf.stack([tiles, tiles])

    def local(values: tf.Tensor) -> tf.Tensor:
        coarse = tf.image.resize(values, grid, method="area")
        return tf.image.resize(coarse, size, method="bilinear")

    mean = local(luma)
    spread = tf.sqrt(tf.maximum(local(tf.square(luma)) - tf.square(mean), 0.0))
    gain = tf.clip_by_value(_TARGET_STD / (spread + 1e-3), 1.0, CLAHE_MAX_GAIN)
    boosted = tf.clip_by_value(mean + (luma - mean) * gain, 0.0, 1.0)
    chosen = tf.random.stateless_uniform([tf.shape(luma)[0], 1, 1, 1], seeds[1]) < (
        aug.color_clahe_chance / 100)
    return tf.where(chosen, boosted, luma)


def _grid(side: int, crop: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Pixel-centre coordinates of a side x side output over the crop, centred on 0."""
    steps = (tf.range(side, dtype=tf.float32) + 0.5) / side - 0.5
    ys, xs = tf.meshgrid(steps * crop, steps * crop, indexing="ij")
    return xs, ys


def _warp_field(batch: tf.Tensor, side: int, crop: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """A smooth random displacement field [B, side, side, 2] in source pixels."""
    coarse = tf.random.stateless_normal([batch, WARP_GRID, WARP_GRID, 2], seed,
                                        stddev=WARP_SCALE) * crop
    return tf.image.resize(coarse, [side, side], method="bicubic")


def _sample(images: tf.Tensor, xs: tf.Tensor, ys: tf.Tensor) -> tf.Tensor:
    """Bilinear samples of images [B, H, W, C] at source pixel coordinates [B, h, w]."""
    shape = tf.shape(images)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
    flat = tf.reshape(images, [batch, height * width, channels])
    x0, y0 = tf.floor(xs), tf.floor(ys)
    wx, wy = (xs - x0)[..., None], (ys - y0)[..., None]
    x0, y0 = tf.cast(x0, tf.int32), tf.cast(y0, tf.int32)

    def pick(y: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
        x = tf.clip_by_value(x, 0, width - 1)
        y = tf.clip_by_value(y, 0, height - 1)
        index = tf.reshape(y * width + x, [batch, -1])
        values = tf.gather(flat, index, batch_dims=1)
        return tf.reshape(values, tf.concat([tf.shape(xs), [channels]], axis=0))

    top = pick(y0, x0) * (1 - wx) + pick(y0, x0 + 1) * wx
    bottom = pick(y0 + 1, x0) * (1 - wx) + pick(y0 + 1, x0 + 1) * wx
    return top * (1 - wy) + bottom * wy


def _transform(aug: AugmentationSpec, batch: tf.Tensor, seeds: tf.Tensor) -> tuple[tf.Tensor, ...]:
    """Per-image rotation (radians), scale, shift (fraction of the image) and flip sign."""
    angle = _uniform(seeds[0], batch, -1.0, 1.0) * (aug.rotation_range * math.pi / 180)
    scale = 1.0 + _uniform(seeds[1], batch, -1.0, 1.0) * (aug.zoom_amount / 100)
    shift = tf.random.stateless_uniform([batch, 2], seeds[2], -1.0, 1.0) * (
        aug.shift_range / 100)
    flip = tf.where(tf.random.stateless_uniform([batch], seeds[3]) < aug.flip_chance / 100,
                    -1.0, 1.0)
    return angle, scale, shift, flip


def _apply(xs: tf.Tensor, ys: tf.Tensor, params: tuple[tf.Tensor, ...],
           width: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Map output coordinates (centred, [B, h, w]) to source pixel indices."""
    angle, scale, shift, flip = (p[:, None, None] if p.shape.rank == 1 else p
                                 for p in params)
    qx, qy = xs * flip / scale, ys / scale
    cos, sin = tf.cos(angle), tf.sin(angle)
    centre = width / 2 - 0.5
    src_x = centre + cos * qx - sin * qy + shift[:, None, None, 0] * width
    src_y = centre + sin * qx + cos * qy + shift[:, None, None, 1] * width
    return src_x, src_y


def _follow(points: tf.Tensor, params: tuple[tf.Tensor, ...], width: tf.Tensor,
            crop: tf.Tensor, side: int) -> tf.Tensor:
    """Where source pixel points [B, n, 2] (x, y) land in a side x side output of :func:`_apply`.

    The inverse of :func:`_apply` for points: the shift, the rotation, the zoom and the flip
    undone in turn, then the centred coordinates turned into the output's pixel indices.
    """
    angle, scale, shift, flip = (p[:, None] if p.shape.rank == 1 else p for p in params)
    centre = width / 2 - 0.5
    dx = points[..., 0] - centre - shift[:, None, 0] * width
    dy = points[..., 1] - centre - shift[:, None, 1] * width
    cos, sin = tf.cos(angle), tf.sin(angle)
    xs = (cos * dx + sin * dy) * scale * flip
    ys = (cos * dy - sin * dx) * scale
    return tf.stack([xs, ys], axis=-1) * (side / crop) + (side / 2 - 0.5)


def _to_landmarks(rgb: tf.Tensor, params: tuple[tf.Tensor, ...], landmarks: Landmarks,
                  width: tf.Tensor, crop: tf.Tensor, input_size: int, seed: tf.Tensor
                  ) -> tf.Tensor:
    """The input warped to the landmarks of a close face of the other side (faceswap's -M).

    The face after its affine is drawn at the decoded size; one of each face's candidate
    destinations is picked uniformly; both point sets follow the affine; the numpy warp
    (:func:`phazer.data.landmark_warp.warp_batch`) bends and shrinks it.
    """
    side = int(rgb.shape[2])
    batch = tf.shape(rgb)[0]
    xs, ys = _grid(side, crop)
    sx, sy = _apply(tf.tile(xs[None], [batch, 1, 1]), tf.tile(ys[None], [batch, 1, 1]),
                    params, width)
    moved = _sample(rgb, sx, sy)
    pick_seed, noise_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    sources, choices = landmarks
    pick = tf.random.stateless_uniform([batch], pick_seed, 0, tf.shape(choices)[1],
                                       dtype=tf.int32)
    destinations = tf.gather(choices, pick, batch_dims=1)
    warped = tf.numpy_function(
        partial(warp_batch, size=input_size),
        [moved, _follow(sources, params, width, crop, side),
         _follow(destinations, params, width, crop, side), noise_seed],
        tf.float32, stateful=False, name="warp_to_landmarks")
    return tf.ensure_shape(warped, [None, input_size, input_size, 3])


def dilation_kernel(percent: float, size: int) -> int:
    """The width (px, odd, 0 for none) of the round kernel ``mask_dilation`` grows a mask by.

    As faceswap sizes it: ``percent`` of the mask's side, rounded; an even width is made odd
    (one larger) so the kernel has a centre.
    """
    width = round(size * abs(percent) / 100)
    return 0 if width <= 1 else width | 1


def dilate_mask(mask: tf.Tensor, percent: float) -> tf.Tensor:
    """Grow (``percent`` > 0) or shrink (< 0) masks [B, H, W, 1] by a round kernel."""
    width = dilation_kernel(percent, int(mask.shape[1]))
    if width == 0:
        return mask
    offsets = tf.range(width, dtype=tf.float32) - (width - 1) / 2
    inside = offsets[:, None] ** 2 + offsets[None, :] ** 2 <= ((width - 1) / 2 + 0.5) ** 2
    # grey dilation adds the kernel's value: 0 inside the disc, far below 0 outside it
    disc = tf.where(inside, 0.0, -1e4)[:, :, None]
    sign = 1.0 if percent > 0 else -1.0     # erosion is the dilation of the inverted mask
    grown = tf.nn.dilation2d(sign * mask, disc, strides=[1, 1, 1, 1], padding="SAME",
                             data_format="NHWC", dilations=[1, 1, 1, 1])
    return tf.clip_by_value(sign * grown, 0.0, 1.0)


def augment_batch(images: tf.Tensor, seed: tf.Tensor, aug: AugmentationSpec, coverage: float,
                  input_size: int, output_size: int, augment: bool = True,
                  mask_dilation: float = 0.0, warp: tf.Tensor | bool = True,
                  landmarks: Landmarks | None = None
                  ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Turn decoded faces into one training batch.

    Args:
        images: [B, S, S, 3 + k] uint8 faces: R, G, B, then k >= 1 masks (the face mask
            first: the alpha channel, 255 where there is none; then the eye and mouth areas
            of a faceswap face), moved with the face.
        seed: a [2] int seed for every random choice in this batch.
        aug: the spec's augmentation options.
        coverage: percentage of the image side, from the centre, that the crop keeps.
        input_size: side of the model's input (px).
        output_size: side of the model's target (px).
        augment: False turns every random change off (the warp too): plain crops.
        mask_dilation: grow or shrink the target's face mask (the first mask) by this
            percentage of its side (applied with or without ``augment``); 0 where the
            decoded masks are final (faceswap faces).
        warp: whether this batch is warped (a scalar bool tensor, for a warp that stops at
            an iteration); the warp also needs ``augment`` and ``aug.warp``.
        landmarks: for faceswap's warp to landmarks instead of the random warp: each face's
            landmarks [B, 68, 2] and its candidate destinations [B, K, 68, 2] (the closest
            faces of the other side), (x, y) in the decoded image's pixels; None: the random
            warp.

    Returns:
        ``(input, target, masks)``: [B, input_size, input_size, 3] warped input,
        [B, output_size, output_size, 3] target and [B, output_size, output_size, k] masks,
        all float32 in [0, 1].
    """
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 8)
    pixels = tf.cast(images, tf.float32) / 255.0
    batch = tf.shape(pixels)[0]
    width = tf.cast(tf.shape(pixels)[2], tf.float32)
    crop = width * (coverage / 100)
    rgb, masks = pixels[..., :3], pixels[..., 3:]
    if augment:
        rgb = _colour(rgb, aug, seeds[:3])
        params = _transform(aug, batch, seeds[3:7])
    else:
        params = (tf.zeros([batch]), tf.ones([batch]), tf.zeros([batch, 2]), tf.ones([batch]))
    source = tf.concat([rgb, masks], axis=-1)

    xs, ys = _grid(output_size, crop)
    tx, ty = _apply(tf.tile(xs[None], [batch, 1, 1]), tf.tile(ys[None], [batch, 1, 1]),
                    params, width)
    target = _sample(source, tx, ty)

    xs, ys = _grid(input_size, crop)
    xs, ys = tf.tile(xs[None], [batch, 1, 1]), tf.tile(ys[None], [batch, 1, 1])
    if augment and aug.warp and landmarks is not None:
        warped = tf.cond(
            tf.convert_to_tensor(warp, tf.bool),
            lambda: _to_landmarks(rgb, params, landmarks, width, crop, input_size, seeds[7]),
            lambda: _sample(rgb, *_apply(xs, ys, params, width)))
    else:
        if augment and aug.warp:
            field = _warp_field(batch, input_size, crop, seeds[7]) * tf.cast(warp, tf.float32)
            xs, ys = xs + field[..., 0], ys + field[..., 1]
        warped = _sample(rgb, *_apply(xs, ys, params, width))
    face_mask = dilate_mask(target[..., 3:4], mask_dilation)
    return warped, target[..., :3], tf.concat([face_mask, target[..., 4:]], axis=-1)
