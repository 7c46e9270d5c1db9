"""Did-you-mean suggestions for misspelt keys, choices and names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

MAX_SUGGESTED = 100
"""A report looks for did-you-mean hints for its first this many issues only."""
MAX_WORD = 100
"""Words longer than this get no suggestion (no name phazer knows is this long)."""
MAX_CHOICES = 1_000
"""Lists of choices longer than this get no suggestion (comparing costs words x choices)."""


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word``, or None when nothing is close enough.

    Words over :data:`MAX_WORD` characters and lists over :data:`MAX_CHOICES` choices are
    not compared (difflib's work grows with both), so they get None.
    """
    options = [str(c) for c in choices]
    if len(str(word)) > MAX_WORD or len(options) > MAX_CHOICES:
        return None
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
