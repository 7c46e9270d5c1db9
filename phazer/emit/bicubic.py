"""Bicubic resizing in numpy, computing what TensorFlow's ``tf.image.resize`` computes.

The backends' own bicubic resizes differ: PyTorch's uses the cubic kernel with ``a = -0.75``
and repeats the edge pixels, TensorFlow and JAX use Keys' kernel (``a = -0.5``) and drop the
taps that fall outside the image, renormalising the rest. A CLIP encoder's pretrained
positional embedding, resampled to another patch grid (:mod:`phazer.emit.pretrained`), must be
the same numbers whichever backend builds the model, so it is resampled here, without any
backend, exactly as TensorFlow's ``ResizeBicubic`` with half-pixel centres does it (the
resize phazer always used): each output sample at ``(i + 0.5) * in / out - 0.5``, its
fractional part rounded to 1/1024 to index TensorFlow's table of kernel weights, taps outside
the image weighted 0 and the remaining weights scaled to sum to 1; no antialiasing.
"""

from __future__ import annotations

import numpy as np

TABLE_SIZE = 1024
KEYS_A = -0.5


def _kernel_table() -> np.ndarray:
    """TensorFlow's table: row ``i``: the weights at distances ``i/1024`` and ``1 + i/1024``."""
    x = np.arange(TABLE_SIZE + 1, dtype=np.float64) / TABLE_SIZE   # exact in float32 too
    a = KEYS_A
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a
    return np.stack([near, far], axis=1).astype(np.float32)   # computed in double, as TF


def resize_matrix(size_in: int, size_out: int) -> np.ndarray:
    """The ``(size_out, size_in)`` float32 matrix that resizes one axis bicubically."""
    table = _kernel_table()
    scale = np.float32(size_in) / np.float32(size_out)
    matrix = np.zeros((size_out, size_in), np.float32)
    for out in range(size_out):
        centre = (np.float32(out) + np.float32(0.5)) * scale - np.float32(0.5)
        first = int(np.floor(centre))
        offset = int(np.rint((centre - np.float32(first)) * np.float32(TABLE_SIZE)))
        weights = (table[offset, 1], table[offset, 0], table[TABLE_SIZE - offset, 0],
                   table[TABLE_SIZE - offset, 1])
        taps = [(first - 1 + k, w) for k, w in enumerate(weights) if 0 <= first - 1 + k < size_in]
        total = np.float32(sum(w for _, w in taps))
        if abs(total) < 1000 * np.finfo(np.float32).tiny:
            continue
        for index, weight in taps:
            matrix[out, index] += np.float32(weight) * (np.float32(1.0) / total)
    return matrix


def resize_bicubic(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize ``[N, H, W, C]`` images to ``[N, height, width, C]`` (float32)."""
    rows = resize_matrix(images.shape[1], height)
    columns = resize_matrix(images.shape[2], width)
    values = images.astype(np.float32)
    values = np.einsum("yh,nhwc->nywc", rows, values, dtype=np.float32)
    return np.einsum("xw,nywc->nyxc", columns, values, dtype=np.float32)
