"""Encoder variants of the spec: a discriminated union on ``encoder.type``.

Options that only make sense for one encoder live only inside that encoder's model, so
``encoder: {type: efficientnet_b4, depth: 4}`` is rejected as an unknown key rather than
silently ignored. The list of names comes from :mod:`phazer.catalog.encoders`.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

from pydantic import Field, field_validator

from phazer.catalog.encoders import encoder_names
from phazer.spec.base import StrictModel

# The encoder names come from the catalog (the one place an encoder is added); the MobileNets
# have their own spec models for their options.
_MOBILENETS = ("mobilenet_v1", "mobilenet_v2", "mobilenet_v3")
KerasEncoderName = Literal[encoder_names("keras_app", exclude_families=_MOBILENETS)]  # type: ignore[valid-type]
ClipEncoderName = Literal[encoder_names("vision_transformer")]  # type: ignore[valid-type]
MobileNetV3Name = Literal[encoder_names("keras_app", families=("mobilenet_v3",))]  # type: ignore[valid-type]

Scaling = Annotated[int, Field(
    ge=0, le=200,
    description="Input size as a percentage of the encoder's default size; the result is "
                "rounded down to a multiple of 16 px and raised to the encoder's minimum, "
                "so 0 gives the minimum (faceswap: enc_scaling).")]


WIDTH_POLICY = (" Any width from 1 builds as in faceswap: outside its GUI's range is info "
                "PHZ328, and a width the build rounds to 0 is error PHZ316.")
"""The width options' policy, ending each one's description (see docs/errors.md, PHZ328)."""


class _EncoderBase(StrictModel):
    scaling: Scaling = 7


WIDTH_STEP = 0.05


def _check_width(value: float) -> float:
    """Widths come in steps of 0.05: phazer's Keras table knows the figures of those."""
    steps = value / WIDTH_STEP
    if abs(steps - round(steps)) > 1e-6:
        lower = math.floor(steps) * WIDTH_STEP
        raise ValueError(f"must be a multiple of {WIDTH_STEP} (phazer tabulates the Keras "
                         f"encoders' figures in those steps), e.g. {lower:.2f} or "
                         f"{lower + WIDTH_STEP:.2f}")
    return round(round(steps) * WIDTH_STEP, 2)


class _KerasEncoderBase(_EncoderBase):
    imagenet_weights: bool = Field(
        False,
        description="Start from ImageNet weights (faceswap: enc_load_weights). phazer never "
                    "downloads: the weights must be in the Keras cache or at `weights_file`.")
    weights_file: str | None = Field(
        None, description="Local path of the ImageNet weights file (.h5) to load.")


class FsOriginalEncoder(_EncoderBase):
    """faceswap's own configurable convolutional encoder."""

    type: Literal["fs_original"] = "fs_original"
    depth: int = Field(4, ge=2, le=10, description="Number of stride-2 conv blocks; deep "
                       "enough to reach 1x1 it builds as in faceswap (warning PHZ329) "
                       "(faceswap: fs_original_depth).")
    min_filters: int = Field(128, ge=1, le=2048, description="Filters of the first block; "
                             "doubled each block (faceswap: fs_original_min_filters; its GUI "
                             "offers 16-2048)." + WIDTH_POLICY)
    max_filters: int = Field(1024, ge=1, le=8192, description="Cap on the filters "
                             "(faceswap: fs_original_max_filters; its GUI offers 256-8192)."
                             + WIDTH_POLICY)
    alt: bool = Field(False, description="Use the alternate layout: 1x1 entry conv, 3x3 convs "
                      "with max-pooling, final 4x4 valid conv (faceswap: fs_original_use_alt).")


class KerasEncoder(_KerasEncoderBase):
    """A Keras Applications encoder built with ``include_top=False``."""

    type: KerasEncoderName


class MobileNetV1Encoder(_KerasEncoderBase):
    """Keras MobileNet (v1) with its width, depth multiplier and dropout."""

    type: Literal["mobilenet"]
    width: float = Field(1.0, ge=0.1, le=2.0, description="Width multiplier, alpha, in "
                         "steps of 0.05 (faceswap: mobilenet_width).")

    _width_step = field_validator("width")(_check_width)
    depth_multiplier: int = Field(1, ge=1, le=10, description="Depth multiplier of the "
                                  "depthwise convs (faceswap: mobilenet_depth).")
    dropout: float = Field(0.001, ge=0.0, lt=1.0, description="Dropout rate "
                           "(faceswap: mobilenet_dropout).")


class MobileNetV2Encoder(_KerasEncoderBase):
    """Keras MobileNetV2 with its width multiplier."""

    type: Literal["mobilenet_v2"]
    width: float = Field(1.0, ge=0.1, le=2.0, description="Width multiplier, alpha, in "
                         "steps of 0.05 (faceswap: mobilenet_width).")

    _width_step = field_validator("width")(_check_width)


class MobileNetV3Encoder(_KerasEncoderBase):
    """Keras MobileNetV3 (small or large) with width and the minimalistic switch."""

    type: MobileNetV3Name
    width: float = Field(1.0, ge=0.1, le=2.0, description="Width multiplier, alpha, in "
                         "steps of 0.05 (faceswap: mobilenet_width).")

    _width_step = field_validator("width")(_check_width)
    minimalistic: bool = Field(False, description="Minimalistic variant: no squeeze-excite, "
                               "hard-swish or 5x5 convs (faceswap: mobilenet_minimalistic).")


class ClipEncoder(_EncoderBase):
    """One of faceswap's CLIP / FaRL vision transformers (``clipv_*``)."""

    type: ClipEncoderName
    pretrained: bool = Field(
        False,
        description="Start from the pretrained CLIP/FaRL weights (faceswap: enc_load_weights). "
                    "phazer never downloads: `weights_file` must point at faceswap's "
                    "`CLIPv_<name>_v1.h5`. At another input size than the native one, the "
                    "positional embedding is resampled (bicubic) to the new patch grid.")
    weights_file: str | None = Field(
        None, description="Local path of faceswap's CLIPv_<name>_v1.h5 weights file.")


EncoderSpec = Annotated[
    Union[FsOriginalEncoder, KerasEncoder, MobileNetV1Encoder, MobileNetV2Encoder,  # noqa: UP007
          MobileNetV3Encoder, ClipEncoder],
    Field(discriminator="type"),
]

ENCODER_VARIANTS: tuple[type[_EncoderBase], ...] = (
    FsOriginalEncoder, KerasEncoder, MobileNetV1Encoder, MobileNetV2Encoder, MobileNetV3Encoder,
    ClipEncoder)
