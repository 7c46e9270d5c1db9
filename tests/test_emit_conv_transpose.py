"""phazer's Conv2DTranspose computes torch's window, as faceswap's (Keras 3.14 on PyTorch) does.

The reference is the definition of torch's ``conv_transpose2d``: every input pixel adds
``kernel * value`` at ``y * stride + i`` of the full output, then ``padding`` values are cut
from each end and ``output_padding`` zeros appended (Keras 3.14's PyTorch backend picks both
from the kernel and stride). faceswap's own outputs through such a layer (the resize-images
upscaler of the pa02 and pa07 model folders) are checked in tests/test_faceswap_folder_keras.py.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.keras


def _torch_reference(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int,
                     padding: int, extra: int) -> np.ndarray:
    """torch's conv_transpose2d on NHWC data with a Keras (kh, kw, out, in) kernel."""
    batch, height, width, _ = x.shape
    kh, kw, filters, _ = kernel.shape
    full = np.zeros((batch, (height - 1) * stride + kh, (width - 1) * stride + kw, filters))
    for y in range(height):
        for z in range(width):
            full[:, y * stride:y * stride + kh, z * stride:z * stride + kw] += np.einsum(
                "nc,ijoc->nijo", x[:, y, z], kernel)
    full = np.pad(full, ((0, 0), (0, extra), (0, extra), (0, 0)))
    out = full[:, padding:full.shape[1] - padding, padding:full.shape[2] - padding]
    return out + bias


@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_same_padding_is_torchs_window(kernel: int, stride: int) -> None:
    from phazer.emit.conv_transpose import Conv2DTranspose, torch_window

    rng = np.random.default_rng(kernel * 10 + stride)
    x = rng.normal(size=(2, 5, 4, 3)).astype("float32")
    layer = Conv2DTranspose(6, kernel, strides=stride, padding="same")
    out = np.asarray(layer(x))
    weights, bias = (np.asarray(w) for w in layer.weights)
    bias = rng.normal(size=bias.shape).astype("float32")
    layer.weights[1].assign(bias)
    out = np.asarray(layer(x))
    padding, extra = torch_window(kernel, stride)
    if extra >= stride:     # torch refuses it (faceswap cannot run it): TensorFlow's window
        start = (kernel - stride) // 2
        expected = _torch_reference(x, weights, bias, stride, 0, 0)[
            :, start:start + 5 * stride, start:start + 4 * stride]
    else:
        expected = _torch_reference(x, weights, bias, stride, padding, extra)
    assert out.shape == (2, 5 * stride, 4 * stride, 6) == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_odd_kernel_stride_two_is_keras_tensorflow_moved_by_one_pixel() -> None:
    """faceswap's resize-images upscaler (3x3, stride 2): TensorFlow's window one pixel on."""
    import keras

    from phazer.emit.conv_transpose import Conv2DTranspose

    x = np.random.default_rng(0).normal(size=(1, 4, 4, 2)).astype("float32")
    ours = Conv2DTranspose(3, 3, strides=2, padding="same")
    stock = keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same")
    ours.build(x.shape)
    stock.build(x.shape)
    for mine, theirs in zip(ours.weights, stock.weights, strict=True):
        theirs.assign(mine)
    a, b = np.asarray(ours(x)), np.asarray(stock(x))
    np.testing.assert_allclose(a[:, :-1, :-1], b[:, 1:, 1:], atol=1e-6)
    assert np.abs(a - b).max() > 1e-2
    # even kernels: both backends crop the same way
    even, stock_even = (Conv2DTranspose(3, 4, strides=2, padding="same"),
                        keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same"))
    even.build(x.shape)
    stock_even.build(x.shape)
    for mine, theirs in zip(even.weights, stock_even.weights, strict=True):
        theirs.assign(mine)
    np.testing.assert_allclose(np.asarray(even(x)), np.asarray(stock_even(x)), atol=1e-6)


def test_keeps_keras_class_name_and_round_trips() -> None:
    """The weights' HDF5 groups stay ``conv2d_transpose``; a saved model loads it back."""
    import keras

    from phazer.emit.conv_transpose import Conv2DTranspose

    layer = Conv2DTranspose(4, 3, strides=2, padding="same", name="up")
    assert type(layer).__name__ == "Conv2DTranspose"
    revived = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(revived) is Conv2DTranspose
