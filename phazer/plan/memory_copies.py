"""The kernels' working copies: buffers the size of a kernel, besides the kernel itself.

Every copy is made at the start of the step; it is freed after the op's last forward call
(``forward``), after the op's update in the backward pass (``backward``), or at the end of
the step (``whole_step``). Per convolution or Dense op, with ``w`` its trainable weights:

* **float32**: XLA writes each weight update in place, into the weight's own buffer, so a
  kernel the backward pass reads again (for its input gradient) is copied first and the copy
  is read instead: ``4w`` until the update. On CPU the input gradient of a convolution also
  needs the kernel flipped, which XLA keeps in the kernel's own buffer, idle until the update.
  Layers on token sequences (a vision transformer's Dense and attention kernels) get no
  copy: measured on XLA:CPU, the clipfaker128 step at batch 1 and 4 holds none of the
  transformer's 344 MB of kernel copies (estimate 1.16x / 1.13x with them, 1.00x without).
* **mixed precision on a GPU**: the kernel's 16-bit cast, read by both passes: ``2w`` until
  the update.
* **mixed precision on CPU**: XLA:CPU widens the 16-bit cast back to float32. A convolution
  keeps the cast and the float32 copy for its forward calls (``6w``) and a flipped float32
  copy for its input gradient (``4w``); a Dense layer keeps its cast for the forward calls
  (``2w``) and its float32 copy for both passes (``4w``).
* **mixed_float16** adds Keras' loss scaling: the updates are applied in one branch of a
  conditional (only when every gradient is finite), and XLA copies every trainable variable
  for the conditional's two branches: ``2 x 4`` bytes per trainable weight, whole step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from phazer.plan.memory_settings import VARIABLE_BYTES, MemorySettings
from phazer.plan.memory_walk import CallSteps, OpStep, has_kernel

Key = tuple[str, int]  # (sub-model, op index)


@dataclass(frozen=True)
class Copies:
    """Bytes of working copies per op, by how long they live."""

    forward: dict[Key, int] = field(default_factory=dict)
    backward: dict[Key, int] = field(default_factory=dict)
    whole_step: dict[Key, int] = field(default_factory=dict)

    def total(self) -> int:
        """Everything alive at the start of the step."""
        return (sum(self.forward.values()) + sum(self.backward.values())
                + sum(self.whole_step.values()))


def op_copies(step: OpStep, settings: MemorySettings) -> tuple[int, int, int]:
    """(forward, backward, whole-step) copy bytes of one op (see the module docs)."""
    whole = 2 * VARIABLE_BYTES * step.weights if settings.loss_scaling else 0
    if not has_kernel(step.kind):
        return 0, 0, whole
    w = step.weights
    if not settings.mixed:
        copied = step.input_grad and not step.on_tokens
        return 0, (VARIABLE_BYTES * w if copied else 0), whole
    if settings.device == "gpu":
        return 0, 2 * w, whole
    if step.kind == "dense":
        return 2 * w, 4 * w, whole
    return (2 + 4) * w, (4 * w if step.input_grad else 0), whole


def kernel_copies(one_call: dict[str, CallSteps], settings: MemorySettings) -> Copies:
    """The working copies of every op of every sub-model (counted once per sub-model)."""
    copies = Copies()
    for name, call in one_call.items():
        for j, step in enumerate(call.steps):
            forward, backward, whole = op_copies(step, settings)
            for table, size in ((copies.forward, forward), (copies.backward, backward),
                                (copies.whole_step, whole)):
                if size:
                    table[(name, j)] = size
    return copies
