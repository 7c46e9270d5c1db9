"""The decoder sub-models, and the upscale chain they share with the FC models.

The chain: re-tile the input when its size cannot double up to the output size (a plain
Reshape, no learned layer), the two upscale_dny entry conv blocks (``decoder.max_filters``,
4x4 then 3x3, LeakyReLU 0.2) when that upscaler is used, then one upscale block per filter of
the decoder curve. The first ``decoder.upscales_in_fc`` blocks (with the re-tiling and the
entry convs) are built at the end of the FC models instead; the decoder builds the rest and
the output convs.

Upscale block: the upscaler; GaussianNoise(1.0) when ``decoder.gaussian_noise``; then either
norm + LeakyReLU(0.2) + ``res_blocks`` residual blocks, or (no residual blocks, or the last
upscale of its part with ``skip_last_residual``) norm + LeakyReLU(0.1), the LeakyReLU left out
for upscale_dny which ends in its own. The mask chain (``learn_mask``) repeats the re-tiling,
entry convs and upscalers without noise or residual blocks and ends in a 1-channel output.
"""

from __future__ import annotations

from collections.abc import Sequence

from phazer.blocks.arithmetic import Derived, scale_dim
from phazer.blocks.conv import ConvSettings, conv_block, output_conv, residual_block
from phazer.blocks.limits import require_buildable
from phazer.blocks.norms import apply_norm
from phazer.blocks.upscalers import upscaler
from phazer.ir.graph import SubModelBuilder, SubModelIR, Tensor
from phazer.spec.models import ModelSpec


def retile(b: SubModelBuilder, x: Tensor, output_size: int) -> Tensor:
    """Reshape to the size the decoder chain can double up to ``output_size`` (if needed).

    Raises:
        ValueError: the values do not divide into the new height and width.
    """
    h, w, c = x.shape
    new = scale_dim(output_size, h)
    if new == h:
        return x
    if h * w * c % (new * new):
        raise ValueError(f"cannot re-tile {x.shape} to {new}x{new} for the {output_size}px "
                         "output: the values do not divide")
    return b.add("reshape", x, name="retile", target_shape=(new, new, h * w * c // new ** 2))


def dny_entry(b: SubModelBuilder, x: Tensor, filters: int, settings: ConvSettings) -> Tensor:
    """The two entry conv blocks upscale_dny puts before its first upscale."""
    x = conv_block(b, x, filters, 4, settings, relu_alpha=0.2, name=f"conv_{filters}")
    return conv_block(b, x, filters, 3, settings, relu_alpha=0.2, name=f"conv_{filters}")


def upscale_block(b: SubModelBuilder, x: Tensor, spec: ModelSpec, filters: int,
                  settings: ConvSettings, *, residual: bool, mask: bool = False) -> Tensor:
    """One upscale of the decoder chain (see the module docstring)."""
    dec = spec.decoder
    info = upscaler(dec.upscaler)
    x = info.build(b, x, filters, settings, f"{'mask_' if mask else ''}upscale_{filters}")
    if dec.gaussian_noise and not mask:
        x = b.add("gaussian_noise", x, name="gaussian_noise", stddev=1.0)
    x = apply_norm(b, x, dec.norm, stem="decoder")
    if residual and not mask:
        x = b.add("leaky_relu", x, name="leaky_re_lu", negative_slope=0.2)
        for _ in range(dec.res_blocks):
            x = residual_block(b, x, filters, settings, name=f"residual_{filters}")
    elif not info.has_activation:
        x = b.add("leaky_relu", x, name="leaky_re_lu", negative_slope=0.1)
    return x


def upscale_chain(b: SubModelBuilder, x: Tensor, spec: ModelSpec, dv: Derived,
                  start: int, stop: int, settings: ConvSettings,
                  mask: bool = False) -> Tensor:
    """The chain's upscales ``start`` to ``stop`` (with re-tiling and entry convs at 0)."""
    if start == 0:
        x = retile(b, x, spec.output_size)
        if spec.decoder.upscaler == "upscale_dny":
            x = dny_entry(b, x, spec.decoder.max_filters, settings)
    for idx in range(start, stop):
        x = upscale_block(b, x, spec, dv.decoder_filters[idx], settings,
                          residual=dv.residual_upscales[idx], mask=mask)
    return x


def build_decoder(spec: ModelSpec, name: str, input_shape: Sequence[int]) -> SubModelIR:
    """Build a decoder sub-model (``decoder_a``, ``decoder_b`` or ``decoder_both``).

    Args:
        spec: the model spec.
        name: the sub-model name.
        input_shape: the decoder input (the FC output, doubled in channels by a shared FC).

    Returns:
        The sub-model; outputs ``face_out`` and, with ``learn_mask``, ``mask_out``.

    Raises:
        ValueError: the spec cannot be built, or ``input_shape`` is not what the FC
            produces.
    """
    dv = require_buildable(spec)
    settings = ConvSettings.from_spec(spec.convolutions)
    b = SubModelBuilder(name)
    inputs = b.input(tuple(input_shape), name="decoder_in")
    start = dv.fc_upscales
    expected = dv.retile_dim * 2 ** start if start else dv.fc_dim
    if len(inputs.shape) != 3 or inputs.shape[0] != expected:
        raise ValueError(f"{name}: expected a {expected}x{expected} input, got {inputs.shape}")
    face = upscale_chain(b, inputs, spec, dv, start, dv.total_upscales, settings)
    outputs = [output_conv(b, face, 3, spec.decoder.output_kernel, settings, "face_out")]
    if spec.decoder.learn_mask:
        mask = upscale_chain(b, inputs, spec, dv, start, dv.total_upscales, settings,
                             mask=True)
        outputs.append(output_conv(b, mask, 1, spec.decoder.output_kernel, settings,
                                   "mask_out"))
    return b.build(outputs)
