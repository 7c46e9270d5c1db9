"""A model rewritten with Keras' own layers where phazer's are not needed, for ``.keras`` files.

A ``.keras`` file names the class of every layer and initializer, so one that uses phazer's
classes loads only where phazer is installed. Two of them are there in almost every model:

- ``PixelShuffle`` (the ``subpixel`` upscaler) is a reshape, a transpose and a reshape, which
  Keras' ``Reshape`` and ``Permute`` layers do just the same on a fixed-size model;
- the ``ICNR`` and ``ConvolutionAware`` initializers matter only before training: an exported
  model carries its trained weights, so its layers are written with Keras' ``zeros``.

:func:`plain_keras` clones a model (nested sub-models too) with those replaced and the same
weights. phazer's other layers (``AdaIN``, ``InstanceNormalization``, ``ReflectionPadding2D``,
``ResizeImages``) stay: a model that uses them still needs ``import phazer.emit`` to load.
"""

from __future__ import annotations

from typing import Any

import keras

from phazer.emit.layers import PixelShuffle

_PHAZER = "phazer>"


def _is_phazer(value: Any) -> bool:
    return isinstance(value, dict) and str(value.get("registered_name", "")).startswith(_PHAZER)


def pixel_shuffle_as_keras(layer: PixelShuffle) -> keras.layers.Layer:
    """The same depth-to-space as ``layer``, as Keras' Reshape / Permute / Reshape.

    Raises:
        ValueError: the layer's input has no fixed height and width.
    """
    height, width, channels = layer.input.shape[1:]
    if height is None or width is None:
        raise ValueError(f"{layer.name}: a PixelShuffle without a fixed input size")
    r, out = layer.scale, int(channels) // (layer.scale ** 2)
    return keras.Sequential([keras.layers.Reshape((height, width, r, r, out)),
                             keras.layers.Permute((1, 3, 2, 4, 5)),
                             keras.layers.Reshape((height * r, width * r, out))],
                            name=layer.name)


def _clone(layer: keras.layers.Layer) -> keras.layers.Layer:
    if isinstance(layer, PixelShuffle):
        return pixel_shuffle_as_keras(layer)
    config = {key: "zeros" if key.endswith("_initializer") and _is_phazer(value) else value
              for key, value in layer.get_config().items()}
    return layer.__class__.from_config(config)


def plain_keras(model: keras.Model) -> keras.Model:
    """A copy of ``model`` with PixelShuffle and phazer's initializers replaced (same weights).

    The copy computes the same outputs; check it before use (the export does).
    """
    clone = keras.models.clone_model(model, clone_function=_clone, recursive=True)
    clone.set_weights(model.get_weights())
    return clone
