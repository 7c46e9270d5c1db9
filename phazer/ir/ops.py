"""Op kinds of the layer IR: how each infers its shape, parameters and FLOPs (no TensorFlow).

The names the rest of phazer uses, in one place: the kinds themselves are defined by family in
:mod:`phazer.ir.kinds` (each a tuple ``KINDS``, nothing registered on import) and collected in
:data:`OP_KINDS` by :mod:`phazer.ir.registry`. The Keras emitter keeps a matching table of
layer factories (``phazer/emit/ops.py``); a conformance test runs every kind against Keras.

FLOP convention (per example, forward): a multiply-add counts 2; a bias add, an activation,
an element-wise add/multiply, a dropout or noise mask counts 1 per output element (a rescale
with an offset 2: a multiply and an add); a normalization counts 5 per element (mean,
variance, subtract, divide, scale-and-shift);
bilinear resizing counts 4 per output element, nearest-neighbour 0; pooling counts one per
input element read; a Dense layer on a sequence of tokens counts once per token; attention
counts its four projections, the two batched matmuls (QK^T and the weighted sum of V), the
1/sqrt(d) scaling of the queries and 3 per softmax score. These are the conventions of
``docs/summary.md``; ``tests/test_flops_profiler.py`` holds them against TensorFlow's profiler.
"""

from __future__ import annotations

from phazer.ir.kinds.base import (
    ACTIVATION,
    DROPOUT,
    FUSED,
    KEEPS_NOTHING,
    KERNEL,
    KERNEL_ATTRS,
    SAVES_INPUT,
    VIEW,
    Attrs,
    Backward,
    FlopsFn,
    InferFn,
    IRShapeError,
    OpKind,
    ParamCount,
    ParamsFn,
    Shape,
    op_kind,
)
from phazer.ir.kinds.spatial import conv_output_size, reflect_same_padding
from phazer.ir.kinds.vit import attention_elements
from phazer.ir.registry import OP_ATTRS, OP_KINDS

__all__ = [
    "ACTIVATION", "DROPOUT", "FUSED", "KEEPS_NOTHING", "KERNEL", "KERNEL_ATTRS", "OP_ATTRS",
    "OP_KINDS", "SAVES_INPUT", "VIEW", "Attrs", "Backward", "FlopsFn", "IRShapeError",
    "InferFn", "OpKind", "ParamCount", "ParamsFn", "Shape", "attention_elements",
    "conv_output_size", "op_kind", "reflect_same_padding",
]
