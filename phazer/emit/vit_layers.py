"""Keras layers of the CLIP vision transformers.

They emit the IR's ``class_token``, ``position_embedding``, ``quick_gelu`` and ``take_token``
kinds. Written with ``keras.ops`` only and registered serializable under the ``phazer``
package, like :mod:`phazer.emit.layers`. The learned embeddings start as faceswap's do: normal
values scaled by ``width ** -0.5``; they are kept in float32 and cast to the compute dtype when
used.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

_PACKAGE = "phazer"


def _embedding_initializer(width: int) -> keras.initializers.Initializer:
    return keras.initializers.RandomNormal(stddev=float(width) ** -0.5)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ClassToken(keras.layers.Layer):
    """Prepend one learned token to a (batch, tokens, width) sequence."""

    def build(self, input_shape: tuple) -> None:
        """Create the token (``width`` values)."""
        width = int(input_shape[-1])
        self.token = self.add_weight(shape=(width,), name="class_embedding",
                                     initializer=_embedding_initializer(width))

    def call(self, inputs: Any) -> Any:
        """Apply the layer."""
        token = ops.cast(self.token, inputs.dtype)
        batch = ops.shape(inputs)[0]
        tokens = ops.broadcast_to(ops.reshape(token, (1, 1, -1)), (batch, 1, inputs.shape[-1]))
        return ops.concatenate([tokens, inputs], axis=1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """The output shape for an input shape."""
        batch, tokens, width = input_shape
        return (batch, None if tokens is None else tokens + 1, width)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PositionEmbedding(keras.layers.Layer):
    """Add a learned (tokens, width) table to a (batch, tokens, width) sequence."""

    def build(self, input_shape: tuple) -> None:
        """Create the table: one row per token."""
        tokens, width = int(input_shape[1]), int(input_shape[2])
        self.positions = self.add_weight(shape=(tokens, width), name="positional_embedding",
                                         initializer=_embedding_initializer(width))

    def call(self, inputs: Any) -> Any:
        """Apply the layer."""
        return inputs + ops.cast(self.positions, inputs.dtype)[None]


@keras.saving.register_keras_serializable(package=_PACKAGE)
class QuickGELU(keras.layers.Layer):
    """CLIP's GELU approximation: ``x * sigmoid(1.702 * x)``."""

    def call(self, inputs: Any) -> Any:
        """Apply the layer."""
        return inputs * ops.sigmoid(1.702 * inputs)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class TakeToken(keras.layers.Layer):
    """One token of a (batch, tokens, width) sequence: (batch, width).

    Args:
        index: which token (0: the class token).
        **kwargs: standard layer arguments.
    """

    def __init__(self, index: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = int(index)

    def call(self, inputs: Any) -> Any:
        """Apply the layer."""
        return inputs[:, self.index, :]

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """The output shape for an input shape."""
        return (input_shape[0], input_shape[2])

    def get_config(self) -> dict[str, Any]:
        """The layer's constructor arguments."""
        return {**super().get_config(), "index": self.index}
