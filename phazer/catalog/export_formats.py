"""The formats ``phazer export`` writes, TensorFlow-free: the one list of their names.

``phazer export --format`` offers these names without importing TensorFlow, and
:mod:`phazer.train.export_formats` keys its writers and loaders by them (a test checks it has
one for each).
"""

from __future__ import annotations

EXPORT_SUFFIXES: dict[str, str] = {
    "keras": ".keras",        # Keras 3's own .keras file
    "saved_model": "",        # a TensorFlow SavedModel folder
    "onnx": ".onnx",          # converted by tf2onnx (the optional extra phazer[onnx])
}
"""Export format -> the suffix of the file (or folder) it writes."""

EXPORT_FORMATS: tuple[str, ...] = tuple(EXPORT_SUFFIXES)
"""Every export format, in the order ``phazer export --format`` lists them."""

EXPORT_BACKENDS: dict[str, tuple[str, ...]] = {
    "keras": ("tensorflow", "torch", "jax"),
    "saved_model": ("tensorflow",),   # Keras' ExportArchive traces the model with TensorFlow
    "onnx": ("tensorflow",),          # tf2onnx converts TensorFlow's graph
}
"""Export format -> the Keras backends that write it (the weights are the same on all)."""
