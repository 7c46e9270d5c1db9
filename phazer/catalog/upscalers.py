"""The upscalers phazer offers, by name, TensorFlow-free: what the spec needs to know of them.

An upscaler doubles height and width. The same upscaler is usable in three places: a
``phazer: 1`` decoder (``decoder.upscaler``), the end of a ``phazer: 1`` FC model
(``fc.upsampler``, unless it needs entry blocks) and a graph-form sub-model (``- upscaler:
{type: ..., filters: ...}``). The spec's choices for all three are read from
:data:`UPSCALER_FACTS` here; the builders live in :mod:`phazer.blocks.upscalers`, keyed by these
names (it cannot live here: the builders need :mod:`phazer.blocks`, which imports the spec, and
the spec imports this table). A test checks both tables name the same upscalers.

Adding an upscaler: its entry here, its builder and :data:`phazer.blocks.upscalers.UPSCALERS`
entry there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class UpscalerFacts:
    """What the spec knows of one upscaler.

    Attributes:
        name: phazer's (and faceswap's) name, the value of ``decoder.upscaler``.
        description: one line saying what layers it is made of.
        has_entry: the decoder chain puts entry blocks before its first upscale (upscale_dny's
            two convs), so it cannot end an FC model (not an ``fc.upsampler``).
    """

    name: str
    description: str
    has_entry: bool = False


def _table(*entries: UpscalerFacts) -> dict[str, UpscalerFacts]:
    return {entry.name: entry for entry in entries}


UPSCALER_FACTS: dict[str, UpscalerFacts] = _table(
    UpscalerFacts("subpixel", "Conv 3x3 to 4f, LeakyReLU(0.1), pixel shuffle x2."),
    UpscalerFacts("resize_images", "Bilinear resize x2 then conv 3x3, plus a stride-2 "
                  "transposed conv 3x3, added, LeakyReLU(0.2)."),
    UpscalerFacts("upscale_fast", "Conv 3x3 then bilinear x2, plus a sub-pixel upscale, "
                  "added."),
    UpscalerFacts("upscale_hybrid", "A sub-pixel upscale and a conv 3x3 then bilinear x2, "
                  "f - f // 2 filters each, concatenated."),
    UpscalerFacts("upscale_dny", "Bilinear x2, then two conv 3x3 with LeakyReLU(0.2); the "
                  "decoder puts two entry convs before the first.", has_entry=True),
)
"""Every upscaler, by name, in the order the spec lists them."""

UPSAMPLE2D = "upsample2d"
"""The one FC upsampler that is not an upscaler: a single UpSampling2D for all upsamples."""

FC_UPSAMPLERS: tuple[str, ...] = (*(n for n, i in UPSCALER_FACTS.items() if not i.has_entry),
                                  UPSAMPLE2D)
"""``fc.upsampler`` names: the upscalers that need no entry block, plus UpSampling2D."""

LEARNED_FC_UPSAMPLERS: tuple[str, ...] = tuple(n for n in FC_UPSAMPLERS if n != UPSAMPLE2D)
"""The FC upsamplers with weights (every one but upsample2d)."""

# The spec's choice types, built from the table (``Literal[("a", "b")]`` is ``Literal["a", "b"]``).
UpscalerName = Literal[tuple(UPSCALER_FACTS)]  # type: ignore[valid-type]
FcUpsamplerName = Literal[FC_UPSAMPLERS]  # type: ignore[valid-type]
