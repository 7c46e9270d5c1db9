"""The `training:` section: defaults, ranges, unknown keys, choices, catalogs, dump order."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from phazer.catalog.losses import LOSSES, LossName
from phazer.catalog.optimizers import OPTIMIZERS, optimizer_arguments
from phazer.spec import load_spec
from phazer.spec.dump import dump_spec, spec_to_data
from phazer.spec.models import GROUPS, ModelSpec
from phazer.spec.optimizers import OPTIMIZER_VARIANTS
from phazer.spec.presets import preset_names
from phazer.spec.resume import is_resumable
from phazer.spec.schema_errors import _union_variants
from phazer.spec.training import TrainingSpec
from tests.helpers import issues_of, write


def training(**fields) -> TrainingSpec:
    return ModelSpec.model_validate({"training": fields}).training


# --- defaults ------------------------------------------------------------------------------
def test_defaults_follow_faceswap():
    spec = ModelSpec().training
    assert [(t.function, t.weight) for t in spec.losses] == [("ssim", 1.0), ("mse", 1.0)]
    assert spec.mask_loss == "mse" and spec.penalized_mask_loss is True
    opt = spec.optimizer
    assert (opt.type, opt.learning_rate, opt.epsilon_exponent, opt.clipping) == (
        "adam", 5e-5, -7, "none")
    assert (opt.beta_1, opt.beta_2, opt.amsgrad, opt.weight_decay) == (0.9, 0.999, False, 0.0)
    assert (spec.mixed_precision, spec.xla, spec.batch_size, spec.coverage) == (
        False, "auto", 16, 100.0)
    aug = spec.augmentation
    assert (aug.warp, aug.warp_to_landmarks, aug.rotation_range, aug.zoom_amount,
            aug.shift_range, aug.flip_chance) == (True, False, 10, 5, 5, 50)
    assert (aug.color_lightness, aug.color_ab, aug.color_clahe_chance,
            aug.color_clahe_max_size) == (30, 8, 50, 4)
    assert (spec.save_interval, spec.snapshot_interval, spec.backup_on_improvement,
            spec.preview_images) == (250, 25000, True, 14)


def test_training_is_dumped_after_convolutions():
    assert GROUPS[-2:] == ("convolutions", "training")
    text = dump_spec(ModelSpec())
    assert text.index("\nconvolutions:") < text.index("\ntraining:")
    assert ModelSpec.model_validate(yaml.safe_load(text)) == ModelSpec()


OWN_TRAINING = ("demo", "three-identities", "unequal-sides")   # phazer's own small presets


@pytest.mark.parametrize("name", [n for n in preset_names() if n not in OWN_TRAINING])
def test_faceswap_presets_get_the_default_training(name):
    # faceswap's presets carry no training options; only phazer's own small ones set theirs
    assert load_spec(name).spec.training == TrainingSpec()


def test_a_partial_section_keeps_the_other_defaults(tmp_path):
    path = write(tmp_path, "spec.yaml", """
        phazer: 1
        training:
          batch_size: 8
          optimizer: {learning_rate: 1e-4}
          augmentation: {warp: false}
          losses:
            - {function: mae}
            - {function: ffl, weight: 0.5}
        """)
    spec = load_spec(str(path)).spec.training
    assert spec.batch_size == 8 and spec.coverage == 100.0
    assert spec.optimizer.type == "adam" and spec.optimizer.learning_rate == 1e-4
    assert spec.augmentation.warp is False and spec.augmentation.flip_chance == 50
    assert [(t.function, t.weight) for t in spec.losses] == [("mae", 1.0), ("ffl", 0.5)]


def test_set_overrides_reach_the_training_section():
    spec = load_spec("original", ["training.optimizer.learning_rate=2e-5",
                                  "training.optimizer.type=lion",
                                  "training.augmentation.flip_chance=0"]).spec.training
    assert spec.optimizer.type == "lion" and spec.optimizer.learning_rate == 2e-5
    assert spec.augmentation.flip_chance == 0


# --- ranges, choices, unknown keys -----------------------------------------------------------
@pytest.mark.parametrize(("path", "value"), [
    ("coverage", 50), ("coverage", 100.5), ("batch_size", 0), ("preview_images", 0),
    ("save_interval", 0), ("snapshot_interval", -1),
    ("augmentation.rotation_range", 181), ("augmentation.zoom_amount", -1),
    ("augmentation.flip_chance", 101), ("augmentation.color_clahe_max_size", 0),
    ("optimizer.learning_rate", 0.0), ("optimizer.epsilon_exponent", 1),
    ("optimizer.beta_1", 1.0), ("optimizer.clipping_value", 0.0),
])
def test_out_of_range_values_are_rejected(tmp_path, path, value):
    issues = issues_of("original", [f"training.{path}={value}"])
    assert [i.code for i in issues] == ["PHZ104"]
    assert issues[0].path == f"training.{path}"


def test_loss_weight_range_points_into_the_list(tmp_path):
    path = write(tmp_path, "spec.yaml", """
        phazer: 1
        training:
          losses:
            - {function: ssim}
            - {function: mse, weight: 500}
        """)
    issue = issues_of(path)[0]
    assert (issue.code, issue.path, issue.line) == ("PHZ104", "training.losses.1.weight", 5)
    assert "[0.0, 100.0]" in issue.message


@pytest.mark.parametrize(("override", "code", "path", "hint"), [
    ("training.losses=[{function: ssimm}]", "PHZ102", "training.losses.0.function",
     "did you mean 'ssim'?"),
    ("training.optimizer.type=adamm", "PHZ102", "training.optimizer.type",
     "did you mean 'adam'?"),
    ("training.xla=maybe", "PHZ102", "training.xla", ""),
    ("training.mask_loss=ssim", "PHZ102", "training.mask_loss", ""),
    ("training.optimizer.clipping=norms", "PHZ102", "training.optimizer.clipping",
     "did you mean 'norm'?"),
    ("training.augmentation.wrap=true", "PHZ101", "training.augmentation.wrap",
     "did you mean 'warp'?"),
    ("training.lr=1", "PHZ101", "training.lr", ""),
    ("training.optimizer.momentum=0.9", "PHZ101", "training.optimizer.momentum", ""),
    ("training.batch_size='16'", "PHZ103", "training.batch_size", "remove the quotes"),
])
def test_bad_choices_types_and_keys(override, code, path, hint):
    issues = issues_of("original", [override])
    assert [i.code for i in issues] == [code], issues
    assert issues[0].path == path
    assert hint in issues[0].hint


def test_variant_options_belong_to_their_optimizer():
    spec = training(optimizer={"type": "sgd", "momentum": 0.9, "nesterov": True})
    assert (spec.optimizer.momentum, spec.optimizer.nesterov) == (0.9, True)
    assert training(optimizer={"type": "adamw"}).optimizer.weight_decay == 0.004
    assert training(optimizer={"type": "lion"}).optimizer.beta_2 == 0.999   # faceswap's
    assert training(optimizer={"type": "rmsprop"}).optimizer.rho == 0.99    # faceswap's alpha
    for bad in ({"type": "lion", "epsilon_exponent": -7}, {"type": "nadam", "amsgrad": True},
                {"type": "rmsprop", "beta_1": 0.9}):
        with pytest.raises(ValueError, match="Extra inputs"):
            training(optimizer=bad)


def test_loss_list_length_and_duplicates():
    with pytest.raises(ValueError, match="at least 1"):
        training(losses=[])
    with pytest.raises(ValueError, match="at most 4"):
        training(losses=[{"function": f} for f in ("mae", "mse", "ssim", "gmsd", "ffl")])
    with pytest.raises(ValueError, match="mae is listed twice"):
        training(losses=[{"function": "mae"}, {"function": "mae", "weight": 2.0}])
    issues = issues_of("original", ["training.losses=[]"])
    assert issues[0].message == "0 entries; expected 1 to 4"


def test_warp_to_landmarks_is_accepted():
    # the faces' kind is checked by phazer train (tests/test_landmark_warp*.py)
    spec = load_spec("original", ["training.augmentation.warp_to_landmarks=true"]).spec
    assert spec.training.augmentation.warp_to_landmarks
    assert training(augmentation={"warp_to_landmarks": True}).augmentation.warp_to_landmarks


@pytest.mark.parametrize(("text", "expected"), [("on", "on"), ("off", "off"), ("auto", "auto"),
                                                 ("true", "on"), ("false", "off")])
def test_xla_words_survive_yaml(text, expected):
    assert load_spec("original", [f"training.xla={text}"]).spec.training.xla == expected
    dumped = dump_spec(load_spec("original", [f"training.xla={text}"]).spec)
    assert ModelSpec.model_validate(yaml.safe_load(dumped)).training.xla == expected


def test_strict_types():
    assert training(coverage=87).coverage == 87.0   # an int is a number
    with pytest.raises(ValueError):
        training(augmentation={"flip_chance": 50.5})  # faceswap's percentages are whole
    with pytest.raises(ValueError):
        training(mixed_precision="yes")


def test_exponent_floats_without_a_dot_are_numbers(tmp_path):
    path = write(tmp_path, "spec.yaml", """
        phazer: 1
        training:
          optimizer: {type: adamw, learning_rate: 3e-5, weight_decay: 4E-3}
        """)
    optimizer = load_spec(str(path)).spec.training.optimizer
    assert (optimizer.learning_rate, optimizer.weight_decay) == (3e-5, 4e-3)


# --- catalogs ------------------------------------------------------------------------------
def test_loss_choices_come_from_the_catalog():
    assert typing.get_args(LossName) == tuple(LOSSES)
    required = {"mae", "mse", "logcosh", "smooth_l1", "ssim", "ms_ssim", "gmsd", "ffl",
                "laplacian"}
    assert required <= set(LOSSES)
    for name, info in LOSSES.items():
        assert info.name == name and info.description.endswith(".")


def test_optimizer_variants_cover_the_catalog_exactly():
    tags = [tag for variant in OPTIMIZER_VARIANTS
            for tag in typing.get_args(variant.model_fields["type"].annotation)]
    assert sorted(tags) == sorted(OPTIMIZERS)
    assert {"adam", "adamw", "nadam", "adamax", "rmsprop", "lion", "sgd"} <= set(OPTIMIZERS)
    for tag in tags:
        training(optimizer={"type": tag})  # every variant builds with its defaults


def test_optimizer_arguments():
    name, kwargs = optimizer_arguments(ModelSpec().training.optimizer)
    assert name == "Adam"
    assert kwargs == {"learning_rate": 5e-5, "beta_1": 0.9, "beta_2": 0.999, "amsgrad": False,
                      "weight_decay": 0.0, "clipping": "none", "clipping_value": 1.0,
                      "autoclip_history": 10000, "epsilon": 1e-7,
                      "gradient_accumulation_steps": None}
    lion = training(optimizer={"type": "lion", "clipping": "global_norm",
                               "clipping_value": 2.0, "gradient_accumulation": 4}).optimizer
    name, kwargs = optimizer_arguments(lion)
    assert name == "Lion" and "epsilon" not in kwargs
    assert (kwargs["clipping"], kwargs["clipping_value"]) == ("global_norm", 2.0)
    assert kwargs["gradient_accumulation_steps"] == 4
    sgd = training(optimizer={"type": "sgd", "momentum": 0.9, "clipping": "value"}).optimizer
    assert optimizer_arguments(sgd) == ("SGD", {
        "learning_rate": 5e-5, "momentum": 0.9, "nesterov": False, "weight_decay": 0.0,
        "clipping": "value", "clipping_value": 1.0, "autoclip_history": 10000,
        "gradient_accumulation_steps": None})
    rms = training(optimizer={"type": "rmsprop", "epsilon_exponent": -5}).optimizer
    assert optimizer_arguments(rms)[1]["epsilon"] == pytest.approx(1e-5)


def _said_to_change_on_resume(model, prefix=""):
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        if "may change on resume" in (field.description or ""):
            yield path
        inner = field.annotation
        models = [inner] if isinstance(inner, type) and issubclass(inner, BaseModel) else \
            _union_variants(inner)
        for sub in models:
            yield from _said_to_change_on_resume(sub, f"{path}.")


def test_every_field_said_to_change_on_resume_may_change():
    said = set(_said_to_change_on_resume(ModelSpec))
    assert {"fc.dropout", "training.losses", "training.optimizer.learning_rate",
            "training.batch_size"} <= said
    assert all(is_resumable(path) for path in said), said


def test_spec_data_holds_the_training_section():
    data = spec_to_data(ModelSpec())
    assert list(data)[-1] == "training"
    assert next(iter(data["training"]["optimizer"])) == "type"


def test_the_docs_list_every_loss_and_optimizer():
    text = (Path(__file__).resolve().parent.parent / "docs" / "training-data.md").read_text()
    for name, info in LOSSES.items():
        assert f"| `{name}` | {info.faceswap_name} |" in text, name
    for name in OPTIMIZERS:
        assert f"| `{name}` |" in text, name
