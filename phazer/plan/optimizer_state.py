"""How many float32 slots each optimizer keeps per trainable weight (Keras 3).

Read off the optimizers' ``build`` methods in Keras 3 (``keras/src/optimizers/*.py``):

* adam, adamw: 2 (momentums, velocities), 3 with ``amsgrad`` (velocity_hats);
* nadam: 2 (momentums, velocities); adamax: 2 (m, u: the infinity norm);
* rmsprop: 1 (velocities), +1 with ``momentum > 0`` (momentums), +1 when ``centered``
  (average_gradients);
* lion: 1 (momentums); sgd: 0, or 1 with ``momentum > 0`` (momentums).
"""

from __future__ import annotations

_FIXED = {"adam": 2, "adamw": 2, "nadam": 2, "adamax": 2, "lion": 1}
OPTIMIZER_NAMES: tuple[str, ...] = ("adam", "adamw", "nadam", "adamax", "rmsprop", "lion",
                                    "sgd")


def optimizer_slots(name: str, *, momentum: float = 0.0, centered: bool = False,
                    amsgrad: bool = False) -> int:
    """Slots per trainable weight of optimizer ``name`` with the given options.

    Raises:
        ValueError: unknown optimizer name.
    """
    if name in ("adam", "adamw"):
        return _FIXED[name] + int(amsgrad)
    if name in _FIXED:
        return _FIXED[name]
    if name == "rmsprop":
        return 1 + int(momentum > 0) + int(centered)
    if name == "sgd":
        return int(momentum > 0)
    raise ValueError(f"unknown optimizer {name!r}; expected one of {', '.join(OPTIMIZER_NAMES)}")
