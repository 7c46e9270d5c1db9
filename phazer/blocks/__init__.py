"""Every Phaze-A block, written once, as functions that append ops to the layer IR.

Sub-model builders (each returns a :class:`phazer.ir.SubModelIR`):
    :func:`build_encoder`, :func:`build_fc`, :func:`build_gblock_fc`, :func:`build_g_block`,
    :func:`build_decoder`. Within one model they share a :class:`BuildContext`: it collects
    the issues they report (what cannot be built, what faceswap adjusts) and the sizes they
    built (:class:`ResolvedSizes`). The spec's own decisions (curves, faceswap's FC
    rescaling, the encoder's input size) are in :mod:`phazer.blocks.sizing`. Registries:
    :data:`NORMS` and :data:`UPSCALERS`. See ``docs/arithmetic.md``.
"""

from phazer.blocks.context import BuildContext, BuildError, CannotBuild, ResolvedSizes
from phazer.blocks.decoder import build_decoder
from phazer.blocks.encoder import build_encoder
from phazer.blocks.fully_connected import build_fc, build_gblock_fc
from phazer.blocks.gblock import build_g_block
from phazer.blocks.norms import NORMS
from phazer.blocks.sizing import FCFilters, UpscaleChain, encoder_input_px, scale_dim
from phazer.blocks.upscalers import UPSCALERS

__all__ = ["NORMS", "UPSCALERS", "BuildContext", "BuildError", "CannotBuild", "FCFilters",
           "ResolvedSizes", "UpscaleChain", "build_decoder", "build_encoder", "build_fc",
           "build_g_block", "build_gblock_fc", "encoder_input_px", "scale_dim"]
