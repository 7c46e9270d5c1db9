"""phazer's RMSprop, Lion and SGD: torch's (and faceswap's) update rules, in ``keras.ops``.

As :mod:`phazer.train.optimizer_classes`: ``lr`` is the learning rate, ``eps``
``10 ** epsilon_exponent``, and the slot names are Keras' for the same quantity.

| class | update |
|---|---|
| :class:`RMSprop` | coupled L2; ``p -= lr * g/(sqrt(s) + eps)`` (optionally momentum, centered) |
| :class:`Lion` | decoupled decay; ``p -= lr * sign(b1*m + (1-b1)*g)``; ``m = b2*m + (1-b2)*g`` |
| :class:`SGD` | coupled L2; torch's momentum buffer ``b = mu*b + g`` (Nesterov: ``g + mu*b``) |
"""

from __future__ import annotations

from typing import Any

from keras import ops

from phazer.train.optimizer_base import PhazerOptimizer


class RMSprop(PhazerOptimizer):
    """torch's RMSprop: epsilon outside the square root, no bias correction.

    Args:
        rho: decay of the mean square (torch's ``alpha``; faceswap's is fixed at 0.99).
        momentum: momentum of the step, 0 for none (one more slot when set).
        centered: divide by the gradient's variance instead (one more slot).
        epsilon: added to the root mean square.
        **kwargs: see :class:`PhazerOptimizer`.
    """

    hyperparameters = ("rho", "momentum", "centered", "epsilon")

    def __init__(self, learning_rate: float = 5e-5, rho: float = 0.99, momentum: float = 0.0,
                 centered: bool = False, epsilon: float = 1e-7, **kwargs: Any) -> None:
        kwargs.setdefault("name", "rmsprop")
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.centered = float(rho), float(momentum), bool(centered)
        self.epsilon = float(epsilon)

    def build(self, var_list: list[Any]) -> None:
        """Create the mean square (and the momentum buffer and mean gradient when used)."""
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list,
                                                                   "average_gradient")

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        """One RMSprop update of one weight."""
        lr = ops.cast(learning_rate, variable.dtype)
        g = self._coupled_decay(ops.cast(gradient, variable.dtype), variable)
        square = self._slot(self._velocities, variable)
        self.assign(square, square * self.rho + ops.square(g) * (1.0 - self.rho))
        mean_square = square
        if self.centered:
            average = self._slot(self._average_gradients, variable)
            self.assign(average, average + (g - average) * (1.0 - self.rho))
            mean_square = square - ops.square(average)
        denominator = ops.sqrt(mean_square) + self.epsilon
        if self.momentum > 0:
            buffer = self._slot(self._momentums, variable)
            self.assign(buffer, buffer * self.momentum + g / denominator)
            self.assign_sub(variable, lr * buffer)
        else:
            self.assign_sub(variable, lr * (g / denominator))



class Lion(PhazerOptimizer):
    """faceswap's Lion: steps of ``lr`` in the sign of a momentum blend; decoupled decay.

    Args:
        beta_1: blend of momentum and gradient for the step.
        beta_2: decay of the momentum.
        **kwargs: see :class:`PhazerOptimizer`.
    """

    hyperparameters = ("beta_1", "beta_2")

    def __init__(self, learning_rate: float = 5e-5, beta_1: float = 0.9,
                 beta_2: float = 0.999, **kwargs: Any) -> None:
        kwargs.setdefault("name", "lion")
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)

    def build(self, var_list: list[Any]) -> None:
        """Create the momentum."""
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        """One Lion update of one weight."""
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        self._decoupled_decay(variable, lr)
        m = self._slot(self._momentums, variable)
        self.assign_sub(variable, lr * ops.sign(m * self.beta_1 + g * (1.0 - self.beta_1)))
        self.assign(m, m * self.beta_2 + g * (1.0 - self.beta_2))



class SGD(PhazerOptimizer):
    """torch's SGD (phazer only: faceswap has none): coupled L2, momentum buffer ``mu*b + g``.

    Args:
        momentum: momentum, 0 for none (one slot when set).
        nesterov: step along ``g + momentum * b`` instead of ``b``.
        **kwargs: see :class:`PhazerOptimizer`.
    """

    hyperparameters = ("momentum", "nesterov")

    def __init__(self, learning_rate: float = 5e-5, momentum: float = 0.0,
                 nesterov: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("name", "sgd")
        super().__init__(learning_rate, **kwargs)
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def build(self, var_list: list[Any]) -> None:
        """Create the momentum buffer (when used)."""
        if self.built:
            return
        super().build(var_list)
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        """One SGD update of one weight (torch starts the buffer at the first gradient)."""
        lr = ops.cast(learning_rate, variable.dtype)
        g = self._coupled_decay(ops.cast(gradient, variable.dtype), variable)
        if self.momentum > 0:
            buffer = self._slot(self._momentums, variable)
            first = ops.equal(self.iterations, 0)
            self.assign(buffer, ops.where(first, g, buffer * self.momentum + g))
            g = g + buffer * self.momentum if self.nesterov else buffer
        self.assign_sub(variable, lr * g)

