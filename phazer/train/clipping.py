"""faceswap's gradient clipping, in ``keras.ops`` (any Keras backend).

faceswap clips once per optimizer update: after the gradients of all the batches of an
accumulation are averaged (and unscaled, with mixed precision), before the optimizer adds any
L2 term, over every trainable weight together. The four methods of ``gradient_clipping``
(``c`` is ``clipping_value``):

* ``norm``: each gradient whose own L2 norm ``n`` exceeds ``c`` (strictly) is multiplied by
  ``c / n``; the others are left alone;
* ``value``: every element is clamped to ``[-c, c]``;
* ``global_norm``: every gradient is multiplied by ``min(c / (N + 1e-6), 1)``, ``N`` the norm
  of all the gradients together (torch's ``clip_grad_norm_``: the multiply happens even when
  nothing is clipped, and a clipped gradient ends just under ``c``);
* ``autoclip``: the same, with ``c`` the ``clipping_value * 10``-th percentile (linear
  interpolation, as ``numpy.percentile``) of the global norms of the last
  ``autoclip_history`` updates, this one included. A non-finite norm clips nothing and is
  not recorded.

:class:`phazer.train.optimizer_base.PhazerOptimizer` calls :func:`clip` from Keras'
``_clip_gradients`` hook, which every update path goes through (one device, gradient
accumulation, ``tf.distribute``, a loss-scale optimizer's inner optimizer).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from keras import ops

GLOBAL_NORM_EPSILON = 1e-6   # torch's clip_grad_norm_: max_norm / (total_norm + 1e-6)
AUTOCLIP_ALL_HISTORY = 100_000   # autoclip_history = 0 ("all") keeps this many norms


def tensor_norm(gradient: Any) -> Any:
    """The L2 norm of one gradient tensor (float32)."""
    return ops.sqrt(ops.sum(ops.square(ops.cast(gradient, "float32"))))


def global_norm(grads: Sequence[Any]) -> Any:
    """The norm of the per-tensor norms (torch's ``clip_grad_norm_`` total norm)."""
    norms = ops.stack([tensor_norm(g) for g in grads])
    return ops.sqrt(ops.sum(ops.square(norms)))


def clip_norm(grads: Sequence[Any], limit: float) -> list[Any]:
    """Scale each gradient whose norm exceeds ``limit`` down to ``limit``."""
    out = []
    for gradient in grads:
        norm = tensor_norm(gradient)
        factor = ops.where(norm > limit, limit / ops.maximum(norm, 1e-30), 1.0)
        out.append(gradient * ops.cast(factor, gradient.dtype))
    return out


def clip_value(grads: Sequence[Any], limit: float) -> list[Any]:
    """Clamp every element to ``[-limit, limit]``."""
    return [ops.clip(g, -limit, limit) for g in grads]


def clip_global_norm(grads: Sequence[Any], limit: Any, norm: Any | None = None) -> list[Any]:
    """Multiply every gradient by ``min(limit / (N + 1e-6), 1)`` (N: their global norm)."""
    total = global_norm(grads) if norm is None else norm
    factor = ops.minimum(ops.divide(ops.cast(limit, "float32"), total + GLOBAL_NORM_EPSILON),
                         1.0)
    return [g * ops.cast(factor, g.dtype) for g in grads]


def percentile(history: Any, filled: Any, percent: float) -> Any:
    """The ``percent``-th percentile of the first ``filled`` entries of ``history``.

    Linear interpolation between the two nearest ranks, as ``numpy.percentile``; the buffer
    keeps its fixed size (entries past ``filled`` are ignored), so any backend can trace it.
    """
    size = history.shape[0]
    positions = ops.arange(size)
    ordered = ops.sort(ops.where(positions < filled, history, float("inf")))
    last = ops.cast(ops.maximum(filled - 1, 0), "float32")
    rank = last * (percent / 100.0)
    low = ops.floor(rank)
    high = ops.minimum(low + 1.0, last)
    low_value = ops.take(ordered, ops.cast(low, "int32"))
    high_value = ops.take(ordered, ops.cast(high, "int32"))
    return low_value + (high_value - low_value) * (rank - low)


class AutoClipState:
    """autoclip's history of global norms: a ring buffer and a count, optimizer variables.

    Args:
        optimizer: the optimizer that owns the variables (they are saved with its state).
        percent: the percentile to clip at (``clipping_value * 10``).
        history: how many updates' norms to keep; 0 keeps up to
            :data:`AUTOCLIP_ALL_HISTORY` (faceswap crashes on 0).
    """

    def __init__(self, optimizer: Any, percent: float, history: int) -> None:
        self.percent = float(min(max(percent, 0.0), 100.0))
        self.size = int(history) or AUTOCLIP_ALL_HISTORY
        # every replica holds the same all-reduced gradients: the first replica's update
        # is every replica's
        self.norms = optimizer.add_variable((self.size,), initializer="zeros",
                                            dtype="float32", name="autoclip_norms",
                                            aggregation="only_first_replica")
        self.count = optimizer.add_variable((), initializer="zeros", dtype="int32",
                                            name="autoclip_count",
                                            aggregation="only_first_replica")

    def __call__(self, grads: Sequence[Any]) -> list[Any]:
        """Record the gradients' global norm and return them clipped to the percentile."""
        norm = global_norm(grads)
        finite = ops.isfinite(norm)
        # the variables' values (JAX's stateless step cannot trace a variable object itself)
        norms, count = self.norms.value, self.count.value
        slot = ops.mod(count, self.size)
        recorded = ops.where(ops.logical_and(ops.arange(self.size) == slot, finite),
                             norm, norms)
        count = count + ops.cast(finite, "int32")
        self.norms.assign(recorded)
        self.count.assign(count)
        limit = percentile(recorded, ops.minimum(count, self.size), self.percent)
        clipped = clip_global_norm(grads, limit, norm)
        return [ops.where(finite, c, g) for c, g in zip(clipped, grads, strict=True)]


def clip(method: str, value: float, grads: Sequence[Any | None],
         autoclip: AutoClipState | None = None) -> list[Any | None]:
    """Clip the gradients by faceswap's ``method`` (None entries stay None).

    Args:
        method: ``none``, ``norm``, ``value``, ``global_norm`` or ``autoclip``.
        value: ``clipping_value``.
        grads: the gradients of every trainable weight, in order.
        autoclip: the norm history (``autoclip`` only).
    """
    if method == "none":
        return list(grads)
    present = [g for g in grads if g is not None]
    if not present:
        return list(grads)
    if method == "norm":
        clipped = clip_norm(present, value)
    elif method == "value":
        clipped = clip_value(present, value)
    elif method == "global_norm":
        clipped = clip_global_norm(present, value)
    elif method == "autoclip":
        if autoclip is None:
            raise ValueError("autoclip needs its norm history (AutoClipState)")
        clipped = autoclip(present)
    else:
        raise ValueError(f"unknown clipping method {method!r}; expected none, norm, value, "
                         "global_norm or autoclip")
    position = iter(clipped)
    return [None if g is None else next(position) for g in grads]
