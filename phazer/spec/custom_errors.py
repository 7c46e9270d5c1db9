"""The schema's own errors: one precise pydantic error, with its code, hint and place.

A validator that knows exactly what is wrong raises :func:`spec_error` instead of letting
pydantic try every variant (which reports several errors, none of them the mistake).
:mod:`phazer.spec.schema_errors` turns it into an Issue with the code, message and hint given
here, the did-you-mean hint from ``word`` and ``choices``, and the position of ``at`` (a path
below the value validated, e.g. the misspelt key of a block).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic_core import PydanticCustomError

ERROR_TYPE = "phazer"
"""The pydantic error type of :func:`spec_error`'s errors."""
_PREFIX = "phazer_"   # context keys, unlike to appear in a message pydantic fills in


@dataclass(frozen=True)
class CustomError:
    """What a :func:`spec_error` carries.

    Attributes:
        code: the issue code.
        hint: the hint when ``word`` suggests nothing close.
        word: what was written, to look for a did-you-mean among ``choices``.
        choices: the valid words.
        at: where below the validated value the mistake is written.
        at_key: whether ``at`` names a key (its position is the key's, not its value's).
    """

    code: str
    hint: str = ""
    word: str | None = None
    choices: tuple[str, ...] = ()
    at: tuple[str | int, ...] = ()
    at_key: bool = False


def spec_error(code: str, message: str, hint: str = "", *, word: object = None,
               choices: Iterable[str] = (), at: tuple[str | int, ...] = (),
               at_key: bool = False) -> PydanticCustomError:
    """A pydantic error that :mod:`phazer.spec.schema_errors` reports as given.

    Args:
        code: the issue code (registered in :mod:`phazer.issues`).
        message: what was written, what is wrong and what was expected.
        hint: how to fix it, used when ``word`` has no close match in ``choices``.
        word: the word written, for a did-you-mean hint.
        choices: the valid words.
        at: the path, below the value validated, of the mistake.
        at_key: ``at`` names a key (point at the key rather than at its value).
    """
    context = {f"{_PREFIX}code": code, f"{_PREFIX}hint": hint,
               f"{_PREFIX}word": None if word is None else str(word),
               f"{_PREFIX}choices": tuple(choices), f"{_PREFIX}at": tuple(at),
               f"{_PREFIX}at_key": at_key}
    return PydanticCustomError(ERROR_TYPE, message, context)


def custom_error(error: dict) -> CustomError | None:
    """What a :func:`spec_error` error carries (None for pydantic's own errors)."""
    if error.get("type") != ERROR_TYPE:
        return None
    ctx = error.get("ctx") or {}
    return CustomError(**{key[len(_PREFIX):]: value for key, value in ctx.items()
                          if key.startswith(_PREFIX)})
