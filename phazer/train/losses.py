"""The image losses named in :mod:`phazer.catalog.losses`, and the loss of a whole model.

Every loss is a plain function ``loss(y_true, y_pred) -> scalar`` over image batches
[B, H, W, C] in [0, 1], written with TensorFlow ops, so it works in a ``tf.function``, under
XLA and ``tf.distribute``, and as a Keras ``compile(loss=...)`` function. Each is 0 for
identical images and positive otherwise, and averages over the batch (one figure per batch).

:class:`ModelLoss` turns a spec's ``training`` section into the loss of every model output:
the weighted sum of the face losses per ``face_out_<side>`` (optionally weighted by the
target's mask: the penalized mask loss), plus the mask loss per ``mask_out_<side>``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import tensorflow as tf

from phazer.sides import face_out, is_mask_out, mask_out, output_scale, side_of
from phazer.spec.training import TrainingSpec

LossFunction = Callable[[tf.Tensor, tf.Tensor], tf.Tensor]

SSIM_WINDOW = 11          # Gaussian window of SSIM (px), as in the SSIM paper
SSIM_SIGMA = 1.5
SSIM_K1, SSIM_K2 = 0.01, 0.03
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # per scale, finest first
GMSD_C = 0.0026           # GMSD's stabiliser for a [0, 1] data range (170 / 255**2)
SMOOTH_L1_BETA = 0.1      # smooth L1 is quadratic below this error, linear above
FFL_ALPHA = 1.0           # focal frequency loss: how strongly hard frequencies are favoured
LAPLACIAN_LEVELS = 4      # band-pass levels of the Laplacian pyramid loss
_STD_EPS = 1e-12


def _pixel_mean(values: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(tf.cast(values, tf.float32))


def mae(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """Mean absolute error."""
    return _pixel_mean(tf.abs(y_pred - y_true))


def mse(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """Mean squared error."""
    return _pixel_mean(tf.square(y_pred - y_true))


def logcosh(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """Mean of log(cosh(error)), computed without overflow as x + softplus(-2x) - log 2."""
    error = tf.cast(y_pred - y_true, tf.float32)
    return _pixel_mean(error + tf.nn.softplus(-2.0 * error) - math.log(2.0))


def smooth_l1(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """Smooth L1: quadratic for small errors, linear (as steady as mae) for large ones.

    ``0.5 e**2 / beta`` below ``beta`` (:data:`SMOOTH_L1_BETA`), ``|e| - beta/2`` above.
    """
    error = tf.abs(tf.cast(y_pred - y_true, tf.float32))
    beta = SMOOTH_L1_BETA
    return _pixel_mean(tf.where(error < beta, 0.5 * tf.square(error) / beta, error - 0.5 * beta))


def _gaussian_kernel(size: int, sigma: float, channels: int) -> tf.Tensor:
    """A normalised 1-D Gaussian as a depthwise kernel pair (rows, columns)."""
    offsets = tf.range(size, dtype=tf.float32) - (size - 1) / 2
    kernel = tf.exp(-tf.square(offsets) / (2.0 * sigma * sigma))
    kernel = kernel / tf.reduce_sum(kernel)
    rows = tf.tile(tf.reshape(kernel, [size, 1, 1, 1]), [1, 1, channels, 1])
    cols = tf.tile(tf.reshape(kernel, [1, size, 1, 1]), [1, 1, channels, 1])
    return rows, cols


def _blur(images: tf.Tensor, kernels: tuple[tf.Tensor, tf.Tensor], padding: str) -> tf.Tensor:
    """Separable Gaussian blur; ``padding`` is "VALID" or "REFLECT" (same size, mirrored)."""
    rows, cols = kernels
    if padding == "REFLECT":
        half = rows.shape[0] // 2
        images = tf.pad(images, [[0, 0], [half, half], [half, half], [0, 0]], mode="REFLECT")
        padding = "VALID"
    out = tf.nn.depthwise_conv2d(images, rows, [1, 1, 1, 1], padding)
    return tf.nn.depthwise_conv2d(out, cols, [1, 1, 1, 1], padding)


def _ssim_parts(x: tf.Tensor, y: tf.Tensor, window: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Per-image mean SSIM and mean contrast-structure term ([B] each), 'valid' windows."""
    channels = x.shape[-1]
    kernels = _gaussian_kernel(window, SSIM_SIGMA * window / SSIM_WINDOW, channels)
    mean_x, mean_y = _blur(x, kernels, "VALID"), _blur(y, kernels, "VALID")
    var_x = _blur(x * x, kernels, "VALID") - mean_x * mean_x
    var_y = _blur(y * y, kernels, "VALID") - mean_y * mean_y
    cov = _blur(x * y, kernels, "VALID") - mean_x * mean_y
    c1, c2 = SSIM_K1 ** 2, SSIM_K2 ** 2
    luminance = (2.0 * mean_x * mean_y + c1) / (mean_x * mean_x + mean_y * mean_y + c1)
    contrast = (2.0 * cov + c2) / (var_x + var_y + c2)
    return (tf.reduce_mean(luminance * contrast, axis=[1, 2, 3]),
            tf.reduce_mean(contrast, axis=[1, 2, 3]))


def _window_for(side: int) -> int:
    """The SSIM window for an image side: 11 px, or the largest odd size that fits."""
    return min(SSIM_WINDOW, side if side % 2 else side - 1)


def ssim(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """1 - structural similarity (11 px Gaussian window, per channel)."""
    x, y = tf.cast(y_true, tf.float32), tf.cast(y_pred, tf.float32)
    value, _ = _ssim_parts(x, y, _window_for(min(x.shape[1], x.shape[2])))
    return 1.0 - tf.reduce_mean(value)


def ms_ssim(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """1 - multi-scale SSIM: contrast-structure at the finer scales, full SSIM at the coarsest.

    The image is halved up to five times; scales smaller than the SSIM window are dropped and
    the remaining scale weights renormalised, so small (64 px) faces work.
    """
    x, y = tf.cast(y_true, tf.float32), tf.cast(y_pred, tf.float32)
    side = min(x.shape[1], x.shape[2])
    scales = 1
    while scales < len(MS_SSIM_WEIGHTS) and side // 2 ** scales >= SSIM_WINDOW:
        scales += 1
    weights = MS_SSIM_WEIGHTS[:scales]
    total = sum(weights)
    result = tf.ones([tf.shape(x)[0]])
    for level, weight in enumerate(weights):
        full, contrast = _ssim_parts(x, y, _window_for(side // 2 ** level))
        term = full if level == scales - 1 else contrast
        # negative similarities (anti-correlated windows) would make the power undefined
        result = result * tf.pow(tf.maximum(term, 1e-6), weight / total)
        if level < scales - 1:
            x = tf.nn.avg_pool2d(x, 2, 2, "VALID")
            y = tf.nn.avg_pool2d(y, 2, 2, "VALID")
    return 1.0 - tf.reduce_mean(result)


def _grey(images: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(tf.cast(images, tf.float32), axis=-1, keepdims=True)


def gmsd(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """Gradient magnitude similarity deviation: how unevenly the edge strengths agree.

    The spread (standard deviation) of the per-pixel similarity of the two images' gradient
    magnitudes (Prewitt filters on the grey image).
    """
    prewitt = tf.constant([[1.0, 0.0, -1.0]] * 3) / 3.0
    kernel = tf.stack([prewitt, tf.transpose(prewitt)], axis=-1)[:, :, None, :]

    def magnitude(images: tf.Tensor) -> tf.Tensor:
        grads = tf.nn.conv2d(_grey(images), kernel, 1, "VALID")
        return tf.sqrt(tf.reduce_sum(tf.square(grads), axis=-1) + _STD_EPS)

    m_true, m_pred = magnitude(y_true), magnitude(y_pred)
    similarity = (2.0 * m_true * m_pred + GMSD_C) / (
        m_true * m_true + m_pred * m_pred + GMSD_C)
    variance = tf.math.reduce_variance(similarity, axis=[1, 2])
    # sqrt has an infinite slope at 0: shift it so identical images still give exactly 0
    return tf.reduce_mean(tf.sqrt(variance + _STD_EPS) - math.sqrt(_STD_EPS))


def ffl(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """Focal frequency loss: distance of the 2-D spectra, focused on the hardest frequencies.

    The squared distance of the orthonormal FFTs (per channel), each frequency weighted by its
    own distance (normalised per image, not differentiated), so the frequencies the model gets
    most wrong count most.
    """
    def spectrum(images: tf.Tensor) -> tf.Tensor:
        channels_first = tf.transpose(tf.cast(images, tf.float32), [0, 3, 1, 2])
        side = math.sqrt(float(images.shape[1] * images.shape[2]))
        return tf.signal.fft2d(tf.complex(channels_first, 0.0)) / side

    diff = spectrum(y_pred) - spectrum(y_true)
    distance = tf.square(tf.math.real(diff)) + tf.square(tf.math.imag(diff))
    focus = tf.pow(tf.sqrt(distance), FFL_ALPHA)
    peak = tf.reduce_max(focus, axis=[1, 2, 3], keepdims=True)
    weight = tf.stop_gradient(tf.math.divide_no_nan(focus, peak))
    return tf.reduce_mean(weight * distance)


def laplacian(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """Laplacian pyramid loss: differences of band-pass images at several scales.

    The mean absolute difference of the band-pass images (image minus its blurred self) at up
    to :data:`LAPLACIAN_LEVELS` octaves; flat colour is ignored.
    """
    x, y = tf.cast(y_true, tf.float32), tf.cast(y_pred, tf.float32)
    kernels = _gaussian_kernel(5, 1.0, x.shape[-1])
    total, weights = 0.0, 0.0
    for level in range(LAPLACIAN_LEVELS):
        if min(x.shape[1], x.shape[2]) < 8:
            break
        blur_x, blur_y = _blur(x, kernels, "REFLECT"), _blur(y, kernels, "REFLECT")
        weight = 2.0 ** level   # a coarse level has fewer pixels per unit of image area
        total += weight * tf.reduce_mean(tf.abs((x - blur_x) - (y - blur_y)))
        weights += weight
        x, y = tf.nn.avg_pool2d(blur_x, 2, 2, "VALID"), tf.nn.avg_pool2d(blur_y, 2, 2, "VALID")
    return total / weights


LOSS_FUNCTIONS: dict[str, LossFunction] = {
    "mae": mae, "mse": mse, "logcosh": logcosh, "smooth_l1": smooth_l1, "ssim": ssim,
    "ms_ssim": ms_ssim, "gmsd": gmsd, "ffl": ffl, "laplacian": laplacian,
}


def get_loss(name: str) -> LossFunction:
    """The loss function of a catalog name.

    Raises:
        KeyError: the name has no implementation.
    """
    return LOSS_FUNCTIONS[name]


def _target(targets: Mapping[str, tf.Tensor], output: str, scale: int | None) -> tf.Tensor:
    """The target of ``output``.

    A multiscale face (``face_out_a_32``) gets the side's full-size target area-resized.
    """
    if scale is None:
        return tf.cast(targets[output], tf.float32)
    name = output if output in targets else face_out(side_of(output))
    true = tf.cast(targets[name], tf.float32)
    return tf.image.resize(true, (scale, scale), method="area")


class ModelLoss:
    """The loss of every output of a model, as configured by a spec's ``training`` section.

    Args:
        training: the spec's training section (losses, mask loss, penalized mask loss).
        output_names: the model's outputs (``face_out_<side>``, ``mask_out_<side>``).
        masks_in_targets: the targets carry ``mask_out_<side>`` (the data pipeline's masks);
            needed for the penalized mask loss and the mask outputs.
    """

    def __init__(self, training: TrainingSpec, output_names: list[str],
                 masks_in_targets: bool) -> None:
        self.output_names = list(output_names)
        self.face_terms = [(term.function, float(term.weight), get_loss(term.function))
                           for term in training.losses]
        self.mask_function = get_loss(training.mask_loss)
        self.mask_loss_name = training.mask_loss
        self.penalize = training.penalized_mask_loss and masks_in_targets
        self.masks_in_targets = masks_in_targets

    @property
    def needs_masks(self) -> bool:
        """Whether the targets must carry masks (mask outputs or the penalized mask loss)."""
        return self.penalize or any(is_mask_out(n) for n in self.output_names)

    def term_names(self) -> list[str]:
        """Names of the terms :meth:`terms` returns, e.g. ``face_out_a/ssim``."""
        names = []
        for output in self.output_names:
            if is_mask_out(output):
                names.append(f"{output}/{self.mask_loss_name}")
            else:
                names.extend(f"{output}/{name}" for name, _, _ in self.face_terms)
        return names

    def terms(self, targets: Mapping[str, tf.Tensor], predictions: Mapping[str, tf.Tensor]
              ) -> dict[str, tf.Tensor]:
        """Every weighted loss term, keyed ``<output>/<loss>`` (their sum is the total)."""
        result: dict[str, tf.Tensor] = {}
        for output in self.output_names:
            pred = tf.cast(predictions[output], tf.float32)
            scale = output_scale(output)
            true = _target(targets, output, scale)
            if is_mask_out(output):
                result[f"{output}/{self.mask_loss_name}"] = self.mask_function(true, pred)
                continue
            if self.penalize:
                mask = _target(targets, mask_out(side_of(output)), scale)
                true, pred = true * mask, pred * mask
            for name, weight, function in self.face_terms:
                result[f"{output}/{name}"] = weight * function(true, pred)
        return result

    @staticmethod
    def per_output(terms: Mapping[str, float]) -> dict[str, float]:
        """Sum the terms of each output: ``{"face_out_a": ..., "mask_out_a": ...}``."""
        totals: dict[str, float] = {}
        for key, value in terms.items():
            output = key.split("/", 1)[0]
            totals[output] = totals.get(output, 0.0) + float(value)
        return totals
