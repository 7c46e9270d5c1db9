"""The memory part of ``phazer summary``: the estimate, the GPU answer, the measurement.

:func:`memory_report` gathers them for one model and settings; :meth:`MemoryReport.to_json`
is the summary JSON's ``memory`` object (DESIGN §5) and :meth:`MemoryReport.issues` the
issue reported when the step does not fit the given GPU memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from phazer.ir.kinds.keras_app import keras_app_memory
from phazer.ir.model import ModelIR
from phazer.issues import OVER_GPU_MEMORY, Issue
from phazer.plan.budget import GpuFit, format_bytes, gpu_fit
from phazer.plan.memory import MemoryEstimate, estimate_memory
from phazer.plan.memory_settings import MemorySettings
from phazer.plan.replicas import split_problem

# What the summary says of a Keras Applications encoder's figures (bench/memory_estimate.py
# --keras-apps measures the range quoted; docs/memory.md has the table).
APPROXIMATE_NOTE = (" from the table's layer-by-layer walk: Keras Applications encoders were "
                    "measured at 0.85-1.10 times XLA's figure (docs/memory.md), less "
                    "closely than the rest")


@dataclass(frozen=True)
class MemoryReport:
    """The estimate for the settings, and optionally a GPU answer and a measurement.

    Attributes:
        estimate: the estimate of one training step.
        fit: the answer for ``--gpu-memory`` (None without it).
        measured: the probe's figures (``phazer.probe.Measurement.to_json()``), or
            ``{"error": message}`` when it failed, or None.
        not_counted: ops whose internal activations the estimate cannot see.
        approximate: ops whose internal activations come from the generated table's
            layer-by-layer walk (Keras Applications encoders), which XLA's measured figure
            has checked less closely than the rest (``docs/memory.md``).
        devices: the replicas the global batch is split over. The estimate (and ``fit``) is
            for one replica: all the weights, gradients and optimizer state, and the
            activations of its share of the batch (``estimate.settings.batch_size``).
    """

    estimate: MemoryEstimate
    fit: GpuFit | None = None
    measured: dict | None = None
    not_counted: tuple[str, ...] = ()
    approximate: tuple[str, ...] = ()
    devices: int = 1

    @property
    def batch_size(self) -> int:
        """The global batch per side (every replica's share together)."""
        return self.estimate.settings.batch_size * self.devices

    @property
    def max_batch_size(self) -> int | None:
        """The largest global batch per side whose replicas fit the GPU (with ``fit``)."""
        if self.fit is None or self.fit.max_batch_size is None:
            return None
        return self.fit.max_batch_size * self.devices

    def to_json(self) -> dict:
        """The summary JSON's ``memory`` object: DESIGN §5's keys, then details."""
        e, s = self.estimate, self.estimate.settings
        data: dict = {
            "batch_size": self.batch_size, "precision": s.precision,
            "optimizer": s.optimizer,
            "weights": e.weights, "gradients": e.gradients,
            "optimizer_state": e.optimizer_state, "activations": e.activations,
            "workspace": e.workspace, "total": e.total,
            "max_batch_size": self.max_batch_size,
            "measured": (self.measured or {}).get("xla_bytes"),
            "device": s.device, "optimizer_slots": s.slots, "peak_at": e.peak_at,
            "not_counted": list(self.not_counted),
            "approximate": list(self.approximate),
            "devices": self.devices, "per_replica_batch_size": s.batch_size,
        }
        if self.fit is not None:
            data["gpu"] = {"memory": self.fit.budget, "fixed": self.fit.overhead,
                           "required": self.fit.required, "fits": self.fit.fits,
                           "dominant_submodels": [name for name, _ in self.fit.dominant],
                           "batch_1_required": self.fit.smallest_required}
        if self.measured is not None:
            data["measurement"] = dict(self.measured)
        return data

    def issues(self) -> list[Issue]:
        """PHZ330 when the step does not fit the GPU memory given."""
        fit = self.fit
        if fit is None or fit.fits:
            return []
        batch = self.batch_size
        each = (f" ({self.estimate.settings.batch_size} per replica on each of "
                f"{self.devices} devices)" if self.devices > 1 else "")
        if fit.max_batch_size is None:
            names = ", ".join(name for name, _ in fit.dominant)
            message = (f"no batch size fits {format_bytes(fit.budget)}: even batch 1 needs "
                       f"about {format_bytes(fit.smallest_required or 0)}; "
                       f"{dominant_text(fit.dominant)} take most of it (weights, optimizer "
                       "state, working copies and kept activations)")
            hint = (f"shrink {names} (fewer filters, smaller dense layers, lower "
                    "resolution), or use mixed precision or an optimizer with fewer slots")
        else:
            message = (f"batch {batch}{each} needs about {format_bytes(fit.required)}"
                       f"{' per device' if each else ''}, more than {format_bytes(fit.budget)}")
            hint = f"the largest batch size that fits is {self.max_batch_size}"
        return [Issue(OVER_GPU_MEMORY, "warning", "", message, hint)]


def dominant_text(dominant: tuple[tuple[str, float], ...]) -> str:
    """``encoder (52%), fc_both (30%)``."""
    return ", ".join(f"{name} ({100 * part:.0f}%)" for name, part in dominant)


def _keras_apps(model: ModelIR, tabulated: bool) -> tuple[str, ...]:
    return tuple(f"{name}/{op.name} ({op.attr('encoder')})"
                 for name, sub in model.submodels.items() for op in sub.ops
                 if op.kind == "keras_app"
                 and (keras_app_memory(op.attrs, op.input_shapes) is not None) == tabulated)


def not_counted_ops(model: ModelIR) -> tuple[str, ...]:
    """Ops whose internal activations are unknown to the estimate.

    Only a Keras Applications encoder that the generated table has no memory figures for.
    """
    return _keras_apps(model, tabulated=False)


def approximate_ops(model: ModelIR) -> tuple[str, ...]:
    """Keras Applications encoders whose internal activations come from the table's walk."""
    return _keras_apps(model, tabulated=True)


def memory_report(model: ModelIR, settings: MemorySettings, gpu_memory: int | None = None,
                  measured: dict | None = None, devices: int = 1) -> MemoryReport:
    """The memory report of ``model`` for ``settings`` (and a GPU of ``gpu_memory`` bytes).

    Args:
        model: the model.
        settings: what the step is for; ``batch_size`` is the global batch per side.
        gpu_memory: the memory of one GPU, bytes (None: no GPU answer).
        measured: the probe's figures.
        devices: the replicas (``tf.distribute``): the estimate is for one of them, at
            ``batch_size / devices``; the largest batch is then a global one.

    Raises:
        ValueError: ``batch_size`` does not divide by ``devices``.
    """
    problem = split_problem(settings.batch_size, devices)
    if problem is not None:
        raise ValueError(f"the batch size is {problem[0]}; {problem[1]}")
    share = replace(settings, batch_size=settings.batch_size // devices)
    estimate = estimate_memory(model, share)
    fit = gpu_fit(model, estimate, gpu_memory) if gpu_memory is not None else None
    return MemoryReport(estimate, fit, measured, not_counted_ops(model), approximate_ops(model),
                        devices)
