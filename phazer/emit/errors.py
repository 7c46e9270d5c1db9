"""Errors raised while turning the IR into Keras (no TensorFlow import here)."""

from __future__ import annotations


class EmitError(ValueError):
    """An op cannot be emitted as written (unknown initializer, missing emitter, ...)."""


class WeightsUnavailableError(FileNotFoundError):
    """Pre-trained (ImageNet) weights were requested but no weights file could be found."""
