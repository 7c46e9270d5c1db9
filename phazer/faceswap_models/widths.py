"""The width options of faceswap's other model plugins, under phazer's one width policy.

As for Phaze-A (:mod:`phazer.rules.gui_range`): faceswap's ``train.ini`` loader builds any
width, on its GUI's slider or not, so the importer carries a width off the slider (outside
its range, or off its step) over as it is, with info PHZ328; only a width Keras cannot build
is refused: below 1 (PHZ405), or one the plugin's arithmetic turns into a layer of 0 filters
or units (PHZ316, faceswap's build fails there too). Image sizes (``input_size``,
``output_size``) are not widths: the importer keeps refusing sizes off the slider (PHZ405).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from phazer.faceswap_models.options import PluginOption

WIDTH_OPTIONS: dict[str, frozenset[str]] = {
    "dfl_sae": frozenset({"autoencoder_dims", "encoder_dims", "decoder_dims"}),
    "realface": frozenset({"dense_nodes", "complexity_encoder", "complexity_decoder"}),
    "unbalanced": frozenset({"nodes", "complexity_encoder", "complexity_decoder_a",
                             "complexity_decoder_b"}),
}
"""Each plugin's options that set a layer's filters or units (faceswap's names)."""

LEAST: dict[str, int] = {"autoencoder_dims": 0}
"""The least value a width option builds with (1 unless listed: 0 means "automatic" here)."""

_WIDTH_KEYS = ("filters", "units")
_WIDTH_BLOCKS = ("conv", "separable_conv", "upscale", "upscale_hybrid", "residual", "dense")


def is_width(plugin: str, option: str) -> bool:
    """Whether ``option`` of ``plugin`` is a width option."""
    return option in WIDTH_OPTIONS.get(plugin, frozenset())


def below_least(option: PluginOption, value: int) -> bool:
    """Whether ``value`` is below what Keras can build for this width option."""
    return value < LEAST.get(option.name, 1)


def off_slider(option: PluginOption, value: int) -> str:
    """How ``value`` is off the GUI's slider ("" when it is on it)."""
    if option.min is not None and value < option.min:
        return f"below {option.min}, the smallest faceswap's settings GUI offers"
    if option.max is not None and value > option.max:
        return f"above {option.max}, the largest faceswap's settings GUI offers"
    if option.step and option.min is not None and (value - int(option.min)) % option.step:
        return f"off the steps of {option.step} that faceswap's settings GUI offers"
    return ""


def note(section: str, option: PluginOption, value: int, how: str) -> tuple[str, str]:
    """PHZ328's message and hint for a width off the slider."""
    return (f"[{section}] {option.name} = {value} is {how} ({option.allowed()}): faceswap's "
            "train.ini builds it all the same, and so does phazer",
            "nothing to fix: the value is carried over as it is")


def _values(value: Any) -> Iterator[int]:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)


def _widths(blocks: Any) -> Iterator[int]:
    """Every filter or unit count in a list of graph-form blocks (branches included)."""
    if isinstance(blocks, list):
        for block in blocks:
            yield from _widths(block)
    elif isinstance(blocks, dict):
        for kind, body in blocks.items():
            bare = kind in _WIDTH_BLOCKS and not isinstance(body, dict)  # {conv: 64}
            if bare or kind in (*_WIDTH_KEYS, "reshape"):
                yield from _values(body)
            else:
                yield from _widths(body)


def zero_width_models(document: dict[str, Any]) -> list[str]:
    """The sub-models of an imported document that hold a layer of 0 (or fewer) widths."""
    return [name for name, blocks in document["models"].items()
            if any(width < 1 for width in _widths(blocks))]
