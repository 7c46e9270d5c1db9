"""What phazer's optimizers share: faceswap's clipping, weight decay groups and step count.

faceswap trains with torch's optimizers (and its own AdaBelief and Lion); Keras' built-in
optimizers compute some of them differently (epsilon inside or outside the square root, the
Nadam momentum schedule, decoupled-only weight decay). phazer therefore has its own
``keras.optimizers.Optimizer`` subclasses (:mod:`phazer.train.optimizer_classes`,
:mod:`phazer.train.adabelief`), written with ``keras.ops`` so they run on any Keras backend.
:class:`PhazerOptimizer` is their base:

* **clipping** (:mod:`phazer.train.clipping`) runs in Keras' ``_clip_gradients`` hook: once
  per update, after gradient accumulation has averaged the batches and a loss-scale
  optimizer has unscaled them, before any weight decay, over all the weights together;
* **weight decay** reaches only the weights faceswap puts in its "decay" parameter group:
  those with more than one dimension whose name does not end in ``bias`` (biases and
  normalisation scales and offsets are never decayed). Each optimizer applies it in its own
  ``update_step``: coupled (an L2 term added to the gradient after clipping: adam, adamax,
  nadam, rmsprop, sgd) or decoupled (``p * (1 - lr * decay)`` first: adamw, adabelief,
  lion), as torch does;
* **the step count** ``k`` of bias corrections counts updates, not batches (Keras'
  ``iterations`` divides by ``gradient_accumulation_steps``).

Keras' own ``weight_decay``, ``clipnorm``, ``clipvalue`` and ``global_clipnorm`` are not used.
"""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import ops

from phazer.train.clipping import AutoClipState, clip

CLIPPING_METHODS = ("none", "norm", "global_norm", "value", "autoclip")


def decays(variable: Any) -> bool:
    """Whether faceswap decays this weight: more than one dimension, a name not ``...bias``."""
    return len(variable.shape) > 1 and not str(variable.name).endswith("bias")


class PhazerOptimizer(keras.optimizers.Optimizer):
    """A Keras optimizer with faceswap's clipping, decay groups and update count.

    Args:
        learning_rate: the step size (a float: the trainer sets it before each step).
        weight_decay: the decay of the weights in the decay group, 0 for none.
        clipping: ``none``, ``norm``, ``global_norm``, ``value`` or ``autoclip``.
        clipping_value: the threshold; for autoclip the percentile in tens.
        autoclip_history: updates of gradient norms autoclip looks back on (0: all, up to
            :data:`phazer.train.clipping.AUTOCLIP_ALL_HISTORY`).
        gradient_accumulation_steps: average this many batches per update (None or 1: none).
        name: the optimizer's name (its variables' path prefix in a save).
        **kwargs: Keras' other optimizer arguments (``loss_scale_factor``, ...).
    """

    def __init__(self, learning_rate: float = 5e-5, *, weight_decay: float = 0.0,
                 clipping: str = "none", clipping_value: float = 1.0,
                 autoclip_history: int = 10000,
                 gradient_accumulation_steps: int | None = None, name: str = "optimizer",
                 **kwargs: Any) -> None:
        if clipping not in CLIPPING_METHODS:
            raise ValueError(f"clipping {clipping!r}: expected one of "
                             f"{', '.join(CLIPPING_METHODS)}")
        steps = gradient_accumulation_steps if (gradient_accumulation_steps or 1) > 1 else None
        super().__init__(learning_rate=float(learning_rate), name=name,
                         gradient_accumulation_steps=steps, **kwargs)
        self.decay = float(weight_decay)
        self.clipping = clipping
        self.clipping_value = float(clipping_value)
        self.autoclip_history = int(autoclip_history)
        self._autoclip: AutoClipState | None = None
        self._decays: list[bool] = []

    def build(self, var_list: list[Any]) -> None:
        """Create the base state (step count, accumulators, autoclip's history)."""
        super().build(var_list)
        self._decays = [decays(v) for v in var_list]
        if self.clipping == "autoclip":
            self._autoclip = AutoClipState(self, self.clipping_value * 10.0,
                                           self.autoclip_history)

    # -- shared pieces of the update steps -------------------------------------------------
    def _slot(self, slots: list[Any], variable: Any) -> Any:
        return slots[self._get_variable_index(variable)]

    def _decay_of(self, variable: Any) -> float:
        """The weight decay of this weight's group (0 for the no-decay group)."""
        return self.decay if self._decays[self._get_variable_index(variable)] else 0.0

    def _coupled_decay(self, gradient: Any, variable: Any) -> Any:
        """The gradient plus the L2 term ``decay * p`` (coupled weight decay)."""
        decay = self._decay_of(variable)
        return gradient + decay * variable if decay else gradient

    def _decoupled_decay(self, variable: Any, lr: Any) -> None:
        """``p *= 1 - lr * decay`` (decoupled weight decay), for decayed weights."""
        decay = self._decay_of(variable)
        if decay:
            self.assign(variable, variable * (1.0 - lr * decay))

    def _update_count(self, dtype: str = "float32") -> Any:
        """``k``: this update's number, 1-based, counting updates (not batches)."""
        return ops.cast(self.iterations + 1, dtype)

    @staticmethod
    def _one_minus_power(beta: float, k: Any) -> Any:
        """``1 - beta ** k`` without float32's cancellation (``-expm1(k log beta)``)."""
        if beta == 0.0:
            return ops.ones_like(k)
        return -ops.expm1(k * math.log(beta))

    def _clip_gradients(self, grads: list[Any]) -> list[Any]:
        return clip(self.clipping, self.clipping_value, grads, self._autoclip)

    hyperparameters: tuple[str, ...] = ()
    """A subclass's own constructor arguments, kept as attributes of the same names."""

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments (Keras serialisation)."""
        config = super().get_config()
        config.update({"weight_decay": self.decay, "clipping": self.clipping,
                       "clipping_value": self.clipping_value,
                       "autoclip_history": self.autoclip_history})
        config.update({name: getattr(self, name) for name in self.hyperparameters})
        return config
