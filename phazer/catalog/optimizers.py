"""The optimizers phazer offers, one entry each, TensorFlow-free.

This is the one place to add an optimizer's facts: the trainer builds phazer's optimizer
class named here (a ``keras.optimizers.Optimizer`` with torch's update rule, as faceswap
trains), the memory estimate counts the state slots named here (:func:`state_slots`), ``phazer
summary --optimizer`` offers these names, and the faceswap importer maps faceswap's names
through this table. An optimizer's own options (betas, momentum, ...) live in its variant of
:mod:`phazer.spec.training`, whose ``type`` tags a test checks are exactly these names, and a
test checks that :mod:`phazer.train` can build every name listed here.

:func:`optimizer_arguments` turns a spec's optimizer section into that class's name and
constructor arguments, so the trainer and the docs agree on what each field means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class OptimizerInfo:
    """Facts about one optimizer.

    Attributes:
        name: phazer's name, used as ``training.optimizer.type``.
        description: one line saying how it updates the weights.
        keras_class: the class that implements it (phazer's ``keras.optimizers.Optimizer``
            subclass of that name, :mod:`phazer.train.optimizers`).
        faceswap_name: faceswap's name in ``[global.optimizer] optimizer`` ("" when none).
        uses_epsilon: whether ``epsilon_exponent`` applies.
        slots: float32 state slots the class keeps per trainable weight (read off its
            ``build``; a test checks them against the built optimizer's variables).
        extra_slots: options that each add one slot per weight when set (true or non-zero):
            ``amsgrad`` (velocity_hat, variance_max), ``momentum`` (momentum), ``centered``
            (average_gradient). Gradient accumulation adds one more (Keras' accumulators).
    """

    name: str
    description: str
    keras_class: str
    faceswap_name: str = ""
    uses_epsilon: bool = True
    slots: int = 2
    extra_slots: tuple[str, ...] = ()


def _table(*entries: OptimizerInfo) -> dict[str, OptimizerInfo]:
    return {entry.name: entry for entry in entries}


OPTIMIZERS: dict[str, OptimizerInfo] = _table(
    OptimizerInfo("adabelief", "AdaBelief: Adam whose step is scaled by how far the gradient "
                  "strays from its running mean (its 'belief'), steadier than Adam.",
                  "AdaBelief", "adabelief", extra_slots=("amsgrad",)),
    OptimizerInfo("adam", "Adam: adaptive steps from running estimates of the gradient's "
                  "first and second moments; faceswap's default.", "Adam", "adam",
                  extra_slots=("amsgrad",)),
    OptimizerInfo("adamw", "AdamW: Adam with weight decay applied to the weights directly "
                  "(decoupled from the gradient).", "AdamW", "adamw", extra_slots=("amsgrad",)),
    OptimizerInfo("nadam", "Nadam: Adam with Nesterov momentum.", "Nadam", "nadam"),
    OptimizerInfo("adamax", "Adamax: Adam scaled by the infinity norm of past gradients.",
                  "Adamax", "adamax"),
    OptimizerInfo("rmsprop", "RMSprop: divides each step by a running root-mean-square of "
                  "recent gradients.", "RMSprop", "rms-prop", slots=1,
                  extra_slots=("momentum", "centered")),
    OptimizerInfo("lion", "Lion: steps by the sign of a momentum blend, keeping one state "
                  "per weight; wants a 3-10x smaller learning rate than Adam.", "Lion", "lion",
                  uses_epsilon=False, slots=1),
    OptimizerInfo("sgd", "SGD: plain stochastic gradient descent, optionally with (Nesterov) "
                  "momentum.", "SGD", uses_epsilon=False, slots=0, extra_slots=("momentum",)),
)

# The spec's choice type, built from the table.
OptimizerName = Literal[tuple(OPTIMIZERS)]  # type: ignore[valid-type]

# faceswap optimizers phazer does not offer, with the reason.
FACESWAP_ONLY_OPTIMIZERS: dict[str, str] = {}

# Option names the optimizer variants may carry, passed on as they are.
_DIRECT_ARGUMENTS = ("learning_rate", "beta_1", "beta_2", "amsgrad", "rho", "momentum",
                     "centered", "nesterov", "weight_decay", "clipping", "clipping_value",
                     "autoclip_history")


def optimizer_names() -> tuple[str, ...]:
    """Every optimizer name phazer offers, in catalog order."""
    return tuple(OPTIMIZERS)


def faceswap_choices() -> tuple[str, ...]:
    """The optimizer names faceswap offers, sorted: those phazer maps and those it lacks."""
    return tuple(sorted({i.faceswap_name for i in OPTIMIZERS.values() if i.faceswap_name}
                        | set(FACESWAP_ONLY_OPTIMIZERS)))


def state_slots(name: str, options: Mapping[str, Any]) -> int:
    """Slots per trainable weight of optimizer ``name`` with ``options``.

    Its fixed slots plus one per extra-slot option set in ``options`` (e.g.
    ``{"momentum": 0.9}``).

    Raises:
        KeyError: unknown optimizer name.
    """
    info = OPTIMIZERS[name]
    return info.slots + sum(1 for option in info.extra_slots if options.get(option))


def from_faceswap(name: str) -> str | None:
    """The phazer name of a faceswap optimizer (None when phazer has no such optimizer)."""
    for info in OPTIMIZERS.values():
        if info.faceswap_name == name:
            return info.name
    return None


def optimizer_arguments(optimizer: Any) -> tuple[str, dict[str, Any]]:
    """The optimizer class name and constructor arguments for an optimizer spec.

    The class is phazer's of that name (:mod:`phazer.train.optimizer_classes`); it takes the
    spec's options as they are, epsilon as ``10 ** epsilon_exponent`` and the accumulation
    as ``gradient_accumulation_steps`` (None for 1).

    Args:
        optimizer: a ``training.optimizer`` section (any variant of
            :data:`phazer.spec.optimizers.OptimizerSpec`).

    Returns:
        ``(class_name, kwargs)``, e.g. ``("Adam", {"learning_rate": 5e-05, "epsilon": 1e-07,
        ...})``.
    """
    info = OPTIMIZERS[optimizer.type]
    fields = type(optimizer).model_fields
    kwargs: dict[str, Any] = {name: getattr(optimizer, name) for name in _DIRECT_ARGUMENTS
                              if name in fields}
    if info.uses_epsilon and "epsilon_exponent" in fields:
        kwargs["epsilon"] = 10.0 ** optimizer.epsilon_exponent
    steps = optimizer.gradient_accumulation
    kwargs["gradient_accumulation_steps"] = steps if steps > 1 else None
    return info.keras_class, kwargs
