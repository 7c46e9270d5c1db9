"""The upscaler registry: every way Phaze-A doubles height and width.

:data:`UPSCALERS` holds the builder of every upscaler named in
:data:`phazer.catalog.upscalers.UPSCALER_FACTS` (``decoder.upscaler``, and the graph form's
``upscaler`` block's ``type``); the FC upsamplers
(``fc.upsampler``) are the same blocks plus ``upsample2d``, which :func:`fc_upsampling` treats
specially (one UpSampling2D for all the upsamples). Every upscaler is built with its LeakyReLU
activation, as Phaze-A builds them in both places. The graph form's ``upscale`` and
``upscale_hybrid`` blocks are :func:`subpixel` and :func:`upscale_hybrid` too, with faceswap's
other models' layer names and their own kernel, scale, activation and initializer.

Layer sequences (f = filters):
    subpixel: conv3x3 to 4f, LeakyReLU(0.1), pixel shuffle x2 -> f channels.
    upscale_fast: [conv3x3 to f, bilinear x2] + subpixel(f), added -> f channels.
    upscale_hybrid: subpixel(h) and [conv3x3 to h, bilinear x2] concatenated, h = f - f // 2
        -> 2h channels (f + 1 when f is odd), as faceswap's hybrid upscale.
    resize_images: [bilinear resize x2, conv3x3 to f] + transposed conv3x3 stride 2 to f,
        added, LeakyReLU(0.2) -> f channels.
    upscale_dny: bilinear x2, then two conv3x3 blocks to f with LeakyReLU(0.2) -> f channels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from phazer.blocks.conv import ConvSettings, conv_block, fs_conv
from phazer.catalog.upscalers import UPSAMPLE2D
from phazer.ir.graph import SubModelBuilder, Tensor

UpscaleFn = Callable[[SubModelBuilder, Tensor, int, ConvSettings, str], Tensor]
EntryFn = Callable[[SubModelBuilder, Tensor, int, ConvSettings], Tensor]


@dataclass(frozen=True)
class UpscalerInfo:
    """One upscaler.

    Attributes:
        build: appends the block: ``build(b, x, filters, settings, name) -> Tensor``.
        channels: output channels for a filter count.
        has_activation: whether the block ends in its own activation (the decoder then adds
            none when there are no residual blocks: upscale_dny).
        entry: blocks the decoder chain puts before its first upscale (upscale_dny's two
            entry convs), or None.
        reflect_min_size: the smallest map reflect padding can pad for the block's first
            conv (or its entry's): 2 for a 3x3 conv, 3 for upscale_dny's 4x4 entry conv, 1
            when the first layer is not padded.
    """

    build: UpscaleFn
    channels: Callable[[int], int]
    has_activation: bool = False
    entry: EntryFn | None = None
    reflect_min_size: int = 1


def subpixel(b: SubModelBuilder, x: Tensor, filters: int, settings: ConvSettings,
             name: str = "upscale", *, kernel: int = 3, scale: int = 2,
             activation: bool = True, relu_alpha: float = 0.1,
             initializer: str = "he_uniform") -> Tensor:
    """Sub-pixel upscale: conv to ``filters * scale**2``, LeakyReLU, pixel shuffle x ``scale``.

    Layers ``{name}_conv2d_conv2d``, ``{name}_conv2d_leakyrelu`` and
    ``{name}_pixelshuffler`` (faceswap's UpscaleBlock naming).

    Args:
        b: the builder.
        x: the input tensor.
        filters: output channels.
        settings: the model-wide switches (the conv is a conv block of an upscaler).
        name: the layers' name stem.
        kernel: the conv's kernel size (Phaze-A: 3).
        scale: the upscale factor (Phaze-A: 2).
        activation: whether the LeakyReLU is there (faceswap's dfl_sae puts its own after
            the shuffle).
        relu_alpha: the LeakyReLU slope.
        initializer: the conv's initializer when no global switch replaces it.
    """
    x = conv_block(b, x, filters * scale ** 2, kernel, settings, strides=1,
                   activation="leaky_relu" if activation else None, relu_alpha=relu_alpha,
                   upscale=True, initializer=initializer, name=f"{name}_conv2d")
    return b.add("pixel_shuffle", x, name=f"{name}_pixelshuffler", scale=scale)


def _bilinear_branch(b: SubModelBuilder, x: Tensor, filters: int, settings: ConvSettings,
                     name: str, *, kernel: int = 3, scale: int = 2,
                     initializer: str = "he_uniform",
                     upsample_name: str | None = None) -> Tensor:
    # ICNR only makes sense for a conv feeding a pixel shuffle: none here (see arithmetic.md)
    x = fs_conv(b, x, filters, kernel, settings, initializer=initializer,
                name=f"{name}_conv2d")
    return b.add("upsampling2d", x, name=upsample_name or f"{name}_upsampling2d", size=scale,
                 interpolation="bilinear")


def upscale_fast(b: SubModelBuilder, x: Tensor, filters: int, settings: ConvSettings,
                 name: str = "upscale2x_fast") -> Tensor:
    """Bilinear branch plus sub-pixel branch, added."""
    smooth = _bilinear_branch(b, x, filters, settings, name)
    detail = subpixel(b, x, filters, settings, name=f"{name}_sr")
    return b.add("add", [smooth, detail], name=f"{name}_add")


def hybrid_half(filters: int) -> int:
    """Filters of each branch of upscale_hybrid: ``filters - filters // 2``.

    faceswap gives both branches of its hybrid upscale this many filters, so an odd count
    comes out one channel wider (525 -> 526).
    """
    return filters - filters // 2


def upscale_hybrid(b: SubModelBuilder, x: Tensor, filters: int, settings: ConvSettings,
                   name: str = "upscale2x_hyb", *, kernel: int = 3, scale: int = 2,
                   activation: bool = True, relu_alpha: float = 0.1,
                   initializer: str = "he_uniform", sr_name: str | None = None,
                   upsample_name: str | None = None) -> Tensor:
    """Sub-pixel branch and bilinear branch of :func:`hybrid_half` filters each, concatenated.

    Args:
        b: the builder.
        x: the input tensor.
        filters: the filters asked for (``2 * hybrid_half(filters)`` channels come out).
        settings: the model-wide switches.
        name: the stem of the bilinear branch and the concatenation.
        kernel: both convs' kernel size.
        scale: the upscale factor of both branches.
        activation: whether the sub-pixel branch has its LeakyReLU.
        relu_alpha: its slope.
        initializer: both convs' initializer when no global switch replaces it.
        sr_name: the sub-pixel branch's stem (default ``{name}_sr``).
        upsample_name: the bilinear UpSampling2D's name (default ``{name}_upsampling2d``).
    """
    half = hybrid_half(filters)
    detail = subpixel(b, x, half, settings, name=sr_name or f"{name}_sr", kernel=kernel,
                      scale=scale, activation=activation, relu_alpha=relu_alpha,
                      initializer=initializer)
    smooth = _bilinear_branch(b, x, half, settings, name, kernel=kernel, scale=scale,
                              initializer=initializer, upsample_name=upsample_name)
    return b.add("concatenate", [detail, smooth], name=f"{name}_concatenate")


def resize_images(b: SubModelBuilder, x: Tensor, filters: int, settings: ConvSettings,
                  name: str = "upscale_ri") -> Tensor:
    """Bilinear resize + conv3x3, plus a stride-2 transposed conv3x3, added, LeakyReLU(0.2)."""
    resized = b.add("resize_images", x, name=f"{name}_resize", size=2, interpolation="bilinear")
    resized = fs_conv(b, resized, filters, 3, settings, name=f"{name}_conv")
    transposed = b.add("conv2d_transpose", x, name=f"{name}_convtrans", filters=filters,
                       kernel=3, strides=2, padding="same", kernel_initializer="glorot_uniform")
    x = b.add("add", [resized, transposed], name=f"{name}_add")
    return b.add("leaky_relu", x, name=f"{name}_leakyrelu", negative_slope=0.2)


def upscale_dny(b: SubModelBuilder, x: Tensor, filters: int, settings: ConvSettings,
                name: str = "upscale_dny") -> Tensor:
    """Bilinear x2, then two conv3x3 blocks with LeakyReLU(0.2)."""
    x = b.add("upsampling2d", x, name=f"{name}_upsample2d", size=2, interpolation="bilinear")
    for idx in (1, 2):
        x = conv_block(b, x, filters, 3, settings, strides=1, relu_alpha=0.2,
                       name=f"{name}_conv2d_{idx}")
    return x


def dny_entry(b: SubModelBuilder, x: Tensor, filters: int, settings: ConvSettings) -> Tensor:
    """The two entry conv blocks upscale_dny puts before its first upscale (4x4 then 3x3)."""
    x = conv_block(b, x, filters, 4, settings, relu_alpha=0.2, name=f"conv_{filters}")
    return conv_block(b, x, filters, 3, settings, relu_alpha=0.2, name=f"conv_{filters}")


def _same(filters: int) -> int:
    return filters


UPSCALERS: dict[str, UpscalerInfo] = {
    "subpixel": UpscalerInfo(subpixel, _same, reflect_min_size=2),
    "resize_images": UpscalerInfo(resize_images, _same),
    "upscale_fast": UpscalerInfo(upscale_fast, _same, reflect_min_size=2),
    "upscale_hybrid": UpscalerInfo(upscale_hybrid, lambda f: 2 * hybrid_half(f),
                                   reflect_min_size=2),
    "upscale_dny": UpscalerInfo(upscale_dny, _same, has_activation=True, entry=dny_entry,
                                reflect_min_size=3),
}
"""The builder of every upscaler, by its name in :data:`phazer.catalog.upscalers.UPSCALER_FACTS`
(a test checks they name the same upscalers, and that ``entry`` is set exactly where the
catalog's ``has_entry`` is)."""


def upscaler(name: str) -> UpscalerInfo:
    """The registry entry of a decoder upscaler.

    Raises:
        ValueError: unknown upscaler.
    """
    try:
        return UPSCALERS[name]
    except KeyError:
        raise ValueError(f"unknown upscaler {name!r}; expected one of "
                         f"{', '.join(UPSCALERS)}") from None


def fc_upsampling(b: SubModelBuilder, x: Tensor, method: str, count: int, filters: int,
                  settings: ConvSettings) -> Tensor:
    """The upsamplers at the end of an FC model.

    ``upsample2d`` is one UpSampling2D of size ``2**count`` (nearest for one upsample,
    bilinear for more) followed by LeakyReLU(0.1), which is added even for 0 upsamples. The
    other methods are ``count`` upscaler blocks of ``filters`` each.
    """
    if method == UPSAMPLE2D:
        if count > 1:
            x = b.add("upsampling2d", x, name="up_sampling2d", size=2 ** count,
                      interpolation="bilinear")
        elif count == 1:
            x = b.add("upsampling2d", x, name="up_sampling2d", size=2, interpolation="nearest")
        return b.add("leaky_relu", x, name="leaky_re_lu", negative_slope=0.1)
    info = upscaler(method)
    for idx in range(count):
        x = info.build(b, x, filters, settings, f"fc_upsample_{filters}_{idx}")
    return x
