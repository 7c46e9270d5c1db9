"""A transposed convolution that computes what faceswap's computes, on any Keras backend.

faceswap runs Keras 3.14 on PyTorch (its requirements pin ``keras>=3.14.1,<3.15``). There, a
``Conv2DTranspose`` with ``padding="same"`` becomes torch's ``conv_transpose2d`` with a
symmetric ``padding`` and an ``output_padding`` added at the end, while TensorFlow (and Keras
3.15's PyTorch backend) crop the full transposed convolution asymmetrically, the end first.
The two agree for even kernels; for odd ones with a stride above 1 they do not: with faceswap's
3x3 kernel and stride 2 (the resize-images upscaler) faceswap's output is TensorFlow's moved
by one pixel. :class:`Conv2DTranspose` computes faceswap's window on every backend: the full
(``"valid"``) transposed convolution, then torch's crop. It keeps Keras' class name, so its
weights are saved and found under the same ``conv2d_transpose`` groups.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


def torch_window(kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """Where Keras 3.14's PyTorch backend crops a ``"same"`` transposed convolution.

    Returns:
        ``(padding, output_padding)``: torch drops ``padding`` values from the start of the full
        output (``(n - 1) * stride + effective kernel`` long), ``padding`` from its end, then
        appends ``output_padding`` zeros (before the bias); the result is ``n * stride`` long.
        torch needs ``output_padding < stride``; where that fails (an even kernel with stride
        1) faceswap's layer cannot run at all, and :class:`Conv2DTranspose` computes Keras'.
    """
    span = (kernel - 1) * dilation + 1
    wanted = stride - span % 2
    padding = max(-((span % 2 - span + wanted) // 2), 0)
    return padding, 2 * padding + span % 2 - span + wanted


@keras.saving.register_keras_serializable(package="phazer")
class Conv2DTranspose(keras.layers.Conv2DTranspose):
    """Keras' ``Conv2DTranspose``, its ``"same"`` output cropped as faceswap's (torch's) is.

    Same arguments, weights and output shape as ``keras.layers.Conv2DTranspose``; only the
    window of a ``"same"`` output with channels last differs (:func:`torch_window`).
    """

    def call(self, inputs: Any) -> Any:
        """Apply the layer."""
        sizes = inputs.shape[1:3]
        if self.padding != "same" or self.data_format != "channels_last" or any(
                self.output_padding or ()) or None in sizes or any(
                torch_window(k, s, d)[1] >= s for k, s, d in zip(
                    self.kernel_size, self.strides, self.dilation_rate, strict=True)):
            return super().call(inputs)
        full = ops.conv_transpose(inputs, self.kernel, strides=list(self.strides),
                                  padding="valid", dilation_rate=self.dilation_rate,
                                  data_format="channels_last")
        for axis, (size, kernel, stride, dilation) in enumerate(zip(
                sizes, self.kernel_size, self.strides, self.dilation_rate,
                strict=True), start=1):
            full = self._crop(full, axis, int(size), kernel, stride, dilation)
        if self.use_bias:
            full = ops.add(full, ops.reshape(self.bias, (1, 1, 1, self.filters)))
        return self.activation(full) if self.activation is not None else full

    @staticmethod
    def _crop(full: Any, axis: int, size: int, kernel: int, stride: int, dilation: int) -> Any:
        """Torch's window of one spatial axis of the full output (zeros where it runs past)."""
        padding, _ = torch_window(kernel, stride, dilation)
        length = size * stride
        have = int(full.shape[axis]) - padding
        if have < length:   # torch's output padding: zeros at the end
            pad = [(0, 0)] * 4
            pad[axis] = (0, length - have)
            full = ops.pad(full, pad)
        index = [slice(None)] * 4
        index[axis] = slice(padding, padding + length)
        return full[tuple(index)]
