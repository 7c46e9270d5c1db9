"""Widths that faceswap's curves round down to 0: a layer Keras refuses (PHZ316).

Every width option takes any value from 1 (:mod:`phazer.rules.gui_range`), but faceswap
rounds the FC and fc_gblock node curves and the decoder's filter curve ("full" slope mode)
down to multiples of 8, so a width below 8 can become a layer of 0 filters or units, which
Keras refuses: faceswap's build fails there, and phazer reports it before building.
"""

from __future__ import annotations

from phazer.blocks.context import BuildContext
from phazer.blocks.sizing import FCFilters, UpscaleChain
from phazer.issues import ZERO_WIDTH

_KERAS_REFUSES = "faceswap's build fails here too (Keras refuses a {layer} of 0 {unit})"


def _smaller(low: tuple[str, int], high: tuple[str, int]) -> tuple[str, int]:
    return low if low[1] <= high[1] else high


def check_fc_nodes(ctx: BuildContext, nodes: tuple[int, ...], filters: FCFilters) -> None:
    """No FC Dense layer may be rounded down to 0 nodes (PHZ316)."""
    if 0 not in nodes:
        return
    fc = ctx.spec.fc
    ends = [("fc.max_filters", filters.max_filters)]
    if fc.depth >= 2 and filters.min_filters is not None:
        ends.append(("fc.min_filters", filters.min_filters))
    path, value = min(ends, key=lambda end: end[1])
    area = fc.dimensions ** 2
    ctx.stop(ZERO_WIDTH, (path, "fc.dimensions"),
             f"the FC Dense layers would get {list(nodes)} nodes: {path} {value} x "
             f"fc.dimensions^2 ({area}) = {value * area} nodes, rounded down to a multiple "
             "of 8 as faceswap does, is 0; " + _KERAS_REFUSES.format(layer="Dense layer",
                                                                     unit="units"),
             f"make {path} x fc.dimensions^2 at least 8 (e.g. {path} {-(-8 // area)})")


def check_gblock_nodes(ctx: BuildContext, nodes: tuple[int, ...]) -> None:
    """No fc_gblock Dense layer may be rounded down to 0 nodes (PHZ316)."""
    if 0 not in nodes:
        return
    g = ctx.spec.gblock_fc
    path, value = _smaller(("gblock_fc.min_nodes", g.min_nodes),
                           ("gblock_fc.max_nodes", g.max_nodes))
    ctx.stop(ZERO_WIDTH, (path,),
             f"the fc_gblock Dense layers would get {list(nodes)} nodes: the curve from "
             f"gblock_fc.min_nodes {g.min_nodes} to gblock_fc.max_nodes {g.max_nodes} is "
             "rounded down to multiples of 8 as faceswap does, which gives 0 for "
             f"{path} {value}; " + _KERAS_REFUSES.format(layer="Dense layer", unit="units"),
             "use at least 8 for gblock_fc.min_nodes and gblock_fc.max_nodes")


def check_decoder_filters(ctx: BuildContext, chain: UpscaleChain) -> None:
    """No upscale of the chain may be rounded down to 0 filters (PHZ316)."""
    if 0 not in chain.filters:
        return
    dec = ctx.spec.decoder
    path, _ = _smaller(("decoder.min_filters", dec.min_filters),
                       ("decoder.max_filters", dec.max_filters))
    ctx.stop(ZERO_WIDTH, (path, "decoder.slope_mode"),
             f"the decoder's upscales would get {list(chain.filters)} filters: the curve from "
             f"decoder.max_filters {dec.max_filters} to decoder.min_filters "
             f"{dec.min_filters} is rounded down to multiples of 8 as faceswap does, which "
             "gives 0; " + _KERAS_REFUSES.format(layer="Conv2D", unit="filters"),
             "use at least 8 for decoder.min_filters and decoder.max_filters (or a capped "
             "decoder.slope_mode, which keeps the widths it is given)")
