"""The table of encoders phazer knows: one entry per encoder, TensorFlow-free.

This is the one place to add an encoder's facts (its default and minimum input size, the pixel
range it expects, its Keras Applications constructor). The spec, the validator, the plan and the
Keras emitter all read this table.

Input sizes follow faceswap's Phaze-A: ``max(min_size, floor16(default_size * scaling / 100))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PixelRange = Literal["0_1", "0_255", "-1_1"]
BuilderKind = Literal["fs_original", "keras_app", "vision_transformer"]


@dataclass(frozen=True)
class ViTFacts:
    """The shape of a CLIP vision transformer (faceswap's ``clipv_*`` encoders).

    Attributes:
        width: the token width (attention heads = width / 64).
        layers: residual attention blocks.
        patch: the patch size (the first conv's kernel and stride).
        output: the size of the projected embedding, the encoder's flat output.
        weights_name: the name in faceswap's weights file ``CLIPv_<weights_name>_v1.h5``.
    """

    width: int
    layers: int
    patch: int
    output: int
    weights_name: str

    @property
    def heads(self) -> int:
        """Attention heads (64 channels each)."""
        return self.width // 64

    def grid(self, px: int) -> int:
        """Patches along each side of a ``px`` input (a 'valid' patch conv floors)."""
        return px // self.patch

    def tokens(self, px: int) -> int:
        """Tokens per image: the patch grid plus the class token."""
        return self.grid(px) ** 2 + 1

    @property
    def weights_file_name(self) -> str:
        """The file faceswap ships the pretrained weights as."""
        return f"CLIPv_{self.weights_name}_v1.h5"


CLIP_LAYER_PREFIX = "visual"
"""Layer-name prefix of a CLIP encoder's layers (faceswap names the model ``visual``)."""


@dataclass(frozen=True)
class EncoderInfo:
    """Facts about one encoder architecture.

    Attributes:
        name: phazer's (and faceswap's) name, used as the spec's ``encoder.type``.
        family: a group name; variants with extra options share a family.
        keras_name: the ``keras.applications`` constructor, or "" for phazer's own encoders.
        default_size: the input size (px) at 100% scaling.
        min_size: the smallest input size the encoder accepts (px).
        pixel_range: the pixel range the encoder expects its input in.
        weights_need_default_size: ImageNet weights only load at ``default_size`` (NASNet).
        color_order: the channel order faceswap feeds it ("bgr" for fs_original and VGG).
        vit: the vision transformer's shape, for the CLIP encoders (None otherwise).
    """

    name: str
    family: str
    keras_name: str
    default_size: int
    min_size: int = 32
    pixel_range: PixelRange = "0_1"
    weights_need_default_size: bool = False
    color_order: Literal["rgb", "bgr"] = "rgb"
    vit: ViTFacts | None = None

    @property
    def is_clip(self) -> bool:
        """Whether this is one of faceswap's CLIP / FaRL vision transformers."""
        return self.vit is not None

    @property
    def is_keras_application(self) -> bool:
        """Whether this encoder comes from ``keras.applications``."""
        return bool(self.keras_name)

    @property
    def builder(self) -> BuilderKind:
        """Which backbone builder makes it (a key of ``phazer.blocks.encoder.BACKBONES``)."""
        if self.is_keras_application:
            return "keras_app"
        if self.vit is not None:
            return "vision_transformer"
        return "fs_original"

    def scaled_size(self, scaling_percent: int) -> int:
        """The scaling percentage of the default size, floored to 16 px (before the minimum)."""
        return int((self.default_size * scaling_percent / 100) // 16 * 16)

    def input_size(self, scaling_percent: int) -> int:
        """The encoder's input size for a scaling percentage (floored to 16 px, >= min_size)."""
        return max(self.min_size, self.scaled_size(scaling_percent))


def _table(*entries: EncoderInfo) -> dict[str, EncoderInfo]:
    return {entry.name: entry for entry in entries}


_EFFNET_SIZES = {"b0": 224, "b1": 240, "b2": 260, "b3": 300, "b4": 380, "b5": 456,
                 "b6": 528, "b7": 600}
_EFFNET_V2_SIZES = {"b0": 224, "b1": 240, "b2": 260, "b3": 300, "s": 384, "m": 480, "l": 480}
_CONVNEXT = {"tiny": "Tiny", "small": "Small", "base": "Base", "large": "Large",
             "xlarge": "XLarge"}

ENCODERS: dict[str, EncoderInfo] = _table(
    EncoderInfo("fs_original", "fs_original", "", 1024, color_order="bgr"),
    *(EncoderInfo(f"convnext_{k}", "convnext", f"ConvNeXt{v}", 224, pixel_range="0_255")
      for k, v in _CONVNEXT.items()),
    *(EncoderInfo(f"densenet{n}", "densenet", f"DenseNet{n}", 224) for n in (121, 169, 201)),
    *(EncoderInfo(f"efficientnet_{k}", "efficientnet", f"EfficientNet{k.upper()}", size,
                  pixel_range="0_255") for k, size in _EFFNET_SIZES.items()),
    *(EncoderInfo(f"efficientnet_v2_{k}", "efficientnet_v2", f"EfficientNetV2{k.upper()}", size,
                  pixel_range="-1_1") for k, size in _EFFNET_V2_SIZES.items()),
    EncoderInfo("inception_resnet_v2", "inception", "InceptionResNetV2", 299, min_size=75,
                pixel_range="-1_1"),
    EncoderInfo("inception_v3", "inception", "InceptionV3", 299, min_size=75, pixel_range="-1_1"),
    EncoderInfo("mobilenet", "mobilenet_v1", "MobileNet", 224, pixel_range="-1_1"),
    EncoderInfo("mobilenet_v2", "mobilenet_v2", "MobileNetV2", 224, pixel_range="-1_1"),
    EncoderInfo("mobilenet_v3_large", "mobilenet_v3", "MobileNetV3Large", 224,
                pixel_range="-1_1"),
    EncoderInfo("mobilenet_v3_small", "mobilenet_v3", "MobileNetV3Small", 224,
                pixel_range="-1_1"),
    EncoderInfo("nasnet_large", "nasnet", "NASNetLarge", 331, pixel_range="-1_1",
                weights_need_default_size=True),
    EncoderInfo("nasnet_mobile", "nasnet", "NASNetMobile", 224, pixel_range="-1_1",
                weights_need_default_size=True),
    *(EncoderInfo(f"resnet{n}", "resnet", f"ResNet{n}", 224, pixel_range="-1_1")
      for n in (50, 101, 152)),
    *(EncoderInfo(f"resnet{n}_v2", "resnet", f"ResNet{n}V2", 224, pixel_range="-1_1")
      for n in (50, 101, 152)),
    EncoderInfo("vgg16", "vgg", "VGG16", 224, pixel_range="0_255", color_order="bgr"),
    EncoderInfo("vgg19", "vgg", "VGG19", 224, pixel_range="0_255", color_order="bgr"),
    EncoderInfo("xception", "xception", "Xception", 299, min_size=71, pixel_range="-1_1"),
    *(EncoderInfo(f"clipv_{name}", "clip", "", size, vit=ViTFacts(*shape))
      for name, size, shape in (
          ("vit-b-16", 224, (768, 12, 16, 512, "ViT-B-16")),
          ("vit-b-32", 224, (768, 12, 32, 512, "ViT-B-32")),
          ("vit-l-14", 224, (1024, 24, 14, 768, "ViT-L-14")),
          ("vit-l-14-336px", 336, (1024, 24, 14, 768, "ViT-L-14-336px")),
          ("farl-b-16-16", 224, (768, 12, 16, 512, "FaRL-B-16-16")),
          ("farl-b-16-64", 224, (768, 12, 16, 512, "FaRL-B-16-64")))),
)

# Encoders faceswap offers that phazer does not build, with the reason (none today).
UNSUPPORTED_ENCODERS: dict[str, str] = {}


def encoder_names(builder: BuilderKind, *, families: tuple[str, ...] | None = None,
                  exclude_families: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The encoder names one builder makes, optionally of some families only (table order)."""
    return tuple(name for name, info in ENCODERS.items()
                 if info.builder == builder and info.family not in exclude_families
                 and (families is None or info.family in families))
