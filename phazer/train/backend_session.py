"""What a training session does differently on each Keras backend, outside the step itself.

- The data: one ``tf.data`` pipeline feeds every backend (:mod:`phazer.data.pipeline`). It
  already decodes, augments and batches in parallel on TensorFlow's CPU threads; on PyTorch and
  JAX its batches are handed over as numpy arrays (:class:`NumpyBatches`), which each backend's
  step converts to its own tensors. TensorFlow is then kept off the GPUs
  (:func:`keep_tensorflow_off_gpus`), so the pipeline does not take memory the model needs.
- Several devices: TensorFlow trains under ``tf.distribute`` (:mod:`phazer.train.distribute`);
  JAX under Keras' data-parallel distribution (:func:`jax_data_parallel`), with the same
  ``mirrored`` strategy and ``devices`` settings; PyTorch trains on one device
  (:func:`check_backend_placement`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from phazer.train.distribution import DistributionError, Placement, check_batch

ONE_DEVICE_BACKENDS = ("torch",)


class NumpyBatches:
    """A ``tf.data`` dataset of ``(inputs, targets)`` read as numpy arrays."""

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def __iter__(self) -> Iterator[Any]:
        return self.dataset.as_numpy_iterator()


def keep_tensorflow_off_gpus() -> None:
    """Hide the GPUs from TensorFlow (the data pipeline's host) while another backend trains.

    Must run before TensorFlow's first op; a process where TensorFlow already set up its
    devices keeps them (nothing else is affected).
    """
    import tensorflow as tf

    # a RuntimeError: TensorFlow's devices are set up in this process already
    with contextlib.suppress(RuntimeError):
        tf.config.set_visible_devices([], "GPU")


def check_backend_placement(placement: Placement, backend: str) -> None:
    """Refuse what a backend cannot do: several devices on PyTorch, several machines off TF.

    Raises:
        DistributionError: with what to use instead.
    """
    if not placement.distributed or backend == "tensorflow":
        return
    if backend in ONE_DEVICE_BACKENDS:
        raise DistributionError(
            f"the {backend} backend trains on one device; training.distribution.strategy is "
            f"{placement.strategy}",
            "use strategy default (one GPU), or train on several devices with "
            "--backend tensorflow or --backend jax")
    if placement.strategy == "multi_worker":
        raise DistributionError(
            "multi_worker (several machines, TF_CONFIG) is tf.distribute's: the jax backend "
            "trains on the devices of one machine",
            "use --strategy mirrored with --backend jax, or --backend tensorflow")


def jax_data_parallel(placement: Placement, batch_size: int, batch_field: str) -> int:
    """Set Keras' data-parallel distribution over the devices asked for; the replica count.

    ``devices`` N takes JAX's first N devices (every device when not given). Must run before
    the model is built (Keras places the variables as they are made).

    Raises:
        DistributionError: more devices asked for than JAX sees, or a batch that does not
            split evenly over them.
    """
    if not placement.distributed:
        return 1
    import jax
    import keras

    devices = jax.devices()
    count = placement.devices or len(devices)
    if count > len(devices):
        kind = devices[0].platform.upper()
        raise DistributionError(
            f"{count} devices asked for, but JAX sees {len(devices)} {kind} "
            f"device{'s' if len(devices) != 1 else ''}",
            f"use --devices {len(devices)} or fewer (for several CPU devices set "
            "XLA_FLAGS=--xla_force_host_platform_device_count=N before phazer starts)")
    check_batch(batch_size, count, batch_field, placement.describe(count))
    keras.distribution.set_distribution(
        keras.distribution.DataParallel(devices=devices[:count]))
    return count
