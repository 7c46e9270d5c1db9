"""The one table of faceswap's options: each option's spec path and how faceswap reads it.

Each row is one faceswap option: the spec path it maps to, how faceswap reads it (its data
type, default and choices: :class:`OptionFact`), the encoder types it applies to (None for
options every spec has; encoder-specific options live inside their encoder variant), and for
an option phazer has no use for, why (:class:`NotUsed`). Three tables, one per kind of
section: :data:`PHAZE_A_TABLE` (``[model.phaze_a]``, 48 options), :data:`GLOBAL_TABLE` (the
architecture options of faceswap's global sections) and :data:`TRAINING_TABLE` (every other
option of its ``global*`` and ``trainer.*`` sections, read from a ``train.ini`` only: GUI
presets carry none). Together they hold every option faceswap writes to those sections; the
``[model.<plugin>]`` sections of faceswap's other models are not Phaze-A's. The views the
importer and the docs read (:data:`MODEL_OPTIONS`, :data:`PHAZE_A_OPTIONS`, ...) are derived
from them, so an option is added in one row.

faceswap documents numeric ranges for its GUI sliders but does not enforce them, so no ranges
are kept here: phazer's schema decides what it can build. Choices faceswap shares with phazer
are read from phazer's catalogs (upscalers, norms, encoders, losses, optimizers, sub-models).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from phazer.catalog import losses as loss_catalog
from phazer.catalog import optimizers as optimizer_catalog
from phazer.catalog.encoders import ENCODERS, UNSUPPORTED_ENCODERS
from phazer.catalog.masks import LANDMARK_MASKS, STORED_MASKS
from phazer.catalog.norms import BOTTLENECK_NORMS, NORMS
from phazer.catalog.upscalers import FC_UPSAMPLERS, UPSCALER_FACTS
from phazer.spec.models import FREEZABLE_SUBMODELS, KERAS_ENCODER, PHAZE_A_SUBMODELS
from phazer.spec.optimizers import LR_FINDER_MODES, LR_FINDER_STRENGTHS

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


@dataclass(frozen=True)
class NotUsed:
    """Why phazer has no use for a faceswap option, and what it does instead.

    Attributes:
        reason: what phazer does instead (reported as an info).
        warn_values: the values that ask for something phazer will not do; those are reported
            as a warning saying ``warning``.
        warning: what phazer does although the option asks otherwise.
    """

    reason: str
    warn_values: tuple[bool | str, ...] = ()
    warning: str = ""


@dataclass(frozen=True)
class FaceswapOption:
    """One faceswap option: where it goes in a spec and how faceswap reads it.

    Attributes:
        path: the spec path it maps to ("" for an option phazer has no use for).
        fact: how faceswap reads it.
        applies_to: the encoder types it belongs to, None for every spec.
        not_used: why phazer has no use for it (None when it maps to ``path``).
    """

    path: str
    fact: OptionFact
    applies_to: frozenset[str] | None = None
    not_used: NotUsed | None = None


def _int(default: int) -> OptionFact:
    return OptionFact("int", default)


def _float(default: float) -> OptionFact:
    return OptionFact("float", default)


def _bool(default: bool) -> OptionFact:
    return OptionFact("bool", default)


def _choice(default: str, *choices: str) -> OptionFact:
    return OptionFact("str", default, choices)


_KERAS = frozenset(name for name, info in ENCODERS.items() if info.is_keras_application)
_CLIP = frozenset(name for name, info in ENCODERS.items() if info.is_clip)
_MOBILENET_ALL = frozenset({"mobilenet", "mobilenet_v2", "mobilenet_v3_small",
                            "mobilenet_v3_large"})
_MOBILENET_V3 = frozenset({"mobilenet_v3_small", "mobilenet_v3_large"})
# faceswap's encoder names are phazer's catalog names, plus the ones phazer cannot build.
_ENCODER_CHOICES = tuple(sorted((*ENCODERS, *UNSUPPORTED_ENCODERS)))
# faceswap's loss and optimizer choices (phazer maps or rejects each one).
_FS_LOSSES = loss_catalog.faceswap_choices()
# The losses faceswap offers only in slots 2 to 4 (its train_config.py's _NON_PRIMARY_LOSS).
_FS_SECONDARY_ONLY = frozenset({"flip", "lpips_alex", "lpips_squeeze", "lpips_vgg16"})
_FS_PRIMARY_LOSSES = tuple(name for name in _FS_LOSSES if name not in _FS_SECONDARY_ONLY)
_FS_OPTIMIZERS = optimizer_catalog.faceswap_choices()
# faceswap's mask_type choices: "none", the landmark masks and the extract step's mask names.
_FS_MASKS = ("none", *sorted((*LANDMARK_MASKS, *STORED_MASKS)))
_AUG = "trainer.augmentation"
_LOADER = "trainer.loader"
_LOSS = "global.loss"
_OPT = "global.optimizer"

# faceswap [model.phaze_a]: the 48 options, in faceswap's order.
PHAZE_A_TABLE: dict[str, FaceswapOption] = {
    "output_size": FaceswapOption("output_size", _int(128)),
    "shared_fc": FaceswapOption("routing.shared_fc", _choice("none", "none", "full", "half")),
    "enable_gblock": FaceswapOption("routing.gblock", _bool(True)),
    "split_fc": FaceswapOption("routing.split_fc", _bool(True)),
    "split_gblock": FaceswapOption("routing.split_gblock", _bool(False)),
    "split_decoders": FaceswapOption("routing.split_decoders", _bool(False)),
    "enc_architecture": FaceswapOption("encoder.type", _choice("fs_original", *_ENCODER_CHOICES)),
    "enc_scaling": FaceswapOption("encoder.scaling", _int(7)),
    "enc_load_weights": FaceswapOption("encoder.imagenet_weights", _bool(True), _KERAS | _CLIP),
    "bottleneck_type": FaceswapOption("bottleneck.type",
        _choice("dense", "average_pooling", "dense", "max_pooling", "flatten")),
    "bottleneck_norm": FaceswapOption("bottleneck.norm", _choice("none", *BOTTLENECK_NORMS)),
    "bottleneck_size": FaceswapOption("bottleneck.size", _int(1024)),
    "bottleneck_in_encoder": FaceswapOption("bottleneck.in_encoder", _bool(True)),
    "fc_depth": FaceswapOption("fc.depth", _int(1)),
    "fc_min_filters": FaceswapOption("fc.min_filters", _int(1024)),
    "fc_max_filters": FaceswapOption("fc.max_filters", _int(1024)),
    "fc_dimensions": FaceswapOption("fc.dimensions", _int(4)),
    "fc_filter_slope": FaceswapOption("fc.slope", _float(-0.5)),
    "fc_dropout": FaceswapOption("fc.dropout", _float(0.0)),
    "fc_upsampler": FaceswapOption("fc.upsampler", _choice("upsample2d", *FC_UPSAMPLERS)),
    "fc_upsamples": FaceswapOption("fc.upsamples", _int(1)),
    "fc_upsample_filters": FaceswapOption("fc.upsample_filters", _int(512)),
    "fc_gblock_depth": FaceswapOption("gblock_fc.depth", _int(3)),
    "fc_gblock_min_nodes": FaceswapOption("gblock_fc.min_nodes", _int(512)),
    "fc_gblock_max_nodes": FaceswapOption("gblock_fc.max_nodes", _int(512)),
    "fc_gblock_filter_slope": FaceswapOption("gblock_fc.slope", _float(-0.5)),
    "fc_gblock_dropout": FaceswapOption("gblock_fc.dropout", _float(0.0)),
    "dec_upscale_method": FaceswapOption("decoder.upscaler", _choice("subpixel", *UPSCALER_FACTS)),
    "dec_upscales_in_fc": FaceswapOption("decoder.upscales_in_fc", _int(0)),
    "dec_norm": FaceswapOption("decoder.norm", _choice("none", *NORMS)),
    "dec_min_filters": FaceswapOption("decoder.min_filters", _int(64)),
    "dec_max_filters": FaceswapOption("decoder.max_filters", _int(512)),
    "dec_slope_mode": FaceswapOption("decoder.slope_mode",
        _choice("full", "full", "cap_max", "cap_min")),
    "dec_filter_slope": FaceswapOption("decoder.slope", _float(-0.45)),
    "dec_res_blocks": FaceswapOption("decoder.res_blocks", _int(1)),
    "dec_output_kernel": FaceswapOption("decoder.output_kernel", _int(5)),
    "dec_gaussian": FaceswapOption("decoder.gaussian_noise", _bool(True)),
    "dec_skip_last_residual": FaceswapOption("decoder.skip_last_residual", _bool(True)),
    "freeze_layers": FaceswapOption("weights.freeze",
        OptionFact("list", (KERAS_ENCODER,), FREEZABLE_SUBMODELS)),
    "load_layers": FaceswapOption("weights.load",
        OptionFact("list", ("encoder",), PHAZE_A_SUBMODELS)),
    "fs_original_depth": FaceswapOption("encoder.depth", _int(4), frozenset({"fs_original"})),
    "fs_original_min_filters": FaceswapOption("encoder.min_filters",
        _int(128), frozenset({"fs_original"})),
    "fs_original_max_filters": FaceswapOption("encoder.max_filters",
        _int(1024), frozenset({"fs_original"})),
    "fs_original_use_alt": FaceswapOption("encoder.alt", _bool(False), frozenset({"fs_original"})),
    "mobilenet_width": FaceswapOption("encoder.width", _float(1.0), _MOBILENET_ALL),
    "mobilenet_depth": FaceswapOption("encoder.depth_multiplier",
        _int(1), frozenset({"mobilenet"})),
    "mobilenet_dropout": FaceswapOption("encoder.dropout",
        _float(0.001), frozenset({"mobilenet"})),
    "mobilenet_minimalistic": FaceswapOption("encoder.minimalistic", _bool(False), _MOBILENET_V3),
}

# The architecture-relevant options of faceswap's global sections: (section, option) -> row.
GLOBAL_TABLE: dict[tuple[str, str], FaceswapOption] = {
    ("global", "icnr_init"): FaceswapOption("convolutions.icnr_init", _bool(False)),
    ("global", "conv_aware_init"): FaceswapOption("convolutions.conv_aware_init", _bool(False)),
    ("global", "reflect_padding"): FaceswapOption("convolutions.reflect_padding", _bool(False)),
    ("global.loss", "learn_mask"): FaceswapOption("decoder.learn_mask", _bool(False)),
}

# The training options of faceswap's global and trainer sections: (section, option) -> row.
# The loss slots all feed the one list ``training.losses`` (weights are percent in faceswap).
# Rows with ``not_used`` are options phazer has no use for; the importer names each one.
TRAINING_TABLE: dict[tuple[str, str], FaceswapOption] = {
    ("global", "centering"): FaceswapOption("training.centering",
        _choice("face", "face", "head", "legacy")),
    ("global", "coverage"): FaceswapOption("training.coverage", _float(100.0)),
    ("global", "vertical_offset"): FaceswapOption("training.vertical_offset", _int(0)),
    ("global", "lr_finder_iterations"): FaceswapOption("training.lr_finder.iterations",
        _int(1000)),
    ("global", "lr_finder_mode"): FaceswapOption("training.lr_finder.mode",
        _choice("set", *LR_FINDER_MODES)),
    ("global", "lr_finder_strength"): FaceswapOption("training.lr_finder.strength",
        _choice("default", *LR_FINDER_STRENGTHS)),
    ("global", "mixed_precision"): FaceswapOption("training.mixed_precision", _bool(False)),
    ("global", "nan_protection"): FaceswapOption("", _bool(True), not_used=NotUsed(
        "phazer always stops training at a NaN or infinite loss, keeping the last good save",
        (False,), "phazer stops training at a NaN or infinite loss all the same (faceswap "
        "would train on)")),
    ("global", "convert_batchsize"): FaceswapOption("", _int(16), not_used=NotUsed(
        "phazer has no convert step; `phazer swap` sends faces through the model 16 at a "
        "time")),
    (_LOSS, "loss_function"): FaceswapOption("training.losses",
        _choice("ssim", *_FS_PRIMARY_LOSSES)),
    (_LOSS, "loss_function_2"): FaceswapOption("training.losses",
        _choice("mse", *_FS_LOSSES, "none")),
    (_LOSS, "loss_weight_2"): FaceswapOption("training.losses", _int(100)),
    (_LOSS, "loss_function_3"): FaceswapOption("training.losses",
        _choice("none", *_FS_LOSSES, "none")),
    (_LOSS, "loss_weight_3"): FaceswapOption("training.losses", _int(0)),
    (_LOSS, "loss_function_4"): FaceswapOption("training.losses",
        _choice("none", *_FS_LOSSES, "none")),
    (_LOSS, "loss_weight_4"): FaceswapOption("training.losses", _int(0)),
    (_LOSS, "mask_loss_function"): FaceswapOption("training.mask_loss",
        _choice("mse", "mae", "mse")),
    (_LOSS, "eye_multiplier"): FaceswapOption("training.eye_multiplier", _int(3)),
    (_LOSS, "mouth_multiplier"): FaceswapOption("training.mouth_multiplier", _int(2)),
    (_LOSS, "penalized_mask_loss"): FaceswapOption("training.penalized_mask_loss",
        _bool(True)),
    (_LOSS, "mask_type"): FaceswapOption("training.mask_type", _choice("extended", *_FS_MASKS)),
    (_LOSS, "mask_dilation"): FaceswapOption("training.mask_dilation", _float(0.0)),
    (_LOSS, "mask_blur_kernel"): FaceswapOption("training.mask_blur_kernel", _int(3)),
    (_LOSS, "mask_threshold"): FaceswapOption("training.mask_threshold", _int(4)),
    (_OPT, "optimizer"): FaceswapOption("training.optimizer.type",
        _choice("adam", *_FS_OPTIMIZERS)),
    (_OPT, "learning_rate"): FaceswapOption("training.optimizer.learning_rate", _float(5e-05)),
    (_OPT, "epsilon_exponent"): FaceswapOption("training.optimizer.epsilon_exponent", _int(-7)),
    (_OPT, "save_optimizer"): FaceswapOption("", _choice("exit", "never", "always", "exit"),
        not_used=NotUsed(
            "phazer saves the optimizer state with every save (as faceswap's `always`), so a "
            "resumed model carries on exactly where it stopped", ("never",),
            "phazer saves the optimizer state (optimizer.npz in the model dir) with every "
            "save all the same, as faceswap's `always`; for Adam it is twice the weights' "
            "size")),
    (_OPT, "gradient_clipping"): FaceswapOption("training.optimizer.clipping",
        _choice("none", "autoclip", "global_norm", "norm", "value", "none")),
    (_OPT, "clipping_value"): FaceswapOption("training.optimizer.clipping_value", _float(1.0)),
    (_OPT, "autoclip_history"): FaceswapOption("training.optimizer.autoclip_history", _int(10000)),
    (_OPT, "weight_decay"): FaceswapOption("training.optimizer.weight_decay", _float(0.0)),
    (_OPT, "gradient_accumulation"): FaceswapOption("training.optimizer.gradient_accumulation",
        _int(1)),
    (_OPT, "ada_beta_1"): FaceswapOption("training.optimizer.beta_1", _float(0.9)),
    (_OPT, "ada_beta_2"): FaceswapOption("training.optimizer.beta_2", _float(0.999)),
    (_OPT, "ada_amsgrad"): FaceswapOption("training.optimizer.amsgrad", _bool(False)),
    (_AUG, "preview_images"): FaceswapOption("training.preview_images", _int(14)),
    (_AUG, "mask_opacity"): FaceswapOption("", _int(30), not_used=NotUsed(
        "phazer's preview draws no mask overlay")),
    (_AUG, "mask_color"): FaceswapOption("", OptionFact("str", "#ff0000"), not_used=NotUsed(
        "phazer's preview draws no mask overlay")),
    (_AUG, "zoom_amount"): FaceswapOption("training.augmentation.zoom_amount", _int(5)),
    (_AUG, "rotation_range"): FaceswapOption("training.augmentation.rotation_range", _int(10)),
    (_AUG, "shift_range"): FaceswapOption("training.augmentation.shift_range", _int(5)),
    (_AUG, "flip_chance"): FaceswapOption("training.augmentation.flip_chance", _int(50)),
    (_AUG, "color_lightness"): FaceswapOption("training.augmentation.color_lightness", _int(30)),
    (_AUG, "color_ab"): FaceswapOption("training.augmentation.color_ab", _int(8)),
    (_AUG, "color_clahe_chance"): FaceswapOption("training.augmentation.color_clahe_chance",
        _int(50)),
    (_AUG, "color_clahe_max_size"): FaceswapOption("training.augmentation.color_clahe_max_size",
        _int(4)),
    (_LOADER, "num_processes"): FaceswapOption("", _int(4), not_used=NotUsed(
        "phazer's tf.data pipeline picks how many images it decodes at once itself "
        "(AUTOTUNE)")),
    (_LOADER, "pre_fetch"): FaceswapOption("", _int(2), not_used=NotUsed(
        "phazer's tf.data pipeline picks how many batches it prepares ahead itself "
        "(AUTOTUNE)")),
}


# Options only older faceswap versions wrote (faceswap 2's [global]); phazer reads neither.
OLDER_TABLE: dict[tuple[str, str], FaceswapOption] = {
    ("global", "autoclip"): FaceswapOption("", _bool(False), not_used=NotUsed(
        "an older faceswap's switch, now `[global.optimizer] gradient_clipping = autoclip`; "
        "phazer reads only the newer option", (True,),
        "an older faceswap's switch phazer does not read: set training.optimizer.clipping: "
        "autoclip in the spec to clip as it did")),
    ("global", "allow_growth"): FaceswapOption("", _bool(False), not_used=NotUsed(
        "an older faceswap's TensorFlow GPU memory switch; phazer leaves GPU memory to "
        "TensorFlow")),
}


# The views of the tables the importer, the docs and the tests read.
MODEL_OPTIONS: dict[str, tuple[str, frozenset[str] | None]] = {
    option: (row.path, row.applies_to) for option, row in PHAZE_A_TABLE.items()}
"""faceswap Phaze-A option -> (spec path, applies-to)."""
PHAZE_A_OPTIONS: dict[str, OptionFact] = {
    option: row.fact for option, row in PHAZE_A_TABLE.items()}
"""faceswap Phaze-A option -> how faceswap reads it."""
GLOBAL_OPTIONS: dict[tuple[str, str], str] = {
    key: row.path for key, row in GLOBAL_TABLE.items()}
GLOBAL_OPTION_FACTS: dict[tuple[str, str], OptionFact] = {
    key: row.fact for key, row in GLOBAL_TABLE.items()}
TRAINING_OPTIONS: dict[tuple[str, str], str] = {
    key: row.path for key, row in TRAINING_TABLE.items() if row.not_used is None}
"""Training options phazer carries: (section, option) -> spec path."""
NOT_USED_OPTIONS: dict[tuple[str, str], NotUsed] = {
    key: row.not_used for key, row in TRAINING_TABLE.items() if row.not_used is not None}
"""Options of faceswap's global and trainer sections phazer has no use for, with the reason
(the importer names each one it finds)."""
TRAINING_OPTION_FACTS: dict[tuple[str, str], OptionFact] = {
    key: row.fact for key, row in TRAINING_TABLE.items()}

PHAZE_A_SECTION = "model.phaze_a"
MODEL_SECTION_PREFIX = "model."
"""faceswap's model plugins keep their options in ``[model.<plugin>]``."""

# Options whose spec path depends on the encoder: option -> {encoder: path}.
ENCODER_PATHS: dict[str, dict[str, str]] = {
    "enc_load_weights": dict.fromkeys(sorted(_CLIP), "encoder.pretrained"),
}


def option_path(option: str, encoder: str) -> str:
    """The spec path of a faceswap Phaze-A option for a given encoder.

    Raises:
        KeyError: the option is not one of the 48 Phaze-A options.
    """
    return ENCODER_PATHS.get(option, {}).get(encoder, MODEL_OPTIONS[option][0])


def spec_path(option: str) -> str:
    """The spec path of a faceswap Phaze-A option.

    Raises:
        KeyError: the option is not one of the 48 Phaze-A options.
    """
    return MODEL_OPTIONS[option][0]
