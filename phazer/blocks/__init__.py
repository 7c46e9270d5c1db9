"""Every Phaze-A block, written once, as functions that append ops to the layer IR.

Sub-model builders (each returns a :class:`phazer.ir.SubModelIR`):
    :func:`build_encoder`, :func:`build_fc`, :func:`build_gblock_fc`, :func:`build_g_block`,
    :func:`build_decoder`.

Arithmetic without building: :func:`derive` (sizes) and :func:`problems` (why a spec cannot
be built). Registries: :data:`NORMS` and :data:`UPSCALERS`. See ``docs/arithmetic.md``.
"""

from phazer.blocks.arithmetic import Derived, FCFilters, derive, encoder_input_px, scale_dim
from phazer.blocks.decoder import build_decoder
from phazer.blocks.encoder import build_encoder
from phazer.blocks.fully_connected import build_fc, build_gblock_fc
from phazer.blocks.gblock import build_g_block
from phazer.blocks.limits import Problem, problems, require_buildable
from phazer.blocks.norms import NORMS
from phazer.blocks.upscalers import UPSCALERS

__all__ = ["NORMS", "UPSCALERS", "Derived", "FCFilters", "Problem", "build_decoder",
           "build_encoder", "build_fc", "build_g_block", "build_gblock_fc", "derive",
           "encoder_input_px", "problems", "require_buildable", "scale_dim"]
