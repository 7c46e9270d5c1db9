"""The compiled train step, optionally under ``tf.distribute``, and the XLA choice.

:class:`TrainStep` makes the ``tf.function`` that runs one iteration: the forward pass of both
sides, every loss term, the gradients (loss-scaled for float16), the optimizer update (which
accumulates, clips and decays as faceswap does: :mod:`phazer.train.optimizer_base`). It
returns the loss terms so the loop can show them and stop on NaN.

Whether XLA (``jit_compile``) helps depends on the model and the device: on a 2-core CPU it
made faceswap's Original 5.8x *slower*. :class:`XlaChooser` therefore measures when
``training.xla`` is ``auto``: the first iterations run without XLA, the next ones with it, and
the faster one is kept (and remembered in ``state.json`` for this device). The trial steps
are real training steps; nothing is thrown away.
"""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable, Mapping
from typing import Any

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
TRIAL_STEPS = 3   # timed steps per setting when measuring XLA (after one compile step)


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


def device_signature() -> str:
    """What the XLA decision depends on: the accelerators, or the CPU and its core count."""
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        names = []
        for gpu in gpus:
            details = tf.config.experimental.get_device_details(gpu)
            names.append(details.get("device_name", gpu.name))
        return "GPU: " + ", ".join(names)
    return f"CPU: {_cpu_name()} x{os.cpu_count()}"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class XlaChooser:
    """Hands out the step function for each iteration and settles the XLA question.

    Args:
        step: the train step.
        setting: ``training.xla``: ``on``, ``off`` or ``auto``.
        cached: a previous decision from ``state.json`` (used when it is for this device).
        device: this device's signature (:func:`device_signature`).
        trial_steps: timed steps per setting when measuring.
    """

    def __init__(self, step: TrainStep, setting: str, cached: dict[str, Any] | None,
                 device: str, trial_steps: int = TRIAL_STEPS) -> None:
        self.step = step
        self.device = device
        self.trial_steps = trial_steps
        self.decision: dict[str, Any] | None = None
        self._times: dict[bool, list[float]] = {False: [], True: []}
        self._calls: dict[bool, int] = {False: 0, True: 0}
        if setting in ("on", "off"):
            self._settle(setting == "on", f"training.xla is {setting}")
        elif step.strategy is not None:
            self._settle(False, "auto: not measured under tf.distribute; XLA off")
        elif cached and cached.get("device") == device and "xla" in cached:
            self.decision = dict(cached)
        self._trying: bool | None = None

    @property
    def settled(self) -> bool:
        """Whether the choice is made (no more trial steps)."""
        return self.decision is not None

    @property
    def use_xla(self) -> bool:
        """The XLA setting of the next step."""
        if self.decision is not None:
            return bool(self.decision["xla"])
        return self._calls[False] > self.trial_steps

    def _settle(self, use: bool, reason: str, **extra: Any) -> None:
        self.decision = {"device": self.device, "xla": use, "reason": reason, **extra}

    def next_function(self) -> tuple[StepFunction, bool]:
        """The function for the next step, and whether this step is a timed trial."""
        use = self.use_xla
        self._trying = None if self.settled else use
        return self.step.function(jit_compile=use), self._trying is not None

    def record(self, seconds: float) -> None:
        """Report how long the step just handed out took."""
        use = self._trying
        if use is None:
            return
        self._calls[use] += 1
        if self._calls[use] > 1:          # the first call of each compiles
            self._times[use].append(seconds)
        if len(self._times[True]) >= self.trial_steps:
            off, on = (statistics.median(self._times[k]) for k in (False, True))
            self._settle(on < off, "auto: measured on this device",
                         seconds_per_step={"off": round(off, 4), "on": round(on, 4)})

    def failed(self, error: Exception) -> None:
        """The XLA step could not be compiled: keep XLA off."""
        self._settle(False, f"auto: XLA failed to compile ({type(error).__name__}); XLA off")
