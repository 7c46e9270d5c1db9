"""phazer's Adam family: torch's update rules (as faceswap trains), in ``keras.ops``.

Each class follows the torch optimizer faceswap builds for the same name (torch 2.x,
single-tensor code path; docs/training.md, "Optimizers", has the formulas and where Keras'
built-in optimizers differ). ``k`` is the update's number (1-based, counting updates), ``lr``
the learning rate, ``eps`` ``10 ** epsilon_exponent``; moments start at zero. Slot names are
Keras' for the same quantity, so a model saved with Keras' optimizers resumes its state.

| class | update |
|---|---|
| :class:`Adam` | coupled L2; ``lr/(1-b1^k) * m/(sqrt(v)/sqrt(1-b2^k) + eps)``; AMSGrad: max v |
| :class:`AdamW` | Adam with decoupled decay ``p *= 1 - lr*decay`` first |
| :class:`Adamax` | coupled L2; ``u = max(b2*u, abs(g) + eps)``; ``p -= lr/(1-b1^k) * m/u`` |
| :class:`Nadam` | coupled L2; torch's momentum schedule ``mu_k = b1 (1 - 0.5 * 0.96^(0.004 k))`` |

RMSprop, Lion and SGD are in :mod:`phazer.train.rmsprop_lion_sgd`, AdaBelief in
:mod:`phazer.train.adabelief`.
"""

from __future__ import annotations

import math
from typing import Any

from keras import ops

from phazer.train.optimizer_base import PhazerOptimizer

NADAM_MOMENTUM_DECAY = 0.004   # torch's NAdam default (faceswap does not change it)


class Adam(PhazerOptimizer):
    """torch's Adam: epsilon added after the bias correction of ``sqrt(v)``.

    Args:
        beta_1: decay of the first moment.
        beta_2: decay of the second moment.
        epsilon: added to the bias-corrected ``sqrt(v)``.
        amsgrad: divide by the largest ``v`` seen instead (one more slot).
        **kwargs: see :class:`PhazerOptimizer`.
    """

    hyperparameters = ("beta_1", "beta_2", "epsilon", "amsgrad")

    decoupled = False

    def __init__(self, learning_rate: float = 5e-5, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 **kwargs: Any) -> None:
        kwargs.setdefault("name", "adamw" if self.decoupled else "adam")
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon, self.amsgrad = float(epsilon), bool(amsgrad)

    def build(self, var_list: list[Any]) -> None:
        """Create the moments (and the AMSGrad maximum)."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        """One Adam (or AdamW) update of one weight."""
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        if self.decoupled:
            self._decoupled_decay(variable, lr)
        else:
            g = self._coupled_decay(g, variable)
        k = self._update_count(variable.dtype)
        m, v = self._slot(self._momentums, variable), self._slot(self._velocities, variable)
        self.assign(m, m + (g - m) * (1.0 - self.beta_1))
        self.assign(v, v * self.beta_2 + ops.square(g) * (1.0 - self.beta_2))
        if self.amsgrad:
            v_hat = self._slot(self._velocity_hats, variable)
            self.assign(v_hat, ops.maximum(v_hat, v))
            v = v_hat
        step_size = lr / self._one_minus_power(self.beta_1, k)
        denominator = ops.sqrt(v) / ops.sqrt(self._one_minus_power(self.beta_2, k)) + self.epsilon
        self.assign_sub(variable, step_size * (m / denominator))



class AdamW(Adam):
    """torch's AdamW: Adam whose weight decay multiplies the weights before the update."""

    decoupled = True


class _TwoMoments(PhazerOptimizer):
    """An optimizer of two decays and an epsilon (Adamax, Nadam): their arguments, once."""

    hyperparameters = ("beta_1", "beta_2", "epsilon")
    default_name = ""

    def __init__(self, learning_rate: float = 5e-5, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, **kwargs: Any) -> None:
        kwargs.setdefault("name", self.default_name)
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)


class Adamax(_TwoMoments):
    """torch's Adamax: Adam with the infinity norm ``u = max(b2*u, abs(g) + eps)``.

    Args:
        beta_1: decay of the first moment.
        beta_2: decay of the infinity norm.
        epsilon: added to ``abs(g)`` inside the maximum.
        **kwargs: see :class:`PhazerOptimizer`.
    """

    default_name = "adamax"

    def build(self, var_list: list[Any]) -> None:
        """Create the moment and the infinity norm."""
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["m", "u"])

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        """One Adamax update of one weight."""
        lr = ops.cast(learning_rate, variable.dtype)
        g = self._coupled_decay(ops.cast(gradient, variable.dtype), variable)
        k = self._update_count(variable.dtype)
        m, u = self._slot(self._m, variable), self._slot(self._u, variable)
        self.assign(m, m + (g - m) * (1.0 - self.beta_1))
        self.assign(u, ops.maximum(u * self.beta_2, ops.abs(g) + self.epsilon))
        step_size = lr / self._one_minus_power(self.beta_1, k)
        self.assign_sub(variable, step_size * (m / u))



class Nadam(_TwoMoments):
    """torch's NAdam: Nesterov momentum with the schedule ``b1 (1 - 0.5 * 0.96^(0.004 k))``.

    The product of the schedule so far (``mu_product``, as torch's) is one float32 scalar,
    updated once per update, before the weights' steps.

    Args:
        beta_1: decay of the first moment (and the schedule's scale).
        beta_2: decay of the second moment.
        epsilon: added to the bias-corrected ``sqrt(v)``.
        **kwargs: see :class:`PhazerOptimizer`.
    """

    default_name = "nadam"

    def build(self, var_list: list[Any]) -> None:
        """Create the moments and the schedule's running product."""
        if self.built:
            return
        super().build(var_list)
        self._mu_product = self.add_variable((), initializer="ones", dtype="float32",
                                             name="mu_product",
                                             aggregation="only_first_replica")
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])

    def _mu(self, k: Any) -> Any:
        return self.beta_1 * (1.0 - 0.5 * ops.exp(k * (NADAM_MOMENTUM_DECAY * math.log(0.96))))

    def _backend_update_step(self, grads: list[Any], trainable_variables: list[Any],
                             learning_rate: Any) -> None:
        self._mu_product.assign(self._mu_product * self._mu(self._update_count()))
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        """One NAdam update of one weight (``mu_product`` already includes this update's)."""
        lr = ops.cast(learning_rate, variable.dtype)
        g = self._coupled_decay(ops.cast(gradient, variable.dtype), variable)
        k = self._update_count(variable.dtype)
        mu, mu_next = self._mu(k), self._mu(k + 1.0)
        product = ops.cast(self._mu_product, variable.dtype)
        m, v = self._slot(self._momentums, variable), self._slot(self._velocities, variable)
        self.assign(m, m + (g - m) * (1.0 - self.beta_1))
        self.assign(v, v * self.beta_2 + ops.square(g) * (1.0 - self.beta_2))
        denominator = ops.sqrt(v / self._one_minus_power(self.beta_2, k)) + self.epsilon
        gradient_step = lr * (1.0 - mu) / (1.0 - product)
        momentum_step = lr * mu_next / (1.0 - product * mu_next)
        self.assign_sub(variable, gradient_step * (g / denominator))
        self.assign_sub(variable, momentum_step * (m / denominator))

