"""faceswap's saved optimizer state (``optimizer.pt``) as the arrays of phazer's ``optimizer.npz``.

faceswap appends ``optimizer.pt`` to its ``.keras`` file when it saves the optimizer: a
``torch.save`` of ``{"version", "optimizer": <torch state_dict>, "scaler"}``. The state dict's
``param_groups`` are two: first the weights that take weight decay (more than one dimension,
a name not ending in ``bias``), then the rest, each listing parameter indices in the order of
the model's trainable weights; ``state`` maps each index to its slots (Adam:
``step``, ``exp_avg``, ``exp_avg_sq`` and, with AMSGrad, ``max_exp_avg_sq``).

phazer's Adam and AdamW are torch's (:mod:`phazer.train.optimizer_classes`): ``exp_avg`` is
their ``momentum`` slot, ``exp_avg_sq`` their ``velocity``, ``max_exp_avg_sq`` their
``velocity_hat`` and ``step`` their update count. :func:`carry_optimizer` puts each of
faceswap's slots on the weight it belongs to (the weights were placed by
:func:`phazer.faceswap_folder.weights.place_weights`, in faceswap's order) and returns what a
phazer save of that optimizer holds. Any other optimizer, or a state that does not cover the
model's trainable weights exactly, is dropped with the reason: phazer's optimizer then starts
fresh, as faceswap's does when it saved none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from phazer.faceswap_folder.torch_pickle import TorchFileError, load_torch_file
from phazer.faceswap_folder.weights import Placement
from phazer.spec.training import TrainingSpec

SLOTS: dict[str, str] = {"exp_avg": "momentum", "exp_avg_sq": "velocity",
                         "max_exp_avg_sq": "velocity_hat"}
"""torch's Adam slots -> phazer's (Keras' names for the same quantities)."""
CARRIED_OPTIMIZERS = ("adam", "adamw")


@dataclass
class CarriedOptimizer:
    """What became of faceswap's optimizer state.

    Attributes:
        arrays: the arrays of phazer's ``optimizer.npz`` (empty: phazer starts fresh).
        message: one line saying what was carried, or why nothing was.
        step: faceswap's update count, when carried.
        slots: how many of faceswap's slot tensors were carried.
    """

    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    message: str = ""
    step: int | None = None
    slots: int = 0

    @property
    def carried(self) -> bool:
        """Whether faceswap's state was carried."""
        return bool(self.arrays)


def _dropped(why: str) -> CarriedOptimizer:
    return CarriedOptimizer(message=f"faceswap's optimizer state is not carried: {why}; "
                            "phazer's optimizer starts fresh")


def _decays(placement: Placement) -> bool:
    """Whether faceswap decays it: more than one dimension (its shape), a name not ``...bias``."""
    return len(placement.stored_shape) > 1 and not placement.name.endswith("bias")


def _torch_state(data: bytes) -> tuple[dict[Any, Any], list[dict[str, Any]]] | str:
    """``(state, param_groups)`` of faceswap's file, or why they cannot be read."""
    try:
        saved = load_torch_file(data)
    except TorchFileError as exc:
        return f"optimizer.pt cannot be read ({exc})"
    optimizer = saved.get("optimizer") if isinstance(saved, dict) else None
    if not isinstance(optimizer, dict) or not isinstance(optimizer.get("state"), dict) \
            or not isinstance(optimizer.get("param_groups"), list):
        return "optimizer.pt does not hold a torch optimizer state_dict"
    return optimizer["state"], optimizer["param_groups"]


Paired = list[tuple[Placement, dict[str, Any]]]


def _slots_by_weight(state: dict[Any, Any], groups: list[dict[str, Any]],
                     trainable: Sequence[Placement]) -> Paired | str:
    """Each trainable weight with its torch slots, or why they do not match the model."""
    ours = [g for g in ([p for p in trainable if _decays(p)],
                        [p for p in trainable if not _decays(p)]) if g]
    theirs = [list(group.get("params", [])) for group in groups]
    if [len(g) for g in theirs] != [len(g) for g in ours]:
        return (f"it covers {sum(map(len, theirs))} weights in groups of "
                f"{[len(g) for g in theirs]}, this model trains {len(trainable)} in groups of "
                f"{[len(g) for g in ours]} (was it trained with frozen sub-models?)")
    paired = []
    for weights, indices in zip(ours, theirs, strict=True):
        for placement, index in zip(weights, indices, strict=True):
            slots = state.get(index)
            if not isinstance(slots, dict) or "exp_avg" not in slots:
                return f"weight {placement.where} (parameter {index}) has no moments"
            shape = tuple(np.shape(slots["exp_avg"]))
            if shape != placement.stored_shape:
                return (f"parameter {index}'s moments are {shape}, but the weight it stands "
                        f"for, {placement.where}, is {placement.stored_shape}")
            paired.append((placement, slots))
    return paired


def carry_optimizer(data: bytes | None, placements: Sequence[Placement], model: Any,
                    training: TrainingSpec) -> CarriedOptimizer:
    """Turn faceswap's ``optimizer.pt`` into phazer's optimizer arrays, or say why not.

    Args:
        data: the ``optimizer.pt`` member's bytes (None when the folder saved none).
        placements: every weight of the model, in faceswap's order.
        model: phazer's model holding those weights.
        training: the spec's training section (its optimizer is the one that resumes).
    """
    if data is None:
        return CarriedOptimizer(message="the folder holds no optimizer state (faceswap saves it "
                                "on exit with save_optimizer = exit, or with every save with "
                                "always); phazer's optimizer starts fresh")
    kind = training.optimizer.type
    if kind not in CARRIED_OPTIMIZERS:
        return _dropped(f"phazer carries Adam's and AdamW's moments, and this model trains with "
                        f"{kind}")
    found = _torch_state(data)
    if isinstance(found, str):
        return _dropped(found)
    state, groups = found
    paired = _slots_by_weight(state, groups, [p for p in placements if p.variable.trainable])
    if isinstance(paired, str):
        return _dropped(paired)
    steps = {float(np.asarray(slots.get("step", 0))) for _, slots in paired}
    if len(steps) != 1:
        return _dropped(f"its weights were updated different numbers of times ({sorted(steps)})")
    step = int(steps.pop())
    return _phazer_arrays(paired, model, training, step)


def _phazer_arrays(paired: Paired, model: Any,
                   training: TrainingSpec, step: int) -> CarriedOptimizer:
    """Build phazer's optimizer for the model, fill its slots and read what a save holds."""
    from phazer.train.checkpoint import optimizer_arrays
    from phazer.train.optimizers import build_optimizer, inner_optimizer

    optimizer = build_optimizer(training)
    optimizer.build(model.trainable_variables)
    inner: Any = inner_optimizer(optimizer)
    amsgrad = bool(getattr(training.optimizer, "amsgrad", False))
    slots = {"exp_avg": inner._momentums, "exp_avg_sq": inner._velocities}
    if amsgrad:
        slots["max_exp_avg_sq"] = inner._velocity_hats
    carried = 0
    for placement, torch_slots in paired:
        index = inner._get_variable_index(placement.variable)
        for name, variables in slots.items():
            value = torch_slots.get(name)
            if value is None:       # faceswap without AMSGrad, phazer with: starts at v
                value = torch_slots["exp_avg_sq"]
            else:
                carried += 1
            target = variables[index]
            target.assign(np.asarray(value, np.float32).reshape(tuple(target.shape)))
    accumulation = max(1, int(training.optimizer.gradient_accumulation))
    inner._iterations.assign(step * accumulation)
    note = "" if not amsgrad or any("max_exp_avg_sq" in s for _, s in paired) else (
        "; AMSGrad's maxima start at faceswap's second moments (faceswap trained without it)")
    return CarriedOptimizer(optimizer_arrays(optimizer, model),
                            f"faceswap's {training.optimizer.type} state carried: {carried} "
                            f"moment tensors of {len(paired)} weights, at update {step}{note}",
                            step, carried)
