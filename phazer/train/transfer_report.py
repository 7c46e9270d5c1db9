"""What ``phazer transfer`` did to each sub-model and layer: the table's and JSON's data.

Plain data (no TensorFlow): :mod:`phazer.train.transfer` fills it in, ``phazer transfer`` prints
it, and ``state.json`` keeps :meth:`TransferReport.record`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

COPIED, PARTLY, FRESH = "copied", "partly copied", "re-initialised"


@dataclass
class LayerTransfer:
    """One layer with weights: what happened to it, and why (empty when all was copied)."""

    name: str
    status: str
    reason: str
    params: int
    copied_params: int


@dataclass
class SubModelTransfer:
    """One sub-model of the new model and its layers."""

    name: str
    source: str | None
    layers: list[LayerTransfer] = field(default_factory=list)
    dropped_layers: list[str] = field(default_factory=list)

    @property
    def in_old_model(self) -> bool:
        """Whether the old model has a sub-model to take its weights from."""
        return self.source is not None

    def count(self, status: str) -> int:
        """How many of its layers have ``status``."""
        return sum(layer.status == status for layer in self.layers)

    @property
    def params(self) -> int:
        """Its parameters (every weight, trainable or not)."""
        return sum(layer.params for layer in self.layers)

    @property
    def copied_params(self) -> int:
        """Its parameters that took the old model's values."""
        return sum(layer.copied_params for layer in self.layers)

    @property
    def status(self) -> str:
        """``copied`` (every weight), ``re-initialised`` (none) or ``partly copied``."""
        if self.copied_params == self.params:
            return COPIED
        return FRESH if self.copied_params == 0 else PARTLY

    @property
    def reason(self) -> str:
        """Why not everything was copied, in a few words ("" when it was)."""
        if not self.in_old_model:
            return "not in the old model"
        mapped = f"from {self.source}" if self.source != self.name else ""
        reasons = [layer for layer in self.layers if layer.status != COPIED]
        if not reasons:
            return mapped
        more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
        return "; ".join(filter(None, (mapped, f"{reasons[0].name}: {reasons[0].reason}"
                                       f"{more}")))


@dataclass
class TransferReport:
    """What ``phazer transfer`` did, for the table and ``--json``."""

    source: Path
    target: Path
    spec: str
    source_iterations: int
    submodels: list[SubModelTransfer]
    dropped_submodels: list[str]
    color_order: str = "rgb"
    """The new model dir's colour order (:func:`phazer.train.transfer.transfer` chooses)."""

    def totals(self) -> dict[str, int]:
        """Layers and parameters copied and re-initialised, over the whole model."""
        layers = [layer for sub in self.submodels for layer in sub.layers]
        params = sum(layer.params for layer in layers)
        copied = sum(layer.copied_params for layer in layers)
        return {"layers": len(layers),
                "copied_layers": sum(layer.status == COPIED for layer in layers),
                "partly_copied_layers": sum(layer.status == PARTLY for layer in layers),
                "reinitialised_layers": sum(layer.status == FRESH for layer in layers),
                "params": params, "copied_params": copied,
                "reinitialised_params": params - copied}

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (what ``--json`` prints)."""
        return {"source": str(self.source), "target": str(self.target), "spec": self.spec,
                "source_iterations": self.source_iterations, "totals": self.totals(),
                "submodels": [{"name": sub.name, "status": sub.status, "reason": sub.reason,
                               "from": sub.source,
                               "copied_layers": sub.count(COPIED),
                               "partly_copied_layers": sub.count(PARTLY),
                               "reinitialised_layers": sub.count(FRESH),
                               "params": sub.params, "copied_params": sub.copied_params,
                               "layers": [asdict(layer) for layer in sub.layers],
                               "dropped_layers": sub.dropped_layers}
                              for sub in self.submodels],
                "dropped_submodels": self.dropped_submodels,
                "color_order": self.color_order}

    def record(self) -> dict[str, Any]:
        """What ``state.json`` keeps of the transfer."""
        return {"source": str(self.source), "source_iterations": self.source_iterations,
                **self.totals(), "dropped_submodels": self.dropped_submodels,
                "mapped": {sub.name: sub.source for sub in self.submodels
                           if sub.source not in (None, sub.name)},
                "submodels": {sub.name: sub.status for sub in self.submodels}}
