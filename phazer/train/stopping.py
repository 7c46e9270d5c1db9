"""Why a training loop stops early: a stop request (Ctrl-C, a time limit) or a bad loss.

A :class:`StopRequest` is checked after every iteration: the loop then saves and returns.
:class:`NonFiniteLossError` is raised by the loop the moment a loss term is NaN or infinite;
the loop returns without saving.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any


class StopRequest:
    """A flag the loop checks after every iteration: set by Ctrl-C or a time limit.

    The first Ctrl-C (within :meth:`on_sigint`) asks for a clean stop (finish the iteration,
    save, return); a second one while that is under way interrupts at once, as usual.

    Args:
        deadline: a ``time.monotonic()`` time after which a stop is requested (None: never).
    """

    def __init__(self, deadline: float | None = None) -> None:
        self.deadline = deadline
        self.reason = ""

    @property
    def requested(self) -> bool:
        """Whether the loop should save and stop now."""
        if not self.reason and self.deadline is not None and time.monotonic() >= self.deadline:
            self.reason = "time"
        return bool(self.reason)

    def set(self, reason: str = "interrupted") -> None:
        """Ask the loop to save and stop."""
        self.reason = self.reason or reason

    @contextlib.contextmanager
    def on_sigint(self) -> Iterator[StopRequest]:
        """Within the block, Ctrl-C sets the flag instead of raising (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return

        def handler(signum: int, frame: Any) -> None:
            if self.reason == "interrupted":
                raise KeyboardInterrupt
            self.reason = "interrupted"

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


class NonFiniteLossError(Exception):
    """A loss term became NaN or infinite.

    Attributes:
        iteration: the iteration that produced it.
        terms: the failing terms (``<output>/<loss>``) with their values.
    """

    def __init__(self, iteration: int, terms: Mapping[str, float]) -> None:
        self.iteration = iteration
        self.terms = dict(terms)
        listed = ", ".join(f"{name} = {value}" for name, value in self.terms.items())
        super().__init__(f"iteration {iteration}: loss {listed}")
