"""The one error a faceswap model folder import raises: what is wrong, and how to fix it."""

from __future__ import annotations


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
