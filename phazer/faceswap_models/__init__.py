"""faceswap's model plugins other than Phaze-A, imported as graph-form specs (``phazer: 2``).

>>> result = import_plugin("train.ini", "dfl_sae")  # doctest: +SKIP
>>> result.spec.models["encoder_df"][0]  # doctest: +SKIP

:data:`PLUGINS` lists the plugins (name -> options, builder, faceswap's build-time rules);
``docs/import-faceswap.md`` ("faceswap's other models") describes the import.
"""

from __future__ import annotations

from phazer.faceswap_models.importer import PluginImport, import_plugin
from phazer.faceswap_models.options import PluginOption, plugin_options
from phazer.faceswap_models.registry import PHAZE_A, PLUGINS, Plugin
from phazer.faceswap_models.settings import Settings

__all__ = ["PHAZE_A", "PLUGINS", "Plugin", "PluginImport", "PluginOption", "Settings",
           "import_plugin", "plugin_options"]
