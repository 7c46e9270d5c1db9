"""Custom Keras 3 layers the IR needs beyond ``keras.layers``.

Every layer is written with ``keras.ops`` only (so it runs on any Keras backend), is registered
as serializable under the ``phazer`` package (a saved ``.keras`` file loads back with
``safe_mode=True``) and keeps its statistics in float32 where mixed precision could hurt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
from keras import ops

_PACKAGE = "phazer"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PixelShuffle(keras.layers.Layer):
    """Sub-pixel upscaling (depth to space) on NHWC tensors.

    The channel axis is read as ``(row offset, column offset, output channel)`` with the
    output channel varying fastest, i.e. the same order as TensorFlow's ``depth_to_space``
    and faceswap's ``PixelShuffler``: input channel ``(i * scale + j) * C + c`` lands on
    output pixel ``(y * scale + i, x * scale + j)``, channel ``c``.

    Args:
        scale: the upscaling factor (channels must be divisible by ``scale ** 2``).
        **kwargs: standard layer arguments (``name``, ``dtype``, ...).
    """

    def __init__(self, scale: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = int(scale)

    def call(self, inputs: Any) -> Any:
        """Apply the layer."""
        r = self.scale
        channels = inputs.shape[-1]
        out_channels = channels // (r * r)
        shape = ops.shape(inputs)
        height, width = shape[1], shape[2]
        x = ops.reshape(inputs, (-1, height, width, r, r, out_channels))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
        return ops.reshape(x, (-1, height * r, width * r, out_channels))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """The output shape for an input shape."""
        batch, height, width, channels = input_shape
        r = self.scale
        return (batch, None if height is None else height * r,
                None if width is None else width * r, channels // (r * r))

    def get_config(self) -> dict[str, Any]:
        """The layer's constructor arguments."""
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ResizeImages(keras.layers.Layer):
    """Resize NHWC images by an integer factor (faceswap's ``KResizeImages``).

    Args:
        size: the scale factor applied to height and width.
        interpolation: ``"nearest"`` or ``"bilinear"`` (any ``keras.ops.image.resize`` mode).
        **kwargs: standard layer arguments.
    """

    def __init__(self, size: int = 2, interpolation: str = "nearest", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size = int(size)
        self.interpolation = interpolation

    def call(self, inputs: Any) -> Any:
        """Apply the layer."""
        height, width = inputs.shape[1], inputs.shape[2]
        if height is None or width is None:
            shape = ops.shape(inputs)
            height, width = shape[1], shape[2]
        resized = ops.image.resize(inputs, (height * self.size, width * self.size),
                                   interpolation=self.interpolation)
        return ops.cast(resized, inputs.dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """The output shape for an input shape."""
        batch, height, width, channels = input_shape
        return (batch, None if height is None else height * self.size,
                None if width is None else width * self.size, channels)

    def get_config(self) -> dict[str, Any]:
        """The layer's constructor arguments."""
        return {**super().get_config(), "size": self.size, "interpolation": self.interpolation}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ReflectionPadding2D(keras.layers.Layer):
    """Pad height and width of NHWC tensors by mirroring the border (edge not repeated).

    Args:
        padding: pixels added on every side (an int), or ``((top, bottom), (left, right))``.
        **kwargs: standard layer arguments.
    """

    def __init__(self, padding: int | Sequence[Sequence[int]] = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        (top, bottom), (left, right) = padding
        self.padding = ((int(top), int(bottom)), (int(left), int(right)))

    def call(self, inputs: Any) -> Any:
        """Apply the layer."""
        return ops.pad(inputs, ((0, 0), *self.padding, (0, 0)), mode="reflect")

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """The output shape for an input shape."""
        batch, height, width, channels = input_shape
        (top, bottom), (left, right) = self.padding
        return (batch, None if height is None else height + top + bottom,
                None if width is None else width + left + right, channels)

    def get_config(self) -> dict[str, Any]:
        """The layer's constructor arguments."""
        return {**super().get_config(), "padding": [list(pair) for pair in self.padding]}


def statistics_dtype(dtype: Any) -> str:
    """The dtype normalisation statistics are computed in: float32, or float64 for float64."""
    return "float64" if keras.backend.standardize_dtype(dtype) == "float64" else "float32"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class AdaIN(keras.layers.Layer):
    """Adaptive instance normalization (Huang & Belongie, 2017); no weights of its own.

    Called on ``[features, beta, gamma]`` (faceswap's order): each example's features are
    normalised per channel over the spatial axes as faceswap's ``AdaInstanceNormalization`` does,
    ``(x - mean) / (std + epsilon)`` (the population standard deviation; epsilon added to it,
    not to the variance), then scaled by ``gamma`` and shifted by ``beta``. ``gamma``/``beta``
    have one value per channel (shape ``(batch, C)`` or already broadcastable) and are
    broadcast over the spatial axes. The statistics are computed in float32 whatever the
    compute dtype (float64 for float64), and the result cast back.

    Args:
        epsilon: added to the standard deviation.
        **kwargs: standard layer arguments.
    """

    def __init__(self, epsilon: float = 1e-3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, inputs: Any) -> Any:
        """Apply the layer."""
        features, beta, gamma = inputs
        wide = statistics_dtype(features.dtype)
        x = ops.cast(features, wide)
        axes = tuple(range(1, len(features.shape) - 1))
        mean = ops.mean(x, axis=axes, keepdims=True)
        std = ops.sqrt(ops.var(x, axis=axes, keepdims=True))
        normed = (x - mean) / (std + self.epsilon)
        gamma = self._broadcastable(ops.cast(gamma, wide), len(features.shape))
        beta = self._broadcastable(ops.cast(beta, wide), len(features.shape))
        return ops.cast(normed * gamma + beta, features.dtype)

    @staticmethod
    def _broadcastable(style: Any, rank: int) -> Any:
        while len(style.shape) < rank:
            style = ops.expand_dims(style, 1)
        return style

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for an input shape."""
        return tuple(input_shape[0])

    def get_config(self) -> dict[str, Any]:
        """The layer's constructor arguments."""
        return {**super().get_config(), "epsilon": self.epsilon}



@keras.saving.register_keras_serializable(package=_PACKAGE)
class InstanceNormalization(keras.layers.Layer):
    """faceswap's instance normalization: each example normalised over all its values.

    As faceswap's ``InstanceNormalization`` with its default ``axis=None`` (the layer Phaze-A
    uses for ``dec_norm`` and ``bottleneck_norm`` = ``instance``): the mean and standard
    deviation are taken over every non-batch axis of one example, the result is
    ``(x - mean) / (std + epsilon)``, then scaled and shifted by a single learned ``gamma``
    and ``beta`` (two weights in all). Statistics are computed in float32 (float64 for float64).

    Args:
        epsilon: added to the standard deviation.
        **kwargs: standard layer arguments.
    """

    def __init__(self, epsilon: float = 1e-3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def build(self, input_shape: Any) -> None:
        """Create the scalar ``gamma`` and ``beta``."""
        self.gamma = self.add_weight(shape=(1,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(1,), initializer="zeros", name="beta")

    def call(self, inputs: Any) -> Any:
        """Apply the layer."""
        wide = statistics_dtype(inputs.dtype)
        x = ops.cast(inputs, wide)
        axes = tuple(range(1, len(inputs.shape)))
        mean = ops.mean(x, axis=axes, keepdims=True)
        std = ops.sqrt(ops.var(x, axis=axes, keepdims=True))
        normed = (x - mean) / (std + self.epsilon)
        gamma = ops.cast(self.gamma, wide)
        beta = ops.cast(self.beta, wide)
        return ops.cast(normed * gamma + beta, inputs.dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """The output shape for an input shape."""
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        """The layer's constructor arguments."""
        return {**super().get_config(), "epsilon": self.epsilon}
