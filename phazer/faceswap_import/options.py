"""Facts about faceswap's Phaze-A options: each option's data type, default and choices.

These are the facts the importer needs to read a faceswap file the way faceswap does: how to
parse an ``.ini`` value, what faceswap uses when an option is missing, and which words faceswap
offers for its choice options. The spec path each option maps to lives in
:mod:`phazer.spec.faceswap_names`; a test checks that both tables name the same options and that
the defaults here match :class:`~phazer.spec.models.ModelSpec`'s (faceswap's only differing default
is ``enc_load_weights``: faceswap loads ImageNet weights unless told not to, phazer does not).

faceswap documents numeric ranges for its GUI sliders but does not enforce them, so no ranges are
kept here: phazer's schema decides what it can build.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from phazer.catalog.encoders import ENCODERS, UNSUPPORTED_ENCODERS

DataType = Literal["int", "float", "bool", "str", "list"]
OptionValue = int | float | bool | str | list[str]


@dataclass(frozen=True)
class OptionFact:
    """How faceswap reads one option.

    Attributes:
        datatype: the type faceswap converts the option to.
        default: the value faceswap uses when the option is not set.
        choices: the values faceswap offers for ``str`` options and the items it offers for
            ``list`` options; empty when any value is allowed.
    """

    datatype: DataType
    default: int | float | bool | str | tuple[str, ...]
    choices: tuple[str, ...] = ()

    def default_value(self) -> OptionValue:
        """The default as an option value (a fresh list for list options)."""
        return list(self.default) if isinstance(self.default, tuple) else self.default


_SUBMODELS = ("encoder", "fc_a", "fc_b", "fc_both", "fc_shared", "fc_gblock", "g_block_a",
              "g_block_b", "g_block_both", "decoder_a", "decoder_b", "decoder_both")
_UPSAMPLERS = ("resize_images", "subpixel", "upscale_fast", "upscale_hybrid", "upsample2d")
# faceswap's encoder names are phazer's catalog names, plus the ones phazer cannot build.
_ENCODER_CHOICES = tuple(sorted((*ENCODERS, *UNSUPPORTED_ENCODERS)))


def _int(default: int) -> OptionFact:
    return OptionFact("int", default)


def _float(default: float) -> OptionFact:
    return OptionFact("float", default)


def _bool(default: bool) -> OptionFact:
    return OptionFact("bool", default)


def _choice(default: str, *choices: str) -> OptionFact:
    return OptionFact("str", default, choices)


# faceswap [model.phaze_a]: the 48 options, in faceswap's order.
PHAZE_A_OPTIONS: dict[str, OptionFact] = {
    "output_size": _int(128),
    "shared_fc": _choice("none", "none", "full", "half"),
    "enable_gblock": _bool(True),
    "split_fc": _bool(True),
    "split_gblock": _bool(False),
    "split_decoders": _bool(False),
    "enc_architecture": _choice("fs_original", *_ENCODER_CHOICES),
    "enc_scaling": _int(7),
    "enc_load_weights": _bool(True),
    "bottleneck_type": _choice("dense", "average_pooling", "dense", "max_pooling", "flatten"),
    "bottleneck_norm": _choice("none", "none", "instance", "layer", "rms"),
    "bottleneck_size": _int(1024),
    "bottleneck_in_encoder": _bool(True),
    "fc_depth": _int(1),
    "fc_min_filters": _int(1024),
    "fc_max_filters": _int(1024),
    "fc_dimensions": _int(4),
    "fc_filter_slope": _float(-0.5),
    "fc_dropout": _float(0.0),
    "fc_upsampler": _choice("upsample2d", *_UPSAMPLERS),
    "fc_upsamples": _int(1),
    "fc_upsample_filters": _int(512),
    "fc_gblock_depth": _int(3),
    "fc_gblock_min_nodes": _int(512),
    "fc_gblock_max_nodes": _int(512),
    "fc_gblock_filter_slope": _float(-0.5),
    "fc_gblock_dropout": _float(0.0),
    "dec_upscale_method": _choice("subpixel", "subpixel", "resize_images", "upscale_fast",
                                  "upscale_hybrid", "upscale_dny"),
    "dec_upscales_in_fc": _int(0),
    "dec_norm": _choice("none", "none", "batch", "group", "instance", "layer", "rms"),
    "dec_min_filters": _int(64),
    "dec_max_filters": _int(512),
    "dec_slope_mode": _choice("full", "full", "cap_max", "cap_min"),
    "dec_filter_slope": _float(-0.45),
    "dec_res_blocks": _int(1),
    "dec_output_kernel": _int(5),
    "dec_gaussian": _bool(True),
    "dec_skip_last_residual": _bool(True),
    "freeze_layers": OptionFact("list", ("keras_encoder",), ("keras_encoder", *_SUBMODELS)),
    "load_layers": OptionFact("list", ("encoder",), _SUBMODELS),
    "fs_original_depth": _int(4),
    "fs_original_min_filters": _int(128),
    "fs_original_max_filters": _int(1024),
    "fs_original_use_alt": _bool(False),
    "mobilenet_width": _float(1.0),
    "mobilenet_depth": _int(1),
    "mobilenet_dropout": _float(0.001),
    "mobilenet_minimalistic": _bool(False),
}

# The architecture-relevant options of faceswap's global sections: (section, option) -> fact.
GLOBAL_OPTION_FACTS: dict[tuple[str, str], OptionFact] = {
    ("global", "icnr_init"): _bool(False),
    ("global", "conv_aware_init"): _bool(False),
    ("global", "reflect_padding"): _bool(False),
    ("global.loss", "learn_mask"): _bool(False),
}

# Keys every faceswap preset file carries besides the options.
PRESET_FILETYPE_KEY = "__filetype"
PRESET_SECTION_KEY = "__section"
PRESET_FILETYPE = "faceswap_preset"
PRESET_SECTION = "train|model|phaze_a"
