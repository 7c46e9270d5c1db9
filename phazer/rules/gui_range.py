"""Widths outside the range faceswap's settings GUI offers: built as faceswap builds them.

faceswap's settings GUI offers each Phaze-A width option (filters, nodes, the bottleneck
size) on a slider (``min_max`` in faceswap's ``phaze_a_defaults.py``), but its ``train.ini``
loader checks no range: a width below the slider's minimum builds unchanged. phazer's policy,
the same for every width option: the schema takes every width faceswap's build takes, from 1
(Keras refuses a layer of 0 filters or units, so 0 is refused, and a width the build rounds
down to 0 is PHZ316) up to phazer's own maximum; a width the GUI would not offer (below its
minimum or above its maximum) builds as faceswap builds it, and this module's rule (PHZ328)
says so, as an info. Fields a spec's other settings leave unused are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from phazer.catalog.upscalers import UPSAMPLE2D
from phazer.issues import CODES, WIDTH_OUTSIDE_GUI, Issue
from phazer.rules import RuleContext, rule
from phazer.spec.encoders import FsOriginalEncoder
from phazer.spec.graph_form import GraphSpec, PhazeABlock
from phazer.spec.models import DenseBottleneck, ModelSpec


@dataclass(frozen=True)
class GuiRange:
    """The slider faceswap's settings GUI shows for one width option.

    Attributes:
        option: faceswap's option name in ``[model.phaze_a]``.
        low: the slider's minimum.
        high: the slider's maximum.
    """

    option: str
    low: int
    high: int

    def outside(self, value: int) -> bool:
        """Whether ``value`` is off the slider."""
        return not self.low <= value <= self.high

    def text(self) -> str:
        """``128 to 5120``."""
        return f"{self.low} to {self.high}"


GUI_RANGES: dict[str, GuiRange] = {
    "encoder.min_filters": GuiRange("fs_original_min_filters", 16, 2048),
    "encoder.max_filters": GuiRange("fs_original_max_filters", 256, 8192),
    "bottleneck.size": GuiRange("bottleneck_size", 128, 4096),
    "fc.min_filters": GuiRange("fc_min_filters", 16, 5120),
    "fc.max_filters": GuiRange("fc_max_filters", 128, 5120),
    "fc.upsample_filters": GuiRange("fc_upsample_filters", 128, 5120),
    "gblock_fc.min_nodes": GuiRange("fc_gblock_min_nodes", 128, 5120),
    "gblock_fc.max_nodes": GuiRange("fc_gblock_max_nodes", 128, 5120),
    "decoder.min_filters": GuiRange("dec_min_filters", 16, 512),
    "decoder.max_filters": GuiRange("dec_max_filters", 256, 5120),
}
"""Every Phaze-A width option (spec path -> faceswap's slider), from faceswap's
``plugins/train/model/phaze_a_defaults.py`` (``min_max``)."""


def _used(spec: ModelSpec, blocks: frozenset[str]) -> dict[str, int]:
    """The width fields the build reads (for the Phaze-A ``blocks`` built) and their values."""
    used: dict[str, int] = {}
    if "encoder" in blocks and isinstance(spec.encoder, FsOriginalEncoder):
        used["encoder.min_filters"] = spec.encoder.min_filters
        used["encoder.max_filters"] = spec.encoder.max_filters
    has_fc = "fc" in blocks
    if isinstance(spec.bottleneck, DenseBottleneck) and (
            ("encoder" in blocks and spec.bottleneck.in_encoder)
            or (not spec.bottleneck.in_encoder and (has_fc or "fc_gblock" in blocks))):
        used["bottleneck.size"] = spec.bottleneck.size
    fc = spec.fc
    if has_fc:
        used["fc.max_filters"] = fc.max_filters
        if fc.depth >= 2:
            used["fc.min_filters"] = fc.min_filters
        if fc.upsamples and fc.upsampler != UPSAMPLE2D:
            used["fc.upsample_filters"] = fc.upsample_filters
    if "fc_gblock" in blocks:
        used["gblock_fc.min_nodes"] = spec.gblock_fc.min_nodes
        if spec.gblock_fc.depth >= 2:
            used["gblock_fc.max_nodes"] = spec.gblock_fc.max_nodes
    if "decoder" in blocks or (has_fc and spec.decoder.upscales_in_fc):
        used["decoder.max_filters"] = spec.decoder.max_filters
        used["decoder.min_filters"] = spec.decoder.min_filters
    return used


def _phaze_a_blocks(spec: ModelSpec | GraphSpec) -> frozenset[str]:
    """Which of Phaze-A's blocks the spec builds."""
    if isinstance(spec, ModelSpec):
        built = {"encoder", "fc", "decoder"}
        if spec.routing.gblock:
            built.add("fc_gblock")
        return frozenset(built)
    return frozenset(model.phaze_a for model in spec.models.values()
                     if isinstance(model, PhazeABlock))


def outside_gui_range(spec: ModelSpec, blocks: frozenset[str]
                      ) -> list[tuple[str, int, GuiRange]]:
    """``(spec path, value, slider)`` of each width off faceswap's slider that ``blocks`` read."""
    return [(path, value, GUI_RANGES[path]) for path, value in _used(spec, blocks).items()
            if GUI_RANGES[path].outside(value)]


def _beyond(value: int, slider: GuiRange) -> str:
    if value < slider.low:
        return f"below {slider.low}, the smallest"
    return f"above {slider.high}, the largest"


def gui_range_issue(path: str, value: int, slider: GuiRange, prefix: str = "") -> Issue:
    """PHZ328 for one width (``prefix``: ``phaze_a.`` for a graph-form spec's settings)."""
    return Issue(WIDTH_OUTSIDE_GUI, CODES[WIDTH_OUTSIDE_GUI].severity, f"{prefix}{path}",
                 f"{prefix}{path} {value} is {_beyond(value, slider)} faceswap's settings GUI "
                 f"offers for {slider.option} ({slider.text()}): faceswap builds it all the "
                 "same from a train.ini, and so does phazer",
                 f"nothing to fix; keep to {slider.text()} if the model must also be made in "
                 "faceswap's GUI")


def import_notes(spec: ModelSpec, file: str, lines: dict[str, int]) -> list[Issue]:
    """PHZ328 for an imported faceswap file: each width its GUI would not offer, by option.

    Args:
        spec: the spec the import made.
        file: the faceswap file (for the issue's location).
        lines: each option's line in ``file``.
    """
    return [Issue(WIDTH_OUTSIDE_GUI, CODES[WIDTH_OUTSIDE_GUI].severity, slider.option,
                  f"{slider.option} = {value} is {_beyond(value, slider)} faceswap's settings "
                  f"GUI offers ({slider.text()}): faceswap's train.ini builds it all the same, "
                  f"and so does phazer ({path}: {value})",
                  "nothing to fix: the value is carried over as it is", file,
                  lines.get(slider.option))
            for path, value, slider in outside_gui_range(spec, _phaze_a_blocks(spec))]


@rule("routing", WIDTH_OUTSIDE_GUI, forms=(1, 2))
def widths_in_gui_range(context: RuleContext) -> Iterator[Issue]:
    """PHZ328: a width below (or above) the range faceswap's settings GUI offers."""
    spec = context.spec
    blocks = _phaze_a_blocks(spec)
    if isinstance(spec, GraphSpec):
        if not blocks:
            return
        settings, prefix = spec.model_spec(), "phaze_a."
    else:
        settings, prefix = spec, ""
    for path, value, slider in outside_gui_range(settings, blocks):
        yield gui_range_issue(path, value, slider, prefix)
