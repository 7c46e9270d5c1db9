"""The optimizer of a spec's ``training.optimizer`` section, with autoclip and loss scaling.

:func:`build_optimizer` makes the Keras optimizer named in :mod:`phazer.catalog.optimizers`
(learning rate, epsilon = 10 ** ``epsilon_exponent``, betas, weight decay, Keras' own clipping
for ``norm`` / ``global_norm`` / ``value``, gradient accumulation), wrapped in a
``LossScaleOptimizer`` when the model computes in float16. ``autoclip`` has no Keras
equivalent: :class:`AutoClip` clips the gradients' global norm to a percentile of the norms
seen so far, and its history is saved with the optimizer state.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from phazer.catalog.optimizers import keras_arguments
from phazer.spec.training import TrainingSpec

AUTOCLIP_ALL_HISTORY = 100_000   # autoclip_history = 0 ("all") keeps this many norms


class AutoClip:
    """Clip gradients to a percentile of the global gradient norms seen so far.

    Each step records the global norm of the gradients in a ring buffer of ``history`` steps,
    then clips the gradients (by global norm) to the ``percentile`` of the recorded norms. With
    few records the percentile follows them closely, so early steps are barely clipped.

    Args:
        percentile: 0-100; the spec's ``clipping_value`` is in tens (1.0 = the 10th).
        history: how many recent norms to keep (0 keeps up to :data:`AUTOCLIP_ALL_HISTORY`).
    """

    def __init__(self, percentile: float, history: int) -> None:
        self.percentile = float(min(max(percentile, 0.0), 100.0))
        self.size = history or AUTOCLIP_ALL_HISTORY
        # under tf.distribute every replica holds the same (all-reduced) gradients: the
        # first replica's update is every replica's
        first = tf.VariableAggregation.ONLY_FIRST_REPLICA
        self.norms = tf.Variable(tf.zeros([self.size]), trainable=False, name="autoclip_norms",
                                 aggregation=first)
        self.count = tf.Variable(0, dtype=tf.int64, trainable=False, name="autoclip_count",
                                 aggregation=first)

    @property
    def variables(self) -> dict[str, tf.Variable]:
        """The state to save and restore, by name."""
        return {"autoclip/norms": self.norms, "autoclip/count": self.count}

    def __call__(self, grads: list[tf.Tensor | None]) -> list[tf.Tensor | None]:
        """Record the gradients' global norm and return them clipped."""
        present = [g for g in grads if g is not None]
        norm = tf.linalg.global_norm(present)
        slot = tf.math.floormod(self.count, self.size)
        self.norms.assign(tf.tensor_scatter_nd_update(self.norms, tf.reshape(slot, [1, 1]),
                                                      tf.reshape(norm, [1])))
        self.count.assign_add(1)
        filled = tf.cast(tf.minimum(self.count, self.size), tf.int32)
        recorded = tf.sort(self.norms[:filled])
        index = tf.cast(tf.math.floor(self.percentile / 100.0 * tf.cast(filled - 1, tf.float32)),
                        tf.int32)
        limit = recorded[index]
        clipped, _ = tf.clip_by_global_norm(present, limit, use_norm=norm)
        out, position = [], 0
        for g in grads:
            if g is None:
                out.append(None)
            else:
                out.append(clipped[position])
                position += 1
        return out


def build_optimizer(training: TrainingSpec) -> tuple[keras.optimizers.Optimizer,
                                                      AutoClip | None]:
    """The Keras optimizer of a spec, and its autoclip (None unless ``clipping: autoclip``).

    Call it inside the distribution strategy's scope (if any): it creates variables.
    """
    spec = training.optimizer
    class_name, kwargs = keras_arguments(spec)
    if not kwargs.get("weight_decay") and class_name != "AdamW":
        kwargs.pop("weight_decay", None)   # Keras would still run a zero decay every step
    optimizer = getattr(keras.optimizers, class_name)(**kwargs)
    if training.dtype_policy == "mixed_float16":   # bfloat16 has float32's range: no scaling
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    autoclip = None
    if spec.clipping == "autoclip":
        autoclip = AutoClip(spec.clipping_value * 10.0, spec.autoclip_history)
    return optimizer, autoclip
