"""The one place that maps faceswap's flat Phaze-A option names to phazer spec paths.

Each entry: faceswap option name -> (spec path, applies-to). ``applies-to`` is None for options
every spec has; otherwise it is the set of encoder types the option belongs to (encoder-specific
options live inside their encoder variant).
"""

from __future__ import annotations

from phazer.catalog.encoders import ENCODERS

_KERAS = frozenset(name for name, info in ENCODERS.items() if info.is_keras_application)
_CLIP = frozenset(name for name, info in ENCODERS.items() if info.is_clip)
_MOBILENET_ALL = frozenset({"mobilenet", "mobilenet_v2", "mobilenet_v3_small",
                            "mobilenet_v3_large"})
_MOBILENET_V3 = frozenset({"mobilenet_v3_small", "mobilenet_v3_large"})

# faceswap [model.phaze_a] options (48)
MODEL_OPTIONS: dict[str, tuple[str, frozenset[str] | None]] = {
    "output_size": ("output_size", None),
    "shared_fc": ("routing.shared_fc", None),
    "enable_gblock": ("routing.gblock", None),
    "split_fc": ("routing.split_fc", None),
    "split_gblock": ("routing.split_gblock", None),
    "split_decoders": ("routing.split_decoders", None),
    "enc_architecture": ("encoder.type", None),
    "enc_scaling": ("encoder.scaling", None),
    "enc_load_weights": ("encoder.imagenet_weights", _KERAS | _CLIP),
    "bottleneck_type": ("bottleneck.type", None),
    "bottleneck_norm": ("bottleneck.norm", None),
    "bottleneck_size": ("bottleneck.size", None),  # dense only; see importer
    "bottleneck_in_encoder": ("bottleneck.in_encoder", None),
    "fc_depth": ("fc.depth", None),
    "fc_min_filters": ("fc.min_filters", None),
    "fc_max_filters": ("fc.max_filters", None),
    "fc_dimensions": ("fc.dimensions", None),
    "fc_filter_slope": ("fc.slope", None),
    "fc_dropout": ("fc.dropout", None),
    "fc_upsampler": ("fc.upsampler", None),
    "fc_upsamples": ("fc.upsamples", None),
    "fc_upsample_filters": ("fc.upsample_filters", None),
    "fc_gblock_depth": ("gblock_fc.depth", None),
    "fc_gblock_min_nodes": ("gblock_fc.min_nodes", None),
    "fc_gblock_max_nodes": ("gblock_fc.max_nodes", None),
    "fc_gblock_filter_slope": ("gblock_fc.slope", None),
    "fc_gblock_dropout": ("gblock_fc.dropout", None),
    "dec_upscale_method": ("decoder.upscaler", None),
    "dec_upscales_in_fc": ("decoder.upscales_in_fc", None),
    "dec_norm": ("decoder.norm", None),
    "dec_min_filters": ("decoder.min_filters", None),
    "dec_max_filters": ("decoder.max_filters", None),
    "dec_slope_mode": ("decoder.slope_mode", None),
    "dec_filter_slope": ("decoder.slope", None),
    "dec_res_blocks": ("decoder.res_blocks", None),
    "dec_output_kernel": ("decoder.output_kernel", None),
    "dec_gaussian": ("decoder.gaussian_noise", None),
    "dec_skip_last_residual": ("decoder.skip_last_residual", None),
    "freeze_layers": ("weights.freeze", None),
    "load_layers": ("weights.load", None),
    "fs_original_depth": ("encoder.depth", frozenset({"fs_original"})),
    "fs_original_min_filters": ("encoder.min_filters", frozenset({"fs_original"})),
    "fs_original_max_filters": ("encoder.max_filters", frozenset({"fs_original"})),
    "fs_original_use_alt": ("encoder.alt", frozenset({"fs_original"})),
    "mobilenet_width": ("encoder.width", _MOBILENET_ALL),
    "mobilenet_depth": ("encoder.depth_multiplier", frozenset({"mobilenet"})),
    "mobilenet_dropout": ("encoder.dropout", frozenset({"mobilenet"})),
    "mobilenet_minimalistic": ("encoder.minimalistic", _MOBILENET_V3),
}

# Architecture-relevant options from faceswap's global sections: (section, option) -> path.
GLOBAL_OPTIONS: dict[tuple[str, str], str] = {
    ("global", "icnr_init"): "convolutions.icnr_init",
    ("global", "conv_aware_init"): "convolutions.conv_aware_init",
    ("global", "reflect_padding"): "convolutions.reflect_padding",
    ("global.loss", "learn_mask"): "decoder.learn_mask",
}

# Training options from faceswap's global and trainer sections: (section, option) -> path.
# The loss slots all feed the one list ``training.losses`` (weights are percent in faceswap).
_AUG = "trainer.augmentation"
_OPT = "global.optimizer"
TRAINING_OPTIONS: dict[tuple[str, str], str] = {
    ("global", "coverage"): "training.coverage",
    ("global", "mixed_precision"): "training.mixed_precision",
    ("global.loss", "loss_function"): "training.losses",
    ("global.loss", "loss_function_2"): "training.losses",
    ("global.loss", "loss_weight_2"): "training.losses",
    ("global.loss", "loss_function_3"): "training.losses",
    ("global.loss", "loss_weight_3"): "training.losses",
    ("global.loss", "loss_function_4"): "training.losses",
    ("global.loss", "loss_weight_4"): "training.losses",
    ("global.loss", "mask_loss_function"): "training.mask_loss",
    ("global.loss", "penalized_mask_loss"): "training.penalized_mask_loss",
    ("global.loss", "mask_dilation"): "training.mask_dilation",
    (_OPT, "optimizer"): "training.optimizer.type",
    (_OPT, "learning_rate"): "training.optimizer.learning_rate",
    (_OPT, "epsilon_exponent"): "training.optimizer.epsilon_exponent",
    (_OPT, "gradient_clipping"): "training.optimizer.clipping",
    (_OPT, "clipping_value"): "training.optimizer.clipping_value",
    (_OPT, "autoclip_history"): "training.optimizer.autoclip_history",
    (_OPT, "weight_decay"): "training.optimizer.weight_decay",
    (_OPT, "gradient_accumulation"): "training.optimizer.gradient_accumulation",
    (_OPT, "ada_beta_1"): "training.optimizer.beta_1",
    (_OPT, "ada_beta_2"): "training.optimizer.beta_2",
    (_OPT, "ada_amsgrad"): "training.optimizer.amsgrad",
    (_AUG, "preview_images"): "training.preview_images",
    (_AUG, "zoom_amount"): "training.augmentation.zoom_amount",
    (_AUG, "rotation_range"): "training.augmentation.rotation_range",
    (_AUG, "shift_range"): "training.augmentation.shift_range",
    (_AUG, "flip_chance"): "training.augmentation.flip_chance",
    (_AUG, "color_lightness"): "training.augmentation.color_lightness",
    (_AUG, "color_ab"): "training.augmentation.color_ab",
    (_AUG, "color_clahe_chance"): "training.augmentation.color_clahe_chance",
    (_AUG, "color_clahe_max_size"): "training.augmentation.color_clahe_max_size",
}

# Training options phazer reads but cannot carry, with the reason (reported when they matter).
UNSUPPORTED_TRAINING_OPTIONS: dict[tuple[str, str], str] = {
    ("global.loss", "eye_multiplier"): "phazer has no landmarks to find the eyes with",
    ("global.loss", "mouth_multiplier"): "phazer has no landmarks to find the mouth with",
}

PHAZE_A_SECTION = "model.phaze_a"

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


def faceswap_option(path: str) -> str | None:
    """The faceswap option name carried by a spec path, if any."""
    for option, (spec, _) in MODEL_OPTIONS.items():
        if spec == path:
            return option
    for (_, option), spec in [*GLOBAL_OPTIONS.items(), *TRAINING_OPTIONS.items()]:
        if spec == path:
            return option
    return None
