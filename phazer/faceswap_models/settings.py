"""What a plugin's builder is given: its options' values, read and checked, and the mask switch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from phazer.faceswap_models.options import PluginValue

Document = dict[str, Any]
"""A graph-form spec as plain data (``phazer: 2``, sides, models, routes)."""


@dataclass(frozen=True)
class Settings:
    """One plugin's options, every one present (missing ones hold faceswap's default).

    Attributes:
        plugin: the plugin's name (``dfl_sae``).
        values: option name -> value, from ``[model.<plugin>]``.
        learn_mask: ``[global.loss] learn_mask``: each decoder also draws a mask.
        inherited: other sections the plugin's build reads, section -> option -> value
            (dfaker reads ``[model.original] lowmem`` through Original's encoder).
    """

    plugin: str
    values: Mapping[str, PluginValue] = field(default_factory=dict)
    learn_mask: bool = False
    inherited: Mapping[str, Mapping[str, PluginValue]] = field(default_factory=dict)

    def __getitem__(self, option: str) -> Any:
        return self.values[option]


@dataclass(frozen=True)
class Problem:
    """A value faceswap's own build refuses (or cannot build), found before building.

    Attributes:
        option: the option of ``[model.<plugin>]`` it is about.
        message: what is wrong, with the value.
        hint: how to fix it.
    """

    option: str
    message: str
    hint: str


def document(settings: Settings, description: str, sides: dict[str, dict[str, int]],
             models: dict[str, list[Any]], routes: dict[str, str]) -> Document:
    """A graph-form document named after the plugin (the importer renames it)."""
    return {"phazer": 2, "name": f"fs-{settings.plugin.replace('_', '-')}",
            "description": description, "sides": sides, "models": models, "routes": routes}


def with_mask(face: list[Any], mask: list[Any], settings: Settings,
              start: str = "input") -> list[Any]:
    """A decoder's blocks: the face path, then (with ``learn_mask``) the mask path from ``start``.

    ``start`` is ``input`` (the decoder's input) or a label the face path marks.
    """
    if not settings.learn_mask:
        return [block for block in face if not (isinstance(block, dict) and "mark" in block)]
    return [*face, {"from": start}, *mask]
