"""Weights saved by an older phazer, brought up to the layers of this one when they load.

A model dir's ``state.json`` records ``layers``, the version of phazer's layer layout its
weights were saved with (:data:`LAYERS_VERSION` for new model dirs; a state file without it
is version 1: :data:`UNRECORDED_LAYERS`). Keras puts saved weights back by each layer's class
and position, so a layout change moves weights between layers without an error;
:func:`upgrade_weights` moves them back after every load of a model dir's weights (train's
resume, swap, export, transfer, ``--load-weights``).

- **Version 2** builds the G-Block's AdaIN as faceswap does: the style Dense making beta comes
  first, then gamma's (version 1 made gamma's first). Upgrading swaps the weights of each
  ``adain_beta_dense`` / ``adain_gamma_dense`` pair back to their roles. AdaIN itself now
  divides by the standard deviation plus epsilon (1e-3), as faceswap does, where version 1
  took the square root of the variance plus epsilon; a version-1 model computes a little
  differently, which a few iterations of training absorb. Transposed convolutions with
  ``same`` padding (the ``resize_images`` upscaler) take torch's output window as faceswap's
  do, one pixel away from version 1's for 3x3 kernels at stride 2; their weights need no move.
"""

from __future__ import annotations

import re

import keras

from phazer.train.modeldir import LAYERS_VERSION, UNRECORDED_LAYERS

__all__ = ["LAYERS_VERSION", "UNRECORDED_LAYERS", "upgrade_weights"]

_BETA = re.compile(r"(.*)adain_beta_dense(_\d+)?$")


def _layers(model: keras.Model) -> list[keras.layers.Layer]:
    """Every layer of the model, nested sub-models' layers included."""
    found: list[keras.layers.Layer] = []
    for layer in model.layers:
        found.append(layer)
        if isinstance(layer, keras.Model):
            found.extend(_layers(layer))
    return found


def upgrade_weights(model: keras.Model, version: int) -> list[str]:
    """Move just-loaded weights saved with layer layout ``version`` to this phazer's layers.

    Returns:
        One line per change made, for the run's log (none for current weights).
    """
    if version >= LAYERS_VERSION:
        return []
    by_name = {layer.name: layer for layer in _layers(model)}
    swapped = 0
    for name, layer in by_name.items():
        match = _BETA.fullmatch(name)
        partner = by_name.get(f"{match[1]}adain_gamma_dense{match[2] or ''}") if match else None
        if partner is None:
            continue
        beta, gamma = layer.get_weights(), partner.get_weights()
        layer.set_weights(gamma)
        partner.set_weights(beta)
        swapped += 1
    if not swapped:
        return []
    return [f"weights saved by an older phazer (layer layout {version}): the G-Block's "
            f"{swapped} AdaIN style pairs were put back in their roles; AdaIN now normalises "
            "as faceswap does, so the model computes slightly differently until it trains on"]
