"""The faceswap option -> phazer field tables, rendered as Markdown for the docs.

``docs/import-faceswap.md`` embeds the output of :func:`mapping_table` (the options phazer
carries) and of :func:`not_used_table` (those it names as not used); a test checks that the
docs and the functions agree, so the docs follow :mod:`phazer.spec.faceswap_names`.
"""

from __future__ import annotations

from phazer.catalog.encoders import ENCODERS
from phazer.faceswap_import.options import (
    GLOBAL_OPTION_FACTS,
    OLDER_SECTIONS,
    PHAZE_A_OPTIONS,
    TRAINING_OPTION_FACTS,
    OptionValue,
)
from phazer.spec.faceswap_names import (
    GLOBAL_OPTIONS,
    MODEL_OPTIONS,
    NOT_USED_OPTIONS,
    OLDER_TABLE,
    PHAZE_A_SECTION,
    TRAINING_OPTIONS,
)

_KERAS_ENCODERS = frozenset(name for name, info in ENCODERS.items()
                            if info.is_keras_application)
_CLIP_ENCODERS = frozenset(name for name, info in ENCODERS.items() if info.is_clip)

# Short remarks shown in the table's last column.
_NOTES: dict[str, str] = {
    "enc_load_weights": "phazer's own default is `false`; an import keeps faceswap's value; "
                        "`encoder.pretrained` for the CLIP encoders (`clipv_*`)",
    "bottleneck_size": "dropped unless `bottleneck_type` is `dense`",
    "dec_output_kernel": "phazer requires an odd kernel; faceswap accepts even ones",
    "enc_scaling": "0 (faceswap's lowest) gives the encoder's minimum input size",
    "mobilenet_dropout": "faceswap's slider goes to 2.0; phazer requires a rate below 1",
    "freeze_layers": "comma-separated text or a list in faceswap; a list in phazer",
    "load_layers": "comma-separated text or a list in faceswap; a list in phazer",
    "learn_mask": "read from a `train.ini` only; presets do not carry it",
    "icnr_init": "read from a `train.ini` only; presets do not carry it",
    "conv_aware_init": "read from a `train.ini` only; presets do not carry it",
    "reflect_padding": "read from a `train.ini` only; presets do not carry it",
}

# Remarks for the training table.
_LR_FINDER_NOTE = ("carried; the finder stays off (`training.lr_finder.enabled: false`): "
                   "faceswap turns it on with `--use-lr-finder`, which a `train.ini` does not "
                   "hold (PHZ408 info when not at the default)")
_TRAINING_NOTES: dict[str, str] = {
    "loss_function": "weight 1.0; a loss phazer lacks is dropped (PHZ409); faceswap offers "
                     "`flip` and `lpips_*` only in slots 2-4",
    "loss_function_2": "`none` or weight 0 leaves the slot out",
    "loss_weight_2": "percent in faceswap, a factor in phazer: 100 -> 1.0",
    "loss_weight_3": "percent in faceswap, a factor in phazer",
    "loss_weight_4": "percent in faceswap, a factor in phazer",
    "mask_type": "faceswap's mask names are phazer's; `extended` (faceswap's default) leaves "
                 "it unset, which phazer reads as `extended` for faceswap face sets; an "
                 "unknown name is an error (PHZ406)",
    "eye_multiplier": "acts with `penalized_mask_loss` only, as in faceswap",
    "mouth_multiplier": "acts with `penalized_mask_loss` only, as in faceswap",
    "lr_finder_iterations": _LR_FINDER_NOTE,
    "lr_finder_mode": "as `lr_finder_iterations`",
    "lr_finder_strength": "as `lr_finder_iterations`",
    "optimizer": "`rms-prop` becomes `rmsprop`",
    "epsilon_exponent": "not used by lion (dropped, PHZ404)",
    "ada_beta_1": "adam family, adabelief and lion only",
    "ada_beta_2": "adam family, adabelief and lion only",
    "ada_amsgrad": "adam and adamw only; faceswap's adabelief takes it but it changes "
                   "nothing there (dropped, PHZ404)",
}


def _applies_text(option: str) -> str:
    if option == "bottleneck_size":
        return "dense bottleneck"
    applies_to = MODEL_OPTIONS[option][1]
    if applies_to is None:
        return "all"
    if applies_to == _KERAS_ENCODERS:
        return "Keras encoders"
    if applies_to == _KERAS_ENCODERS | _CLIP_ENCODERS:
        return "Keras and CLIP encoders"
    return ", ".join(f"`{name}`" for name in sorted(applies_to))


def _default_text(value: OptionValue) -> str:
    if isinstance(value, bool):
        return f"`{value}`"
    if isinstance(value, list):
        return f"`{', '.join(value)}`"
    return f"`{value}`"


def mapping_table() -> str:
    """The Markdown table of every faceswap option the importer reads and where it goes."""
    rows = ["| faceswap option | phazer field | used with | faceswap default | notes |",
            "|---|---|---|---|---|"]
    for option, (path, _) in MODEL_OPTIONS.items():
        fact = PHAZE_A_OPTIONS[option]
        rows.append(f"| `{option}` | `{path}` | {_applies_text(option)} | "
                    f"{_default_text(fact.default_value())} | {_NOTES.get(option, '')} |")
    for (section, option), path in GLOBAL_OPTIONS.items():
        fact = GLOBAL_OPTION_FACTS[(section, option)]
        rows.append(f"| `[{section}] {option}` | `{path}` | all | "
                    f"{_default_text(fact.default_value())} | {_NOTES.get(option, '')} |")
    rows.append("")
    rows.append(f"Options without a section are read from `[{PHAZE_A_SECTION}]` in a "
                "`train.ini`, or from the top level of a preset JSON file.")
    return "\n".join([*rows, "", *_training_rows()]) + "\n"


def _training_rows() -> list[str]:
    older = " and ".join(f"the `[{new}]` options in `[{', '.join(old)}]`"
                         for new, old in OLDER_SECTIONS.items())
    rows = [f"Training options come from a `train.ini` only (presets carry none). Older "
            f"faceswap versions kept {older}; phazer reads those too.", "",
            "| faceswap option | phazer field | faceswap default | notes |", "|---|---|---|---|"]
    for (section, option), path in TRAINING_OPTIONS.items():
        fact = TRAINING_OPTION_FACTS[(section, option)]
        rows.append(f"| `[{section}] {option}` | `{path}` | "
                    f"{_default_text(fact.default_value())} | "
                    f"{_TRAINING_NOTES.get(option, '')} |")
    return rows


def not_used_table() -> str:
    """The Markdown table of the options the importer names as not used, with the reason."""
    rows = ["| faceswap option | faceswap default | what phazer does | warning when |",
            "|---|---|---|---|"]
    older = {key: row.not_used for key, row in OLDER_TABLE.items() if row.not_used}
    for (section, option), not_used in (*NOT_USED_OPTIONS.items(), *older.items()):
        fact = (TRAINING_OPTION_FACTS[(section, option)] if (section, option) in
                TRAINING_OPTION_FACTS else OLDER_TABLE[(section, option)].fact)
        warn = ", ".join(f"`{value}`" for value in not_used.warn_values)
        rows.append(f"| `[{section}] {option}` | {_default_text(fact.default_value())} | "
                    f"{not_used.reason} | {warn} |")
    return "\n".join(rows) + "\n"
