"""Every loss of :mod:`phazer.catalog.losses` by name, with how its output is reduced.

A loss is an :class:`ImageLoss`: its function gives faceswap's raw output for NHWC batches
in [0, 1] (ground truth first): a per-pixel map (N, H, W, C') for most, one value per item
(N,) for ``l_inf_norm``. :class:`phazer.train.losses.model.ModelLoss` weights the map by the
masks before reducing it, as faceswap's loss collator does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

from keras import ops

from phazer.train.losses import flip, frequency, pixel, structural
from phazer.train.losses.filters import Tensor
from phazer.train.losses.lpips import LPIPS

ColorOrder = Literal["rgb", "bgr"]


@dataclass(frozen=True)
class ImageLoss:
    """One loss function and how its output is reduced.

    Attributes:
        name: phazer's name (a key of :data:`phazer.catalog.losses.LOSSES`).
        function: ``function(y_true, y_pred) -> map or per-item values``.
        per_pixel: the function returns a per-pixel map (N, H, W, C'); else values (N,).
        sized: the function takes ``smallest_size=`` (the model's smallest face output), as
            ms_ssim sizes its window for it.
    """

    name: str
    function: Callable[..., Tensor]
    per_pixel: bool = True
    sized: bool = False

    def values(self, y_true: Tensor, y_pred: Tensor, smallest_size: int | None = None
               ) -> Tensor:
        """The raw output: a per-pixel map (N, H, W, C') or per-item values (N,)."""
        if self.sized:
            return self.function(y_true, y_pred, smallest_size=smallest_size)
        return self.function(y_true, y_pred)

    def per_item(self, y_true: Tensor, y_pred: Tensor, smallest_size: int | None = None
                 ) -> Tensor:
        """One value per item (N,): a map's mean over pixels and channels."""
        values = self.values(y_true, y_pred, smallest_size)
        return ops.mean(values, axis=(1, 2, 3)) if self.per_pixel else values

    def __call__(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        """The batch mean: one scalar."""
        return ops.mean(self.per_item(y_true, y_pred))


@dataclass(frozen=True)
class LossOptions:
    """What some losses need besides the images.

    Attributes:
        color_order: the channel order faceswap's model would train in (gmsd depends on it).
        weights_file: a local weights file (the LPIPS losses).
    """

    color_order: ColorOrder = "rgb"
    weights_file: str | None = None


def _plain(name: str, function: Callable[..., Tensor], per_pixel: bool = True
           ) -> Callable[[LossOptions], ImageLoss]:
    return lambda _options: ImageLoss(name, function, per_pixel)


def _gmsd(options: LossOptions) -> ImageLoss:
    return ImageLoss("gmsd", partial(structural.gmsd, color_order=options.color_order))


def _lpips(trunk: str) -> Callable[[LossOptions], ImageLoss]:
    def build(options: LossOptions) -> ImageLoss:
        return ImageLoss(f"lpips_{trunk}", LPIPS.load(trunk, options.weights_file))
    return build


LOSS_FUNCTIONS: dict[str, Callable[[LossOptions], ImageLoss]] = {
    "mae": _plain("mae", pixel.mae),
    "mse": _plain("mse", pixel.mse),
    "logcosh": _plain("logcosh", pixel.logcosh),
    "smooth_l1": _plain("smooth_l1", pixel.smooth_l1),
    "l_inf_norm": _plain("l_inf_norm", pixel.l_inf_norm, per_pixel=False),
    "pixel_gradient_diff": _plain("pixel_gradient_diff", pixel.pixel_gradient_diff),
    "ssim": _plain("ssim", structural.ssim),
    "ms_ssim": lambda _options: ImageLoss("ms_ssim", structural.ms_ssim, sized=True),
    "gmsd": _gmsd,
    "ffl": _plain("ffl", frequency.ffl),
    "laplacian": _plain("laplacian", frequency.laplacian),
    "flip": _plain("flip", flip.flip),
    "lpips_alex": _lpips("alex"),
    "lpips_squeeze": _lpips("squeeze"),
    "lpips_vgg16": _lpips("vgg16"),
}
"""Each catalog loss's builder: ``LOSS_FUNCTIONS[name](LossOptions(...)) -> ImageLoss``."""


def get_loss(name: str, options: LossOptions | None = None) -> ImageLoss:
    """The loss of a catalog name.

    Raises:
        KeyError: the name has no implementation.
        LossWeightsError: an LPIPS loss without a readable weights file.
    """
    return LOSS_FUNCTIONS[name](options or LossOptions())
