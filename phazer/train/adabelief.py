"""AdaBelief as faceswap trains it (adabelief-pytorch's rectified, decoupled variant).

faceswap's ``lib.model.optimizers.AdaBelief`` with its fixed flags (``weight_decouple``,
``rectify``, ``degenerated_to_sgd`` on, ``fixed_decay`` off). Per weight, at update ``k``::

    p <- p * (1 - lr * decay)                  # decoupled decay (decay group only)
    m <- b1 * m + (1 - b1) * g
    s <- b2 * s + (1 - b2) * (g - m)^2 + eps   # the residual uses the new m; eps stays in s
    (n_sma, r) = rectifier(k)                  # RAdam's
    n_sma >= 5: p <- p - r * lr * m / (sqrt(s) + eps)
    otherwise:  p <- p - r * lr * m            # "degenerated to SGD", r = 1 / (1 - b1^k)

Two of faceswap's behaviours are fixed (docs/training.md says why):

* faceswap caches the rectifier in 10 slots keyed by a step count it stores by reference, so
  from update 11 on it replays the scalars of updates 1-10 (``k' = (k - 1) % 10 + 1``): five
  un-normalised momentum steps up to 10x the learning rate in every ten. phazer computes the
  rectifier of ``k`` itself. ``replay_rectifier=True`` reproduces faceswap's replay (tests
  use it to show that this is the only difference);
* faceswap computes the AMSGrad maximum but never divides by it (``ada_amsgrad`` has no
  effect); phazer divides by ``sqrt(max s) + eps`` in the adaptive steps, as AMSGrad means.

The rectifier is computed as torch computes it, in float32, where cancellation in
``1 - b2^k`` moves it visibly from the float64 value (update 6: r = 0.0042390 against
0.0042630): :func:`rectifier_table` follows torch's float32 operations for the first
:data:`TABLE_STEPS` updates exactly; later updates, where nothing cancels, use ``keras.ops``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from keras import ops

from phazer.train.optimizer_base import PhazerOptimizer

TABLE_STEPS = 1000       # rectifier values computed exactly (torch's float32 operations)
FACESWAP_CACHE_SLOTS = 10
SMA_THRESHOLD = 5.0      # n_sma from which the adaptive (variance-normalised) step is used


def rectifier(k: int, beta_1: float, beta_2: float) -> tuple[float, float]:
    """RAdam's ``(n_sma, r)`` of update ``k`` as torch computes them (float32 tensor maths).

    ``r`` is the step-size multiplier: ``sqrt(...)/(1 - b1^k)`` in the adaptive steps
    (``n_sma >= 5``), ``1/(1 - b1^k)`` in the SGD steps.
    """
    f32 = np.float32
    n_max = 2.0 / (1.0 - beta_2) - 1.0
    t = f32(k)
    # torch's pow(python float, float32 tensor): the float32 base, correctly rounded
    b2t = f32(float(f32(beta_2)) ** k)
    b1t = f32(float(f32(beta_1)) ** k)
    one_minus_b2t = f32(f32(1.0) - b2t)
    n_sma = f32(f32(n_max) - f32(f32(f32(f32(2.0) * t) * b2t) / one_minus_b2t))
    first = f32(f32(1.0) / f32(f32(1.0) - b1t))
    if n_sma < SMA_THRESHOLD:
        return float(n_sma), float(first)
    inner = f32(one_minus_b2t * f32(n_sma - f32(4.0)))
    inner = f32(inner / f32(n_max - 4.0))
    inner = f32(inner * f32(n_sma - f32(2.0)))
    inner = f32(inner / n_sma)
    inner = f32(inner * f32(n_max))
    inner = f32(inner / f32(n_max - 2.0))
    return float(n_sma), float(f32(first * f32(math.sqrt(float(inner)))))


def rectifier_table(beta_1: float, beta_2: float, steps: int = TABLE_STEPS
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``(n_sma, r)`` of updates 1 to ``steps`` (float32 arrays, index ``k - 1``)."""
    pairs = [rectifier(k, beta_1, beta_2) for k in range(1, steps + 1)]
    return (np.array([p[0] for p in pairs], np.float32),
            np.array([p[1] for p in pairs], np.float32))


class AdaBelief(PhazerOptimizer):
    """AdaBelief with RAdam's rectification and decoupled weight decay (faceswap's).

    Args:
        beta_1: decay of the first moment.
        beta_2: decay of the gradient's variance around it.
        epsilon: added to the variance every update, and to its square root.
        amsgrad: divide by the largest variance seen (one more slot).
        replay_rectifier: reproduce faceswap's cache bug (update ``k`` uses the rectifier of
            ``(k - 1) % 10 + 1``); off in training.
        **kwargs: see :class:`PhazerOptimizer`.
    """

    hyperparameters = ("beta_1", "beta_2", "epsilon", "amsgrad", "replay_rectifier")

    def __init__(self, learning_rate: float = 5e-5, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 replay_rectifier: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("name", "adabelief")
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon, self.amsgrad = float(epsilon), bool(amsgrad)
        self.replay_rectifier = bool(replay_rectifier)
        self._table = rectifier_table(self.beta_1, self.beta_2)

    def build(self, var_list: list[Any]) -> None:
        """Create the moment and the variance (and the AMSGrad maximum)."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._variances = self.add_optimizer_variables(
            var_list, ["momentum", "variance"])
        if self.amsgrad:
            self._variance_maxima = self.add_optimizer_variables(var_list, "variance_max")

    def _rectifier(self, k: Any) -> tuple[Any, Any]:
        """``(n_sma, r)`` of update ``k`` (an int tensor, 1-based)."""
        if self.replay_rectifier:
            k = ops.mod(k - 1, FACESWAP_CACHE_SLOTS) + 1
        index = ops.minimum(k, TABLE_STEPS) - 1
        n_table = ops.take(ops.convert_to_tensor(self._table[0]), index)
        r_table = ops.take(ops.convert_to_tensor(self._table[1]), index)
        t = ops.cast(k, "float32")
        n_max = 2.0 / (1.0 - self.beta_2) - 1.0
        one_minus_b2t = self._one_minus_power(self.beta_2, t)
        n_sma = n_max - 2.0 * t * (1.0 - one_minus_b2t) / one_minus_b2t
        inner = (one_minus_b2t * (n_sma - 4.0) / (n_max - 4.0) * (n_sma - 2.0) / n_sma
                 * n_max / (n_max - 2.0))
        first = 1.0 / self._one_minus_power(self.beta_1, t)
        r = ops.where(n_sma >= SMA_THRESHOLD, first * ops.sqrt(ops.maximum(inner, 0.0)), first)
        late = k > TABLE_STEPS
        return ops.where(late, n_sma, n_table), ops.where(late, r, r_table)

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        """One AdaBelief update of one weight."""
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        self._decoupled_decay(variable, lr)
        m, s = self._slot(self._momentums, variable), self._slot(self._variances, variable)
        self.assign(m, m * self.beta_1 + g * (1.0 - self.beta_1))
        residual = g - m
        self.assign(s, s * self.beta_2 + ops.square(residual) * (1.0 - self.beta_2))
        self.assign(s, s + self.epsilon)
        if self.amsgrad:
            s_max = self._slot(self._variance_maxima, variable)
            self.assign(s_max, ops.maximum(s_max, s))
            s = s_max
        n_sma, r = self._rectifier(ops.cast(self.iterations, "int32") + 1)
        factor = ops.cast(r, variable.dtype) * lr
        adaptive = m / (ops.sqrt(s) + self.epsilon)
        step = ops.where(n_sma >= SMA_THRESHOLD, adaptive, ops.convert_to_tensor(m))
        self.assign_sub(variable, factor * step)

