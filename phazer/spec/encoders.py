"""Encoder variants of the spec: a discriminated union on ``encoder.type``.

Options that only make sense for one encoder live only inside that encoder's model, so
``encoder: {type: efficientnet_b4, depth: 4}`` is rejected as an unknown key rather than
silently ignored. The list of names comes from :mod:`phazer.catalog.encoders`.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

from pydantic import Field, field_validator

from phazer.spec.base import StrictModel

# Literal types must be spelled out for pydantic's discriminator; a test checks they cover the
# encoder catalog exactly.
KerasEncoderName = Literal[
    "convnext_tiny", "convnext_small", "convnext_base", "convnext_large", "convnext_xlarge",
    "densenet121", "densenet169", "densenet201",
    "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
    "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7",
    "efficientnet_v2_b0", "efficientnet_v2_b1", "efficientnet_v2_b2", "efficientnet_v2_b3",
    "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l",
    "inception_resnet_v2", "inception_v3",
    "nasnet_large", "nasnet_mobile",
    "resnet50", "resnet101", "resnet152", "resnet50_v2", "resnet101_v2", "resnet152_v2",
    "vgg16", "vgg19", "xception",
]

ClipEncoderName = Literal[
    "clipv_vit-b-16", "clipv_vit-b-32", "clipv_vit-l-14", "clipv_vit-l-14-336px",
    "clipv_farl-b-16-16", "clipv_farl-b-16-64",
]

Scaling = Annotated[int, Field(
    ge=0, le=200,
    description="Input size as a percentage of the encoder's default size; the result is "
                "rounded down to a multiple of 16 px and raised to the encoder's minimum, "
                "so 0 gives the minimum (faceswap: enc_scaling).")]


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
    depth: int = Field(4, ge=2, le=10, description="Number of stride-2 conv blocks "
                       "(faceswap: fs_original_depth).")
    min_filters: int = Field(128, ge=16, le=2048, description="Filters of the first block; "
                             "doubled each block (faceswap: fs_original_min_filters).")
    max_filters: int = Field(1024, ge=16, le=8192, description="Cap on the filters "
                             "(faceswap: fs_original_max_filters).")
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

    type: Literal["mobilenet_v3_small", "mobilenet_v3_large"]
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
