"""Measure what a training step really takes: the probe behind ``phazer summary --measure``.

:func:`measure_memory` runs the spec's model for a few real training steps in a child Python
process (:mod:`phazer.probe.worker`, which imports TensorFlow) with XLA's dumps switched on,
then reads the train step's buffer plan (:mod:`phazer.probe.xla_report`). Importing this
package does not import TensorFlow.
"""

from phazer.probe.run import Measurement, ProbeError, measure_memory
from phazer.probe.xla_report import XlaPlan, XlaReportError, train_step_plan

__all__ = ["Measurement", "ProbeError", "XlaPlan", "XlaReportError", "measure_memory",
           "train_step_plan"]
