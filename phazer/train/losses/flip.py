"""NVIDIA's LDR-FLIP perceptual error map, as faceswap computes it (``lib/model/losses/flip.py``).

FLIP compares two images as an observer would see them from a set viewing distance: a colour
error (the images filtered by the eye's contrast sensitivity, compared in Hunt-adjusted
L*a*b* with the HyAB distance) raised to a power set by a feature error (edges and points of
the achromatic channel). phazer's tensors are RGB, so no channel swap is needed: the result
equals faceswap's for a model training in either colour order.
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

from phazer.train.losses.filters import Tensor, as_float, filter2d, pad_same, safe_sqrt

COLOR_EXPONENT = 0.7          # qc: applied to the HyAB distance
FEATURE_EXPONENT = 0.5        # qf
LOWER_THRESHOLD = 0.4         # pc
UPPER_THRESHOLD = 0.95        # pt
EPSILON = 1e-15
PIXELS_PER_DEGREE = (0.7 * 3840 / 0.7) * math.pi / 180   # a 0.7 m wide 4K screen at 0.7 m
FEATURE_WIDTH = 0.082

# linear sRGB -> XYZ (D65) and the reference white
_RGB_TO_XYZ = np.array([[10135552 / 24577794, 8788810 / 24577794, 4435075 / 24577794],
                        [2613072 / 12288897, 8788810 / 12288897, 887015 / 12288897],
                        [1425312 / 73733382, 8788810 / 73733382, 70074185 / 73733382]])
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE = np.array([0.950428545, 1.0, 1.088900371], dtype="float32")
# contrast sensitivity of the achromatic, red-green and blue-yellow channels: (a1, b1, a2, b2)
_CSF = {"A": (1.0, 0.0047, 0.0, 1e-5), "RG": (1.0, 0.0053, 0.0, 1e-5),
        "BY": (34.1, 0.04, 13.5, 0.025)}


def _mix(images: Tensor, matrix: np.ndarray) -> Tensor:
    """Per-pixel ``matrix @ colour`` over the channel axis."""
    return ops.matmul(images, ops.convert_to_tensor(matrix.T.astype("float32")))


def _xyz_to_opponent(xyz: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """XYZ over the white point -> (x, y, z) channels."""
    scaled = xyz * ops.convert_to_tensor(1.0 / _WHITE)
    return scaled[..., 0:1], scaled[..., 1:2], scaled[..., 2:3]


def srgb_to_ycxcz(images: Tensor) -> Tensor:
    """Convert sRGB in [0, 1] to YCxCz (linearised, to XYZ, then opponent axes)."""
    limit = 0.04045
    linear = ops.where(images > limit,
                       ops.power((ops.maximum(images, limit) + 0.055) / 1.055, 2.4),
                       images / 12.92)
    x, y, z = _xyz_to_opponent(_mix(linear, _RGB_TO_XYZ))
    return ops.concatenate([116.0 * y - 16.0, 500.0 * (x - y), 200.0 * (y - z)], axis=-1)


def ycxcz_to_rgb(images: Tensor) -> Tensor:
    """YCxCz -> linear RGB."""
    y = (images[..., 0:1] + 16.0) / 116.0
    xyz = ops.concatenate([y + images[..., 1:2] / 500.0, y, y - images[..., 2:3] / 200.0],
                          axis=-1) * ops.convert_to_tensor(_WHITE)
    return _mix(xyz, _XYZ_TO_RGB)


def rgb_to_lab(images: Tensor) -> Tensor:
    """Linear RGB -> CIE L*a*b*."""
    delta = 6.0 / 29.0
    x, y, z = _xyz_to_opponent(_mix(images, _RGB_TO_XYZ))

    def curve(values: Tensor) -> Tensor:
        cube = delta ** 3
        return ops.where(values > cube, ops.power(ops.maximum(values, cube), 1.0 / 3.0),
                         values / (3.0 * delta ** 2) + 4.0 / 29.0)

    x, y, z = curve(x), curve(y), curve(z)
    return ops.concatenate([116.0 * y - 16.0, 500.0 * (x - y), 200.0 * (y - z)], axis=-1)


def _hunt(lab: Tensor) -> Tensor:
    lightness = lab[..., 0:1]
    return ops.concatenate([lightness, lab[..., 1:] * (lightness * 0.01)], axis=-1)


def _hyab(first: Tensor, second: Tensor) -> Tensor:
    delta = first - second
    lightness = ops.sqrt(ops.maximum(ops.square(delta[..., 0:1]), EPSILON))
    return lightness + safe_sqrt(ops.sum(ops.square(delta[..., 1:3]), axis=-1, keepdims=True))


def _max_color_distance() -> float:
    """The HyAB distance between pure green and pure blue, to the colour exponent (numpy)."""
    delta = 6.0 / 29.0

    def hunt_lab(rgb: np.ndarray) -> np.ndarray:
        xyz = (_RGB_TO_XYZ @ rgb) / _WHITE
        f = np.where(xyz > delta ** 3, np.cbrt(np.maximum(xyz, delta ** 3)),
                     xyz / (3.0 * delta ** 2) + 4.0 / 29.0)
        lightness = 116.0 * f[1] - 16.0
        return np.array([lightness, 500.0 * (f[0] - f[1]) * lightness * 0.01,
                         200.0 * (f[1] - f[2]) * lightness * 0.01])

    diff = hunt_lab(np.array([0.0, 1.0, 0.0])) - hunt_lab(np.array([0.0, 0.0, 1.0]))
    distance = max(abs(diff[0]), math.sqrt(EPSILON)) + float(np.hypot(diff[1], diff[2]))
    return float(distance) ** COLOR_EXPONENT


def _csf_kernels() -> np.ndarray:
    """The three contrast-sensitivity filters as depthwise kernels (k, k, 3, 1)."""
    widest = max(max(b_1, b_2) for _, b_1, _, b_2 in _CSF.values())
    radius = int(np.ceil(3 * np.sqrt(widest / (2 * np.pi ** 2)) * PIXELS_PER_DEGREE))
    grid_x, grid_y = np.meshgrid(range(-radius, radius + 1), range(-radius, radius + 1))
    domain = (grid_x / PIXELS_PER_DEGREE) ** 2 + (grid_y / PIXELS_PER_DEGREE) ** 2
    kernels = []
    for a_1, b_1, a_2, b_2 in _CSF.values():
        weights = (a_1 * np.sqrt(np.pi / b_1) * np.exp(-np.pi ** 2 * domain / b_1)
                   + a_2 * np.sqrt(np.pi / b_2) * np.exp(-np.pi ** 2 * domain / b_2))
        kernels.append(weights / weights.sum())
    return np.stack(kernels, axis=-1)[:, :, :, None].astype("float32")


def _feature_kernels() -> tuple[np.ndarray, np.ndarray]:
    """Edge and point detectors along x (Gaussian derivatives, each sign summing to 1)."""
    std = 0.5 * FEATURE_WIDTH * PIXELS_PER_DEGREE
    radius = int(np.ceil(3 * std))
    grid_x, grid_y = np.meshgrid(range(-radius, radius + 1), range(-radius, radius + 1))
    gaussian = np.exp(-(grid_x ** 2 + grid_y ** 2) / (2 * std ** 2))
    result = []
    for kernel in (-grid_x * gaussian, (grid_x ** 2 / std ** 2 - 1) * gaussian):
        kernel = kernel.astype("float32")
        negative, positive = -kernel[kernel < 0].sum(), kernel[kernel > 0].sum()
        result.append(np.where(kernel < 0, kernel / negative, kernel / positive))
    return result[0], result[1]


def _color_error(true: Tensor, pred: Tensor) -> Tensor:
    kernel = _csf_kernels()
    radius = kernel.shape[0] // 2
    c_max = _max_color_distance()

    def perceived(ycxcz: Tensor) -> Tensor:
        filtered = filter2d(pad_same(ycxcz, radius, "edge"), kernel)
        return _hunt(rgb_to_lab(ops.clip(ycxcz_to_rgb(filtered), 0.0, 1.0)))

    power = ops.power(_hyab(perceived(true), perceived(pred)), COLOR_EXPONENT)
    knee = LOWER_THRESHOLD * c_max
    return ops.where(power < knee, (UPPER_THRESHOLD / knee) * power,
                     UPPER_THRESHOLD + ((power - knee) / (c_max - knee)) * (1.0 - UPPER_THRESHOLD))


def _feature_error(true: Tensor, pred: Tensor) -> Tensor:
    edge, point = _feature_kernels()
    radius = edge.shape[0] // 2

    def strength(ycxcz: Tensor, kernel: np.ndarray) -> Tensor:
        padded = pad_same((ycxcz[..., 0:1] + 16.0) / 116.0, radius, "edge")
        along_x, along_y = filter2d(padded, kernel), filter2d(padded, kernel.T)
        return safe_sqrt(ops.square(along_x) + ops.square(along_y))

    delta = ops.maximum(ops.abs(strength(true, edge) - strength(pred, edge)),
                        ops.abs(strength(pred, point) - strength(true, point)))
    delta = ops.maximum(delta, EPSILON)
    return ops.power((1.0 / math.sqrt(2.0)) * delta, FEATURE_EXPONENT)


def flip(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """The LDR-FLIP error per pixel, one channel (N, H, W, 1), for RGB batches in [0, 1]."""
    true = srgb_to_ycxcz(ops.clip(as_float(y_true), 0.0, 1.0))
    pred = srgb_to_ycxcz(ops.clip(as_float(y_pred), 0.0, 1.0))
    return ops.power(_color_error(true, pred), 1.0 - _feature_error(true, pred))
