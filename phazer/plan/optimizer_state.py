"""How many float32 slots each optimizer keeps per trainable weight (Keras 3).

The slots are facts of :data:`phazer.catalog.optimizers.OPTIMIZERS` (``slots`` and
``extra_slots``, read off the optimizers' ``build`` methods in Keras 3):

* adam, adamw: 2 (momentums, velocities), 3 with ``amsgrad`` (velocity_hats);
* nadam: 2 (momentums, velocities); adamax: 2 (m, u: the infinity norm);
* rmsprop: 1 (velocities), +1 with ``momentum > 0`` (momentums), +1 when ``centered``
  (average_gradients);
* lion: 1 (momentums); sgd: 0, or 1 with ``momentum > 0`` (momentums).
"""

from __future__ import annotations

from phazer.catalog.optimizers import OPTIMIZERS, state_slots

OPTIMIZER_NAMES: tuple[str, ...] = tuple(OPTIMIZERS)
"""Every optimizer the estimate knows: the catalog's."""


def optimizer_slots(name: str, *, momentum: float = 0.0, centered: bool = False,
                    amsgrad: bool = False) -> int:
    """Slots per trainable weight of optimizer ``name`` with the given options.

    An option the optimizer does not take adds nothing (SGD's ``amsgrad``).

    Raises:
        ValueError: unknown optimizer name.
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of "
                         f"{', '.join(OPTIMIZER_NAMES)}")
    return state_slots(name, {"momentum": momentum, "centered": centered, "amsgrad": amsgrad})
