"""Which spec changes a resumed training run accepts: `phazer.spec.resume`."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from phazer.spec import load_spec
from phazer.spec.models import ModelSpec
from phazer.spec.resume import (
    ABSENT,
    FIXED_TRAINING_FIELDS,
    RESUMABLE_FIELDS,
    RESUME_RULES,
    format_diff,
    is_resumable,
    model_defining_diff,
    spec_diff,
)
from phazer.spec.schema_errors import _union_variants
from tests.helpers import TINY_SPEC


def spec(**overrides) -> ModelSpec:
    return ModelSpec.model_validate(overrides)


def changed(name: str, overrides: list[str]) -> tuple[ModelSpec, ModelSpec]:
    return load_spec(name).spec, load_spec(name, overrides).spec


def test_same_spec_has_no_diff():
    assert spec_diff(ModelSpec(), ModelSpec()) == []
    assert model_defining_diff(load_spec("stojo").spec, load_spec("stojo").spec) == []


@pytest.mark.parametrize("overrides", [
    ["training.optimizer.learning_rate=1e-4", "training.optimizer.epsilon_exponent=-5"],
    ["training.losses=[{function: mae}, {function: ffl, weight: 0.2}]"],
    ["training.batch_size=4", "training.save_interval=10", "training.xla=off"],
    ["training.augmentation.warp=false", "training.augmentation.flip_chance=0"],
    ["training.optimizer.clipping=autoclip", "training.preview_images=4"],
    ["training.penalized_mask_loss=false", "training.mask_loss=mae"],
    ["fc.dropout=0.3", "gblock_fc.dropout=0.1"],
    ["weights.freeze=[encoder]", "weights.load=[]"],
    ["name=renamed", "description=changed"],
])
def test_resumable_changes_pass(overrides):
    old, new = changed("original", overrides)
    assert spec_diff(old, new), "the override should change something"
    assert model_defining_diff(old, new) == []


@pytest.mark.parametrize(("before", "after", "allowed"), [
    ("false", "bfloat16", True), ("bfloat16", "false", True),   # same optimizer state
    ("true", "float16", True),                                   # the same precision
    ("false", "true", False), ("bfloat16", "float16", False),    # float16 adds loss scaling
    ("float16", "false", False), ("true", "bfloat16", False),
])
def test_precision_may_change_only_without_changing_loss_scaling(before, after, allowed):
    old = load_spec("original", [f"training.mixed_precision={before}"]).spec
    new = load_spec("original", [f"training.mixed_precision={after}"]).spec
    refused = [path for path, _, _ in model_defining_diff(old, new)]
    assert refused == ([] if allowed else ["training.mixed_precision"])


def test_model_changes_are_listed_with_both_values():
    old, new = changed("original", ["fc.depth=2", "output_size=128",
                                    "training.optimizer.learning_rate=1e-4"])
    diff = model_defining_diff(old, new)
    assert diff == [("output_size", 64, 128), ("fc.depth", 1, 2)]
    assert format_diff(diff) == ["output_size: 64 -> 128", "fc.depth: 1 -> 2"]


@pytest.mark.parametrize(("override", "path"), [
    ("training.coverage=87.5", "training.coverage"),
    ("training.mixed_precision=true", "training.mixed_precision"),
    ("training.optimizer.amsgrad=true", "training.optimizer.amsgrad"),
    ("training.optimizer.gradient_accumulation=2", "training.optimizer.gradient_accumulation"),
    ("decoder.output_kernel=3", "decoder.output_kernel"),
    ("routing.split_decoders=false", "routing.split_decoders"),
])
def test_fixed_fields_are_refused(override, path):
    old, new = changed("original", [override])
    assert [change[0] for change in model_defining_diff(old, new)] == [path]


def test_a_new_optimizer_type_is_refused_and_shows_absent_fields():
    old, new = spec(), spec(training={"optimizer": {"type": "sgd", "momentum": 0.9}})
    diff = {path: (before, after) for path, before, after in model_defining_diff(old, new)}
    assert diff["training.optimizer.type"] == ("adam", "sgd")
    assert diff["training.optimizer.momentum"] == (ABSENT, 0.9)
    assert "training.optimizer.beta_1" not in diff  # resumable: only its absence differs
    lines = format_diff(model_defining_diff(old, new))
    assert 'training.optimizer.type: "adam" -> "sgd"' in lines
    assert "training.optimizer.momentum: (not set) -> 0.9" in lines


def test_encoder_change_lists_the_variant_fields():
    old, new = spec(), spec(encoder={"type": "efficientnet_b0"})
    paths = [path for path, _, _ in model_defining_diff(old, new)]
    assert paths[0] == "encoder.type"
    assert "encoder.depth" in paths                    # fs_original's own option went away
    assert "encoder.imagenet_weights" not in paths     # only read when the model is created


def test_rules_most_specific_wins():
    assert is_resumable("training") and is_resumable("training.losses.1.weight")
    assert not is_resumable("training.coverage")
    assert is_resumable("training.optimizer.learning_rate")
    assert not is_resumable("training.optimizer.type")
    assert not is_resumable("fc.depth") and not is_resumable("unknown.field")
    assert "training" in RESUMABLE_FIELDS and "fc.dropout" in RESUMABLE_FIELDS
    assert "training.coverage" in FIXED_TRAINING_FIELDS


def _all_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    paths = set()
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.add(path)
        inner = field.annotation
        models = [inner] if isinstance(inner, type) and issubclass(inner, BaseModel) else \
            _union_variants(inner)
        for sub in models:
            paths |= _all_paths(sub, f"{path}.")
    return paths


def test_every_rule_names_a_real_field():
    paths = _all_paths(ModelSpec)
    assert set(RESUME_RULES) <= paths, set(RESUME_RULES) - paths


def test_the_docs_list_every_rule():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "training-data.md").read_text()
    for path in RESUME_RULES:
        assert f"`{path}`" in text, path


def test_a_phaze_a_model_resumes_with_its_graph_form(tmp_path, monkeypatch):
    """phazer render --graph of the spec a model was trained with continues it; a model-defining
    change in the graph form is still refused, named by its graph-form path."""
    from phazer.cli.render import render_text
    from phazer.train.modeldir import ModelDir, TrainState
    from phazer.train.precheck import TrainInputError, check_resume

    trained_with = load_spec(TINY_SPEC).spec
    graph_file = tmp_path / "graph.yaml"
    graph_file.write_text(render_text(TINY_SPEC, graph=True), encoding="utf-8")
    for name, value in (("is_model", True), ("has_weights", True)):
        monkeypatch.setattr(ModelDir, name, lambda self, value=value: value)
    monkeypatch.setattr(ModelDir, "read_state", lambda self: TrainState())
    monkeypatch.setattr(ModelDir, "read_spec", lambda self: trained_with)
    folder = ModelDir(tmp_path / "model")
    assert check_resume(folder, load_spec(str(graph_file)).spec)[1] is True
    changed = load_spec(str(graph_file), ["phaze_a.decoder.max_filters=1024"]).spec
    with pytest.raises(TrainInputError) as caught:
        check_resume(folder, changed)
    assert caught.value.details == ["phaze_a.decoder.max_filters: 64 -> 1024"]
