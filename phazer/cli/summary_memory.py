"""The memory options and table of ``phazer summary``.

The estimate needs no TensorFlow. ``--measure`` runs real training steps in a child process
(:mod:`phazer.probe`) and reports XLA's buffer plan of the step next to the estimate.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING

from phazer.cli.common import positive_int, rich_table
from phazer.ir.model import ModelIR
from phazer.plan.budget import format_bytes, parse_size
from phazer.plan.memory_report import (
    APPROXIMATE_NOTE,
    MemoryReport,
    dominant_text,
    memory_report,
)
from phazer.plan.memory_settings import DEVICES, PRECISIONS, MemorySettings, training_settings
from phazer.plan.optimizer_state import OPTIMIZER_NAMES
from phazer.plan.replicas import split_problem
from phazer.spec.training import TrainingSpec

if TYPE_CHECKING:
    from rich.table import Table


def size_argument(text: str) -> int:
    """An argparse type: a size such as ``8GiB``."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {value}")
    return value


def replica_count(args: argparse.Namespace, training: TrainingSpec) -> int:
    """The replicas of the estimate: ``--devices``, else a mirrored spec's device count."""
    if args.devices is not None:
        return args.devices
    distribution = training.distribution
    if distribution.strategy == "mirrored" and distribution.devices:
        return distribution.devices
    return 1


def batch_split_problem(args: argparse.Namespace, training: TrainingSpec
                        ) -> tuple[str, str] | None:
    """``(message, hint)`` when the batch does not divide by the replicas, else None."""
    devices = replica_count(args, training)
    batch = args.batch_size if args.batch_size is not None else training.batch_size
    problem = split_problem(batch, devices)
    if problem is None:
        return None
    field = "--batch-size" if args.batch_size is not None else "training.batch_size"
    given = f"--devices {devices}" if args.devices is not None else \
        "training.distribution.devices"
    return (f"{field} is {problem[0].replace(' replicas;', f' replicas ({given});', 1)}",
            f"{problem[1]} for {field}, or another number of devices")


def add_memory_options(parser: argparse.ArgumentParser) -> None:
    """The options that choose what the memory estimate is for."""
    group = parser.add_argument_group("memory estimate")
    group.add_argument("--precision", choices=PRECISIONS, default=None,
                       help="dtype policy of the training step (default: the spec's "
                            "training.mixed_precision: mixed_float16 for true or float16, "
                            "mixed_bfloat16 for bfloat16, else float32)")
    group.add_argument("--optimizer", choices=OPTIMIZER_NAMES, default=None,
                       help="optimizer, for its slots per weight (default: the spec's "
                            "training.optimizer.type)")
    group.add_argument("--momentum", type=_fraction, default=None, metavar="M",
                       help="SGD or RMSprop momentum; non-zero adds a slot (default: the "
                            "spec's)")
    group.add_argument("--centered", action="store_true", default=None,
                       help="RMSprop's centered variant (one more slot)")
    group.add_argument("--amsgrad", action="store_true", default=None,
                       help="Adam / AdamW's AMSGrad variant (one more slot)")
    group.add_argument("--device", choices=DEVICES, default=None,
                       help="device the estimate is for (default gpu; with --measure, the "
                            "device the steps ran on)")
    group.add_argument("--gpu-memory", type=size_argument, default=None, metavar="SIZE",
                       help="GPU memory, e.g. 8GiB: whether the step fits and the largest "
                            "batch size that does (with --devices, the largest global batch)")
    group.add_argument("--devices", type=positive_int, default=None, metavar="N",
                       help="replicas the batch is split over (tf.distribute): the memory of "
                            "one replica, with the whole model and 1/N of the batch (default: "
                            "training.distribution.devices of a mirrored spec, else 1)")
    group.add_argument("--measure", action="store_true",
                       help="run real training steps (imports TensorFlow) and report XLA's "
                            "buffer plan of the step next to the estimate")
    group.add_argument("--measure-steps", type=int, default=2, metavar="N",
                       help="training steps --measure runs (default 2; the first compiles)")


def memory_settings(args: argparse.Namespace, training: TrainingSpec,
                    device: str | None = None) -> MemorySettings:
    """The estimate's settings: the spec's ``training:`` section, then the command line.

    ``device`` overrides --device (the device a measurement ran on).
    """
    return training_settings(training, batch_size=args.batch_size, precision=args.precision,
                             optimizer=args.optimizer, device=device or args.device or "gpu",
                             momentum=args.momentum, centered=args.centered,
                             amsgrad=args.amsgrad)


def build_memory_report(args: argparse.Namespace, model: ModelIR,
                        training: TrainingSpec) -> MemoryReport:
    """Estimate (and with --measure, measure) as the spec and the command line ask.

    A failed measurement is reported as ``{"error": message}`` in the report's ``measured``.
    With several devices the estimate, the GPU answer and the measurement are for one
    replica (its share of the batch).

    Raises:
        ValueError: the batch does not divide by the devices (see :func:`batch_split_problem`).
    """
    measured = None
    device = None
    devices = replica_count(args, training)
    settings = memory_settings(args, training)
    if args.measure:
        from phazer.probe import ProbeError, measure_memory  # spawns a TensorFlow process

        share = replace(settings, batch_size=settings.batch_size // devices)
        try:
            measurement = measure_memory(args.spec, args.overrides, share,
                                         steps=args.measure_steps)
        except ProbeError as exc:
            measured = {"error": str(exc)}
        else:
            measured = measurement.to_json()
            device = args.device or measurement.device.split(":")[0].lower()
    return memory_report(model, memory_settings(args, training, device), args.gpu_memory,
                         measured, devices)


def memory_table(report: MemoryReport) -> Table:
    """The memory terms, the GPU answer and the measurement, for people."""
    e, s = report.estimate, report.estimate.settings
    batch = (f"batch {s.batch_size} per side" if report.devices == 1 else
             f"one of {report.devices} replicas: batch {s.batch_size} of {report.batch_size} "
             "per side")
    title = (f"memory of one training step ({batch}, {s.precision}, {s.optimizer}, "
             f"{s.device.upper()})")
    table = rich_table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column()
    table.add_row("weights", format_bytes(e.weights), "every variable, float32")
    table.add_row("gradients", format_bytes(e.gradients),
                  "kernels' working copies and gradients alive at the peak")
    table.add_row("optimizer state", format_bytes(e.optimizer_state),
                  f"{s.slots} slot{'s' if s.slots != 1 else ''} per weight")
    table.add_row("activations", format_bytes(e.activations),
                  "the batch and the tensors kept for the backward pass")
    table.add_row("workspace", format_bytes(e.workspace), "temporaries of the op at the peak")
    table.add_row("total", format_bytes(e.total), f"peak: {e.peak_at}")
    if report.not_counted:
        table.add_row("not counted", "", "internal activations of "
                      + ", ".join(report.not_counted) + " (unknown to the plan)")
    if report.approximate:
        table.add_row("approximate", "", "internal activations of "
                      + ", ".join(report.approximate) + APPROXIMATE_NOTE)
    fit = report.fit
    if fit is not None:
        if fit.max_batch_size is None:
            verdict = ("does not fit at any batch size; at batch 1 most of it is "
                       + dominant_text(fit.dominant))
        else:
            verdict = (f"{'fits' if fit.fits else 'does NOT fit'}; largest batch size "
                       f"that fits: {report.max_batch_size}")
            if report.devices > 1:
                verdict += (f" ({fit.max_batch_size} per replica on each of {report.devices} "
                            "GPUs)")
        table.add_row(f"GPU {format_bytes(fit.budget)}", format_bytes(fit.required),
                      f"with {format_bytes(fit.overhead)} of fixed GPU terms: {verdict}")
    if report.measured is not None and "error" in report.measured:
        table.add_row("measured", "", "failed: " + report.measured["error"].splitlines()[0])
    elif report.measured is not None:
        m = report.measured
        ratio = e.total / m["xla_bytes"] if m["xla_bytes"] else float("nan")
        table.add_row("measured (XLA)", format_bytes(m["xla_bytes"]),
                      f"buffer plan of the compiled step on {m['device']}; "
                      f"estimate / measured = {ratio:.3f}")
        table.add_row("measured (allocator)", format_bytes(m["allocator_peak"]),
                      "TensorFlow allocator peak, includes its chunk rounding")
    return table
