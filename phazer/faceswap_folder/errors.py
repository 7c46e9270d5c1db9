"""The one error a faceswap model folder import raises: what is wrong, and how to fix it."""

from __future__ import annotations

from phazer.issues import Issue


class FolderImportError(Exception):
    """A faceswap model folder cannot be imported; nothing was written.

    Attributes:
        message: what was found and what was expected, naming the file (one line).
        hint: how to fix it ("" when there is nothing to add).
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class SpecRebuildError(FolderImportError):
    """The state's options do not give a spec phazer builds; ``issues`` says why."""

    def __init__(self, message: str, hint: str, issues: list[Issue]) -> None:
        super().__init__(message, hint)
        self.issues = issues
