"""The spec: schema groups, strictness, positions of issues, `extends`, overrides, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from phazer.catalog.encoders import ENCODERS
from phazer.spec import load_spec, schema_errors
from phazer.spec.encoders import FsOriginalEncoder, KerasEncoder
from phazer.spec.loader import load_raw
from phazer.spec.models import (
    ConvolutionsSpec,
    DecoderSpec,
    DenseBottleneck,
    FullyConnectedSpec,
    GBlockFCSpec,
    ModelSpec,
    RoutingSpec,
    WeightsSpec,
)
from tests.helpers import REPO, issues_of, run_fresh, write


def only_issue(path: Path | str, overrides: list[str] | None = None):
    issues = issues_of(path, overrides)
    assert len(issues) == 1, issues
    return issues[0]


def by_path(issues, field: str):
    matches = [i for i in issues if i.path == field]
    assert matches, f"no issue at {field}: {issues}"
    return matches[0]


@pytest.fixture
def preset_dir(builtin_presets):
    folder = builtin_presets({})
    write(folder, "base.yaml", """
        # a built-in preset for the tests
        phazer: 1
        name: base
        output_size: 256
        encoder:
          type: efficientnet_b4
          scaling: 60
          imagenet_weights: true
        fc:
          depth: 2
          dropout: 0.5
        decoder:
          res_blocks: 2
    """)
    return folder


# --- defaults ------------------------------------------------------------------------------
def test_empty_mapping_gets_every_default():
    spec = ModelSpec()
    assert spec.phazer == 1
    assert spec.output_size == 128
    assert spec.routing == RoutingSpec(split_fc=True, shared_fc="none", gblock=True,
                                       split_gblock=False, split_decoders=False)
    assert spec.encoder == FsOriginalEncoder(scaling=7, depth=4, min_filters=128,
                                             max_filters=1024, alt=False)
    assert spec.bottleneck == DenseBottleneck(size=1024, norm="none", in_encoder=True)
    assert spec.fc == FullyConnectedSpec(depth=1, min_filters=1024, max_filters=1024,
                                         dimensions=4, slope=-0.5, dropout=0.0,
                                         upsampler="upsample2d", upsamples=1,
                                         upsample_filters=512)
    assert spec.gblock_fc == GBlockFCSpec(depth=3, min_nodes=512, max_nodes=512, slope=-0.5,
                                          dropout=0.0)
    assert spec.decoder.slope == -0.45
    assert spec.decoder.slope_mode == "full"
    assert spec.decoder.output_kernel == 5
    assert spec.weights == WeightsSpec(freeze=["keras_encoder"], load=["encoder"])
    assert spec.convolutions == ConvolutionsSpec()


def test_group_defaults_fill_a_partial_file(tmp_path):
    path = write(tmp_path, "partial.yaml", """
        decoder:
          res_blocks: 3
    """)
    spec = load_spec(str(path)).spec
    assert spec.decoder.res_blocks == 3
    assert spec.decoder == DecoderSpec(res_blocks=3)
    assert spec.fc == FullyConnectedSpec()


def test_keras_encoder_defaults():
    spec = ModelSpec.model_validate({"encoder": {"type": "resnet50"}})
    assert spec.encoder == KerasEncoder(type="resnet50", scaling=7, imagenet_weights=False,
                                        weights_file=None)


def test_every_catalog_encoder_is_a_spec_choice():
    for name in ENCODERS:
        assert ModelSpec.model_validate({"encoder": {"type": name}}).encoder.type == name


# --- ranges --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [64, 80, 128, 1024, 2048])
def test_output_size_accepts_multiples_of_16_in_range(size):
    assert ModelSpec.model_validate({"output_size": size}).output_size == size


@pytest.mark.parametrize(("size", "code"), [(48, "PHZ104"), (2064, "PHZ104"),
                                            (250, "PHZ105"), (100, "PHZ105")])
def test_output_size_rejections(tmp_path, size, code):
    path = write(tmp_path, "s.yaml", f"output_size: {size}\n")
    issue = only_issue(path)
    assert (issue.code, issue.path, issue.line, issue.column) == (code, "output_size", 1, 14)


def test_not_a_multiple_hint_names_neighbours(tmp_path):
    issue = only_issue(write(tmp_path, "s.yaml", "output_size: 250\n"))
    assert "240" in issue.hint and "256" in issue.hint


@pytest.mark.parametrize("group", ["fc", "gblock_fc", "decoder"])
@pytest.mark.parametrize(("slope", "ok"), [(-0.99, True), (0.99, True), (0.0, True),
                                          (1.0, False), (-1.5, False)])
def test_slopes_are_limited(group, slope, ok):
    data = {group: {"slope": slope}}
    if ok:
        assert getattr(ModelSpec.model_validate(data), group).slope == slope
    else:
        with pytest.raises(ValidationError):
            ModelSpec.model_validate(data)


@pytest.mark.parametrize("group", ["fc", "gblock_fc"])
@pytest.mark.parametrize(("dropout", "ok"), [(0.0, True), (0.99, True), (1.0, False),
                                            (-0.1, False)])
def test_dropout_is_in_zero_one(group, dropout, ok):
    data = {group: {"dropout": dropout}}
    if ok:
        assert getattr(ModelSpec.model_validate(data), group).dropout == dropout
    else:
        with pytest.raises(ValidationError):
            ModelSpec.model_validate(data)


def test_out_of_range_message_shows_the_range(tmp_path):
    path = write(tmp_path, "s.yaml", """
        fc:
          dropout: 1.0
    """)
    issue = only_issue(path)
    assert issue.code == "PHZ104"
    assert "[0.0, 1.0)" in issue.message
    assert (issue.line, issue.column) == (2, 12)


@pytest.mark.parametrize("kernel", [1, 3, 5, 7, 9])
def test_odd_output_kernels_pass(kernel):
    assert ModelSpec.model_validate({"decoder": {"output_kernel": kernel}})


@pytest.mark.parametrize("kernel", [2, 4, 8])
def test_even_output_kernel_is_rejected(tmp_path, kernel):
    path = write(tmp_path, "s.yaml", f"decoder:\n  output_kernel: {kernel}\n")
    issue = only_issue(path)
    assert issue.code == "PHZ105"
    assert issue.path == "decoder.output_kernel"
    assert "odd" in issue.message
    assert (issue.line, issue.column) == (2, 18)


def test_integer_ranges_per_group(tmp_path):
    path = write(tmp_path, "s.yaml", """
        encoder:
          type: fs_original
          depth: 11
          scaling: 201
        bottleneck:
          type: dense
          size: 0
        fc:
          depth: 17
        decoder:
          res_blocks: 9
    """)
    issues = issues_of(path)
    assert {i.path for i in issues} == {"encoder.depth", "encoder.scaling", "bottleneck.size",
                                        "fc.depth", "decoder.res_blocks"}
    assert {i.code for i in issues} == {"PHZ104"}
    assert by_path(issues, "fc.depth").line == 9


# --- unknown keys --------------------------------------------------------------------------
def test_unknown_key_has_did_you_mean_and_key_position(tmp_path):
    path = write(tmp_path, "s.yaml", """
        name: x
        fc:
          depth: 2
          dimensons: 8
    """)
    issue = only_issue(path)
    assert issue.code == "PHZ101"
    assert issue.path == "fc.dimensons"
    assert issue.hint == "did you mean 'dimensions'?"
    assert (issue.line, issue.column) == (4, 3)
    assert "dimensions" in issue.message


def test_unknown_top_level_key(tmp_path):
    issue = only_issue(write(tmp_path, "s.yaml", "output_sise: 128\n"))
    assert (issue.code, issue.path, issue.line) == ("PHZ101", "output_sise", 1)
    assert "output_size" in issue.hint


def test_variant_option_outside_its_variant_is_unknown(tmp_path):
    path = write(tmp_path, "s.yaml", """
        encoder:
          type: efficientnet_b4
          depth: 4
    """)
    issue = only_issue(path)
    assert (issue.code, issue.path, issue.line) == ("PHZ101", "encoder.depth", 3)
    assert "imagenet_weights" in issue.message


def test_mobilenet_options_stay_in_their_variant():
    ModelSpec.model_validate({"encoder": {"type": "mobilenet", "depth_multiplier": 2}})
    with pytest.raises(ValidationError):
        ModelSpec.model_validate({"encoder": {"type": "mobilenet_v2", "depth_multiplier": 2}})
    ModelSpec.model_validate({"encoder": {"type": "mobilenet_v3_small", "minimalistic": True}})
    with pytest.raises(ValidationError):
        ModelSpec.model_validate({"encoder": {"type": "mobilenet", "minimalistic": True}})
    with pytest.raises(ValidationError):
        ModelSpec.model_validate({"encoder": {"type": "fs_original", "imagenet_weights": True}})


@pytest.mark.parametrize("kind", ["average_pooling", "max_pooling", "flatten"])
def test_bottleneck_size_only_with_dense(tmp_path, kind):
    path = write(tmp_path, "s.yaml", f"bottleneck:\n  type: {kind}\n  size: 512\n")
    issue = only_issue(path)
    assert (issue.code, issue.path, issue.line) == ("PHZ101", "bottleneck.size", 3)
    assert ModelSpec.model_validate({"bottleneck": {"type": "dense", "size": 512}})


# --- types ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "field"), [
    ('output_size: "128"', "output_size"),
    ("routing:\n  split_fc: 'true'", "routing.split_fc"),
    ('decoder:\n  slope: "0.5"', "decoder.slope"),
    ("name: 5", "name"),
    ("fc:\n  depth: 2.0", "fc.depth"),
])
def test_types_are_strict(tmp_path, text, field):
    issue = only_issue(write(tmp_path, "s.yaml", text + "\n"))
    assert (issue.code, issue.path) == ("PHZ103", field)


def test_quoted_number_hint(tmp_path):
    path = write(tmp_path, "s.yaml", """
        encoder:
          type: fs_original
          scaling: "4"
    """)
    issue = only_issue(path)
    assert issue.code == "PHZ103"
    assert "'4'" in issue.message
    assert "quotes" in issue.hint
    assert (issue.line, issue.column) == (3, 12)


def test_group_given_as_a_word(tmp_path):
    issue = only_issue(write(tmp_path, "s.yaml", "encoder: efficientnet_b4\n"))
    assert (issue.code, issue.path) == ("PHZ103", "encoder")
    assert "{type: efficientnet_b4}" in issue.hint


def test_list_given_as_a_word(tmp_path):
    issue = only_issue(write(tmp_path, "s.yaml", "weights:\n  freeze: encoder\n"))
    assert (issue.code, issue.path) == ("PHZ103", "weights.freeze")
    assert "[encoder]" in issue.hint


# --- choices -------------------------------------------------------------------------------
def test_bad_choice_with_did_you_mean(tmp_path):
    path = write(tmp_path, "s.yaml", """
        decoder:
          upscaler: subpixell
    """)
    issue = only_issue(path)
    assert (issue.code, issue.path, issue.line, issue.column) == (
        "PHZ102", "decoder.upscaler", 2, 13)
    assert issue.hint == "did you mean 'subpixel'?"


def test_bad_encoder_type(tmp_path):
    issue = only_issue(write(tmp_path, "s.yaml", "encoder:\n  type: efficientnet_b9\n"))
    assert (issue.code, issue.path, issue.line) == ("PHZ102", "encoder.type", 2)
    assert "efficientnet_b" in issue.hint


def test_unsupported_faceswap_encoder(tmp_path, monkeypatch):
    # every encoder faceswap offers is built today; the mechanism stays for the next one
    monkeypatch.setitem(schema_errors.UNSUPPORTED_ENCODERS, "clipv_rn50", "not built yet")
    issue = only_issue(write(tmp_path, "s.yaml", "encoder:\n  type: clipv_rn50\n"))
    assert (issue.code, issue.path) == ("PHZ108", "encoder.type")
    assert "not built yet" in issue.message


def test_clip_encoders_are_spec_choices(tmp_path):
    spec = load_spec(str(write(tmp_path, "s.yaml", "encoder:\n  type: clipv_vit-l-14\n"
                                                   "bottleneck:\n  type: flatten\n"))).spec
    assert spec.encoder.type == "clipv_vit-l-14" and spec.encoder.pretrained is False


def test_missing_variant_type(tmp_path):
    issue = only_issue(write(tmp_path, "s.yaml", "bottleneck:\n  size: 512\n"))
    assert (issue.code, issue.path) == ("PHZ106", "bottleneck.type")


def test_bad_list_item_choice(tmp_path):
    issue = only_issue(write(tmp_path, "s.yaml", "weights:\n  freeze: [encoder, fc_x]\n"))
    assert (issue.code, issue.path) == ("PHZ102", "weights.freeze.1")


def test_bad_format_version(tmp_path):
    issue = only_issue(write(tmp_path, "s.yaml", "phazer: 3\n"))
    assert (issue.code, issue.path, issue.line) == ("PHZ107", "phazer", 1)
    assert "versions 1 and 2" in issue.message


def test_version_2_is_the_graph_form(tmp_path):
    """`phazer: 2` is read as the graph form: its own required fields are asked for."""
    issues = issues_of(write(tmp_path, "s.yaml", "phazer: 2\n"))
    assert sorted((i.code, i.path) for i in issues) == [
        ("PHZ106", "models"), ("PHZ106", "routes"), ("PHZ106", "sides")]


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, "s.yaml", """
        output_size: 250
        fc:
          dept: 2
        decoder:
          upscaler: subpixell
          slope: 1.5
    """)
    assert {i.path for i in issues_of(path)} == {
        "output_size", "fc.dept", "decoder.upscaler", "decoder.slope"}


# --- frozen --------------------------------------------------------------------------------
def test_models_are_frozen():
    spec = ModelSpec()
    with pytest.raises(ValidationError):
        spec.output_size = 256  # type: ignore[misc]
    with pytest.raises(ValidationError):
        spec.fc.depth = 3  # type: ignore[misc]
    with pytest.raises(ValidationError):
        spec.encoder.scaling = 50  # type: ignore[misc]


def test_specs_are_hashable_and_comparable():
    assert ModelSpec() == ModelSpec()
    assert ModelSpec.model_validate({"fc": {"depth": 2}}) != ModelSpec()


# --- extends -------------------------------------------------------------------------------
def test_extends_a_builtin_preset(tmp_path, preset_dir):
    path = write(tmp_path, "child.yaml", """
        extends: base
        name: child
        fc:
          depth: 3
    """)
    spec = load_spec(str(path)).spec
    assert spec.name == "child"
    assert spec.output_size == 256
    assert spec.fc.depth == 3
    assert spec.fc.dropout == 0.5          # deep merge keeps the parent's sibling fields
    assert spec.decoder.res_blocks == 2
    assert spec.encoder.type == "efficientnet_b4"


def test_preset_name_is_a_reference(preset_dir):
    assert load_spec("base").spec.name == "base"


def test_extends_a_relative_file(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path, "parent.yaml", "output_size: 192\ndecoder:\n  res_blocks: 4\n")
    path = write(tmp_path / "sub", "child.yaml", "extends: ../parent.yaml\nname: c\n")
    spec = load_spec(str(path)).spec
    assert (spec.output_size, spec.decoder.res_blocks, spec.name) == (192, 4, "c")


def test_switching_encoder_type_replaces_the_encoder(tmp_path, preset_dir):
    path = write(tmp_path, "child.yaml", """
        extends: base
        encoder:
          type: fs_original
          depth: 5
    """)
    spec = load_spec(str(path)).spec
    assert spec.encoder == FsOriginalEncoder(depth=5)   # parent's scaling and weights dropped


def test_same_encoder_type_merges(tmp_path, preset_dir):
    path = write(tmp_path, "child.yaml", "extends: base\nencoder:\n  scaling: 50\n")
    encoder = load_spec(str(path)).spec.encoder
    assert (encoder.type, encoder.scaling, encoder.imagenet_weights) == (
        "efficientnet_b4", 50, True)


def test_extends_chain_of_three(tmp_path, preset_dir):
    write(tmp_path, "middle.yaml", "extends: base\nfc:\n  dimensions: 8\n")
    path = write(tmp_path, "leaf.yaml", "extends: middle.yaml\nfc:\n  depth: 1\n")
    spec = load_spec(str(path)).spec
    assert (spec.fc.depth, spec.fc.dimensions, spec.fc.dropout, spec.output_size) == (
        1, 8, 0.5, 256)


def test_issue_in_parent_points_at_the_parent(tmp_path):
    write(tmp_path, "parent.yaml", "name: p\nfc:\n  depth: 99\n")
    path = write(tmp_path, "child.yaml", "extends: parent.yaml\nname: c\n")
    issue = only_issue(path)
    assert issue.file == str(tmp_path / "parent.yaml")
    assert (issue.path, issue.line) == ("fc.depth", 3)


def test_child_value_overrides_parent_position(tmp_path):
    write(tmp_path, "parent.yaml", "fc:\n  depth: 2\n")
    path = write(tmp_path, "child.yaml", "extends: parent.yaml\n\nfc:\n  depth: 99\n")
    issue = only_issue(path)
    assert (issue.file, issue.line) == (str(path), 4)


def test_extends_cycle(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "name: b\nextends: a.yaml\n")
    issue = only_issue(tmp_path / "a.yaml")
    assert issue.code == "PHZ007"
    assert issue.path == "extends"
    assert (issue.file, issue.line) == (str(tmp_path / "b.yaml"), 2)
    assert "a.yaml" in issue.message and "b.yaml" in issue.message


def test_extends_itself(tmp_path):
    path = write(tmp_path, "a.yaml", "extends: a.yaml\n")
    assert only_issue(path).code == "PHZ007"


def test_extends_missing_file(tmp_path):
    path = write(tmp_path, "a.yaml", "name: a\nextends: nowhere.yaml\n")
    issue = only_issue(path)
    assert (issue.code, issue.path, issue.line, issue.column) == ("PHZ008", "extends", 2, 10)


def test_extends_unknown_preset_suggests(tmp_path, preset_dir):
    path = write(tmp_path, "a.yaml", "extends: bse\n")
    issue = only_issue(path)
    assert issue.code == "PHZ008"
    assert issue.hint == "did you mean 'base'?"


def test_extends_must_be_a_string(tmp_path):
    issue = only_issue(write(tmp_path, "a.yaml", "extends: [a, b]\n"))
    assert (issue.code, issue.line) == ("PHZ008", 1)


# --- --set overrides -----------------------------------------------------------------------
def test_overrides_apply_last(tmp_path, preset_dir):
    path = write(tmp_path, "a.yaml", "extends: base\nfc:\n  depth: 3\n")
    spec = load_spec(str(path), ["fc.depth=4", "decoder.learn_mask=true", "name=x y"]).spec
    assert (spec.fc.depth, spec.decoder.learn_mask, spec.name) == (4, True, "x y")
    assert spec.fc.dropout == 0.5


def test_override_creates_missing_groups(tmp_path):
    path = write(tmp_path, "a.yaml", "name: a\n")
    assert load_spec(str(path), ["gblock_fc.depth=5"]).spec.gblock_fc.depth == 5


def test_override_mapping_value_merges(tmp_path, preset_dir):
    spec = load_spec("base", ["encoder={scaling: 40}"]).spec
    assert (spec.encoder.type, spec.encoder.scaling) == ("efficientnet_b4", 40)
    spec = load_spec("base", ["encoder={type: fs_original}"]).spec
    assert spec.encoder == FsOriginalEncoder()


def test_override_values_are_typed_yaml(tmp_path):
    path = write(tmp_path, "a.yaml", "name: a\n")
    issue = only_issue(path, ['fc.depth="2"'])
    assert (issue.code, issue.path, issue.file, issue.line) == ("PHZ103", "fc.depth",
                                                                 '--set fc.depth="2"', None)


@pytest.mark.parametrize("text", ["fc.depth", "=3", "fc..depth=2", "fc.depth=[1"])
def test_malformed_override(tmp_path, text):
    path = write(tmp_path, "a.yaml", "name: a\n")
    issue = only_issue(path, [text])
    assert (issue.code, issue.file) == ("PHZ009", f"--set {text}")


def test_override_unknown_key_suggests(tmp_path):
    path = write(tmp_path, "a.yaml", "name: a\n")
    issue = only_issue(path, ["fc.dept=2"])
    assert (issue.code, issue.path, issue.hint) == ("PHZ101", "fc.dept",
                                                    "did you mean 'depth'?")


def test_load_raw_keeps_override_positions(tmp_path):
    path = write(tmp_path, "a.yaml", "fc:\n  depth: 1\n  dropout: 0.1\n")
    raw = load_raw(str(path), ["fc.depth=2"])
    assert raw.data["fc"] == {"depth": 2, "dropout": 0.1}
    assert raw.source.values[("fc", "depth")].file == "--set fc.depth=2"
    assert raw.source.values[("fc", "dropout")].line == 3


# --- files that are not specs --------------------------------------------------------------
def test_yaml_syntax_error(tmp_path):
    path = write(tmp_path, "s.yaml", "name: x\nfc:\n  depth: 2\n\tslope: 0.1\n")
    issue = only_issue(path)
    assert (issue.code, issue.file, issue.line) == ("PHZ003", str(path), 4)
    assert "YAML" in issue.message


def test_unclosed_bracket(tmp_path):
    path = write(tmp_path, "s.yaml", "name: x\nweights:\n  freeze: [encoder\n")
    issue = only_issue(path)
    assert issue.code == "PHZ003"
    assert issue.line is not None and issue.line >= 3


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    issue = only_issue(path)
    assert (issue.code, issue.file, issue.line) == ("PHZ004", str(path), 1)


def test_faceswap_json_file(tmp_path):
    path = tmp_path / "model_phaze_a_x_preset.json"
    path.write_text(json.dumps({"__filetype": "faceswap_preset", "enc_architecture": "fs_original",
                                "output_size": 128}))
    issue = only_issue(path)
    assert (issue.code, issue.file, issue.line) == ("PHZ005", str(path), 1)
    assert "import-faceswap" in issue.hint


def test_real_faceswap_preset_is_recognised():
    path = REPO / "tests" / "data" / "faceswap-presets" / "model_phaze_a_stojo_preset.json"
    assert only_issue(path).code == "PHZ005"


def test_directory(tmp_path):
    folder = tmp_path / "specs.yaml"
    folder.mkdir()
    issue = only_issue(folder)
    assert (issue.code, issue.file) == ("PHZ002", str(folder))


def test_missing_file(tmp_path):
    path = tmp_path / "missing.yaml"
    issue = only_issue(path)
    assert (issue.code, issue.file) == ("PHZ001", str(path))


def test_unknown_preset_name_suggests(preset_dir):
    issue = only_issue("bas")
    assert issue.code == "PHZ001"
    assert issue.hint == "did you mean 'base'?"


def test_not_a_mapping(tmp_path):
    issue = only_issue(write(tmp_path, "s.yaml", "- output_size: 128\n"))
    assert (issue.code, issue.line) == ("PHZ006", 1)


def test_duplicate_key(tmp_path):
    issue = only_issue(write(tmp_path, "s.yaml", "fc:\n  depth: 1\n  depth: 2\n"))
    assert (issue.code, issue.path, issue.line) == ("PHZ010", "fc.depth", 3)


def test_not_utf8(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    assert only_issue(path).code == "PHZ002"


# --- no TensorFlow -------------------------------------------------------------------------
def test_spec_validation_and_cli_do_not_import_tensorflow():
    result = run_fresh("import phazer.spec, phazer.pipeline.validation, phazer.cli.main",
                       env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert result.loaded("tensorflow", "keras", "tf_keras") == []


def _section_defaults():
    """Every (model, field, factory) whose default is another spec model's model_construct."""
    from phazer.spec.base import StrictModel
    from phazer.spec.graph_form import GraphSpec

    seen, todo, found = set(), [ModelSpec, GraphSpec], []
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            factory = info.default_factory
            owner = getattr(factory, "__self__", None)
            if isinstance(owner, type) and issubclass(owner, StrictModel):
                found.append((model.__name__, name, owner))
                todo.append(owner)
    return found


def test_left_out_sections_default_to_what_their_validator_makes():
    sections = _section_defaults()
    assert {name for _, name, _ in sections} >= {"training", "fc", "decoder", "optimizer",
                                                 "augmentation", "distribution", "phaze_a"}
    for model, name, section in sections:
        assert section.model_construct() == section.model_validate({}), (model, name)
    # a spec without those sections holds the same values as one that spells them out empty
    bare = ModelSpec.model_validate({"phazer": 1})
    spelt = ModelSpec.model_validate({"phazer": 1, "training": {}, "fc": {}, "decoder": {}})
    assert bare == spelt
