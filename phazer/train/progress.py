"""What a training session reports while it runs: the progress bar, log lines, TensorBoard.

:class:`Reporter` is the loop's only channel to the user: a rich progress bar (iteration, loss
per side, examples/s, elapsed and remaining time) on a terminal, plain log lines at every save
otherwise, and TensorBoard scalars (``tf.summary``) for every iteration.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import tensorflow as tf
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from phazer.sides import is_mask_out, side_of


def _scalar_metadata() -> bytes:
    """TensorBoard's marker for a scalar summary (what ``tf.summary.scalar`` would add).

    Written with core TensorFlow's ``tf.summary.write`` so the logs need no ``tensorboard``
    package at training time; TensorBoard shows them as ordinary scalars.
    """
    from tensorflow.core.framework import summary_pb2

    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"),
        data_class=summary_pb2.DATA_CLASS_SCALAR)
    return metadata.SerializeToString()


def side_losses(per_output: Mapping[str, float]) -> str:
    """``A 0.0412  B 0.0398`` from per-output losses (masks shown after the faces)."""
    parts = []
    for name in sorted(per_output, key=lambda n: (is_mask_out(n), n)):
        side = side_of(name).upper()
        label = f"mask {side}" if is_mask_out(name) else side
        parts.append(f"{label} {per_output[name]:.4f}")
    return "  ".join(parts)


class Reporter:
    """Progress bar, log lines and TensorBoard logs of one session.

    Args:
        console: where the bar and log lines go.
        log_dir: the TensorBoard folder of this session, or None for no logs.
        show_bar: draw the live bar (only on a terminal; otherwise log lines only).
    """

    def __init__(self, console: Console, log_dir: Path | None, show_bar: bool = True) -> None:
        self.console = console
        self.writer = tf.summary.create_file_writer(str(log_dir)) if log_dir else None
        self._metadata = _scalar_metadata()
        self.show_bar = show_bar and console.is_terminal
        self._progress: Progress | None = None
        self._task: int | None = None

    def start(self, first: int, last: int | None) -> None:
        """Start the bar at iteration ``first``; ``last`` is None when training until stopped."""
        if not self.show_bar:
            return
        columns = [TextColumn("[bold]iteration"), MofNCompleteColumn() if last else
                   TextColumn("{task.completed}"), BarColumn(bar_width=24) if last else
                   TextColumn(""), TextColumn("loss {task.fields[losses]}"),
                   TextColumn("{task.fields[rate]} EG/s"), TimeElapsedColumn()]
        if last:
            columns.append(TimeRemainingColumn())
        self._progress = Progress(*columns, console=self.console, transient=False)
        self._task = self._progress.add_task("train", total=last, completed=first,
                                             losses="-", rate="-")
        self._progress.start()

    def update(self, iteration: int, per_output: Mapping[str, float],
               examples_per_second: float | None) -> None:
        """Show one finished iteration and log it to TensorBoard."""
        if self._progress is not None and self._task is not None:
            rate = f"{examples_per_second:.1f}" if examples_per_second else "-"
            self._progress.update(self._task, completed=iteration,
                                  losses=side_losses(per_output), rate=rate)
        if self.writer is not None:
            scalars = {f"loss/{name}": value for name, value in per_output.items()}
            if examples_per_second:
                scalars["examples_per_second"] = examples_per_second
            with self.writer.as_default(step=iteration):
                for tag, value in scalars.items():
                    tf.summary.write(tag, tf.constant(value, tf.float32),
                                     metadata=self._metadata)

    def log(self, message: str) -> None:
        """A log line (above the bar when there is one)."""
        self.console.print(message, markup=False, highlight=False)

    def flush(self) -> None:
        """Write buffered TensorBoard events."""
        if self.writer is not None:
            self.writer.flush()

    def stop(self) -> None:
        """Remove the live bar and close the logs."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        if self.writer is not None:
            self.writer.close()
            self.writer = None
