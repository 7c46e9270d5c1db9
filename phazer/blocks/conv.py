"""Convolution helpers that honour the model-wide settings (``spec.convolutions``).

Phaze-A has two kinds of convolution and phazer keeps the distinction because it decides
which global options apply:

* a *conv block* (:func:`conv_block`, and the convolutions of :func:`residual_block`): reflect
  padding applies to it (a ``reflection_pad_same`` op, then a 'valid' convolution), followed by
  an optional LeakyReLU;
* a *plain* convolution (:func:`fs_conv`): never reflect-padded, but its kernel initializer
  still follows the ICNR / convolution-aware switches.

Initializers are recorded as the op attr ``kernel_initializer``, one of :data:`INITIALIZERS`,
for the Keras emitter to map.
"""

from __future__ import annotations

from dataclasses import dataclass

from phazer.ir.graph import SubModelBuilder, Tensor
from phazer.spec.models import ConvolutionsSpec

INITIALIZERS: dict[str, str] = {
    "he_uniform": "Keras HeUniform (faceswap's default for its convolutions)",
    "he_normal": "Keras HeNormal (the G-Block's style Dense layers)",
    "glorot_uniform": "Keras GlorotUniform (Keras' default: Dense, transposed and G-Block convs)",
    "variance_scaling_0.2": "Keras VarianceScaling(scale=0.2, mode='fan_in', "
                            "distribution='uniform') (second conv of a residual block)",
    "random_normal": "Keras RandomNormal(mean=0, stddev=0.02) (faceswap's unbalanced, villain "
                     "and dfaker)",
    "conv_aware": "faceswap's convolution-aware initializer (convolutions.conv_aware_init)",
    "icnr": "ICNR over HeUniform (upscale convolutions with convolutions.icnr_init)",
    "icnr_conv_aware": "ICNR over convolution-aware (both switches on)",
}
"""Every ``kernel_initializer`` value the blocks write, with its meaning."""


@dataclass(frozen=True)
class ConvSettings:
    """The model-wide convolution switches, as the blocks need them.

    Attributes:
        reflect_padding: reflect-pad conv blocks instead of zero 'same' padding.
        icnr_init: ICNR-initialise the convolutions of upscalers.
        conv_aware_init: convolution-aware initialisation for faceswap's convolutions.
    """

    reflect_padding: bool = False
    icnr_init: bool = False
    conv_aware_init: bool = False

    @classmethod
    def from_spec(cls, spec: ConvolutionsSpec) -> ConvSettings:
        """The settings of a spec's ``convolutions`` group."""
        return cls(spec.reflect_padding, spec.icnr_init, spec.conv_aware_init)


def kernel_initializer(settings: ConvSettings, default: str = "he_uniform",
                       upscale: bool = False) -> str:
    """The initializer faceswap gives one of its own convolutions.

    Convolution-aware init replaces whatever the layer would use; ICNR then wraps the result
    for the convolutions of upscalers.

    Args:
        settings: the model-wide switches.
        default: the layer's initializer when no switch applies.
        upscale: whether the convolution belongs to an upscaler.
    """
    name = "conv_aware" if settings.conv_aware_init else default
    if upscale and settings.icnr_init:
        name = "icnr" if name == "he_uniform" else f"icnr_{name}"
    return name


def fs_conv(b: SubModelBuilder, x: Tensor, filters: int, kernel: int, settings: ConvSettings,
            *, strides: int = 1, padding: str = "same", upscale: bool = False,
            initializer: str = "he_uniform", name: str = "conv2d") -> Tensor:
    """A faceswap convolution: initializer switches apply, reflect padding does not."""
    return b.add("conv2d", x, name=name, filters=filters, kernel=kernel, strides=strides,
                 padding=padding,
                 kernel_initializer=kernel_initializer(settings, initializer, upscale))


def plain_conv(b: SubModelBuilder, x: Tensor, filters: int, kernel: int,
               name: str = "conv2d") -> Tensor:
    """A stock Keras convolution ('same', GlorotUniform); no global switch applies."""
    return b.add("conv2d", x, name=name, filters=filters, kernel=kernel, strides=1,
                 padding="same", kernel_initializer="glorot_uniform")


def _reflect_pad(b: SubModelBuilder, x: Tensor, kernel: int, strides: int,
                 name: str) -> Tensor:
    """Reflect-pad for a following 'valid' conv; nothing for 1x1 kernels (no padding)."""
    if kernel == 1:
        return x
    return b.add("reflection_pad_same", x, name=f"{name}_reflectionpad", kernel=kernel,
                 strides=strides)


def conv_block(b: SubModelBuilder, x: Tensor, filters: int, kernel: int,
               settings: ConvSettings, *, strides: int = 1, padding: str = "same",
               relu_alpha: float | None = 0.1, upscale: bool = False,
               name: str = "conv") -> Tensor:
    """A conv block: [reflect pad], conv, [LeakyReLU].

    With reflect padding on, the padding replaces the requested one, even 'valid' (faceswap's
    conv block documents that it ignores ``padding`` then), so the output keeps 'same' sizes.

    Args:
        b: the builder.
        x: the input tensor.
        filters: output channels.
        kernel: kernel size.
        settings: the model-wide switches.
        strides: the stride.
        padding: "same" or "valid" (without reflect padding).
        relu_alpha: the LeakyReLU slope, or None for no activation.
        upscale: whether the convolution belongs to an upscaler (ICNR).
        name: a name stem for the layers.
    """
    if settings.reflect_padding:
        x = _reflect_pad(b, x, kernel, strides, name)
        padding = "valid"
    x = fs_conv(b, x, filters, kernel, settings, strides=strides, padding=padding,
                upscale=upscale, name=f"{name}_conv2d")
    if relu_alpha is not None:
        x = b.add("leaky_relu", x, name=f"{name}_leakyrelu", negative_slope=relu_alpha)
    return x


def residual_block(b: SubModelBuilder, x: Tensor, filters: int, settings: ConvSettings,
                   name: str = "residual") -> Tensor:
    """The dfaker residual block: conv3x3, LeakyReLU(0.2), conv3x3, add input, LeakyReLU(0.2).

    The second convolution uses a small-scale variance-scaling initializer (unless
    convolution-aware init replaces it). Both convolutions are reflect-padded when asked.
    """
    skip = x
    padding = "same"
    if settings.reflect_padding:
        x = _reflect_pad(b, x, 3, 1, f"{name}_0")
        padding = "valid"
    x = fs_conv(b, x, filters, 3, settings, padding=padding, name=f"{name}_conv2d_0")
    x = b.add("leaky_relu", x, name=f"{name}_leakyrelu_1", negative_slope=0.2)
    if settings.reflect_padding:
        x = _reflect_pad(b, x, 3, 1, f"{name}_1")
    x = fs_conv(b, x, filters, 3, settings, padding=padding,
                initializer="variance_scaling_0.2", name=f"{name}_conv2d_1")
    x = b.add("add", [x, skip], name=f"{name}_add")
    return b.add("leaky_relu", x, name=f"{name}_leakyrelu_3", negative_slope=0.2)


def output_conv(b: SubModelBuilder, x: Tensor, channels: int, kernel: int,
                settings: ConvSettings, name: str) -> Tensor:
    """An output head: conv (no reflect padding, no ICNR) then a float32 sigmoid named ``name``."""
    x = fs_conv(b, x, channels, kernel, settings, name=f"{name}_conv2d")
    return b.add("activation", x, name=name, function="sigmoid", dtype="float32")


def dense(b: SubModelBuilder, x: Tensor, units: int, initializer: str = "glorot_uniform",
          name: str = "dense") -> Tensor:
    """A Dense layer (no global switch applies to Dense layers)."""
    return b.add("dense", x, name=name, units=units, kernel_initializer=initializer)
