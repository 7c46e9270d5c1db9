"""What ``phazer demo`` is asked to do, readable before Keras loads.

The demo's command settles the Keras backend from the demo spec's ``training.backend`` before
anything imports Keras (:mod:`phazer.cli.backend_option`), so the settings and the spec loader
live here, apart from the training code of :mod:`phazer.train.demo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEMO_PRESET = "demo"


@dataclass(frozen=True)
class DemoSettings:
    """What the demo draws and how long it trains.

    Attributes:
        preset: the spec (preset name or file) to train.
        minutes: the training time limit.
        iterations: the most iterations to train; None: until the time limit. A decaying
            learning rate (the preset's ``training.optimizer.schedule``) spans the run:
            it ends at these iterations or at the time limit, whichever comes first.
        faces: training faces per side.
        test_faces: held-out A faces scored against the truth.
        size: side of the face images written (px).
        seed: everything random (identities, poses, data order) follows from it.
    """

    preset: str = DEMO_PRESET
    minutes: float = 3.5
    iterations: int | None = None
    faces: int = 1000
    test_faces: int = 32
    size: int = 64
    seed: int = 7


def load_demo_spec(reference: str) -> Any:
    """The spec to train, or None when it does not load (training reports its problems)."""
    from phazer.issues import SpecError
    from phazer.spec import load_spec

    try:
        return load_spec(reference).spec
    except (SpecError, OSError):
        return None
