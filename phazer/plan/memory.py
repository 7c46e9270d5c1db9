"""The memory estimate of one training step (pure Python; conventions in ``docs/memory.md``).

The estimate follows the step the way XLA lays it out (Keras 3 compiles the train step with
XLA): the weights, the optimizer's slots and the batch stay put for the whole step; the
forward pass keeps what the backward pass will need (:mod:`phazer.plan.memory_walk`); the
backward pass runs from the last op to the first, both sides in lockstep, and a weight's
update is applied as soon as its gradient is summed over the sub-model's calls. Besides the
weights themselves, each kernel has *working copies* (:mod:`phazer.plan.memory_copies`). The
walk finds the moment the sum of everything alive is largest and reports each part at that
moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from phazer.ir.model import ModelIR
from phazer.plan.memory_copies import Copies, kernel_copies
from phazer.plan.memory_settings import VARIABLE_BYTES, MemorySettings
from phazer.plan.memory_walk import CallSteps, OpStep, call_steps, stage_groups
from phazer.sides import face_in

STEP_COUNTER_BYTES = 8  # the optimizer's int64 iteration counter


@dataclass(frozen=True)
class MemoryEstimate:
    """The estimate's terms in bytes, at the peak of the step.

    Attributes:
        settings: what it is for.
        weights: every variable (trainable or not), float32.
        gradients: gradient-sized room alive at the peak: the kernels' working copies still
            needed and the gradients being computed or kept (see ``docs/memory.md``).
        optimizer_state: the optimizer's slots and its step counter.
        activations: the batch (inputs and targets of both sides) and the tensors the
            forward pass kept that are still alive at the peak.
        workspace: what is alive only while the op at the peak runs (its output and input
            gradients in the backward pass, its output and lowering temporaries in the
            forward pass) for every call of the lockstep stage, plus lowering tables.
        peak_at: where the peak is: "forward" or "backward", then "<call>/<op>".
        submodel_bytes: per sub-model, what it brings: its weights with their slots and
            working copies, and the tensors its calls keep for the backward pass.
    """

    settings: MemorySettings
    weights: int
    gradients: int
    optimizer_state: int
    activations: int
    workspace: int
    peak_at: str
    submodel_bytes: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """The sum of the terms."""
        return (self.weights + self.gradients + self.optimizer_state + self.activations
                + self.workspace)

    def dominant_submodels(self, share: float = 0.75) -> list[tuple[str, float]]:
        """The largest sub-models that together bring ``share`` of the sub-models' bytes.

        Each comes with its part of those bytes.
        """
        ranked = sorted(self.submodel_bytes.items(), key=lambda kv: -kv[1])
        total = sum(self.submodel_bytes.values()) or 1
        out: list[tuple[str, float]] = []
        running = 0
        for name, size in ranked:
            out.append((name, size / total))
            running += size
            if running >= share * total:
                break
        return out


def resize_tables_bytes(model: ModelIR) -> int:
    """The tables XLA:CPU's bilinear resizes keep for the whole step, batch-independent.

    Per distinct output size (XLA computes identical tables once), the source coordinates
    (2 int32) and interpolation weights (2 float32) of every output pixel.
    """
    sizes = {op.shape[:2] for sub in model.submodels.values() for op in sub.ops
             if op.kind in ("upsampling2d", "resize_images")
             and op.attr("interpolation") == "bilinear"}
    return sum(4 * 4 * h * w for h, w in sizes)


def batch_bytes(model: ModelIR, batch_size: int) -> int:
    """The batch: each side's input images and a float32 target per output."""
    shapes = [model.node(face_in(side)).output_shapes[0] for side in model.sides]
    shapes += [model.value_shape(ref) for ref in model.outputs.values()]
    elements = 0
    for shape in shapes:
        count = 1
        for d in shape:
            count *= d
        elements += count
    return elements * batch_size * 4


def estimate_memory(model: ModelIR, settings: MemorySettings | None = None) -> MemoryEstimate:
    """Estimate the peak memory of one training step of ``model``."""
    settings = settings or MemorySettings()
    calls = call_steps(model, layouts=settings.device == "cpu")
    params = model.params
    weights = params.total * VARIABLE_BYTES
    optimizer_state = params.trainable * VARIABLE_BYTES * settings.slots + STEP_COUNTER_BYTES
    walk = _Walk(calls, model, settings)
    room, saved, workspace, where = walk.peak()
    if settings.device == "cpu":
        workspace += resize_tables_bytes(model)
    return MemoryEstimate(settings, weights, room, optimizer_state,
                          batch_bytes(model, settings.batch_size) + saved, workspace, where,
                          _submodel_bytes(model, calls, walk.copies, settings))


class _Walk:
    """The forward pass, then the backward pass, stage by stage; keeps the worst moment.

    Within a stage the calls run in lockstep, op by op. A sub-model with several outputs (a
    decoder with a mask) runs all its forward ops before any backward op, as XLA mostly
    does (a measured mask model kept most of both chains' tensors at its peak).
    """

    def __init__(self, calls: list[CallSteps], model: ModelIR, settings: MemorySettings):
        self.groups = stage_groups(calls)
        self.model = model
        self.settings = settings
        self.scale = settings.batch_size * settings.compute_bytes
        self.first: dict[str, int] = {}   # sub-model -> its first stage in forward order
        self.last: dict[str, int] = {}    # sub-model -> its last stage in forward order
        for index, group in enumerate(self.groups):
            for call in group:
                self.first.setdefault(call.submodel, index)
                self.last[call.submodel] = index
        self.copies: Copies = kernel_copies({c.submodel: c for c in calls}, settings)
        self.live_copies = self.copies.total()
        self.saved = 0
        self.kept_gradients = 0  # summed gradients waiting for a later stage or loss scale
        self.best: tuple[int, int, int, int, str] = (-1, 0, 0, 0, "")

    def _kept(self, step: OpStep) -> int:
        s = self.settings
        return s.batch_size * (step.saved * s.activation_bytes
                               + step.saved_wgrad * s.compute_bytes)

    def _consider(self, room: int, work: int, where: str) -> None:
        total = room + self.saved + work
        if total > self.best[0]:
            self.best = (total, room, self.saved, work, where)

    @staticmethod
    def _lockstep(group: list[CallSteps]) -> list[list[tuple[CallSteps, int]]]:
        """The group's ops rank by rank: [(call, op index), ...] per rank."""
        return [[(c, j) for c in group if j < len(c.steps)]
                for j in range(max(len(c.steps) for c in group))]

    def peak(self) -> tuple[int, int, int, str]:
        """(gradient room, kept activations, workspace, where), bytes, at the peak."""
        for index, group in enumerate(self.groups):
            self._forward(index, group)
        for index in range(len(self.groups) - 1, -1, -1):
            group = self.groups[index]
            self._backward(index, group)
            if not self.settings.loss_scaling:
                # a sub-model called from several stages keeps its summed gradient between
                for name in {c.submodel for c in group}:
                    size = self.model.submodels[name].params.trainable * VARIABLE_BYTES
                    if self.first[name] != self.last[name]:
                        self.kept_gradients += size if index == self.last[name] else 0
                        self.kept_gradients -= size if index == self.first[name] else 0
        return self.best[1], self.best[2], self.best[3], self.best[4]

    def _forward(self, index: int, group: list[CallSteps]) -> None:
        for rank in self._lockstep(group):
            work = sum(c.steps[j].forward for c, j in rank) * self.scale
            call, j = rank[0]
            self._consider(self.live_copies, work, f"forward {call.node}/{call.steps[j].name}")
            self.saved += sum(self._kept(c.steps[j]) for c, j in rank)
            done = {(c.submodel, j) for c, j in rank if self.last[c.submodel] == index}
            self.live_copies -= sum(self.copies.forward.get(key, 0) for key in done)

    def _backward(self, index: int, group: list[CallSteps]) -> None:
        for rank in reversed(self._lockstep(group)):
            # one gradient in flight: XLA sums the calls' gradients as it computes them
            partial = max(c.steps[j].weights for c, j in rank) * VARIABLE_BYTES
            work = sum(c.steps[j].transient for c, j in rank) * self.scale
            call, j = rank[0]
            self._consider(self.live_copies + partial + self.kept_gradients, work,
                           f"backward {call.node}/{call.steps[j].name}")
            self.saved -= sum(self._kept(c.steps[j]) for c, j in rank)
            done = {(c.submodel, j): c.steps[j] for c, j in rank
                    if self.first[c.submodel] == index}
            self.live_copies -= sum(self.copies.backward.get(key, 0) for key in done)
            if self.settings.loss_scaling:
                self.kept_gradients += sum(s.weights for s in done.values()) * VARIABLE_BYTES


def _submodel_bytes(model: ModelIR, calls: list[CallSteps], copies: Copies,
                    settings: MemorySettings) -> dict[str, int]:
    """Per sub-model: its weights, slots and working copies, and its calls' kept tensors."""
    out = {name: sub.params.total * VARIABLE_BYTES
           + sub.params.trainable * VARIABLE_BYTES * settings.slots
           for name, sub in model.submodels.items()}
    for (name, _), size in (*copies.forward.items(), *copies.backward.items(),
                            *copies.whole_step.items()):
        out[name] += size
    for call in calls:
        out[call.submodel] += settings.batch_size * (
            sum(s.saved for s in call.steps) * settings.activation_bytes
            + sum(s.saved_wgrad for s in call.steps) * settings.compute_bytes)
    return out
