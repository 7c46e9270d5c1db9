"""LPIPS, the learned perceptual distance, as faceswap computes it (``feature_loss.py``).

Both images go through a frozen ImageNet trunk (AlexNet, SqueezeNet 1.1 or VGG16, as
torchvision builds them); the features faceswap taps are normalised per pixel, their squared
differences cropped of their zero-padded border, weighted by the LPIPS linear layers (one
1 x 1 convolution to one channel per tap), resized back to the image (bilinear) and summed,
then scaled by 0.1. The map is (N, H, W, 1).

phazer never downloads: the weights come from one local ``.npz`` (``weights_file``), holding
``trunk/<torchvision name>`` (e.g. ``trunk/features.0.weight``, PyTorch layout
(out, in, kh, kw)) and ``linear/<i>`` ((1, C, 1, 1), one per tap in order), converted from
the two ``.pth`` files faceswap downloads (docs/training-data.md).

faceswap taps torchvision's convolution nodes; their in-place ReLU makes every tap the ReLU's
output except where faceswap's graph pruning drops that ReLU: AlexNet's last tap
(``features.10``) stays before its ReLU.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from keras import ops

from phazer.catalog.losses import LOSSES
from phazer.train.losses.errors import LossWeightsError
from phazer.train.losses.filters import Tensor, as_float, safe_sqrt, upsample

SHIFT = (-0.030, -0.088, -0.188)     # LPIPS input scaling (RGB), after mapping [0, 1] to [-1, 1]
SCALE = (0.458, 0.448, 0.450)
OUTPUT_FACTOR = 0.1                  # faceswap: "this loss is STRONG"
NORM_EPSILON = 1e-10

# The trunks as torchvision builds them: ("conv", name, in, out, kernel, stride, pad),
# ("relu",), ("pool", kernel, stride, ceil_mode), ("fire", name, in, squeeze, expand), and
# ("tap", crop): a feature faceswap uses and the border it crops from its difference.
_VGG_BLOCKS = ((3, 64, 0), (64, 64, 2), "pool", (64, 128, 5), (128, 128, 7), "pool",
               (128, 256, 10), (256, 256, 12), (256, 256, 14), "pool", (256, 512, 17),
               (512, 512, 19), (512, 512, 21), "pool", (512, 512, 24), (512, 512, 26),
               (512, 512, 28))
_VGG_TAPS = (2, 7, 14, 21, 28)


def _vgg16() -> tuple[tuple, ...]:
    steps: list[tuple] = []
    for block in _VGG_BLOCKS:
        if block == "pool":
            steps.append(("pool", 2, 2, False))
            continue
        cin, cout, index = block
        steps += [("conv", f"features.{index}", cin, cout, 3, 1, 1), ("relu",)]
        if index in _VGG_TAPS:
            steps.append(("tap", 1))
    return tuple(steps)


TRUNKS: dict[str, tuple[tuple, ...]] = {
    "alex": (
        ("conv", "features.0", 3, 64, 11, 4, 2), ("relu",), ("tap", 2), ("pool", 3, 2, False),
        ("conv", "features.3", 64, 192, 5, 1, 2), ("relu",), ("tap", 2), ("pool", 3, 2, False),
        ("conv", "features.6", 192, 384, 3, 1, 1), ("relu",), ("tap", 1),
        ("conv", "features.8", 384, 256, 3, 1, 1), ("relu",), ("tap", 1),
        ("conv", "features.10", 256, 256, 3, 1, 1), ("tap", 1)),
    "squeeze": (
        ("conv", "features.0", 3, 64, 3, 2, 0), ("relu",), ("tap", 1), ("pool", 3, 2, True),
        ("fire", "features.3", 64, 16, 64), ("fire", "features.4", 128, 16, 64), ("tap", 1),
        ("pool", 3, 2, True),
        ("fire", "features.6", 128, 32, 128), ("fire", "features.7", 256, 32, 128), ("tap", 1),
        ("pool", 3, 2, True),
        ("fire", "features.9", 256, 48, 192), ("tap", 1),
        ("fire", "features.10", 384, 48, 192), ("tap", 1),
        ("fire", "features.11", 384, 64, 256), ("tap", 1),
        ("fire", "features.12", 512, 64, 256), ("tap", 1)),
    "vgg16": _vgg16(),
}
"""Each trunk's layers up to its last tap."""


def _convs(trunk: str) -> dict[str, tuple[int, int, int]]:
    """Every convolution of a trunk: name -> (in, out, kernel)."""
    result = {}
    for step in TRUNKS[trunk]:
        if step[0] == "conv":
            result[step[1]] = (step[2], step[3], step[4])
        elif step[0] == "fire":
            _, name, cin, squeeze, expand = step
            result |= {f"{name}.squeeze": (cin, squeeze, 1),
                       f"{name}.expand1x1": (squeeze, expand, 1),
                       f"{name}.expand3x3": (squeeze, expand, 3)}
    return result


def tap_channels(trunk: str) -> list[int]:
    """The channels of each tapped feature (the LPIPS linear layers' inputs)."""
    channels, result = 3, []
    for step in TRUNKS[trunk]:
        if step[0] == "conv":
            channels = step[3]
        elif step[0] == "fire":
            channels = 2 * step[4]
        elif step[0] == "tap":
            result.append(channels)
    return result


def expected_arrays(trunk: str) -> dict[str, tuple[int, ...]]:
    """Every array a weights file must hold for ``trunk``, with its PyTorch shape."""
    arrays: dict[str, tuple[int, ...]] = {}
    for name, (cin, cout, kernel) in _convs(trunk).items():
        arrays[f"trunk/{name}.weight"] = (cout, cin, kernel, kernel)
        arrays[f"trunk/{name}.bias"] = (cout,)
    for index, channels in enumerate(tap_channels(trunk)):
        arrays[f"linear/{index}"] = (1, channels, 1, 1)
    return arrays


def _read(trunk: str, weights_file: str | None) -> dict[str, np.ndarray]:
    loss = f"lpips_{trunk}"
    files = " and ".join(LOSSES[loss].weights_files)
    if not weights_file:
        raise LossWeightsError(
            f"training.losses: {loss} needs pretrained weights, which phazer never downloads",
            f"set weights_file: on the {loss} term to an .npz converted from faceswap's "
            f"{files} (see docs/training-data.md, LPIPS weights)")
    path = Path(weights_file).expanduser()
    try:
        with np.load(path) as data:
            found = {key: data[key] for key in data.files}
    except (OSError, ValueError) as exc:
        raise LossWeightsError(
            f"training.losses: {loss} weights_file {path}: cannot be read ({exc})",
            f"convert faceswap's {files} to one .npz (see docs/training-data.md)") from None
    for key, shape in expected_arrays(trunk).items():
        if key not in found:
            raise LossWeightsError(
                f"training.losses: {loss} weights_file {path} lacks the array {key} "
                f"(shape {shape})",
                f"convert faceswap's {files} with the recipe in docs/training-data.md")
        if tuple(found[key].shape) != shape:
            raise LossWeightsError(
                f"training.losses: {loss} weights_file {path}: {key} has shape "
                f"{tuple(found[key].shape)}, expected {shape}",
                f"was it converted from faceswap's {files}?")
    return found


def check_weights_files(training: Any) -> None:
    """Read every LPIPS term's weights file now, before a model is built.

    Args:
        training: the spec's ``training:`` section.

    Raises:
        LossWeightsError: a term without its weights file, or one that cannot be used.
    """
    for term in training.losses:
        if term.function.startswith("lpips_"):
            _read(term.function.removeprefix("lpips_"), term.weights_file)


def _conv(images: Tensor, kernel: Any, bias: Any, stride: int, padding: int) -> Tensor:
    if padding:
        images = ops.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    out = ops.conv(images, kernel, strides=stride, padding="valid", data_format="channels_last")
    return out + bias


def _max_pool(images: Tensor, size: int, stride: int, ceil_mode: bool) -> Tensor:
    if ceil_mode:
        height = int(images.shape[1])
        outputs = -(-(height - size) // stride) + 1
        extra = (outputs - 1) * stride + size - height
        if extra:
            images = ops.pad(images, ((0, 0), (0, extra), (0, extra), (0, 0)),
                             constant_values=-np.inf)
    return ops.max_pool(images, size, stride, padding="valid", data_format="channels_last")


@dataclass(frozen=True)
class LPIPS:
    """One LPIPS trunk with its weights; call it as a loss: ``lpips(y_true, y_pred)``.

    Attributes:
        trunk: "alex", "squeeze" or "vgg16".
        weights: the arrays by name, as tensors in Keras layout.
    """

    trunk: str
    weights: dict[str, Any]

    @classmethod
    def load(cls, trunk: str, weights_file: str | None) -> LPIPS:
        """The loss of ``trunk`` with the weights of a local ``.npz``.

        Raises:
            LossWeightsError: no file given, or it is unreadable, lacks an array or has one of
                the wrong shape (the message names the file and faceswap's files).
        """
        return cls.from_arrays(trunk, _read(trunk, weights_file))

    @classmethod
    def from_arrays(cls, trunk: str, arrays: dict[str, np.ndarray]) -> LPIPS:
        """The loss from arrays in PyTorch layout (see :func:`expected_arrays`)."""
        weights = {}
        for key in expected_arrays(trunk):
            value = np.asarray(arrays[key], dtype="float32")
            if key.endswith(".weight") or key.startswith("linear/"):
                value = value.transpose(2, 3, 1, 0)       # (out, in, kh, kw) -> (kh, kw, in, out)
            weights[key] = ops.convert_to_tensor(value)
        return cls(trunk, weights)

    def _apply(self, name: str, images: Tensor, stride: int = 1, padding: int = 0) -> Tensor:
        return _conv(images, self.weights[f"trunk/{name}.weight"],
                     self.weights[f"trunk/{name}.bias"], stride, padding)

    def features(self, images: Tensor) -> list[Tensor]:
        """The tapped features of an NHWC batch already scaled for the trunk."""
        taps, current = [], images
        for step in TRUNKS[self.trunk]:
            kind = step[0]
            if kind == "conv":
                _, name, _, _, _, stride, padding = step
                current = self._apply(name, current, stride, padding)
            elif kind == "relu":
                current = ops.relu(current)
            elif kind == "pool":
                current = _max_pool(current, step[1], step[2], step[3])
            elif kind == "fire":
                squeezed = ops.relu(self._apply(f"{step[1]}.squeeze", current))
                current = ops.concatenate(
                    [ops.relu(self._apply(f"{step[1]}.expand1x1", squeezed)),
                     ops.relu(self._apply(f"{step[1]}.expand3x3", squeezed, padding=1))],
                    axis=-1)
            else:
                taps.append(current)
        return taps

    def __call__(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        """The LPIPS map (N, H, W, 1) of RGB batches in [0, 1]."""
        shift, scale = ops.convert_to_tensor(SHIFT), ops.convert_to_tensor(SCALE)
        size = int(y_true.shape[1])

        def scaled(images: Tensor) -> Tensor:
            return (as_float(images) * 2.0 - 1.0 - shift) / scale

        def normalised(feature: Tensor) -> Tensor:
            norm = safe_sqrt(ops.sum(ops.square(feature), axis=-1, keepdims=True))
            return feature / (norm + NORM_EPSILON)

        crops = [step[1] for step in TRUNKS[self.trunk] if step[0] == "tap"]
        total = None
        for index, (true, pred, crop) in enumerate(zip(
                self.features(scaled(y_true)), self.features(scaled(y_pred)), crops,
                strict=True)):
            diff = ops.square(normalised(true) - normalised(pred))
            if crop:
                diff = diff[:, crop:-crop, crop:-crop, :]
            weighted = ops.sum(diff * ops.reshape(self.weights[f"linear/{index}"], (-1,)),
                               axis=-1, keepdims=True)
            layer = upsample(weighted, size)
            total = layer if total is None else total + layer
        return total * OUTPUT_FACTOR
