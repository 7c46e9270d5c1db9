"""The image losses of :mod:`phazer.catalog.losses`, equal to faceswap's, and the model's loss.

- :mod:`~phazer.train.losses.registry`: every loss by name (:func:`get_loss`) and how its
  output is reduced (:class:`ImageLoss`);
- :mod:`~phazer.train.losses.pixel`, :mod:`~phazer.train.losses.structural`,
  :mod:`~phazer.train.losses.frequency`, :mod:`~phazer.train.losses.flip`,
  :mod:`~phazer.train.losses.lpips`: the functions, each returning faceswap's per-pixel map
  (or per-item values), written with ``keras.ops``;
- :mod:`~phazer.train.losses.model`: :class:`ModelLoss`, faceswap's loss collator (masks, eye
  and mouth multipliers, weights, the mask loss).
"""

from phazer.train.losses.errors import LossWeightsError
from phazer.train.losses.model import ModelLoss
from phazer.train.losses.registry import LOSS_FUNCTIONS, ImageLoss, LossOptions, get_loss

__all__ = ["LOSS_FUNCTIONS", "ImageLoss", "LossOptions", "LossWeightsError", "ModelLoss",
           "get_loss"]
