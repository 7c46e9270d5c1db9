"""Convolution helpers that honour the model-wide settings (``spec.convolutions``).

Phaze-A has two kinds of convolution and phazer keeps the distinction because it decides
which global options apply:

* a *conv block* (:func:`conv_block`, and the convolutions of :func:`residual_block`): reflect
  padding applies to it (a ``reflection_pad_same`` op, then a 'valid' convolution), followed by
  an optional norm and activation;
* a *plain* convolution (:func:`fs_conv`): never reflect-padded, but its kernel initializer
  still follows the ICNR / convolution-aware switches.

The graph form's blocks (:mod:`phazer.blocks.sequence`) are built by these same functions
(and :mod:`phazer.blocks.upscalers`), with the graph's ``convolutions`` switches and their own
layer names, so each block is written once and every switch means the same in both forms.

Initializers are recorded as the op attr ``kernel_initializer``, one of :data:`INITIALIZERS`,
for the Keras emitter to map.
"""

from __future__ import annotations

from dataclasses import dataclass

from phazer.blocks.norms import apply_norm
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
            initializer: str = "he_uniform", use_bias: bool | None = None,
            name: str = "conv2d") -> Tensor:
    """A faceswap convolution: initializer switches apply, reflect padding does not.

    ``use_bias`` None leaves the op's default (a bias) unrecorded in its attrs.
    """
    attrs = {} if use_bias is None else {"use_bias": use_bias}
    return b.add("conv2d", x, name=name, filters=filters, kernel=kernel, strides=strides,
                 padding=padding,
                 kernel_initializer=kernel_initializer(settings, initializer, upscale), **attrs)


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


def activate(b: SubModelBuilder, x: Tensor, function: str | None, relu_alpha: float,
             name: str) -> Tensor:
    """A block's activation, named after the block: ``{name}_leakyrelu``, ``{name}_relu``, ...

    Args:
        b: the builder.
        x: the input tensor.
        function: "leaky_relu" (slope ``relu_alpha``), another Keras activation by name
            ("relu", "sigmoid", "tanh"), or None / "linear" for none.
        relu_alpha: the LeakyReLU slope.
        name: the block's name stem.
    """
    if function is None or function == "linear":
        return x
    if function == "leaky_relu":
        return b.add("leaky_relu", x, name=f"{name}_leakyrelu", negative_slope=relu_alpha)
    return b.add("activation", x, name=f"{name}_{function}", function=function)


def conv_block(b: SubModelBuilder, x: Tensor, filters: int, kernel: int,
               settings: ConvSettings, *, strides: int = 1, padding: str = "same",
               activation: str | None = "leaky_relu", relu_alpha: float = 0.1,
               norm: str | None = None, upscale: bool = False,
               initializer: str = "he_uniform", name: str = "conv") -> Tensor:
    """A conv block: [reflect pad], conv, [norm], [activation] (faceswap's Conv2DBlock).

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
        activation: see :func:`activate` (None: no activation).
        relu_alpha: the LeakyReLU slope.
        norm: a norm of :data:`phazer.blocks.norms.NORMS` between the conv and the
            activation, named ``{name}_{norm}norm``, or None.
        upscale: whether the convolution belongs to an upscaler (ICNR).
        initializer: the kernel initializer when no global switch replaces it.
        name: a name stem for the layers.
    """
    if settings.reflect_padding:
        x = _reflect_pad(b, x, kernel, strides, name)
        padding = "valid"
    x = fs_conv(b, x, filters, kernel, settings, strides=strides, padding=padding,
                upscale=upscale, initializer=initializer, name=f"{name}_conv2d")
    if norm is not None:
        x = apply_norm(b, x, norm, layer=f"{name}_{norm}norm")
    return activate(b, x, activation, relu_alpha, name)


def separable_conv_block(b: SubModelBuilder, x: Tensor, filters: int, kernel: int, *,
                         strides: int = 1, padding: str = "same", depth_multiplier: int = 1,
                         activation: str | None = "relu", relu_alpha: float = 0.1,
                         initializer: str = "glorot_uniform",
                         name: str = "separableconv2d") -> Tensor:
    """A SeparableConv2D then its activation (faceswap's SeparableConv2DBlock).

    The convolution is named ``{name}_seperableconv2d``, as faceswap spells it; no global
    switch applies.
    """
    x = b.add("separable_conv2d", x, name=f"{name}_seperableconv2d", filters=filters,
              kernel=kernel, strides=strides, padding=padding,
              depth_multiplier=depth_multiplier, kernel_initializer=initializer)
    return activate(b, x, activation, relu_alpha, name)


def residual_block(b: SubModelBuilder, x: Tensor, filters: int, settings: ConvSettings,
                   name: str = "residual", *, initializer: str = "he_uniform",
                   use_bias: bool | None = None, add_name: str | None = None) -> Tensor:
    """The dfaker residual block: conv3x3, LeakyReLU(0.2), conv3x3, add input, LeakyReLU(0.2).

    The second convolution uses a small-scale variance-scaling initializer (unless
    convolution-aware init replaces it). Both convolutions are reflect-padded when asked.

    Args:
        b: the builder.
        x: the input tensor (of ``filters`` channels).
        filters: the convolutions' filters.
        settings: the model-wide switches.
        name: a name stem for the layers.
        initializer: the first convolution's initializer.
        use_bias: whether the convolutions have biases (None: the default, unrecorded).
        add_name: the add layer's name (default ``{name}_add``).
    """
    skip = x
    padding = "same"
    if settings.reflect_padding:
        x = _reflect_pad(b, x, 3, 1, f"{name}_0")
        padding = "valid"
    x = fs_conv(b, x, filters, 3, settings, padding=padding, initializer=initializer,
                use_bias=use_bias, name=f"{name}_conv2d_0")
    x = b.add("leaky_relu", x, name=f"{name}_leakyrelu_1", negative_slope=0.2)
    if settings.reflect_padding:
        x = _reflect_pad(b, x, 3, 1, f"{name}_1")
    x = fs_conv(b, x, filters, 3, settings, padding=padding,
                initializer="variance_scaling_0.2", use_bias=use_bias, name=f"{name}_conv2d_1")
    x = b.add("add", [x, skip], name=add_name or f"{name}_add")
    return b.add("leaky_relu", x, name=f"{name}_leakyrelu_3", negative_slope=0.2)


def output_conv(b: SubModelBuilder, x: Tensor, channels: int, kernel: int,
                settings: ConvSettings, name: str, *,
                initializer: str = "he_uniform") -> Tensor:
    """An output head: conv (no reflect padding, no ICNR) then a float32 sigmoid named ``name``."""
    x = fs_conv(b, x, channels, kernel, settings, initializer=initializer,
                name=f"{name}_conv2d")
    return b.add("activation", x, name=name, function="sigmoid", dtype="float32")


def dense(b: SubModelBuilder, x: Tensor, units: int, initializer: str = "glorot_uniform",
          name: str = "dense") -> Tensor:
    """A Dense layer (no global switch applies to Dense layers)."""
    return b.add("dense", x, name=name, units=units, kernel_initializer=initializer)
