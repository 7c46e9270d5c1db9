"""What a ``keras_app`` op keeps in a training step, for the memory estimate (no TensorFlow).

The kind itself is :mod:`phazer.ir.kinds.keras_app` (always in ``OP_KINDS``); this module keeps
the import path the memory plan reads it by.
"""

from __future__ import annotations

from phazer.ir.kinds.keras_app import OPTION_ATTRS, keras_app_memory

__all__ = ["OPTION_ATTRS", "keras_app_memory"]
