"""The train step of the running Keras backend, and the XLA choice.

:func:`make_train_step` returns the step object of the backend Keras runs on, each computing
the same iteration (the forward pass of every side, every loss term, the gradients of their sum,
loss-scaled for float16, and the optimizer update, which accumulates, clips and decays as
faceswap does: :mod:`phazer.train.optimizer_base`):

- TensorFlow (:mod:`phazer.train.step_tensorflow`): ``tf.GradientTape`` in a ``tf.function``,
  optionally under ``tf.distribute``, with XLA or without;
- PyTorch (:mod:`phazer.train.step_torch`): autograd, run eagerly;
- JAX (:mod:`phazer.train.step_jax`): Keras' stateless calls under ``jax.jit`` (always XLA).

Each step object has ``function(jit_compile)`` (the callable of one iteration: ``(inputs,
targets) -> loss terms``), ``fixed_xla`` (None when XLA is a choice, else ``(use, reason)``),
``compile_errors`` (what an XLA compile failure raises) and ``strategy``.

Whether XLA (``jit_compile``) helps TensorFlow depends on the model and the device: on a 2-core
CPU it made faceswap's Original 5.8x *slower*. :class:`XlaChooser` therefore measures when
``training.xla`` is ``auto``: the first iterations run without XLA, the next ones with it, and
the faster one is kept (and remembered in ``state.json`` for this device). The trial steps
are real training steps; nothing is thrown away.
"""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import keras

from phazer.train.losses import ModelLoss

StepFunction = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]
TRIAL_STEPS = 3   # timed steps per setting when measuring XLA (after one compile step)


class TrainStepLike(Protocol):
    """What the trainer and :class:`XlaChooser` use of a backend's train step."""

    strategy: Any
    fixed_xla: tuple[bool, str] | None
    compile_errors: tuple[type[Exception], ...]

    def function(self, jit_compile: bool = False) -> StepFunction:
        """The callable of one iteration."""


def make_train_step(model: keras.Model, optimizer: keras.optimizers.Optimizer,
                    loss: ModelLoss, strategy: Any = None) -> TrainStepLike:
    """The train step of the backend Keras runs on.

    Args:
        model: the Keras model (inputs ``face_in_<side>``, outputs as ``loss.output_names``).
        optimizer: a built optimizer.
        loss: the per-output loss.
        strategy: a ``tf.distribute`` strategy (TensorFlow only), or None.
    """
    backend = keras.backend.backend()
    if backend == "torch":
        from phazer.train.step_torch import TorchTrainStep
        return TorchTrainStep(model, optimizer, loss)
    if backend == "jax":
        from phazer.train.step_jax import JaxTrainStep
        return JaxTrainStep(model, optimizer, loss)
    from phazer.train.step_tensorflow import TrainStep
    return TrainStep(model, optimizer, loss, strategy)


def device_signature() -> str:
    """What the XLA decision depends on: the backend's accelerators, or the CPU and its cores.

    TensorFlow's signature has no backend prefix (``GPU: ...`` / ``CPU: ...``), as state.json
    files written before the other backends hold it.
    """
    backend = keras.backend.backend()
    names = accelerators(backend)
    prefix = "" if backend == "tensorflow" else f"{backend} "
    if names:
        return f"{prefix}GPU: " + ", ".join(names)
    return f"{prefix}CPU: {_cpu_name()} x{os.cpu_count()}"


def accelerators(backend: str) -> list[str]:
    """The names of the accelerators a backend computes on (empty: the CPU)."""
    if backend == "torch":
        import torch
        if torch.cuda.is_available():
            return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        mps = getattr(torch.backends, "mps", None)
        return ["Apple MPS"] if mps is not None and mps.is_available() else []
    if backend == "jax":
        import jax
        return [str(d.device_kind) for d in jax.devices() if d.platform != "cpu"]
    import tensorflow as tf
    names = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        names.append(details.get("device_name", gpu.name))
    return names


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

    def __init__(self, step: TrainStepLike, setting: str, cached: dict[str, Any] | None,
                 device: str, trial_steps: int = TRIAL_STEPS) -> None:
        self.step = step
        self.device = device
        self.trial_steps = trial_steps
        self.decision: dict[str, Any] | None = None
        self._times: dict[bool, list[float]] = {False: [], True: []}
        self._calls: dict[bool, int] = {False: 0, True: 0}
        fixed = step.fixed_xla
        if fixed is not None:
            self._settle(*fixed)
        elif setting in ("on", "off"):
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
