"""Where a training session runs, decided before TensorFlow is imported (no TensorFlow here).

A spec's ``training.distribution`` (and ``phazer train --strategy / --devices``) names a
``tf.distribute`` strategy: ``default`` (one device), ``mirrored`` (the devices of this
machine) or ``multi_worker`` (several machines, the cluster in the ``TF_CONFIG`` environment
variable). :func:`resolve` turns them into a :class:`Placement`: the strategy, the devices per
machine (when known without TensorFlow), this process's role in the cluster, and whether it is
the chief, the one process that writes the model dir.

The batch size is the global batch per side: every iteration splits it evenly over the
replicas. :func:`check_batch` refuses one that does not divide, naming the nearest sizes that
do. Nothing here raises anything but :class:`DistributionError`, which the callers turn into
their own user-facing error.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from phazer.plan.replicas import split_problem
from phazer.spec.training import STRATEGIES, DistributionSpec

TF_CONFIG = "TF_CONFIG"
_WORKER_TYPES = ("chief", "worker")


class DistributionError(Exception):
    """The distribution settings or the cluster cannot be used.

    Attributes:
        message: one line: what is wrong.
        hint: one line: how to fix it.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Cluster:
    """This process's place in a multi-worker cluster (from ``TF_CONFIG``).

    Attributes:
        workers: the processes that train (the ``chief`` and ``worker`` tasks).
        task_type: this process's task type (``chief`` or ``worker``).
        task_index: its index among the tasks of that type.
    """

    workers: int
    task_type: str
    task_index: int
    has_chief_task: bool

    @property
    def is_chief(self) -> bool:
        """The task that writes: the ``chief``, or ``worker`` 0 when there is no chief."""
        if self.has_chief_task:
            return self.task_type == "chief"
        return self.task_type == "worker" and self.task_index == 0

    def describe(self) -> str:
        """``worker 1 of 2``."""
        return f"{self.task_type} {self.task_index} of {self.workers} workers"


@dataclass(frozen=True)
class Placement:
    """Where one training process runs.

    Attributes:
        strategy: ``default``, ``mirrored`` or ``multi_worker``.
        devices: devices per machine asked for (None: every GPU, else one CPU device).
        cluster: the multi-worker cluster (None for the other strategies).
    """

    strategy: str
    devices: int | None = None
    cluster: Cluster | None = None

    @property
    def is_chief(self) -> bool:
        """Whether this process writes the model dir (always, outside a cluster)."""
        return self.cluster is None or self.cluster.is_chief

    @property
    def distributed(self) -> bool:
        """Whether a ``tf.distribute`` strategy is used (not the default one-device path)."""
        return self.strategy != "default"

    def describe(self, replicas: int) -> str:
        """``mirrored over 2 devices`` / ``multi_worker: 2 workers x 1 device``."""
        if not self.distributed:
            return "one device"
        if self.cluster is not None:
            per = replicas // self.cluster.workers
            return (f"multi_worker: {self.cluster.workers} workers x {per} "
                    f"device{'s' if per != 1 else ''}")
        return f"mirrored over {replicas} device{'s' if replicas != 1 else ''}"

    def replicas_known(self) -> int | None:
        """The replica count when it is known without TensorFlow (devices given), else None."""
        if self.strategy == "default":
            return 1
        if self.devices is None:
            return None
        return self.devices * (self.cluster.workers if self.cluster else 1)


def parse_tf_config(text: str | None) -> Cluster:
    """The cluster and this task from ``TF_CONFIG``'s JSON text.

    Raises:
        DistributionError: missing, not JSON, no ``worker``/``chief`` tasks, or a task that
            is not in the cluster.
    """
    example = ('e.g. TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
               '"task": {"type": "worker", "index": 0}}\'')
    if not text:
        raise DistributionError("strategy multi_worker needs the TF_CONFIG environment "
                                "variable (the cluster and this machine's task); it is not set",
                                f"set it on every machine, {example} (docs/training.md)")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DistributionError(f"TF_CONFIG is not valid JSON: {exc}", example) from None
    cluster = config.get("cluster") if isinstance(config, Mapping) else None
    task = config.get("task") if isinstance(config, Mapping) else None
    if not isinstance(cluster, Mapping) or not isinstance(task, Mapping):
        raise DistributionError("TF_CONFIG needs a \"cluster\" and a \"task\" mapping",
                                example)
    sizes = {kind: cluster.get(kind) for kind in _WORKER_TYPES}
    if not any(sizes.values()) or not all(isinstance(v, list) for v in sizes.values() if v):
        raise DistributionError("TF_CONFIG's cluster lists no \"worker\" (or \"chief\") "
                                "addresses", example)
    task_type, index = task.get("type"), task.get("index", 0)
    hosts = sizes.get(task_type) if task_type in _WORKER_TYPES else None
    if not hosts or not isinstance(index, int) or not 0 <= index < len(hosts):
        raise DistributionError(f"TF_CONFIG's task {json.dumps(dict(task))} is not a chief or "
                                "worker of its cluster",
                                "give each machine its own task: type worker (or chief) and "
                                "its index in that list")
    workers = sum(len(v) for v in sizes.values() if v)
    return Cluster(workers, str(task_type), index, bool(sizes.get("chief")))


def resolve(spec: DistributionSpec, strategy: str | None = None, devices: int | None = None,
            environ: Mapping[str, str] | None = None) -> Placement:
    """The placement of a session: the spec's ``training.distribution``, then the options.

    Args:
        spec: the spec's distribution settings.
        strategy: ``--strategy`` (None: the spec's).
        devices: ``--devices`` (None: the spec's).
        environ: where ``TF_CONFIG`` is read (default: this process's environment).

    Raises:
        DistributionError: an unknown strategy, several devices with ``default``, or (for
            ``multi_worker``) a missing or malformed ``TF_CONFIG``.
    """
    name = strategy or spec.strategy
    if name not in STRATEGIES:
        raise DistributionError(f"unknown strategy {name!r}",
                                f"expected one of: {', '.join(STRATEGIES)}")
    count = devices if devices is not None else spec.devices
    if name == "default" and devices is None:
        count = None              # --strategy default: the spec's device count is moot
    if name == "default" and count not in (None, 1):
        raise DistributionError(f"strategy default trains on one device, but {count} devices "
                                "are asked for", f"add --strategy mirrored to train on {count} "
                                "devices")
    cluster = None
    if name == "multi_worker":
        env = os.environ if environ is None else environ
        cluster = parse_tf_config(env.get(TF_CONFIG))
    return Placement(name, count, cluster)


def check_batch(batch_size: int, replicas: int, field: str, where: str) -> int:
    """The per-replica batch; refuse a batch that does not split evenly over the replicas.

    Args:
        batch_size: the global batch per side.
        replicas: the replica count.
        field: where the batch size was set (``--batch-size`` or ``training.batch_size``).
        where: what the replicas are, for the message (``mirrored over 2 devices``).

    Raises:
        DistributionError: ``batch_size`` is not a multiple of ``replicas``, naming the
            nearest sizes that are.
    """
    problem = split_problem(batch_size, replicas)
    if problem is None:
        return batch_size // replicas
    what, fix = problem
    what = what.replace(" replicas;", f" replicas ({where});", 1)
    raise DistributionError(f"{field} is {what}", f"{fix} for {field}, or train on another "
                            "number of devices")
