"""Facts about faceswap's options: each option's data type, default and choices.

These are the facts the importer needs to read a faceswap file the way faceswap does: how to
parse an ``.ini`` value, what faceswap uses when an option is missing, and which words faceswap
offers for its choice options. They are written once, beside each option's spec path, in the
tables of :mod:`phazer.spec.faceswap_names`; this module gives the importer its views of them
(:data:`PHAZE_A_OPTIONS`, :data:`GLOBAL_OPTION_FACTS`, :data:`TRAINING_OPTION_FACTS`) and the
layout of faceswap's files. A test checks the defaults match
:class:`~phazer.spec.models.ModelSpec`'s (faceswap's only differing default is
``enc_load_weights``: faceswap loads ImageNet weights unless told not to, phazer does not).
"""

from __future__ import annotations

from phazer.spec.faceswap_names import (
    GLOBAL_OPTION_FACTS,
    PHAZE_A_OPTIONS,
    TRAINING_OPTION_FACTS,
    DataType,
    OptionFact,
    OptionValue,
)

__all__ = ["GLOBAL_OPTION_FACTS", "OLDER_SECTIONS", "PHAZE_A_OPTIONS", "PRESET_FILETYPE",
           "PRESET_FILETYPE_KEY", "PRESET_SECTION", "PRESET_SECTION_KEY",
           "TRAINING_OPTION_FACTS", "DataType", "OptionFact", "OptionValue"]

# Where older faceswap versions kept a section's options (their train.ini is read too).
OLDER_SECTIONS: dict[str, tuple[str, ...]] = {
    "global.optimizer": ("global",),
    "trainer.augmentation": ("trainer.original",),
}

# Keys every faceswap preset file carries besides the options.
PRESET_FILETYPE_KEY = "__filetype"
PRESET_SECTION_KEY = "__section"
PRESET_FILETYPE = "faceswap_preset"
PRESET_SECTION = "train|model|phaze_a"
