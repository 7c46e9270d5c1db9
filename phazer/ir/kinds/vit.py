"""Vision-transformer op kinds: tokens are rank-2 tensors ``(tokens, width)`` per example.

Attention counts its four projections, the two batched matmuls (QK^T and the weighted sum of
V), the 1/sqrt(d) scaling of the queries and 3 per softmax score. Defines :data:`KINDS`;
registers nothing (see :mod:`phazer.ir.registry`).
"""

from __future__ import annotations

import math

from phazer.ir.kinds.base import (
    ACTIVATION,
    FUSED,
    KEEPS_NOTHING,
    KERNEL,
    Attrs,
    IRShapeError,
    OpKind,
    ParamCount,
    Shape,
    identity,
    op_kind,
    per_element,
    single,
)


def _tokens(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    return single(ins, 2)


def _class_token(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    tokens, width = _tokens(attrs, ins)
    return (tokens + 1, width)


def _class_token_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    return ParamCount(ins[0][-1])


def _position_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    return ParamCount(math.prod(ins[0]))


def _attention_dims(attrs: Attrs, ins: tuple[Shape, ...]) -> tuple[int, int, int, int]:
    tokens, width = _tokens(attrs, ins)
    return tokens, width, attrs["heads"], attrs["key_dim"]


def _attention_params(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> ParamCount:
    _, width, heads, key_dim = _attention_dims(attrs, ins)
    inner = heads * key_dim
    return ParamCount(3 * (width * inner + inner) + inner * width + width)


def _attention_flops(attrs: Attrs, ins: tuple[Shape, ...], out: Shape) -> int:
    tokens, width, heads, key_dim = _attention_dims(attrs, ins)
    inner = heads * key_dim
    projections = 3 * tokens * (2 * width * inner + inner) + tokens * (2 * inner * width + width)
    matmuls = 2 * (2 * heads * tokens * tokens * key_dim)
    return projections + matmuls + tokens * inner + 3 * heads * tokens * tokens


def _take_token(attrs: Attrs, ins: tuple[Shape, ...]) -> Shape:
    tokens, width = _tokens(attrs, ins)
    index = attrs["index"]
    if not 0 <= index < tokens:
        raise IRShapeError(f"token {index} does not exist in {tokens} tokens")
    return (width,)


def attention_elements(op_attrs: Attrs, in_shape: Shape) -> tuple[int, int]:
    """(per-head score elements heads x tokens^2, projected elements tokens x heads x key_dim).

    Per example: what the memory estimate needs to size attention's intermediate tensors.
    """
    tokens, _, heads, key_dim = _attention_dims(op_attrs, (in_shape,))
    return heads * tokens * tokens, tokens * heads * key_dim


KINDS: tuple[OpKind, ...] = (
    # prepend one learned token
    op_kind("class_token", _class_token, backward=KEEPS_NOTHING, attrs=(),
            params=_class_token_params),
    # add a learned (tokens, width) table
    op_kind("position_embedding", _tokens, backward=FUSED, attrs=(), params=_position_params,
            flops=per_element(1)),
    # self-attention, with biases
    op_kind("multi_head_attention", _tokens, backward=KERNEL, attrs={"heads", "key_dim"},
            params=_attention_params, flops=_attention_flops),
    # x * sigmoid(1.702 x)
    op_kind("quick_gelu", identity, backward=ACTIVATION, attrs=(), flops=per_element(1)),
    # (tokens, width) -> (width,)
    op_kind("take_token", _take_token, backward=KEEPS_NOTHING, attrs={"index"},
            defaults={"index": 0}),
)
