"""The TensorFlow train step: ``tf.GradientTape`` in a ``tf.function``.

It runs optionally under ``tf.distribute``, with or without XLA
(:class:`phazer.train.step.XlaChooser` picks).

:class:`TrainStep` makes the ``tf.function`` that runs one iteration: the forward pass of every
side, every loss term, the gradients (loss-scaled for float16), the optimizer update (which
accumulates, clips and decays as faceswap does: :mod:`phazer.train.optimizer_base`). It
returns the loss terms so the loop can show them and stop on NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import keras
import tensorflow as tf

from phazer.train.distribute import (
    Accumulation,
    all_reduce_gradients,
    apply_reduced_gradients,
)
from phazer.train.losses import ModelLoss

StepFunction = Callable[[Mapping[str, tf.Tensor], Mapping[str, tf.Tensor]],
                        dict[str, tf.Tensor]]


class TrainStep:
    """Builds the train-step function of one model, optimizer and loss.

    Args:
        model: the Keras model (inputs ``face_in_<side>``, outputs as ``loss.output_names``).
        optimizer: a built optimizer.
        loss: the per-output loss.
        strategy: a ``tf.distribute`` strategy, or None for one device.
    """

    def __init__(self, model: keras.Model, optimizer: keras.optimizers.Optimizer,
                 loss: ModelLoss, strategy: tf.distribute.Strategy | None = None) -> None:
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.strategy = strategy
        self.accumulation: Accumulation | None = None
        if strategy is not None:
            apply_reduced_gradients(optimizer)
            accumulation = Accumulation(optimizer)
            self.accumulation = accumulation if accumulation.steps > 1 else None
        self.variables = list(model.trainable_variables)
        self.fixed_xla: tuple[bool, str] | None = None   # XLA on or off: XlaChooser decides
        self.compile_errors: tuple[type[Exception], ...] = (
            tf.errors.InvalidArgumentError, tf.errors.UnimplementedError)
        self._functions: dict[tuple[bool, bool | None], StepFunction] = {}

    def _replica_step(self, inputs: Mapping[str, tf.Tensor], targets: Mapping[str, tf.Tensor],
                      update: bool | None = None) -> dict[str, tf.Tensor]:
        replicas = self.strategy.num_replicas_in_sync if self.strategy else 1
        with tf.GradientTape() as tape:
            outputs = self.model(dict(inputs), training=True)
            if not isinstance(outputs, list | tuple):
                outputs = [outputs]
            predictions = dict(zip(self.model.output_names, outputs, strict=True))
            terms = self.loss.terms(targets, predictions)
            total = tf.add_n(list(terms.values()))
            # each replica's loss is a mean over its (equal) share of the batch; the sum of
            # the replicas' gradients of loss / replicas is the gradient of the global mean
            scaled = self.optimizer.scale_loss(total / replicas)
        grads = tape.gradient(scaled, self.variables)
        if self.strategy is not None:
            # the global batch's gradient, before clipping: as on one device
            grads = all_reduce_gradients(grads)
        if update is None:
            self.optimizer.apply(grads, self.variables)
        elif update:
            self.accumulation.apply(grads, self.variables)
        else:
            self.accumulation.accumulate(grads, self.variables)
        return terms

    def function(self, jit_compile: bool = False) -> StepFunction:
        """The step as a ``tf.function`` (built once per XLA setting).

        With gradient accumulation under a strategy, each call picks the accumulating or the
        updating function (:class:`phazer.train.distribute.Accumulation`).
        """
        accumulation = self.accumulation
        if accumulation is None:
            return self._compiled(jit_compile, None)

        def step(inputs: Mapping[str, tf.Tensor], targets: Mapping[str, tf.Tensor]
                 ) -> dict[str, tf.Tensor]:
            return self._compiled(jit_compile, accumulation.is_update())(inputs, targets)

        return step

    def _compiled(self, jit_compile: bool, update: bool | None) -> StepFunction:
        key = (jit_compile, update)
        if key not in self._functions:
            if self.strategy is None:
                body = self._replica_step
            else:
                strategy = self.strategy

                def body(inputs: Mapping[str, tf.Tensor], targets: Mapping[str, tf.Tensor]
                         ) -> dict[str, tf.Tensor]:
                    per_replica = strategy.run(self._replica_step,
                                               args=(inputs, targets, update))
                    return {name: strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)
                            for name, value in per_replica.items()}

            self._functions[key] = tf.function(body, jit_compile=jit_compile,
                                               reduce_retracing=True)
        return self._functions[key]
