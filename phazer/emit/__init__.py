"""The Keras interpreter of the layer IR (the only package that imports Keras/TensorFlow).

Public API:
    emit_model(model_ir) -> keras.Model: the whole autoencoder.
    emit_submodel(sub_ir) -> keras.Model: one sub-model.
    build_layer(op) -> keras.layers.Layer: one op's layer; ``EMITTERS`` is the table.
    get_initializer(name): phazer's kernel-initializer names as Keras initializers.
The custom layers and initializers are registered serializable (package ``phazer``): importing
this package is enough for ``keras.saving.load_model(path, safe_mode=True)``.
"""

from __future__ import annotations

import os

# Quiet TensorFlow's C++ start-up chatter unless the user asked for it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from phazer.emit.errors import EmitError, WeightsUnavailableError
from phazer.emit.initializers import (
    ICNR,
    INITIALIZER_NAMES,
    ConvolutionAware,
    get_initializer,
)
from phazer.emit.layers import (
    AdaIN,
    InstanceNormalization,
    PixelShuffle,
    ReflectionPadding2D,
    ResizeImages,
)
from phazer.emit.model import emit_model, emit_submodel
from phazer.emit.ops import EMITTERS, Emitter, build_layer

__all__ = ["EMITTERS", "ICNR", "INITIALIZER_NAMES", "AdaIN", "ConvolutionAware", "EmitError",
           "Emitter", "InstanceNormalization", "PixelShuffle", "ReflectionPadding2D",
           "ResizeImages", "WeightsUnavailableError", "build_layer", "emit_model", "emit_submodel",
           "get_initializer"]
