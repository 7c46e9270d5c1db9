"""The one list of faceswap's model plugins phazer imports (Phaze-A has its own importer).

Each :class:`Plugin` names its options (``options.json``), the function that turns checked
settings into a graph-form document, the build-time rules faceswap's own code applies beyond
its GUI ranges, and the options of other sections its build reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from phazer.faceswap_models import dfl_sae, dlight, original, realface, unbalanced
from phazer.faceswap_models.options import PluginOption, plugin_options
from phazer.faceswap_models.settings import Document, Problem, Settings


def _no_rules(settings: Settings) -> list[Problem]:
    return []


def _dfaker_rules(settings: Settings) -> list[Problem]:
    """dfaker.py stops unless ``output_size`` is 128 or 256."""
    size = settings["output_size"]
    if size not in (128, 256):
        return [Problem("output_size", f"output_size = {size}: faceswap's Dfaker builds 128 "
                        "or 256 px only", "use 128 or 256")]
    return []


@dataclass(frozen=True)
class Plugin:
    """One faceswap model plugin.

    Attributes:
        name: faceswap's plugin name (``dfl_sae``), its section ``[model.<name>]``.
        title: a few words naming it.
        build: checked settings -> a graph-form document.
        rules: the build-time rules of faceswap's code (beyond the GUI ranges).
        reads: ``(section, option)`` of other sections the build reads.
    """

    name: str
    title: str
    build: Callable[[Settings], Document]
    rules: Callable[[Settings], list[Problem]] = _no_rules
    reads: tuple[tuple[str, str], ...] = ()

    @property
    def section(self) -> str:
        """The plugin's ``train.ini`` section."""
        return f"model.{self.name}"

    @property
    def options(self) -> tuple[PluginOption, ...]:
        """The options of its section, faceswap's order."""
        return plugin_options(self.name)


PLUGINS: dict[str, Plugin] = {
    plugin.name: plugin for plugin in (
        Plugin("original", "Original", original.original),
        Plugin("dfaker", "Dfaker", original.dfaker, _dfaker_rules,
               reads=(("model.original", "lowmem"),)),
        Plugin("dfl_h128", "DFL-H128", original.dfl_h128),
        Plugin("dfl_sae", "DFL-SAE", dfl_sae.build, dfl_sae.check),
        Plugin("dlight", "DLight", dlight.build, dlight.check),
        Plugin("iae", "IAE", original.iae),
        Plugin("lightweight", "Lightweight", original.lightweight),
        Plugin("realface", "RealFace", realface.build, realface.check),
        Plugin("unbalanced", "Unbalanced", unbalanced.unbalanced, unbalanced.check),
        Plugin("villain", "Villain", unbalanced.villain),
    )
}
"""faceswap's model plugins other than Phaze-A, by name."""

PHAZE_A = "phaze_a"
"""The plugin :mod:`phazer.faceswap_import` imports (``--model phaze_a``, the default)."""


def inherited_option(section: str, option: str) -> PluginOption:
    """The facts of an option another plugin's section holds (``model.original`` lowmem)."""
    plugin = section.removeprefix("model.")
    return next(o for o in plugin_options(plugin) if o.name == option)
