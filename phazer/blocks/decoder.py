"""The decoder sub-models, and the upscale chain they share with the FC models.

The chain: re-tile the input when its size cannot double up to the output size (a plain
Reshape, no learned layer), the upscaler's entry blocks when it has them (upscale_dny: two
conv blocks of ``decoder.max_filters``, 4x4 then 3x3, LeakyReLU 0.2), then one upscale
block per filter of the decoder curve. The first ``decoder.upscales_in_fc`` blocks (with
the re-tiling and the entry convs) are built at the end of the FC models instead; the
decoder builds the rest and the output convs. The chain is planned
(:func:`phazer.blocks.sizing.upscale_chain_plan`) from the size of the map it starts from.

Upscale block: the upscaler; GaussianNoise(1.0) when ``decoder.gaussian_noise``; then either
norm + LeakyReLU(0.2) + ``res_blocks`` residual blocks, or (no residual blocks, or the last
upscale of its part with ``skip_last_residual``) norm + LeakyReLU(0.1), the LeakyReLU left out
for upscale_dny which ends in its own. The mask chain (``learn_mask``) repeats the re-tiling,
entry convs and upscalers without noise or residual blocks and ends in a 1-channel output.
"""

from __future__ import annotations

from collections.abc import Sequence

from phazer.blocks.checks import check_chain_start, check_retile
from phazer.blocks.context import BuildContext, build_alone
from phazer.blocks.conv import ConvSettings, output_conv, residual_block
from phazer.blocks.norms import apply_norm
from phazer.blocks.sizing import UpscaleChain, upscale_chain_plan
from phazer.blocks.upscalers import upscaler
from phazer.blocks.width_checks import check_decoder_filters
from phazer.ir.graph import SubModelBuilder, SubModelIR, Tensor
from phazer.spec.models import ModelSpec


def retile(b: SubModelBuilder, x: Tensor, ctx: BuildContext, chain: UpscaleChain) -> Tensor:
    """Reshape to the size the decoder chain can double up to the output size (if needed)."""
    if not chain.retiled:
        return x
    target = check_retile(ctx, x.shape, chain, ctx.sizes.fc_filters)
    out = b.add("reshape", x, name="retile", target_shape=target)
    ctx.sizes.record(retile=(x.shape, out.shape))
    return out


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


def upscale_chain(b: SubModelBuilder, x: Tensor, ctx: BuildContext, chain: UpscaleChain,
                  start: int, stop: int, settings: ConvSettings, *, head: bool,
                  mask: bool = False) -> Tensor:
    """The chain's upscales ``start`` to ``stop``, after its re-tiling and entry convs if ``head``.

    ``head`` marks the part that starts the chain: the FC models' when ``chain.fc_starts``,
    else the decoder's.
    """
    spec = ctx.spec
    check_decoder_filters(ctx, chain)
    check_chain_start(ctx, chain, start, stop, head)
    if head:
        x = retile(b, x, ctx, chain)
        entry = upscaler(spec.decoder.upscaler).entry
        if entry is not None:
            x = entry(b, x, spec.decoder.max_filters, settings)
    for idx in range(start, stop):
        x = upscale_block(b, x, spec, chain.filters[idx], settings,
                          residual=chain.residual[idx], mask=mask)
    return x


def decoder_chain(ctx: BuildContext, input_shape: Sequence[int]) -> UpscaleChain:
    """The upscale chain a decoder continues: the FC's when it started it, else its own.

    A decoder built on its own after ``decoder.upscales_in_fc`` FC upscales plans the chain
    from the size those upscales started at (its input's, halved that many times).
    """
    in_fc = ctx.spec.decoder.upscales_in_fc
    if in_fc and ctx.sizes.chain is not None:
        return ctx.sizes.chain
    return upscale_chain_plan(ctx.spec, max(input_shape[0] // 2 ** in_fc, 1))


def build_decoder(spec: ModelSpec, name: str, input_shape: Sequence[int],
                  context: BuildContext | None = None) -> SubModelIR:
    """Build a decoder sub-model (``decoder_a``, ``decoder_b`` or ``decoder_both``).

    Args:
        spec: the model spec.
        name: the sub-model name.
        input_shape: the decoder input (the FC output, doubled in channels by a shared FC).
        context: the build this decoder is part of (None: build it on its own).

    Returns:
        The sub-model; outputs ``face_out`` and, with ``learn_mask``, ``mask_out``.

    Raises:
        ValueError: ``input_shape`` is not a (height, width, channels) map.
        BuildError: called without a context, for a spec that cannot be built.
    """
    if len(input_shape) != 3:
        raise ValueError(f"{name}: expected a (height, width, channels) input, got "
                         f"{tuple(input_shape)}")
    return build_alone(spec, context, lambda ctx: _build_decoder(ctx, name, input_shape))


def _build_decoder(ctx: BuildContext, name: str, input_shape: Sequence[int]) -> SubModelIR:
    spec = ctx.spec
    chain = decoder_chain(ctx, input_shape)
    ctx.sizes.record(chain=chain, decoder_input_shape=tuple(input_shape))
    settings = ConvSettings.from_spec(spec.convolutions)
    b = SubModelBuilder(name)
    inputs = b.input(tuple(input_shape), name="decoder_in")
    head = not chain.fc_starts
    face = upscale_chain(b, inputs, ctx, chain, chain.in_fc, chain.total, settings, head=head)
    outputs = [output_conv(b, face, 3, spec.decoder.output_kernel, settings, "face_out")]
    if spec.decoder.learn_mask:
        mask = upscale_chain(b, inputs, ctx, chain, chain.in_fc, chain.total, settings,
                             head=head, mask=True)
        outputs.append(output_conv(b, mask, 1, spec.decoder.output_kernel, settings,
                                   "mask_out"))
    return b.build(outputs)
