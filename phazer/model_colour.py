"""A model's colour order: the channel order its weights take faces in, and the swaps to it.

faceswap feeds its models faces in BGR order (OpenCV's), except Phaze-A models whose encoder is
a Keras Applications network or a CLIP vision transformer: those take RGB, the order their
ImageNet / CLIP weights were trained in (VGG16 and VGG19 take BGR, as their Caffe weights
do). The order is a fact about the weights: a model trained in one order draws the other
order's faces with red and blue swapped. So phazer feeds each model in its own order:

- :func:`model_color_order` says which order a spec's model takes — a Phaze-A encoder
  (``encoder.type``, or a graph form's ``{phaze_a: encoder}`` sub-model) takes the order of
  its catalog entry (:attr:`phazer.catalog.encoders.EncoderInfo.color_order`); a graph form
  without one (faceswap's other model plugins, written as blocks: the ``fs-*`` presets) takes
  faceswap's default, BGR.
- a model dir records the order its weights were trained in (``state.json``'s
  ``color_order``; a model dir written before phazer recorded it was trained on RGB and
  stays RGB), and every command that feeds the model reads it from there.
- images are read as RGB everywhere; :func:`to_model_order` turns them into the model's order
  on the way in, :func:`from_model_order` (:func:`outputs_from_model_order` for a model's
  named outputs) turns faces back on the way out. Masks have one channel and never change.

TensorFlow-free; the swaps work on NumPy arrays and TensorFlow tensors alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypeVar

from phazer.catalog.encoders import ENCODERS
from phazer.sides import is_face_out
from phazer.spec import GraphSpec, ModelSpec
from phazer.spec.graph_form import PhazeABlock

ColorOrder = Literal["rgb", "bgr"]
COLOR_ORDERS: tuple[ColorOrder, ...] = ("rgb", "bgr")
FACESWAP_DEFAULT: ColorOrder = "bgr"
"""The order faceswap feeds a model whose encoder does not say otherwise."""
UNRECORDED: ColorOrder = "rgb"
"""The order of a model dir that does not record one (phazer fed RGB before it recorded it)."""

Images = TypeVar("Images")


def encoder_color_order(encoder_type: str) -> ColorOrder:
    """The order faceswap feeds a Phaze-A encoder (its catalog entry's)."""
    return ENCODERS[encoder_type].color_order


def model_color_order(spec: ModelSpec | GraphSpec) -> ColorOrder:
    """The channel order the model of a spec takes faces in, as faceswap would feed it.

    A Phaze-A spec and a graph form with a ``{phaze_a: encoder}`` sub-model: the encoder's
    order; any other graph form: BGR (faceswap's default for its other model plugins).
    """
    if isinstance(spec, ModelSpec):
        return encoder_color_order(spec.encoder.type)
    if any(isinstance(model, PhazeABlock) and model.phaze_a == "encoder"
           for model in spec.models.values()):
        return encoder_color_order(spec.phaze_a.encoder.type)
    return FACESWAP_DEFAULT


def check_color_order(value: object, where: str) -> ColorOrder:
    """``value`` as a colour order.

    Raises:
        ValueError: it is not ``"rgb"`` or ``"bgr"`` (the message names ``where``).
    """
    if value not in COLOR_ORDERS:
        raise ValueError(f"{where}: color_order is {value!r}; expected \"rgb\" or \"bgr\"")
    return value  # type: ignore[return-value]


def to_model_order(images: Images, order: str) -> Images:
    """RGB images (channels last) in ``order``: the channels reversed for BGR, else as given."""
    if order == "bgr":
        return images[..., ::-1]  # type: ignore[index]
    check_color_order(order, "to_model_order")
    return images


def from_model_order(images: Images, order: str) -> Images:
    """Images in ``order`` (channels last) as RGB (reversing is its own inverse)."""
    return to_model_order(images, order)


def outputs_from_model_order(outputs: Mapping[str, Images], order: str) -> dict[str, Images]:
    """A model's named outputs with every face (``face_out_*``) as RGB; masks as they are."""
    return {name: from_model_order(value, order) if is_face_out(name) else value
            for name, value in outputs.items()}


def pixels_text(order: str) -> str:
    """How the pixels a model takes are described (``export.json``): ``BGR in [0, 1]``."""
    return f"{check_color_order(order, 'pixels_text').upper()} in [0, 1]"
