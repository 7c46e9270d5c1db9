"""Forward FLOPs per example of a Keras Applications model, layer by layer.

Used by ``scripts/gen_keras_apps_table.py`` (needs Keras). The convention is
``phazer/ir/ops.py``'s: a multiply-add counts 2; a bias add, an
activation (except ``linear``), an element-wise add/multiply, dropout or a layer scale 1 per
output element; batch/layer normalization 5 per element; input normalization 2, rescaling 1 (2
with an offset); pooling 1 per input element read; padding, cropping, reshapes and
concatenation 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from scripts.keras_app_memory import Shapes


def op_flops(op: Any, ins: Sequence[tuple[int, ...]], outs: Sequence[tuple[int, ...]]) -> int:
    """Forward FLOPs per example of one operation (see the module docstring)."""
    import keras
    name = type(op).__name__
    out = math.prod(outs[0][1:])
    inp = math.prod(ins[0][1:]) if ins else 0
    bias = out if getattr(op, "use_bias", False) else 0
    if isinstance(op, keras.Sequential):
        total, x = 0, keras.KerasTensor(ins[0])
        for layer in op.layers:
            y = layer.compute_output_spec(x)
            total += op_flops(layer, (tuple(x.shape),), (tuple(y.shape),))
            x = y
        return total
    if name == "Conv2D":
        taps = math.prod(op.kernel_size) * ins[0][-1] // op.groups
        return 2 * taps * out + bias
    if name == "DepthwiseConv2D":
        return 2 * math.prod(op.kernel_size) * out + bias
    if name == "SeparableConv2D":
        middle = math.prod(outs[0][1:-1]) * ins[0][-1] * op.depth_multiplier
        return (2 * math.prod(op.kernel_size) * middle
                + 2 * ins[0][-1] * op.depth_multiplier * out + bias)
    if name == "Dense":
        return 2 * ins[0][-1] * out + bias
    if name in ("BatchNormalization", "LayerNormalization"):
        return 5 * out
    if name == "Normalization":
        return 2 * out
    if name == "Rescaling":
        return (2 if op.offset else 1) * out
    if name == "Activation":
        return 0 if op.activation.__name__ == "linear" else out
    if name in ("ReLU", "Add", "Multiply", "Subtract", "Dropout", "LayerScale"):
        return out
    if name == "CustomScaleLayer":
        return 2 * out
    if name in ("MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
                "GlobalMaxPooling2D"):
        return inp
    if name in ("ZeroPadding2D", "Cropping2D", "Reshape", "Concatenate", "Flatten"):
        return 0
    raise NotImplementedError(f"no FLOP rule for {type(op).__module__}.{name} ({op.name})")


def graph_flops(model: Any, shapes: Mapping[int, Shapes]) -> int:
    """Forward FLOPs per example of a whole graph, given every operation's shapes."""
    ops = model.operations
    return sum(op_flops(ops[i], ins, outs) for i, (ins, outs) in shapes.items())
