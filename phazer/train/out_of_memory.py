"""A training step that ran out of device memory: recognised on every backend, explained.

Each backend says "out of memory" its own way: TensorFlow raises ``ResourceExhaustedError``,
PyTorch ``OutOfMemoryError`` (``torch.cuda.OutOfMemoryError`` is the same class), JAX an
``XlaRuntimeError`` whose message starts ``RESOURCE_EXHAUSTED``, and the host a
``MemoryError``. :func:`is_out_of_memory` tells them from other failures without importing any
framework; :func:`out_of_memory_text` writes the one message ``phazer train`` ends with: the
batch size, phazer's estimate at that batch, the device's memory and the largest batch the
estimate fits there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

from phazer.plan.budget import format_bytes, gpu_overhead_bytes, max_batch_size
from phazer.plan.memory import estimate_memory
from phazer.plan.memory_settings import training_settings

# (exception class name, text its message starts with: "" for any)
_OUT_OF_MEMORY = (("ResourceExhaustedError", ""),
                  ("OutOfMemoryError", ""),
                  ("XlaRuntimeError", "RESOURCE_EXHAUSTED"),
                  ("JaxRuntimeError", "RESOURCE_EXHAUSTED"))


HOST = "the CPU (host memory)"
"""The device name :func:`device_memory_bytes` gives when a backend trains on the CPU."""


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is a backend's (or the host's) out-of-memory failure."""
    if isinstance(exc, MemoryError):
        return True
    name, text = type(exc).__name__, str(exc).lstrip()
    return any(name == kind and text.startswith(start) for kind, start in _OUT_OF_MEMORY)


@dataclass(frozen=True)
class OutOfMemory:
    """A step that ran out of memory.

    Attributes:
        iteration: the iteration that failed (1-based).
        batch_size: the batch size per side it ran at.
        error: the backend's exception.
    """

    iteration: int
    batch_size: int
    error: BaseException


def device_memory_bytes(backend: str) -> tuple[str, int | None]:
    """The device a backend trains on and its memory in bytes (None: unknown)."""
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            properties = torch.cuda.get_device_properties(0)
            return properties.name, int(properties.total_memory)
    elif backend == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform != "cpu":
            stats = device.memory_stats() or {}
            return str(device.device_kind), stats.get("bytes_limit")
    else:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:        # TensorFlow does not say a GPU's total memory
            details = tf.config.experimental.get_device_details(gpus[0])
            return str(details.get("device_name", "GPU:0")), None
    return HOST, _host_memory()


def _host_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def out_of_memory_text(stop: OutOfMemory, model_ir: Any, training: Any, device: str,
                       device_bytes: int | None, saved_iteration: int) -> tuple[str, str]:
    """The message and hint ``phazer train`` ends with after an out-of-memory step.

    Args:
        stop: what failed.
        model_ir: the compiled model.
        training: the spec's ``training`` section (precision, optimizer, accumulation).
        device: the device's name.
        device_bytes: its memory (None: unknown).
        saved_iteration: the iteration the model dir holds.
    """
    settings = training_settings(training, batch_size=stop.batch_size,
                                 device="cpu" if device == HOST else "gpu")
    on_gpu = settings.device == "gpu"
    overhead = gpu_overhead_bytes(model_ir, settings) if on_gpu else 0
    estimate = estimate_memory(model_ir, settings).total + overhead
    fixed = f" with {format_bytes(overhead)} of fixed GPU terms" if on_gpu else ""
    memory = "unknown memory" if device_bytes is None else format_bytes(device_bytes)
    largest = (None if device_bytes is None
               else max_batch_size(model_ir, replace(settings, batch_size=1), device_bytes))
    message = (f"out of memory at iteration {stop.iteration}: batch size {stop.batch_size} "
               f"per side, estimated {format_bytes(estimate)} for one training step{fixed}, on "
               f"{device} with {memory}; the model dir is as saved at iteration "
               f"{saved_iteration}")
    if largest is None:
        fits = ("the estimate fits no batch size there: train a smaller model, or with "
                "training.mixed_precision, or on a device with more memory"
                if device_bytes is not None else "see phazer summary --gpu-memory")
        return message, fits
    if largest < stop.batch_size:
        return message, (f"the largest batch the estimate fits in {memory} is {largest}: run "
                         f"again with --batch-size {largest} (or less: it is an estimate)")
    return message, (f"the estimate fits up to batch {largest} in {memory}, so something else "
                     f"holds that memory (another process, or what this device keeps beyond "
                     f"the estimate): run again with --batch-size {max(1, stop.batch_size // 2)}"
                     f", or free the device")
