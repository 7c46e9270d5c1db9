"""The summary of a spec: validation issues plus the plan's figures, as JSON (DESIGN §5)."""

from __future__ import annotations

from dataclasses import dataclass

from phazer.ir.model import ModelIR
from phazer.issues import Issue
from phazer.model_colour import model_color_order
from phazer.pipeline import Pipeline
from phazer.pipeline.validation import ValidationReport, validate_reference
from phazer.plan.figures import ModelFigures
from phazer.plan.memory_report import MemoryReport


@dataclass
class Summary:
    """Everything `phazer summary` reports for one spec."""

    report: ValidationReport
    model: ModelIR | None
    figures: ModelFigures | None

    @property
    def ok(self) -> bool:
        """True when the spec is valid and its plan was built."""
        return self.report.ok and self.figures is not None

    @property
    def issues(self) -> list[Issue]:
        """Every issue, errors first."""
        return self.report.issues

    @property
    def pipeline(self) -> Pipeline | None:
        """The spec's pipeline (graph, compiled IR), None when it did not pass the schema."""
        return self.report.pipeline


def summarize(reference: str, overrides: list[str] | None = None) -> Summary:
    """Validate a spec and, when it is valid, compute its plan (the IR is compiled once)."""
    report = validate_reference(reference, overrides)
    if not report.ok or report.pipeline is None:
        return Summary(report, None, None)
    pipeline = report.pipeline
    return Summary(report, pipeline.model, pipeline.figures)


def _shapes_json(shapes: list[tuple[int, ...]]) -> list:
    """One shape as a list, several as a list of lists (a side with a mask or scales)."""
    return list(shapes[0]) if len(shapes) == 1 else [list(shape) for shape in shapes]


def summary_color_order(summary: Summary) -> str | None:
    """The channel order a new model of the spec takes faces in (:mod:`phazer.model_colour`)."""
    pipeline = summary.pipeline
    return None if pipeline is None else model_color_order(pipeline.lowered)


def summary_json(summary: Summary, batch_size: int = 16, precision: str = "float32",
                 optimizer: str = "adam", keras_total_params: int | None = None,
                 memory: MemoryReport | None = None) -> dict:
    """The summary as the JSON object of DESIGN §5 (shapes without the batch axis).

    ``memory`` fills the ``memory`` object; without it only its settings are given
    (``batch_size``, ``precision``, ``optimizer``) and the figures are null.
    """
    figures = summary.figures
    issues = [{"code": i.code, "severity": i.severity, "path": i.path, "message": i.message,
               "hint": i.hint, "file": i.file, "line": i.line} for i in summary.issues]
    if figures is None:
        return {"name": None, "valid": False, "issues": issues}
    loaded = summary.report.loaded
    return {
        "name": (loaded.spec.name if loaded and loaded.spec.name else figures.name),
        "sides": list(figures.sides),
        "input_shape": list(figures.input_shape),
        "output_shape": list(figures.output_shape),
        "side_inputs": {side: list(shape) for side, shape in figures.side_inputs.items()},
        "side_outputs": {side: _shapes_json(list(outputs.values()))
                         for side, outputs in figures.side_outputs.items()},
        "color_order": summary_color_order(summary),
        "total_params": figures.total_params,
        "trainable_params": figures.trainable_params,
        "non_trainable_params": figures.non_trainable_params,
        "submodels": [
            {"name": s.name, "kind": s.kind, "sides": list(s.sides), "calls": s.calls,
             "params": s.params, "trainable_params": s.trainable_params,
             "non_trainable_params": s.non_trainable_params,
             "input_shapes": [list(x) for x in s.input_shapes],
             "output_shapes": [list(x) for x in s.output_shapes], "flops": s.flops}
            for s in figures.submodels],
        "flops_per_example": {"forward": figures.forward_flops,
                              "train_step": figures.train_step_flops},
        "memory": memory.to_json() if memory is not None else {
            "batch_size": batch_size, "precision": precision, "optimizer": optimizer,
            "weights": None, "gradients": None, "optimizer_state": None,
            "activations": None, "workspace": None, "total": None,
            "max_batch_size": None, "measured": None},
        "issues": issues,
        "keras_total_params": keras_total_params,
    }
