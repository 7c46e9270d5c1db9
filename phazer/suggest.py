"""Did-you-mean suggestions for misspelt keys, choices and names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word``, or None when nothing is close enough."""
    options = [str(c) for c in choices]
    matches = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if not matches:
        lowered = {option.lower(): option for option in options}
        matches = difflib.get_close_matches(str(word).lower(), list(lowered), n=1, cutoff=0.6)
        matches = [lowered[m] for m in matches]
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ``did you mean 'x'?`` hint, or "" when nothing is close."""
    match = closest(word, choices)
    return f"did you mean '{match}'?" if match else ""
