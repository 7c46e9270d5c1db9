"""Every option faceswap writes to a train.ini is carried into the spec or named by the import.

:data:`FACESWAP_INI` is faceswap's train.ini, option by option, read off faceswap's own config
files at the mirrored commit (plugins/train/train_config.py for ``[global]``,
``[global.loss]`` and ``[global.optimizer]``; plugins/train/trainer/trainer_config.py for
``[trainer.augmentation]`` and ``[trainer.loader]``; plugins/train/model/<plugin>_defaults.py
for each ``[model.<plugin>]``), in the order faceswap writes them. Each row holds faceswap's
default, a value that is not the default, and where phazer should carry that value with what
the spec then holds ("" when phazer has no field for it: the import must name it instead).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from phazer.catalog import losses as loss_catalog
from phazer.faceswap_import import import_faceswap
from phazer.faceswap_import.options import (
    GLOBAL_OPTION_FACTS,
    PHAZE_A_OPTIONS,
    TRAINING_OPTION_FACTS,
)
from phazer.faceswap_import.values import parse_value
from phazer.issues import Issue
from phazer.spec.models import ModelSpec
from phazer.spec.training import TrainingSpec

LOSSES = "training.losses"   # the four loss slots fill one list; checked on their own

# section -> [(option, faceswap's default, a non-default value, spec path, spec value)]
FACESWAP_INI: dict[str, list[tuple[str, str, str, str, object]]] = {
    "global": [
        ("centering", "face", "head", "training.centering", "head"),
        ("coverage", "100.0", "87.5", "training.coverage", 87.5),
        ("vertical_offset", "0", "-5", "training.vertical_offset", -5),
        ("icnr_init", "False", "True", "convolutions.icnr_init", True),
        ("conv_aware_init", "False", "True", "convolutions.conv_aware_init", True),
        ("lr_finder_iterations", "1000", "2000", "training.lr_finder.iterations", 2000),
        ("lr_finder_mode", "set", "graph_and_set", "training.lr_finder.mode",
         "graph_and_set"),
        ("lr_finder_strength", "default", "aggressive", "training.lr_finder.strength",
         "aggressive"),
        ("reflect_padding", "False", "True", "convolutions.reflect_padding", True),
        ("mixed_precision", "False", "True", "training.mixed_precision", True),
        ("nan_protection", "True", "False", "", None),
        ("convert_batchsize", "16", "8", "", None),
    ],
    "global.loss": [
        ("loss_function", "ssim", "mae", LOSSES, None),
        ("loss_function_2", "mse", "flip", LOSSES, None),
        ("loss_weight_2", "100", "50", LOSSES, None),
        ("loss_function_3", "none", "l_inf_norm", LOSSES, None),
        ("loss_weight_3", "0", "25", LOSSES, None),
        ("loss_function_4", "none", "pixel_gradient_diff", LOSSES, None),
        ("loss_weight_4", "0", "10", LOSSES, None),
        ("mask_loss_function", "mse", "mae", "training.mask_loss", "mae"),
        ("eye_multiplier", "3", "5", "training.eye_multiplier", 5),
        ("mouth_multiplier", "2", "4", "training.mouth_multiplier", 4),
        ("penalized_mask_loss", "True", "False", "training.penalized_mask_loss", False),
        ("mask_type", "extended", "components", "training.mask_type", "components"),
        ("mask_dilation", "0.0", "2.5", "training.mask_dilation", 2.5),
        ("mask_blur_kernel", "3", "5", "training.mask_blur_kernel", 5),
        ("mask_threshold", "4", "8", "training.mask_threshold", 8),
        ("learn_mask", "False", "True", "decoder.learn_mask", True),
    ],
    "global.optimizer": [
        ("optimizer", "adam", "adabelief", "training.optimizer.type", "adabelief"),
        ("learning_rate", "5e-05", "2e-05", "training.optimizer.learning_rate", 2e-05),
        ("epsilon_exponent", "-7", "-16", "training.optimizer.epsilon_exponent", -16),
        ("save_optimizer", "exit", "never", "", None),
        ("gradient_clipping", "none", "norm", "training.optimizer.clipping", "norm"),
        ("clipping_value", "1.0", "0.5", "training.optimizer.clipping_value", 0.5),
        ("autoclip_history", "10000", "5000", "training.optimizer.autoclip_history", 5000),
        ("weight_decay", "0.0", "0.004", "training.optimizer.weight_decay", 0.004),
        ("gradient_accumulation", "1", "4", "training.optimizer.gradient_accumulation", 4),
        ("ada_beta_1", "0.9", "0.85", "training.optimizer.beta_1", 0.85),
        ("ada_beta_2", "0.999", "0.99", "training.optimizer.beta_2", 0.99),
        # faceswap's AdaBelief takes ada_amsgrad, but it changes nothing there
        ("ada_amsgrad", "False", "True", "", None),
    ],
    "model.dfaker": [("output_size", "128", "256", "", None)],
    "model.dfl_h128": [("lowmem", "False", "True", "", None)],
    "model.dfl_sae": [
        ("input_size", "128", "160", "", None),
        ("architecture", "df", "liae", "", None),
        ("autoencoder_dims", "0", "256", "", None),
        ("encoder_dims", "42", "48", "", None),
        ("decoder_dims", "21", "24", "", None),
        ("multiscale_decoder", "False", "True", "", None),
    ],
    "model.dlight": [
        ("features", "best", "fair", "", None),
        ("details", "good", "fast", "", None),
        ("output_size", "256", "384", "", None),
    ],
    "model.original": [("lowmem", "False", "True", "", None)],
    "model.phaze_a": [
        ("output_size", "128", "256", "output_size", 256),
        ("shared_fc", "none", "full", "routing.shared_fc", "full"),
        ("enable_gblock", "True", "False", "routing.gblock", False),
        ("split_fc", "True", "False", "routing.split_fc", False),
        ("split_gblock", "False", "True", "routing.split_gblock", True),
        ("split_decoders", "False", "True", "routing.split_decoders", True),
        ("enc_architecture", "fs_original", "mobilenet_v3_small", "encoder.type",
         "mobilenet_v3_small"),
        ("enc_scaling", "7", "40", "encoder.scaling", 40),
        ("enc_load_weights", "True", "False", "encoder.imagenet_weights", False),
        ("bottleneck_type", "dense", "average_pooling", "bottleneck.type", "average_pooling"),
        ("bottleneck_norm", "none", "instance", "bottleneck.norm", "instance"),
        ("bottleneck_size", "1024", "512", "", None),   # a pooling bottleneck has no size
        ("bottleneck_in_encoder", "True", "False", "bottleneck.in_encoder", False),
        ("fc_depth", "1", "2", "fc.depth", 2),
        ("fc_min_filters", "1024", "512", "fc.min_filters", 512),
        ("fc_max_filters", "1024", "2048", "fc.max_filters", 2048),
        ("fc_dimensions", "4", "8", "fc.dimensions", 8),
        ("fc_filter_slope", "-0.5", "0.5", "fc.slope", 0.5),
        ("fc_dropout", "0.0", "0.25", "fc.dropout", 0.25),
        ("fc_upsampler", "upsample2d", "subpixel", "fc.upsampler", "subpixel"),
        ("fc_upsamples", "1", "2", "fc.upsamples", 2),
        ("fc_upsample_filters", "512", "256", "fc.upsample_filters", 256),
        ("fc_gblock_depth", "3", "2", "gblock_fc.depth", 2),
        ("fc_gblock_min_nodes", "512", "256", "gblock_fc.min_nodes", 256),
        ("fc_gblock_max_nodes", "512", "1024", "gblock_fc.max_nodes", 1024),
        ("fc_gblock_filter_slope", "-0.5", "0.25", "gblock_fc.slope", 0.25),
        ("fc_gblock_dropout", "0.0", "0.1", "gblock_fc.dropout", 0.1),
        ("dec_upscale_method", "subpixel", "resize_images", "decoder.upscaler",
         "resize_images"),
        ("dec_upscales_in_fc", "0", "1", "decoder.upscales_in_fc", 1),
        ("dec_norm", "none", "batch", "decoder.norm", "batch"),
        ("dec_min_filters", "64", "32", "decoder.min_filters", 32),
        ("dec_max_filters", "512", "256", "decoder.max_filters", 256),
        ("dec_slope_mode", "full", "cap_max", "decoder.slope_mode", "cap_max"),
        ("dec_filter_slope", "-0.45", "-0.3", "decoder.slope", -0.3),
        ("dec_res_blocks", "1", "2", "decoder.res_blocks", 2),
        ("dec_output_kernel", "5", "3", "decoder.output_kernel", 3),
        ("dec_gaussian", "True", "False", "decoder.gaussian_noise", False),
        ("dec_skip_last_residual", "True", "False", "decoder.skip_last_residual", False),
        ("freeze_layers", "keras_encoder", "encoder", "weights.freeze", ["encoder"]),
        ("load_layers", "encoder", "encoder, fc_shared", "weights.load",
         ["encoder", "fc_shared"]),
        # the encoder is a MobileNetV3: fs_original's options and v1's are not used
        ("fs_original_depth", "4", "5", "", None),
        ("fs_original_min_filters", "128", "64", "", None),
        ("fs_original_max_filters", "1024", "512", "", None),
        ("fs_original_use_alt", "False", "True", "", None),
        ("mobilenet_width", "1.0", "0.75", "encoder.width", 0.75),
        ("mobilenet_depth", "1", "2", "", None),
        ("mobilenet_dropout", "0.001", "0.01", "", None),
        ("mobilenet_minimalistic", "False", "True", "encoder.minimalistic", True),
    ],
    "model.realface": [
        ("input_size", "64", "80", "", None),
        ("output_size", "128", "160", "", None),
        ("dense_nodes", "1536", "1024", "", None),
        ("complexity_encoder", "128", "140", "", None),
        ("complexity_decoder", "512", "520", "", None),
    ],
    "model.unbalanced": [
        ("input_size", "128", "256", "", None),
        ("lowmem", "False", "True", "", None),
        ("nodes", "1024", "2048", "", None),
        ("complexity_encoder", "128", "256", "", None),
        ("complexity_decoder_a", "384", "256", "", None),
        ("complexity_decoder_b", "512", "640", "", None),
    ],
    "model.villain": [("lowmem", "False", "True", "", None)],
    "trainer.augmentation": [
        ("preview_images", "14", "8", "training.preview_images", 8),
        ("mask_opacity", "30", "50", "", None),
        ("mask_color", "#ff0000", "#00ff00", "", None),
        ("zoom_amount", "5", "10", "training.augmentation.zoom_amount", 10),
        ("rotation_range", "10", "15", "training.augmentation.rotation_range", 15),
        ("shift_range", "5", "10", "training.augmentation.shift_range", 10),
        ("flip_chance", "50", "25", "training.augmentation.flip_chance", 25),
        ("color_lightness", "30", "20", "training.augmentation.color_lightness", 20),
        ("color_ab", "8", "4", "training.augmentation.color_ab", 4),
        ("color_clahe_chance", "50", "25", "training.augmentation.color_clahe_chance", 25),
        ("color_clahe_max_size", "4", "6", "training.augmentation.color_clahe_max_size", 6),
    ],
    "trainer.loader": [
        ("num_processes", "4", "8", "", None),
        ("pre_fetch", "2", "4", "", None),
    ],
}

# faceswap's loss names (train_config.py's _LOSS_HELP, "none" aside)
FACESWAP_LOSSES = ("ffl", "flip", "gmsd", "l_inf_norm", "laploss", "lpips_alex",
                   "lpips_squeeze", "lpips_vgg16", "logcosh", "mae", "mse", "ms_ssim",
                   "smooth_loss", "ssim", "pixel_gradient_diff")
PHAZE_A = "model.phaze_a"
# Options dropped only because of another option's non-default value (the optimizer's)
DROPPED_BY_CHOICE = {("global.optimizer", "ada_amsgrad")}


def write_ini(folder: Path, non_default: bool) -> Path:
    """faceswap's train.ini with every option at its default, or none of them."""
    text = "".join(
        f"[{section}]\n" + "".join(f"{option} = {other if non_default else default}\n"
                                   for option, default, other, _, _ in rows) + "\n"
        for section, rows in FACESWAP_INI.items())
    path = folder / "train.ini"
    path.write_text(text)
    return path


def spec_value(spec: ModelSpec, path: str) -> object:
    value: object = spec
    for part in path.split("."):
        value = getattr(value, part)
    return value


def issue_key(section: str, option: str) -> str:
    """How the import names an option: bare for Phaze-A's, ``section.option`` for the rest."""
    return option if section == PHAZE_A else f"{section}.{option}"


def names(issue: Issue, section: str, option: str) -> bool:
    """Whether an issue names ``[section] option``.

    By its path, or, for an issue about the whole section (another model's) or about a sibling
    option of the same section (a loss slot's weight with its function), by its message.
    """
    if issue.path == issue_key(section, option):
        return True
    about_section = issue.path == section or issue.path.startswith(f"{section}.")
    return about_section and re.search(rf"\b{option}\b", issue.message) is not None


def imported(tmp_path: Path, non_default: bool) -> tuple[ModelSpec, list[Issue]]:
    result = import_faceswap(write_ini(tmp_path, non_default))
    errors = [i for i in result.issues if i.severity == "error"]
    assert result.spec is not None and not errors, errors
    return result.spec, result.issues


def loss_slots(non_default: bool) -> list[tuple[str, str, float]]:
    """The loss slots of the file: (function option, faceswap name, weight as a factor)."""
    values = {option: other if non_default else default
              for option, default, other, _, _ in FACESWAP_INI["global.loss"]}
    slots = [("loss_function", values["loss_function"], 1.0)]
    for slot in (2, 3, 4):
        slots.append((f"loss_function_{slot}", values[f"loss_function_{slot}"],
                      int(values[f"loss_weight_{slot}"]) / 100))
    return [slot for slot in slots if slot[1] != "none" and slot[2] > 0]


# --- the table is faceswap's, and the importer knows every option in it --------------------
def test_the_importers_facts_are_faceswaps():
    facts = {**GLOBAL_OPTION_FACTS, **TRAINING_OPTION_FACTS}
    for section, rows in FACESWAP_INI.items():
        for option, default, _, _, _ in rows:
            if section == PHAZE_A:
                fact = PHAZE_A_OPTIONS[option]
            elif section.startswith("model."):
                continue
            else:
                fact = facts[(section, option)]
            assert parse_value(default, fact) == fact.default_value(), (section, option)


def test_the_importer_reads_exactly_faceswaps_options():
    table = {(section, option) for section, rows in FACESWAP_INI.items()
             if not section.startswith("model.") for option, *_ in rows}
    assert table == set(GLOBAL_OPTION_FACTS) | set(TRAINING_OPTION_FACTS)
    assert [option for option, *_ in FACESWAP_INI[PHAZE_A]] == list(PHAZE_A_OPTIONS)


# --- every option not at its default: carried or named --------------------------------------
def test_every_option_is_carried_or_named(tmp_path):
    spec, issues = imported(tmp_path, non_default=True)
    silent = []
    for section, rows in FACESWAP_INI.items():
        for option, _, other, path, expected in rows:
            if path and path != LOSSES:
                assert spec_value(spec, path) == expected, (section, option, other)
            elif path != LOSSES and not any(names(i, section, option) for i in issues):
                silent.append(f"[{section}] {option}")
    assert not silent, f"dropped without a word: {silent}"


def test_the_loss_slots_follow_phazers_loss_catalog(tmp_path):
    spec, issues = imported(tmp_path, non_default=True)
    expected = []
    for function_option, name, weight in loss_slots(non_default=True):
        phazer_name = loss_catalog.from_faceswap(name)
        if phazer_name is None:   # phazer lacks it: a warning names the slot and its weight
            (warning,) = [i for i in issues if i.path == f"global.loss.{function_option}"]
            assert (warning.code, warning.severity) == ("PHZ409", "warning")
            assert name in warning.message
            weight_option = function_option.replace("function", "weight")
            if weight_option != "loss_weight":
                assert names(warning, "global.loss", weight_option)
        else:
            expected.append((phazer_name, weight))
    assert [(t.function, t.weight) for t in spec.training.losses] == expected


def test_options_phazer_does_not_use_say_so_at_their_lines(tmp_path):
    _, issues = imported(tmp_path, non_default=True)
    lines = (tmp_path / "train.ini").read_text().splitlines()
    for section, rows in FACESWAP_INI.items():
        for option, _, other, path, _ in rows:
            if path or section.startswith("model."):
                continue
            (issue,) = [i for i in issues if i.path == f"{section}.{option}"]
            if (section, option) in DROPPED_BY_CHOICE:
                assert issue.code == "PHZ404" and "dropped" in issue.message
            else:
                assert issue.code == "PHZ408" and "not used" in issue.message
            assert issue.line is not None and lines[issue.line - 1] == f"{option} = {other}"
    # what phazer will not do as asked is a warning
    warned = {i.path for i in issues if i.code == "PHZ408" and i.severity == "warning"}
    assert warned == {"global.nan_protection", "global.optimizer.save_optimizer"}


def test_the_lr_finder_stays_off(tmp_path):
    spec, issues = imported(tmp_path, non_default=True)
    assert spec.training.lr_finder.enabled is False
    assert any(i.code == "PHZ408" and "--use-lr-finder" in i.message for i in issues)


@pytest.mark.parametrize("name", FACESWAP_LOSSES)
def test_each_faceswap_loss_is_carried_or_named(tmp_path, name):
    path = write_ini(tmp_path, non_default=False)
    path.write_text(path.read_text().replace("loss_function_3 = none",
                                             f"loss_function_3 = {name}").replace(
        "loss_weight_3 = 0", "loss_weight_3 = 40"))
    result = import_faceswap(path)
    phazer_name = loss_catalog.from_faceswap(name)
    terms = {t.function: t.weight for t in result.spec.training.losses}
    if phazer_name is None:
        assert "global.loss.loss_function_3" in {i.path for i in result.issues
                                                 if i.code == "PHZ409"}
        assert terms == {"ssim": 1.0, "mse": 1.0}
    else:   # a name already in another slot adds its weight there
        assert terms[phazer_name] == pytest.approx({"ssim": 1.4, "mse": 1.4}.get(phazer_name,
                                                                                 0.4))


# --- every option at its default ------------------------------------------------------------
def test_defaults_import_without_warnings(tmp_path):
    spec, issues = imported(tmp_path, non_default=False)
    assert not [i for i in issues if i.severity != "info"]
    assert spec.training == TrainingSpec()
    for section, rows in FACESWAP_INI.items():
        if section == PHAZE_A:   # at its defaults another encoder uses other options
            continue
        for option, _, _, path, _ in rows:
            if not path and (section, option) not in DROPPED_BY_CHOICE:   # named, as an info
                assert any(names(i, section, option) for i in issues), (section, option)
