"""What a memory estimate is for: batch size, dtype policy, optimizer and device."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from phazer.plan.optimizer_state import optimizer_slots

Precision = Literal["float32", "mixed_float16", "mixed_bfloat16"]
Device = Literal["gpu", "cpu"]
PRECISIONS: tuple[str, ...] = ("float32", "mixed_float16", "mixed_bfloat16")
DEVICES: tuple[str, ...] = ("gpu", "cpu")
VARIABLE_BYTES = 4   # variables, gradients and optimizer slots are float32 in every policy


@dataclass(frozen=True)
class MemorySettings:
    """What the estimate is for.

    Attributes:
        batch_size: images per side per step.
        precision: the Keras dtype policy. ``mixed_float16`` trains with Keras' loss scaling
            (``LossScaleOptimizer``, which ``Model.compile`` adds for that policy).
        optimizer: the optimizer name (see :mod:`phazer.plan.optimizer_state`).
        device: "gpu" or "cpu". XLA:CPU computes mixed-precision convolutions and matrix
            products in float32 and keeps some tensors in a second layout (see the docs).
        momentum: SGD / RMSprop momentum (one more slot when non-zero).
        centered: RMSprop's centered variant (one more slot).
        amsgrad: Adam / AdamW's AMSGrad variant (one more slot).
        accumulation: batches whose gradients are averaged per update
            (``gradient_accumulation``); above 1 the optimizer keeps one more slot, the sum.
    """

    batch_size: int = 16
    precision: Precision = "float32"
    optimizer: str = "adam"
    device: Device = "gpu"
    momentum: float = 0.0
    centered: bool = False
    amsgrad: bool = False
    accumulation: int = 1

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {self.batch_size}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}; expected one of "
                             f"{', '.join(PRECISIONS)}")
        if self.device not in DEVICES:
            raise ValueError(f"unknown device {self.device!r}; expected gpu or cpu")
        optimizer_slots(self.optimizer)  # raises on an unknown name

    @property
    def slots(self) -> int:
        """Optimizer slots per trainable weight."""
        return optimizer_slots(self.optimizer, momentum=self.momentum,
                               centered=self.centered, amsgrad=self.amsgrad) + (
            1 if self.accumulation > 1 else 0)

    @property
    def mixed(self) -> bool:
        """A mixed-precision policy."""
        return self.precision != "float32"

    @property
    def loss_scaling(self) -> bool:
        """Training scales the loss (mixed_float16)."""
        return self.precision == "mixed_float16"

    @property
    def activation_bytes(self) -> int:
        """Bytes per element of a kept tensor: 2 under mixed precision on a GPU, else 4."""
        return 2 if self.mixed and self.device == "gpu" else 4

    @property
    def compute_bytes(self) -> int:
        """Bytes per element of what convolutions read and write: as activations.

        XLA:CPU widens mixed-precision convolutions and matrix products to float32, so on
        CPU their operands and temporaries are float32 whatever the policy.
        """
        return self.activation_bytes


def training_settings(training: Any, **overrides: Any) -> MemorySettings:
    """The settings a spec's ``training:`` section trains with, then ``overrides``.

    Args:
        training: a :class:`phazer.spec.training.TrainingSpec` (its batch size, mixed
            precision and optimizer with the options that add slots).
        **overrides: fields of :class:`MemorySettings` to set instead; None values are
            ignored, so command-line options that were not given can be passed as they are.
    """
    optimizer = training.optimizer
    settings = MemorySettings(
        batch_size=training.batch_size,
        precision=training.dtype_policy,
        optimizer=optimizer.type,
        momentum=getattr(optimizer, "momentum", 0.0),
        centered=getattr(optimizer, "centered", False),
        amsgrad=getattr(optimizer, "amsgrad", False),
        accumulation=optimizer.gradient_accumulation)
    return replace(settings, **{k: v for k, v in overrides.items() if v is not None})
