"""Import faceswap's Phaze-A settings (GUI preset JSON files or ``train.ini``) as phazer specs.

>>> result = import_faceswap("model_phaze_a_stojo_preset.json")  # doctest: +SKIP
>>> result.spec.encoder.type, [i.code for i in result.issues]  # doctest: +SKIP

See ``docs/import-faceswap.md`` for the option mapping and what is dropped or rejected.
"""

from __future__ import annotations

from phazer.faceswap_import.api import ImportResult, default_name, import_faceswap
from phazer.faceswap_import.mapping import mapping_table

__all__ = ["ImportResult", "default_name", "import_faceswap", "mapping_table"]
