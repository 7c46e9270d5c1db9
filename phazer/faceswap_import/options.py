"""Facts about faceswap's Phaze-A options: each option's data type, default and choices.

These are the facts the importer needs to read a faceswap file the way faceswap does: how to
parse an ``.ini`` value, what faceswap uses when an option is missing, and which words faceswap
offers for its choice options. The spec path each option maps to lives in
:mod:`phazer.spec.faceswap_names`; a test checks that both tables name the same options and that
the defaults here match :class:`~phazer.spec.models.ModelSpec`'s (faceswap's only differing default
is ``enc_load_weights``: faceswap loads ImageNet weights unless told not to, phazer does not).
The training options (:data:`TRAINING_OPTION_FACTS`) are read from a ``train.ini`` only: GUI
presets carry none.

faceswap documents numeric ranges for its GUI sliders but does not enforce them, so no ranges are
kept here: phazer's schema decides what it can build.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from phazer.catalog import losses as loss_catalog
from phazer.catalog import optimizers as optimizer_catalog
from phazer.catalog.encoders import ENCODERS, UNSUPPORTED_ENCODERS
from phazer.catalog.norms import BOTTLENECK_NORMS, NORMS
from phazer.catalog.upscalers import FC_UPSAMPLERS, UPSCALER_FACTS
from phazer.spec.models import FREEZABLE_SUBMODELS, KERAS_ENCODER, PHAZE_A_SUBMODELS

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
    "bottleneck_norm": _choice("none", *BOTTLENECK_NORMS),
    "bottleneck_size": _int(1024),
    "bottleneck_in_encoder": _bool(True),
    "fc_depth": _int(1),
    "fc_min_filters": _int(1024),
    "fc_max_filters": _int(1024),
    "fc_dimensions": _int(4),
    "fc_filter_slope": _float(-0.5),
    "fc_dropout": _float(0.0),
    "fc_upsampler": _choice("upsample2d", *FC_UPSAMPLERS),
    "fc_upsamples": _int(1),
    "fc_upsample_filters": _int(512),
    "fc_gblock_depth": _int(3),
    "fc_gblock_min_nodes": _int(512),
    "fc_gblock_max_nodes": _int(512),
    "fc_gblock_filter_slope": _float(-0.5),
    "fc_gblock_dropout": _float(0.0),
    "dec_upscale_method": _choice("subpixel", *UPSCALER_FACTS),
    "dec_upscales_in_fc": _int(0),
    "dec_norm": _choice("none", *NORMS),
    "dec_min_filters": _int(64),
    "dec_max_filters": _int(512),
    "dec_slope_mode": _choice("full", "full", "cap_max", "cap_min"),
    "dec_filter_slope": _float(-0.45),
    "dec_res_blocks": _int(1),
    "dec_output_kernel": _int(5),
    "dec_gaussian": _bool(True),
    "dec_skip_last_residual": _bool(True),
    "freeze_layers": OptionFact("list", (KERAS_ENCODER,), FREEZABLE_SUBMODELS),
    "load_layers": OptionFact("list", ("encoder",), PHAZE_A_SUBMODELS),
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

# faceswap's loss, optimizer and clipping choices (phazer maps or rejects each one).
_FS_LOSSES = loss_catalog.faceswap_choices()
_FS_OPTIMIZERS = optimizer_catalog.faceswap_choices()

# The training options of faceswap's global and trainer sections: (section, option) -> fact.
TRAINING_OPTION_FACTS: dict[tuple[str, str], OptionFact] = {
    ("global", "coverage"): _float(100.0),
    ("global", "mixed_precision"): _bool(False),
    ("global.loss", "loss_function"): _choice("ssim", *_FS_LOSSES),
    ("global.loss", "loss_function_2"): _choice("mse", *_FS_LOSSES, "none"),
    ("global.loss", "loss_weight_2"): _int(100),
    ("global.loss", "loss_function_3"): _choice("none", *_FS_LOSSES, "none"),
    ("global.loss", "loss_weight_3"): _int(0),
    ("global.loss", "loss_function_4"): _choice("none", *_FS_LOSSES, "none"),
    ("global.loss", "loss_weight_4"): _int(0),
    ("global.loss", "mask_loss_function"): _choice("mse", "mae", "mse"),
    ("global.loss", "eye_multiplier"): _int(3),
    ("global.loss", "mouth_multiplier"): _int(2),
    ("global.loss", "penalized_mask_loss"): _bool(True),
    ("global.loss", "mask_dilation"): _float(0.0),
    ("global.optimizer", "optimizer"): _choice("adam", *_FS_OPTIMIZERS),
    ("global.optimizer", "learning_rate"): _float(5e-5),
    ("global.optimizer", "epsilon_exponent"): _int(-7),
    ("global.optimizer", "gradient_clipping"): _choice(
        "none", "autoclip", "global_norm", "norm", "value", "none"),
    ("global.optimizer", "clipping_value"): _float(1.0),
    ("global.optimizer", "autoclip_history"): _int(10000),
    ("global.optimizer", "weight_decay"): _float(0.0),
    ("global.optimizer", "gradient_accumulation"): _int(1),
    ("global.optimizer", "ada_beta_1"): _float(0.9),
    ("global.optimizer", "ada_beta_2"): _float(0.999),
    ("global.optimizer", "ada_amsgrad"): _bool(False),
    ("trainer.augmentation", "preview_images"): _int(14),
    ("trainer.augmentation", "zoom_amount"): _int(5),
    ("trainer.augmentation", "rotation_range"): _int(10),
    ("trainer.augmentation", "shift_range"): _int(5),
    ("trainer.augmentation", "flip_chance"): _int(50),
    ("trainer.augmentation", "color_lightness"): _int(30),
    ("trainer.augmentation", "color_ab"): _int(8),
    ("trainer.augmentation", "color_clahe_chance"): _int(50),
    ("trainer.augmentation", "color_clahe_max_size"): _int(4),
}

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
