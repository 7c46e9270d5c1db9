"""The ``tf.distribute`` side of a session: devices, the strategy, the data and the gradients.

:func:`configure_devices` must run before TensorFlow initialises its devices (the first op):
it splits the CPU into N logical devices on a machine without GPUs (``--devices N``), or keeps
the first N GPUs visible. :func:`make_strategy` then makes the strategy a
:class:`phazer.train.distribution.Placement` names (None for one device).

A train step under a strategy reduces the gradients itself (:func:`all_reduce_gradients`,
the sum over the replicas of the gradient of each replica's loss divided by the replica
count: the gradient of the global batch's mean loss), then clips, accumulates and applies
them exactly as on one device. Keras' optimizers would otherwise clip each replica's share
*before* summing, so a clipped model would train differently on N devices;
:func:`apply_reduced_gradients` makes the optimizer take the sums as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf

from phazer.train.distribution import DistributionError, Placement, check_batch


def _gpus() -> list[Any]:
    return tf.config.list_physical_devices("GPU")


def configure_devices(placement: Placement) -> None:
    """Make the devices a placement asks for (before TensorFlow initialises them).

    On a machine with GPUs, ``devices`` N keeps the first N visible. Without GPUs,
    ``mirrored`` with N > 1 splits the CPU into N logical devices; ``multi_worker`` runs one
    CPU device per worker.

    Raises:
        DistributionError: more GPUs asked for than the machine has, several CPU devices for
            ``multi_worker``, or devices TensorFlow already initialised differently.
    """
    count = placement.devices
    if not placement.distributed or count is None:
        return
    gpus = _gpus()
    if gpus:
        if count > len(gpus):
            raise DistributionError(f"{count} devices asked for, but this machine has "
                                    f"{len(gpus)} GPU{'s' if len(gpus) != 1 else ''}",
                                    f"use --devices {len(gpus)} or fewer")
        _apply(lambda: tf.config.set_visible_devices(gpus[:count], "GPU"),
               lambda: len(tf.config.list_logical_devices("GPU")) == count, count, "GPUs")
        return
    if placement.strategy == "multi_worker" and count > 1:
        raise DistributionError(f"multi_worker on a machine without GPUs trains on one CPU "
                                f"device per worker; {count} were asked for",
                                "use --devices 1 (or add workers to TF_CONFIG)")
    cpu = tf.config.list_physical_devices("CPU")[0]
    _apply(lambda: tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]),
        lambda: len(tf.config.list_logical_devices("CPU")) == count, count, "CPU devices")


def _apply(configure: Any, already: Any, count: int, what: str) -> None:
    try:
        configure()
    except RuntimeError:          # TensorFlow's devices are initialised in this process
        if not already():
            raise DistributionError(f"cannot make {count} {what}: TensorFlow has already set "
                                    "up its devices in this process",
                                    "configure the devices before the first TensorFlow op "
                                    "(phazer train does it at start)") from None


def make_strategy(placement: Placement) -> tf.distribute.Strategy | None:
    """The strategy of a placement (None: one device, no strategy).

    ``mirrored`` mirrors over the visible GPUs, or the logical CPU devices without GPUs;
    ``multi_worker`` reads the cluster from ``TF_CONFIG`` (checked by
    :func:`phazer.train.distribution.parse_tf_config`) and uses each worker's GPUs, or its CPU.
    """
    if not placement.distributed:
        return None
    if placement.strategy == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    return tf.distribute.MirroredStrategy(devices=[device.name for device in devices])


def setup_strategy(placement: Placement, batch_size: int, batch_field: str
                   ) -> tf.distribute.Strategy | None:
    """Make the devices and the strategy, and check the batch splits evenly over them.

    Args:
        placement: where the session trains.
        batch_size: the global batch per side.
        batch_field: where it was set, for the message (``--batch-size``).

    Raises:
        DistributionError: the devices cannot be made, or the batch does not divide.
    """
    configure_devices(placement)
    strategy = make_strategy(placement)
    count = replicas(strategy)
    check_batch(batch_size, count, batch_field, placement.describe(count))
    return strategy


def replicas(strategy: tf.distribute.Strategy | None) -> int:
    """The replicas a step runs on (1 without a strategy)."""
    return strategy.num_replicas_in_sync if strategy is not None else 1


def distribute_dataset(strategy: tf.distribute.Strategy, dataset: tf.data.Dataset) -> Any:
    """Split each global batch over the replicas, in order (replica i takes the i-th part).

    Every worker builds the same stream from the same seed and keeps its own part of each
    batch (``AutoShardPolicy.DATA``), so the replicas see together exactly the batch one
    device would.
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return strategy.experimental_distribute_dataset(dataset.with_options(options))


def all_reduce_gradients(grads: Sequence[tf.Tensor | None]) -> list[tf.Tensor | None]:
    """The gradients summed over the replicas (in a replica context; None stays None)."""
    present = [g for g in grads if g is not None]
    context = tf.distribute.get_replica_context()
    reduced = iter(context.all_reduce(tf.distribute.ReduceOp.SUM, present) if present else [])
    return [None if g is None else next(reduced) for g in grads]


def _no_second_reduction(grads_and_vars: Any) -> list:
    return list(grads_and_vars)


def apply_reduced_gradients(optimizer: keras.optimizers.Optimizer) -> None:
    """Make the optimizer (and a loss-scale optimizer's inner one) apply the sums as given.

    Keras' TensorFlow optimizers all-reduce the gradients they are given inside ``apply``,
    after clipping; the train step hands them gradients it has already summed, so that step
    is skipped. ``tests/test_train_distributed.py`` checks that N devices then train the same
    weights as one (a double reduction would double every update).
    """
    for target in (optimizer, getattr(optimizer, "inner_optimizer", None)):
        if target is not None and hasattr(target, "_all_reduce_sum_gradients"):
            target._all_reduce_sum_gradients = _no_second_reduction


def stop_vote(strategy: tf.distribute.Strategy) -> Callable[[bool], bool]:
    """A vote each worker casts after every iteration: does any of them stop?

    A worker stopped alone (Ctrl-C, a time limit) would leave the others waiting for it in
    the next step's all-reduce; with the vote they all save and stop at the same iteration.
    """
    @tf.function
    def count(flag: tf.Tensor) -> Any:
        def replica(flag: tf.Tensor) -> tf.Tensor:
            # identity: a tensor made on the replica's device (an argument has none)
            return tf.distribute.get_replica_context().all_reduce(
                tf.distribute.ReduceOp.SUM, tf.identity(flag))
        return strategy.run(replica, args=(flag,))

    def vote(requested: bool) -> bool:
        votes = count(tf.constant(1.0 if requested else 0.0))
        return float(strategy.experimental_local_results(votes)[0]) > 0.0

    return vote


def workers_agree(strategy: tf.distribute.Strategy, values: Sequence[int]) -> bool:
    """Whether every replica holds the first replica's ``values`` (e.g. its iteration)."""
    local = tf.constant([float(v) for v in values])

    def disagreeing() -> tf.Tensor:
        context = tf.distribute.get_replica_context()
        first = tf.cast(tf.equal(context.replica_id_in_sync_group, 0), tf.float32)
        chief = context.all_reduce(tf.distribute.ReduceOp.SUM, local * first)
        differs = tf.cast(tf.reduce_any(tf.not_equal(local, chief)), tf.float32)
        return context.all_reduce(tf.distribute.ReduceOp.SUM, differs)

    result = strategy.run(tf.function(disagreeing))
    return all(float(x) == 0.0 for x in strategy.experimental_local_results(result))


class Accumulation:
    """Gradient accumulation under a strategy, in the optimizer's own accumulators.

    Keras accumulates inside ``optimizer.apply`` with a ``cond`` whose branches synchronise
    the replicas, which ``tf.distribute`` cannot run (a ``merge_call`` inside a ``cond``).
    Here the train step decides in Python whether an iteration accumulates or updates
    (:meth:`is_update`, as Keras would: every ``gradient_accumulation``-th call updates), and
    each path is a function of its own. The arithmetic and the variables are Keras': the
    update applies ``(gradient + accumulated) / steps``, clipped by the optimizer (whose
    accumulating ``cond`` is replaced by its update branch); every call counts one optimizer
    iteration; the saved optimizer state is the same as on one device.

    Args:
        optimizer: the optimizer (a loss-scale optimizer's inner one holds the accumulators).
    """

    def __init__(self, optimizer: keras.optimizers.Optimizer) -> None:
        self.optimizer = optimizer
        self.inner = getattr(optimizer, "inner_optimizer", optimizer)
        self.steps = int(self.inner.gradient_accumulation_steps or 1)
        if self.steps > 1:
            inner = self.inner

            def update(grads: list, variables: list) -> None:
                """Keras' update branch of ``_backend_apply_gradients``, without its cond."""
                grads = inner._clip_gradients(grads)
                inner._apply_weight_decay(variables)
                inner._backend_update_step(grads, variables, inner.learning_rate)

            # only :meth:`apply` calls the optimizer now; iterations count as in Keras
            inner._backend_apply_gradients = update

    def is_update(self) -> bool:
        """Whether the next iteration applies the accumulated gradients (read in Python)."""
        return (int(self.inner._iterations.numpy()) + 1) % self.steps == 0

    def _accumulators(self, variables: Sequence[Any]) -> list[Any]:
        return [self.inner._accumulated_gradients[self.inner._get_variable_index(v)]
                for v in variables]

    def accumulate(self, grads: Sequence[tf.Tensor | None], variables: Sequence[Any]) -> None:
        """Add the (all-reduced) gradients to the accumulators; count the iteration."""
        pairs = [(acc.value, g) for acc, g in zip(self._accumulators(variables), grads,
                                                 strict=True) if g is not None]
        counter = self.inner._iterations.value

        def merge(strategy: tf.distribute.Strategy, pairs: list) -> None:
            for accumulator, grad in pairs:
                strategy.extended.update(accumulator, lambda v, g: v.assign_add(g),
                                         args=(grad,), group=False)
            strategy.extended.update(counter, lambda v: v.assign_add(1), group=False)

        tf.distribute.get_replica_context().merge_call(merge, args=(pairs,))

    def apply(self, grads: Sequence[tf.Tensor | None], variables: Sequence[Any]) -> None:
        """Apply ``(gradient + accumulated) / steps`` and empty the accumulators."""
        accumulators = self._accumulators(variables)
        total = [None if g is None else (g + acc.value) / self.steps
                 for g, acc in zip(grads, accumulators, strict=True)]
        self.optimizer.apply(total, variables)
        values = [acc.value for acc in accumulators]

        def merge(strategy: tf.distribute.Strategy, values: list) -> None:
            for accumulator in values:
                strategy.extended.update(accumulator, lambda v: v.assign(tf.zeros_like(v)),
                                         group=False)

        tf.distribute.get_replica_context().merge_call(merge, args=(values,))


def require_same_save(strategy: tf.distribute.Strategy, placement: Placement, folder: Path,
                      position: Sequence[int]) -> None:
    """Refuse a cluster whose workers start from different saves (no shared model dir).

    Args:
        strategy: the multi-worker strategy.
        placement: this worker's placement.
        folder: the model dir.
        position: what must agree: the iteration, the data stream's position, resumed or not.

    Raises:
        DistributionError: the workers disagree (every one of them raises it).
    """
    if not workers_agree(strategy, position):
        raise DistributionError(f"the workers see different saves in {folder} (this is "
                                f"{placement.cluster.describe()}, at iteration {position[0]})",
                                "every worker must read the chief's model dir at the same "
                                "path: a shared folder, or a copy of it made before resuming")
