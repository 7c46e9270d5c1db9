"""Importing a train.ini's training options into the spec's `training:` section."""

from __future__ import annotations

import pytest

from phazer.catalog import losses as loss_catalog
from phazer.faceswap_import import import_faceswap
from phazer.faceswap_import.options import TRAINING_OPTION_FACTS
from phazer.issues import CODES
from phazer.spec.faceswap_names import NOT_USED_OPTIONS, TRAINING_OPTIONS
from phazer.spec.models import ModelSpec
from phazer.spec.training import TrainingSpec
from tests.helpers import EXAMPLE_INI as INI
from tests.helpers import by_code, edit_ini

DATA = INI.parent

def test_tables_agree():
    assert set(TRAINING_OPTION_FACTS) == set(TRAINING_OPTIONS) | set(NOT_USED_OPTIONS)
    assert not set(TRAINING_OPTIONS) & set(NOT_USED_OPTIONS)
    for code in ("PHZ408", "PHZ409"):
        assert code in CODES


# faceswap defaults a phazer spec leaves unset, and what unset means to phazer
UNSET_MEANS = {("global.loss", "mask_type"): "extended"}   # phazer.catalog.masks


def test_faceswap_defaults_are_phazer_defaults():
    defaults = ModelSpec().training
    simple = {key: path for key, path in TRAINING_OPTIONS.items() if path != "training.losses"}
    for (section, option), path in simple.items():
        value: object = ModelSpec()
        for part in path.split("."):
            value = getattr(value, part)
        if value is None:
            value = UNSET_MEANS[(section, option)]
        assert TRAINING_OPTION_FACTS[(section, option)].default == value, path
    facts = {option: fact.default for (_, option), fact in TRAINING_OPTION_FACTS.items()}
    assert [(t.function, t.weight) for t in defaults.losses] == [
        (facts["loss_function"], 1.0), (facts["loss_function_2"], facts["loss_weight_2"] / 100)]


def test_example_ini_gives_the_default_training():
    result = import_faceswap(INI)
    assert result.spec is not None
    assert result.spec.training == TrainingSpec()


def test_values_are_carried(tmp_path):
    path = edit_ini(tmp_path, {
        "loss_function": "mae", "loss_function_2": "ms_ssim", "loss_weight_2": "50",
        "loss_function_3": "ffl", "loss_weight_3": "25", "loss_function_4": "laploss",
        "loss_weight_4": "0", "mask_loss_function": "mae", "penalized_mask_loss": "False",
        "optimizer": "adamw", "learning_rate": "3.5e-05", "epsilon_exponent": "-5",
        "gradient_clipping": "norm", "clipping_value": "0.5", "weight_decay": "0.01",
        "ada_amsgrad": "True", "coverage": "87.5", "mixed_precision": "True",
        "rotation_range": "15", "zoom_amount": "0", "flip_chance": "0", "color_ab": "12",
        "color_clahe_chance": "25", "preview_images": "8"})
    result = import_faceswap(path)
    training = result.spec.training
    assert [(t.function, t.weight) for t in training.losses] == [
        ("mae", 1.0), ("ms_ssim", 0.5), ("ffl", 0.25)]
    assert (training.mask_loss, training.penalized_mask_loss) == ("mae", False)
    opt = training.optimizer
    assert (opt.type, opt.learning_rate, opt.epsilon_exponent, opt.clipping,
            opt.clipping_value, opt.weight_decay, opt.amsgrad) == (
        "adamw", 3.5e-5, -5, "norm", 0.5, 0.01, True)
    assert (training.coverage, training.mixed_precision, training.preview_images) == (
        87.5, True, 8)
    aug = training.augmentation
    assert (aug.rotation_range, aug.zoom_amount, aug.flip_chance, aug.color_ab,
            aug.color_clahe_chance) == (15, 0, 0, 12, 25)


def test_losses_phazer_lacks_are_dropped_with_a_warning(tmp_path, monkeypatch):
    # phazer's loss catalog decides which faceswap losses map: pretend it lacks ffl
    known = loss_catalog.from_faceswap
    monkeypatch.setattr(loss_catalog, "from_faceswap",
                        lambda name: None if name == "ffl" else known(name))
    path = edit_ini(tmp_path, {"loss_function_3": "ffl", "loss_weight_3": "25"})
    result = import_faceswap(path)
    assert [t.function for t in result.spec.training.losses] == ["ssim", "mse"]
    warning = by_code(result.issues, "PHZ409")["global.loss.loss_function_3"]
    assert warning.severity == "warning"
    assert "loss_function_3 = ffl (loss_weight_3 = 25) dropped" in warning.message
    assert warning.line == INI.read_text().splitlines().index("loss_function_3 = none") + 1


def test_a_loss_named_twice_is_merged(tmp_path):
    path = edit_ini(tmp_path, {"loss_function_2": "ssim", "loss_weight_2": "50",
                               "loss_function_3": "mse", "loss_weight_3": "100"})
    losses = import_faceswap(path).spec.training.losses
    assert [(t.function, t.weight) for t in losses] == [("ssim", 1.5), ("mse", 1.0)]


def test_optimizer_names_and_their_options(tmp_path):
    result = import_faceswap(edit_ini(tmp_path, {"optimizer": "rms-prop"}))
    assert result.spec.training.optimizer.type == "rmsprop"
    dropped = by_code(result.issues, "PHZ404")
    assert {"global.optimizer.ada_beta_1", "global.optimizer.ada_beta_2",
            "global.optimizer.ada_amsgrad"} <= set(dropped)
    assert "not used by the 'rmsprop' optimizer" in dropped["global.optimizer.ada_beta_1"].message


def test_lion_options_missing_or_not_used(tmp_path):
    path = edit_ini(tmp_path, {"optimizer": "lion"}, drop=("epsilon_exponent", "ada_amsgrad"))
    result = import_faceswap(path)
    assert result.spec.training.optimizer.type == "lion"
    assert result.spec.training.optimizer.beta_2 == 0.999  # faceswap's value is kept
    missing = by_code(result.issues, "PHZ407")
    assert "global.optimizer.epsilon_exponent" not in missing  # dropped anyway: not reported


def test_bad_values_are_reported_at_their_line(tmp_path):
    result = import_faceswap(edit_ini(tmp_path, {"loss_weight_2": "lots",
                                                 "flip_chance": "often"}))
    assert result.spec is None
    errors = {i.path: i for i in result.issues if i.severity == "error"}
    assert set(errors) == {"global.loss.loss_weight_2", "trainer.augmentation.flip_chance"}
    assert all(i.code == "PHZ406" and i.line for i in errors.values())


def test_values_out_of_phazers_range_name_the_option(tmp_path):
    result = import_faceswap(edit_ini(tmp_path, {"coverage": "50.0",
                                                 "loss_weight_2": "20000"}))
    errors = {i.path: i for i in result.issues if i.severity == "error"}
    assert set(errors) == {"global.coverage", "global.loss.loss_function"}
    assert "training.coverage" in errors["global.coverage"].message
    assert "training.losses" in errors["global.loss.loss_function"].message


def test_older_faceswap_sections_are_read(tmp_path):
    text = INI.read_text()
    optimizer = text.split("[global.optimizer]\n")[1].split("[model.phaze_a]")[0]
    text = text.replace(f"[global.optimizer]\n{optimizer}", "").replace(
        "[global]\n", f"[global]\n{optimizer}").replace(
        "[trainer.augmentation]", "[trainer.original]")
    assert "[global.optimizer]" not in text
    text = text.replace("learning_rate = 5e-05", "learning_rate = 2e-05").replace(
        "flip_chance = 50", "flip_chance = 40")
    path = tmp_path / "old-train.ini"
    path.write_text(text)
    result = import_faceswap(path)
    assert result.spec.training.optimizer.learning_rate == 2e-5
    assert result.spec.training.augmentation.flip_chance == 40
    assert not by_code(result.issues, "PHZ407")


def test_missing_training_sections_use_faceswap_defaults(tmp_path):
    keys = [line.split("=")[0].strip() for line in
            INI.read_text().split("[trainer.augmentation]")[1].split("[trainer.loader]")[0]
            .splitlines() if "=" in line]
    result = import_faceswap(edit_ini(tmp_path, {}, drop=tuple(keys)))
    missing = by_code(result.issues, "PHZ407")
    assert "trainer.augmentation.flip_chance" in missing
    assert "50" in missing["trainer.augmentation.flip_chance"].message
    assert result.spec.training.augmentation == TrainingSpec().augmentation


def test_presets_carry_no_training_options():
    result = import_faceswap(DATA / "model_phaze_a_original_preset.json")
    assert result.spec.training == TrainingSpec()
    assert not any(i.path.startswith(("global", "trainer")) for i in result.issues)


def test_mask_and_face_options_are_carried(tmp_path):
    result = import_faceswap(edit_ini(tmp_path, {
        "mask_type": "bisenet-fp_head", "mask_blur_kernel": "5", "mask_threshold": "10",
        "eye_multiplier": "6", "mouth_multiplier": "1", "centering": "head",
        "vertical_offset": "-10"}))
    training = result.spec.training
    assert (training.mask_type, training.mask_blur_kernel, training.mask_threshold,
            training.eye_multiplier, training.mouth_multiplier, training.centering,
            training.vertical_offset) == ("bisenet-fp_head", 5, 10, 6, 1, "head", -10)
    assert not [i for i in result.issues if i.severity != "info"]


@pytest.mark.parametrize(("value", "expected"), [("none", "none"), ("components", "components"),
                                                 ("vgg-obstructed", "vgg-obstructed"),
                                                 ("extended", None)])
def test_mask_type(tmp_path, value, expected):
    # faceswap's default leaves the field unset: extended for faceswap face sets
    spec = import_faceswap(edit_ini(tmp_path, {"mask_type": value})).spec
    assert spec.training.mask_type == expected


def test_unknown_mask_type_is_an_error_with_a_suggestion(tmp_path):
    result = import_faceswap(edit_ini(tmp_path, {"mask_type": "vgg_clear"}))
    assert result.spec is None
    (error,) = [i for i in result.issues if i.severity == "error"]
    assert (error.code, error.path) == ("PHZ406", "global.loss.mask_type")
    assert "'vgg_clear'" in error.message and "did you mean 'vgg-clear'?" in error.hint
    assert error.line == INI.read_text().splitlines().index("mask_type = extended") + 1


def test_lr_finder_options_are_carried_and_the_finder_stays_off(tmp_path):
    result = import_faceswap(edit_ini(tmp_path, {
        "lr_finder_iterations": "2500", "lr_finder_mode": "graph_and_exit",
        "lr_finder_strength": "extreme"}))
    finder = result.spec.training.lr_finder
    assert (finder.enabled, finder.iterations, finder.mode, finder.strength) == (
        False, 2500, "graph_and_exit", "extreme")
    (note,) = [i for i in result.issues if "lr_finder" in i.path]
    assert (note.code, note.severity, note.path) == ("PHZ408", "info",
                                                     "global.lr_finder_iterations")
    assert "--use-lr-finder" in note.message
    assert "lr_finder_mode = 'graph_and_exit'" in note.message
    assert "enabled: true" in note.hint


def test_lr_finder_at_faceswaps_defaults_says_nothing():
    result = import_faceswap(INI)
    assert not [i for i in result.issues if "lr_finder" in i.path]


def test_adabelief_is_imported(tmp_path):
    result = import_faceswap(edit_ini(tmp_path, {
        "optimizer": "adabelief", "epsilon_exponent": "-16", "ada_beta_1": "0.8",
        "ada_beta_2": "0.99", "ada_amsgrad": "True", "weight_decay": "0.001",
        "gradient_clipping": "autoclip", "clipping_value": "2.5"}))
    opt = result.spec.training.optimizer
    assert (opt.type, opt.epsilon_exponent, opt.beta_1, opt.beta_2, opt.amsgrad,
            opt.weight_decay, opt.clipping, opt.clipping_value) == (
        "adabelief", -16, 0.8, 0.99, False, 0.001, "autoclip", 2.5)
    # faceswap's AdaBelief takes ada_amsgrad but never divides by the maximum it keeps
    # (OPTIMIZERS.md: its amsgrad run is bit-identical to its default run)
    dropped = [path for path in by_code(result.issues, "PHZ404") if "optimizer" in path]
    assert dropped == ["global.optimizer.ada_amsgrad"]
    assert not [i for i in result.issues if i.severity != "info"]


@pytest.mark.parametrize(("value", "severity"), [("exit", "info"), ("always", "info"),
                                                 ("never", "warning")])
def test_save_optimizer_says_what_phazer_does(tmp_path, value, severity):
    result = import_faceswap(edit_ini(tmp_path, {"save_optimizer": value}))
    issue = by_code(result.issues, "PHZ408")["global.optimizer.save_optimizer"]
    assert issue.severity == severity
    assert f"save_optimizer = '{value}'" in issue.message
    assert "with every save" in issue.message
    assert result.spec is not None


def test_nan_protection_off_is_a_warning(tmp_path):
    result = import_faceswap(edit_ini(tmp_path, {"nan_protection": "False"}))
    issue = by_code(result.issues, "PHZ408")["global.nan_protection"]
    assert issue.severity == "warning" and "NaN" in issue.message
    assert issue.line == INI.read_text().splitlines().index("nan_protection = True") + 1


def test_an_unreadable_value_of_an_option_phazer_does_not_use_stops_nothing(tmp_path):
    result = import_faceswap(edit_ini(tmp_path, {"num_processes": "many",
                                                 "save_optimizer": "sometimes"}))
    assert result.spec is not None
    notes = by_code(result.issues, "PHZ408")
    assert "num_processes = many" in notes["trainer.loader.num_processes"].message
    assert notes["global.optimizer.save_optimizer"].severity == "info"


def test_missing_options_phazer_does_not_use_are_not_reported(tmp_path):
    result = import_faceswap(edit_ini(tmp_path, {}, drop=("save_optimizer", "mask_color")))
    paths = {i.path for i in result.issues}
    assert not {"global.optimizer.save_optimizer", "trainer.augmentation.mask_color"} & paths


def test_a_secondary_only_loss_in_the_first_slot_is_an_error(tmp_path):
    # faceswap offers flip and lpips_* in slots 2-4 only (train_config.py's _NON_PRIMARY_LOSS)
    result = import_faceswap(edit_ini(tmp_path, {"loss_function": "lpips_vgg16"}))
    (error,) = [i for i in result.issues if i.severity == "error"]
    assert (error.code, error.path) == ("PHZ406", "global.loss.loss_function")
