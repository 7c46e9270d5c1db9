"""faceswap's options for its model plugins, read from the shipped ``options.json``.

``options.json`` lists, per plugin, every option of its ``[model.<plugin>]`` section as
faceswap's ``<plugin>_defaults.py`` defines it: type, default, GUI range, step (``rounding``)
and choices. faceswap itself does not enforce the GUI range; phazer's importer does for image
sizes and choices (a value off the grid is one faceswap's GUI cannot make, and the reference
builds use the grid), and carries a width option off the grid over with a note
(:mod:`phazer.faceswap_models.widths`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from phazer.faceswap_import.options import OptionFact

OptionType = Literal["int", "float", "bool", "str"]
PluginValue = int | float | bool | str


@dataclass(frozen=True)
class PluginOption:
    """One option of a plugin's ``[model.<plugin>]`` section.

    Attributes:
        name: the option's key in ``train.ini``.
        type: faceswap's type for it.
        default: what faceswap uses when the option is missing.
        min: the GUI's lowest value (numbers only).
        max: the GUI's highest value (numbers only).
        step: the GUI's step for integers (``rounding``); None for other types.
        choices: the words a ``str`` option takes (empty: any).
        help: faceswap's one-line help.
    """

    name: str
    type: OptionType
    default: PluginValue
    min: int | float | None = None
    max: int | float | None = None
    step: int | None = None
    choices: tuple[str, ...] = ()
    help: str = ""

    @property
    def fact(self) -> OptionFact:
        """The option as the Phaze-A importer's value parser takes it."""
        return OptionFact(self.type, self.default, self.choices)

    def allowed(self) -> str:
        """What the option takes, in a few words (``an integer from 64 to 256 in steps of 16``)."""
        if self.type == "bool":
            return "True or False"
        if self.choices:
            return "one of: " + ", ".join(self.choices)
        if self.type == "int" and self.min is not None and self.max is not None:
            step = f" in steps of {self.step}" if self.step and self.step > 1 else ""
            return f"an integer from {self.min} to {self.max}{step}"
        if self.min is not None and self.max is not None:
            return f"a number from {self.min} to {self.max}"
        return {"int": "an integer", "float": "a number", "str": "a word"}[self.type]

    def grid(self) -> list[int]:
        """Every value the GUI offers for an integer option (empty for other types)."""
        if self.type != "int" or self.min is None or self.max is None:
            return []
        return list(range(int(self.min), int(self.max) + 1, self.step or 1))


def _option(entry: dict[str, object]) -> PluginOption:
    kind = str(entry["type"])
    rounding = entry.get("rounding")
    step = int(rounding) if kind == "int" and isinstance(rounding, int) and rounding > 0 else None
    return PluginOption(
        name=str(entry["name"]), type=kind,  # type: ignore[arg-type]
        default=entry["default"],  # type: ignore[arg-type]
        min=entry.get("min"), max=entry.get("max"),  # type: ignore[arg-type]
        step=step, choices=tuple(entry.get("choices") or ()),  # type: ignore[arg-type]
        help=str(entry.get("help") or ""))


@cache
def options_data() -> dict[str, object]:
    """The shipped ``options.json``, parsed (``meta`` and ``plugins``)."""
    text = resources.files("phazer.faceswap_models").joinpath("options.json").read_text(
        encoding="utf-8")
    return json.loads(text)


@cache
def plugin_options(plugin: str) -> tuple[PluginOption, ...]:
    """The options of ``[model.<plugin>]`` in faceswap's order (empty for iae, lightweight).

    Raises:
        KeyError: ``plugin`` is not in ``options.json``.
    """
    plugins = options_data()["plugins"]
    assert isinstance(plugins, dict)
    return tuple(_option(entry) for entry in plugins[plugin]["options"])


def faceswap_commit() -> str:
    """The faceswap commit ``options.json`` was read from."""
    meta = options_data()["meta"]
    assert isinstance(meta, dict)
    return str(meta.get("faceswap_commit", ""))
