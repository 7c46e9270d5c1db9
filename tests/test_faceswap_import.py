"""The faceswap importer: presets, train.ini, dropped / defaulted / rejected options, bad files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from phazer.faceswap_import import default_name, import_faceswap, mapping_table
from phazer.faceswap_import.mapping import not_used_table
from phazer.faceswap_import.options import GLOBAL_OPTION_FACTS, PHAZE_A_OPTIONS
from phazer.issues import CODES, Issue
from phazer.spec import load_spec
from phazer.spec.dump import spec_to_data
from phazer.spec.encoders import (
    FsOriginalEncoder,
    KerasEncoder,
    MobileNetV1Encoder,
    MobileNetV2Encoder,
    MobileNetV3Encoder,
)
from phazer.spec.faceswap_names import GLOBAL_OPTIONS, MODEL_OPTIONS
from phazer.spec.models import ModelSpec
from phazer.spec.presets import preset_names, preset_path
from tests.helpers import EXAMPLE_INI as INI
from tests.helpers import REPO, by_code, edit_ini

DATA = INI.parent
CLIP = ["clipfaker128", "clipfaker256", "clipfaker448"]
BUILT_IN = ["original", "lightweight", "iae", "dfaker", "dfl-h128", "dfl-sae-df", "dfl-sae-liae",
            "dfl-saehd-df", "dfl-saehd-liae", "dny256", "dny512", "dny1024", "stojo", "sym384",
            *CLIP]
MOBILENET_OPTIONS = {"mobilenet_width", "mobilenet_depth", "mobilenet_dropout",
                     "mobilenet_minimalistic"}
FS_ORIGINAL_OPTIONS = {"fs_original_depth", "fs_original_min_filters",
                       "fs_original_max_filters", "fs_original_use_alt"}


def preset_file(name: str) -> Path:
    return DATA / f"model_phaze_a_{name}_preset.json"


def values(spec: ModelSpec) -> dict:
    data = spec_to_data(spec)
    # the descriptive text fields are the shipped preset's own words, not faceswap's
    return {k: v for k, v in data.items() if k not in ("name", "description", "tagline", "use")}


def codes(issues: list[Issue], severity: str | None = None) -> list[str]:
    return [i.code for i in issues if severity is None or i.severity == severity]


def stojo_options() -> dict:
    return json.loads(preset_file("stojo").read_text())


def write_json(tmp_path: Path, data: object, name: str = "model_phaze_a_test_preset.json"
               ) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2))
    return path


# --- the option tables ---------------------------------------------------------------------
def test_option_tables_cover_the_same_options():
    assert list(PHAZE_A_OPTIONS) == list(MODEL_OPTIONS)
    assert len(PHAZE_A_OPTIONS) == 48
    assert set(GLOBAL_OPTION_FACTS) == set(GLOBAL_OPTIONS)


def _spec_default(option: str) -> object:
    path = MODEL_OPTIONS[option][0]
    group, _, field = path.partition(".")
    if group == "encoder":
        variant = {"fs_original": FsOriginalEncoder(),
                   "mobilenet": MobileNetV1Encoder(type="mobilenet"),
                   "mobilenet_v2": MobileNetV2Encoder(type="mobilenet_v2"),
                   "mobilenet_v3": MobileNetV3Encoder(type="mobilenet_v3_small"),
                   "keras": KerasEncoder(type="resnet50")}
        for encoder in variant.values():
            if field in type(encoder).model_fields:
                return getattr(encoder, field)
        raise AssertionError(f"no encoder variant has {field}")
    if group == "bottleneck":
        return getattr(ModelSpec().bottleneck, field)
    value: object = ModelSpec()
    for part in path.split("."):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize("option", [o for o in MODEL_OPTIONS if o != "enc_load_weights"])
def test_faceswap_defaults_match_phazer_defaults(option):
    default = PHAZE_A_OPTIONS[option].default_value()
    assert _spec_default(option) == default


def test_enc_load_weights_is_the_one_differing_default():
    assert PHAZE_A_OPTIONS["enc_load_weights"].default is True
    assert KerasEncoder(type="resnet50").imagenet_weights is False


def test_global_defaults_match_phazer_defaults():
    spec = ModelSpec()
    for key, path in GLOBAL_OPTIONS.items():
        group, field = path.split(".")
        assert getattr(getattr(spec, group), field) == GLOBAL_OPTION_FACTS[key].default


def test_import_codes_are_registered():
    for code in ("PHZ401", "PHZ402", "PHZ403", "PHZ404", "PHZ405", "PHZ406", "PHZ407"):
        assert code in CODES


# --- the 14 presets ------------------------------------------------------------------------
@pytest.mark.parametrize("name", BUILT_IN)
def test_preset_imports_to_the_shipped_preset(name):
    result = import_faceswap(preset_file(name))
    assert result.spec is not None, result.issues
    assert result.kind == "preset"
    assert result.spec.name == name
    assert "faceswap" in result.spec.description
    assert set(codes(result.issues)) <= {"PHZ404"}
    shipped = load_spec(name)
    assert shipped.origin == str(preset_path(name))
    assert values(shipped.spec) == values(result.spec)


@pytest.mark.parametrize("name", BUILT_IN)
def test_shipped_preset_is_documented(name):
    spec = load_spec(name).spec
    text = preset_path(name).read_text()
    assert spec.name == name
    assert len(spec.description) > 80 and "imported from" not in spec.description.lower()
    assert text.startswith("#")
    assert text.count("#") >= 5  # a header plus comments on notable values


def test_every_buildable_faceswap_preset_ships():
    buildable = [default_name(p) for p in sorted(DATA.glob("model_phaze_a_*_preset.json"))
                 if import_faceswap(p).spec is not None]
    assert sorted(buildable) == sorted(BUILT_IN)
    assert set(BUILT_IN) <= set(preset_names())


def test_preset_drops_unused_encoder_options():
    result = import_faceswap(preset_file("stojo"))
    dropped = by_code(result.issues, "PHZ404")
    assert set(dropped) == FS_ORIGINAL_OPTIONS | MOBILENET_OPTIONS - {"mobilenet_minimalistic"}
    assert dropped["fs_original_depth"].message.startswith("fs_original_depth = 4 dropped")
    assert dropped["fs_original_depth"].line is not None
    assert result.spec.encoder.imagenet_weights is True
    assert result.spec.weights.freeze == ["keras_encoder"]


def test_preset_drops_size_of_a_pooling_bottleneck():
    result = import_faceswap(preset_file("sym384"))
    dropped = by_code(result.issues, "PHZ404")
    assert "bottleneck_size" in dropped
    assert "1280" in dropped["bottleneck_size"].message
    assert result.spec.bottleneck.type == "max_pooling"


def test_fs_original_preset_drops_enc_load_weights():
    result = import_faceswap(preset_file("original"))
    dropped = by_code(result.issues, "PHZ404")
    assert set(dropped) == MOBILENET_OPTIONS - {"mobilenet_minimalistic"} | {"enc_load_weights"}
    # older presets lack mobilenet_minimalistic; for a non-MobileNet encoder that is no news
    assert "PHZ407" not in codes(result.issues)


@pytest.mark.parametrize("name", CLIP)
def test_clip_presets_import(name):
    result = import_faceswap(preset_file(name))
    assert result.spec is not None, result.issues
    assert not [i for i in result.issues if i.severity == "error"]
    assert result.spec.encoder.type == "clipv_farl-b-16-64"
    assert result.spec.encoder.pretrained is True   # faceswap's enc_load_weights
    dropped = by_code(result.issues, "PHZ404")
    assert set(dropped) >= FS_ORIGINAL_OPTIONS | MOBILENET_OPTIONS
    assert "enc_load_weights" not in dropped


def test_enc_scaling_zero_is_accepted(tmp_path):
    result = import_faceswap(write_json(tmp_path, stojo_options() | {
        "enc_architecture": "fs_original", "enc_scaling": 0}))
    assert result.spec is not None and result.spec.encoder.scaling == 0


# --- train.ini -----------------------------------------------------------------------------
def test_example_train_ini_imports():
    result = import_faceswap(INI)
    assert result.kind == "ini"
    spec = result.spec
    assert spec is not None, result.issues
    assert spec.name == "example-train"
    assert spec.output_size == 128
    assert spec.routing.shared_fc == "half" and spec.routing.gblock is False
    assert spec.encoder.type == "fs_original"
    assert (spec.encoder.depth, spec.encoder.min_filters, spec.encoder.max_filters,
            spec.encoder.alt, spec.encoder.scaling) == (5, 128, 512, True, 16)
    assert spec.bottleneck.type == "flatten" and spec.bottleneck.norm == "rms"
    assert (spec.fc.depth, spec.fc.dimensions, spec.fc.slope, spec.fc.upsampler,
            spec.fc.upsamples) == (3, 1, -0.2, "upscale_hybrid", 2)
    assert (spec.gblock_fc.depth, spec.gblock_fc.min_nodes, spec.gblock_fc.max_nodes,
            spec.gblock_fc.slope) == (1, 256, 512, -0.19)
    assert (spec.decoder.upscaler, spec.decoder.norm, spec.decoder.slope,
            spec.decoder.res_blocks, spec.decoder.output_kernel) == (
        "upscale_dny", "batch", -0.89, 2, 7)
    assert spec.decoder.learn_mask is False
    assert spec.convolutions.model_dump() == {"icnr_init": False, "conv_aware_init": False,
                                              "reflect_padding": False}
    assert spec.weights.freeze == ["keras_encoder"] and spec.weights.load == ["encoder"]
    dropped = by_code(result.issues, "PHZ404")
    assert set(dropped) == MOBILENET_OPTIONS | {"enc_load_weights", "bottleneck_size"}
    assert not FS_ORIGINAL_OPTIONS & set(dropped)
    assert set(codes(result.issues)) == {"PHZ404", "PHZ408"}
    # the options phazer has no use for are named, at faceswap's defaults as infos
    assert set(by_code(result.issues, "PHZ408")) == {
        "global.nan_protection", "global.convert_batchsize", "global.optimizer.save_optimizer",
        "trainer.augmentation.mask_opacity", "trainer.augmentation.mask_color",
        "trainer.loader.num_processes", "trainer.loader.pre_fetch"}
    assert set(codes(result.issues, "info")) == {"PHZ404", "PHZ408"}
    # issues point at the ini's lines
    assert dropped["mobilenet_width"].line == 89
    assert dropped["mobilenet_width"].file == str(INI)


def test_ini_global_options_are_carried(tmp_path):
    path = edit_ini(tmp_path, {"learn_mask": "True", "icnr_init": "true",
                               "reflect_padding": "yes", "conv_aware_init": "False"})
    spec = import_faceswap(path).spec
    assert spec.decoder.learn_mask is True
    assert spec.convolutions.icnr_init is True
    assert spec.convolutions.reflect_padding is True
    assert spec.convolutions.conv_aware_init is False
    assert spec.name == "train"


def test_ini_other_models_are_named_and_comments_ignored(tmp_path):
    extra = ("\n# faceswap writes help text as comments\n[model.original]\n"
             "lowmem = False\n[model.dfaker]\noutput_size = 999\n[model.iae]\n")
    path = edit_ini(tmp_path, {}, extra=extra)
    text = path.read_text().replace("[model.phaze_a]",
                                    "# Phaze-A options\n; more comments\n[model.phaze_a]")
    path.write_text(text)
    result = import_faceswap(path)
    assert result.spec is not None and result.spec.output_size == 128
    assert set(codes(result.issues)) == {"PHZ404", "PHZ408"}
    dropped = by_code(result.issues, "PHZ404")
    lines = path.read_text().splitlines()
    assert dropped["model.dfaker"].line == lines.index("[model.dfaker]") + 1
    assert "[model.dfaker] output_size not used" in dropped["model.dfaker"].message
    assert "--model dfaker" in dropped["model.dfaker"].hint
    assert "model.original" in dropped and "model.iae" not in dropped  # nothing to name


def test_ini_unknown_sections_and_options_elsewhere_are_reported(tmp_path):
    text = INI.read_text().replace("[trainer.loader]\n", "[trainer.loader]\npre_fetsh = 3\n")
    path = tmp_path / "train.ini"
    path.write_text(text + "[trainer.loder]\nnum_processes = 2\n[convert.writer]\nformat = png\n")
    result = import_faceswap(path)
    unknown = by_code(result.issues, "PHZ403")
    assert set(unknown) == {"trainer.loader.pre_fetsh", "trainer.loder", "convert.writer"}
    assert "did you mean 'pre_fetch'?" in unknown["trainer.loader.pre_fetsh"].hint
    assert "did you mean 'trainer.loader'?" in unknown["trainer.loder"].hint
    assert "num_processes" in unknown["trainer.loder"].message
    assert unknown["convert.writer"].line == len(path.read_text().splitlines()) - 1
    assert all(i.severity == "info" for i in unknown.values())


def test_an_older_faceswaps_options_are_named(tmp_path):
    # faceswap 2's [global] also held autoclip and allow_growth
    path = tmp_path / "train.ini"
    path.write_text(INI.read_text().replace(
        "[global]\n", "[global]\nautoclip = True\nallow_growth = False\n"))
    result = import_faceswap(path)
    notes = by_code(result.issues, "PHZ408")
    assert notes["global.autoclip"].severity == "warning"
    assert "training.optimizer.clipping: autoclip" in notes["global.autoclip"].message
    assert notes["global.allow_growth"].severity == "info"
    assert not by_code(result.issues, "PHZ403")


def test_ini_unknown_option_is_reported(tmp_path):
    text = INI.read_text().replace("[model.phaze_a]\n", "[model.phaze_a]\nnew_option = 3\n")
    path = tmp_path / "train.ini"
    path.write_text(text)
    result = import_faceswap(path)
    assert result.spec is not None
    unknown = by_code(result.issues, "PHZ403")
    assert list(unknown) == ["new_option"]
    assert unknown["new_option"].severity == "info"


def test_ini_missing_options_use_faceswap_defaults(tmp_path):
    path = edit_ini(tmp_path, {}, drop=("dec_res_blocks", "learn_mask", "icnr_init",
                                        "mobilenet_width"))
    result = import_faceswap(path)
    assert result.spec is not None
    missing = by_code(result.issues, "PHZ407")
    assert set(missing) == {"dec_res_blocks", "global.loss.learn_mask", "global.icnr_init"}
    assert "1" in missing["dec_res_blocks"].message
    assert result.spec.decoder.res_blocks == 1
    assert result.spec.decoder.learn_mask is False


def test_ini_lists_are_split(tmp_path):
    path = edit_ini(tmp_path, {"freeze_layers": "encoder, fc_a fc_b", "load_layers": ""})
    spec = import_faceswap(path).spec
    assert spec.weights.freeze == ["encoder", "fc_a", "fc_b"]
    assert spec.weights.load == []


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("learn_mask", "maybe", "'maybe' is not a boolean"),
    ("split_fc", "Tru", "'Tru' is not a boolean"),
    ("fc_depth", "two", "'two' is not an integer"),
    ("output_size", "128.0", "'128.0' is not an integer"),
    ("fc_dropout", "lots", "'lots' is not a number"),
    ("fc_filter_slope", "nan", "'nan' is not a number"),
    ("dec_upscale_method", "subpixell", "'subpixell' is not a value faceswap offers"),
    ("freeze_layers", "encoder, fc_c", "'fc_c' is not a sub-model faceswap offers"),
])
def test_ini_unparsable_values_are_errors(tmp_path, key, value, expected):
    path = edit_ini(tmp_path, {key: value})
    result = import_faceswap(path)
    assert result.spec is None
    errors = [i for i in result.issues if i.severity == "error"]
    assert [i.code for i in errors] == ["PHZ406"]
    assert expected in errors[0].message
    assert errors[0].line is not None
    assert errors[0].path.endswith(key)


def test_typo_in_a_choice_gets_a_suggestion(tmp_path):
    path = edit_ini(tmp_path, {"dec_upscale_method": "subpixell"})
    issue = import_faceswap(path).issues[0]
    assert issue.hint == "did you mean 'subpixel'?"


def test_even_output_kernel_is_rejected(tmp_path):
    path = edit_ini(tmp_path, {"dec_output_kernel": "4"})
    result = import_faceswap(path)
    assert result.spec is None
    errors = [i for i in result.issues if i.severity == "error"]
    assert [i.code for i in errors] == ["PHZ405"]
    issue = errors[0]
    assert issue.path == "dec_output_kernel"
    assert "dec_output_kernel = 4" in issue.message and "odd" in issue.message
    assert "decoder.output_kernel" in issue.message
    assert issue.line == INI.read_text().splitlines().index("dec_output_kernel = 7") + 1


def test_several_problems_are_reported_at_once(tmp_path):
    path = edit_ini(tmp_path, {"dec_output_kernel": "4", "enc_architecture": "mobilenet",
                               "mobilenet_dropout": "1.5", "learn_mask": "perhaps"})
    result = import_faceswap(path)
    assert sorted(codes(result.issues, "error")) == ["PHZ405", "PHZ405", "PHZ406"]
    paths = {i.path for i in result.issues if i.severity == "error"}
    assert paths == {"dec_output_kernel", "mobilenet_dropout", "global.loss.learn_mask"}


# --- preset JSON variations ----------------------------------------------------------------
def test_keras_encoder_without_enc_load_weights_gets_faceswap_default(tmp_path):
    data = stojo_options()
    del data["enc_load_weights"]
    result = import_faceswap(write_json(tmp_path, data))
    assert result.spec.encoder.imagenet_weights is True
    assert "enc_load_weights" in by_code(result.issues, "PHZ407")


def test_mobilenet_options_follow_the_variant(tmp_path):
    data = stojo_options() | {"enc_architecture": "mobilenet_v3_small", "mobilenet_width": 0.75,
                              "mobilenet_minimalistic": True}
    result = import_faceswap(write_json(tmp_path, data))
    encoder = result.spec.encoder
    assert (encoder.type, encoder.width, encoder.minimalistic) == ("mobilenet_v3_small", 0.75,
                                                                   True)
    dropped = by_code(result.issues, "PHZ404")
    assert set(dropped) == FS_ORIGINAL_OPTIONS | {"mobilenet_depth", "mobilenet_dropout"}

    data["enc_architecture"] = "mobilenet"
    data["mobilenet_depth"] = 2
    encoder = import_faceswap(write_json(tmp_path, data)).spec.encoder
    assert (encoder.type, encoder.depth_multiplier, encoder.dropout) == ("mobilenet", 2, 0.001)


def test_json_lists_and_text_values(tmp_path):
    data = stojo_options() | {"freeze_layers": ["keras_encoder", "fc_a"],
                              "load_layers": "encoder,fc_gblock", "output_size": "192",
                              "split_fc": "False", "fc_dropout": 0}
    spec = import_faceswap(write_json(tmp_path, data)).spec
    assert spec.weights.freeze == ["keras_encoder", "fc_a"]
    assert spec.weights.load == ["encoder", "fc_gblock"]
    assert spec.output_size == 192 and spec.routing.split_fc is False
    assert spec.fc.dropout == 0.0 and isinstance(spec.fc.dropout, float)


@pytest.mark.parametrize(("key", "value"), [
    ("output_size", True), ("output_size", 128.0), ("split_fc", 1), ("fc_dropout", None),
    ("freeze_layers", {"a": 1}), ("shared_fc", 3),
])
def test_json_wrong_types_are_errors(tmp_path, key, value):
    result = import_faceswap(write_json(tmp_path, stojo_options() | {key: value}))
    assert result.spec is None
    assert codes(result.issues, "error") == ["PHZ406"]
    assert result.issues[0].path == key


def test_json_unknown_and_missing_options(tmp_path):
    data = stojo_options() | {"brand_new_option": 1}
    del data["dec_norm"]
    result = import_faceswap(write_json(tmp_path, data))
    assert result.spec is not None
    assert list(by_code(result.issues, "PHZ403")) == ["brand_new_option"]
    assert list(by_code(result.issues, "PHZ407")) == ["dec_norm"]
    assert result.spec.decoder.norm == "none"


def test_out_of_range_value_is_rejected(tmp_path):
    data = stojo_options() | {"enc_architecture": "mobilenet", "mobilenet_dropout": 1.5}
    result = import_faceswap(write_json(tmp_path, data))
    assert result.spec is None
    issue = next(i for i in result.issues if i.severity == "error")
    assert issue.code == "PHZ405" and issue.path == "mobilenet_dropout"
    assert "mobilenet_dropout = 1.5" in issue.message


def test_bad_sub_model_in_list_is_rejected_by_name(tmp_path):
    data = stojo_options() | {"load_layers": ["encoder", "keras_encoder"]}
    result = import_faceswap(write_json(tmp_path, data))
    assert result.spec is None
    assert [i.path for i in result.issues if i.severity == "error"] == ["load_layers"]


# --- names ---------------------------------------------------------------------------------
def test_names():
    assert default_name(Path("model_phaze_a_dfl-sae-df_preset.json")) == "dfl-sae-df"
    assert default_name(Path("/x/train.ini")) == "train"
    assert default_name(Path("my.json")) == "my"
    assert import_faceswap(preset_file("iae"), name="mine").spec.name == "mine"


# --- files that cannot be used -------------------------------------------------------------
def _only_error(result) -> Issue:
    assert result.spec is None
    assert len(result.issues) == 1 and result.issues[0].severity == "error"
    return result.issues[0]


def test_missing_file(tmp_path):
    issue = _only_error(import_faceswap(tmp_path / "nope.json"))
    assert issue.code == "PHZ401" and "no such file" in issue.message


def test_directory(tmp_path):
    issue = _only_error(import_faceswap(tmp_path))
    assert issue.code == "PHZ401" and "directory" in issue.message


def test_empty_file(tmp_path):
    path = tmp_path / "train.ini"
    path.write_text("  \n")
    issue = _only_error(import_faceswap(path))
    assert issue.code == "PHZ401" and "empty" in issue.message


def test_binary_file(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    issue = _only_error(import_faceswap(path))
    assert issue.code == "PHZ401" and "UTF-8" in issue.message


def test_malformed_json(tmp_path):
    path = tmp_path / "model_phaze_a_x_preset.json"
    path.write_text(preset_file("stojo").read_text()[:300])
    issue = _only_error(import_faceswap(path))
    assert issue.code == "PHZ401"
    assert "is not valid JSON" in issue.message and issue.line is not None


def test_duplicate_json_key(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"output_size": 128, "output_size": 256}')
    issue = _only_error(import_faceswap(path))
    assert issue.code == "PHZ401" and "appears twice" in issue.message


@pytest.mark.parametrize(("data", "expected"), [
    ([1, 2, 3], "holds a JSON list"),
    ({"__filetype": "faceswap_preset", "__section": "train|model|original", "lowmem": False},
     "not for Phaze-A"),
    ({"__filetype": "faceswap_project", "output_size": 128}, "is not a faceswap preset"),
    ({"name": "a phazer spec?"}, "holds no Phaze-A options"),
])
def test_json_that_is_not_a_phaze_a_preset(tmp_path, data, expected):
    issue = _only_error(import_faceswap(write_json(tmp_path, data, "x.json")))
    assert issue.code == "PHZ402"
    assert expected in issue.message


def test_ini_without_phaze_a_section(tmp_path):
    path = tmp_path / "train.ini"
    path.write_text("[global]\nicnr_init = False\n[model.original]\nlowmem = False\n")
    issue = _only_error(import_faceswap(path))
    assert issue.code == "PHZ402"
    assert "no [model.phaze_a] section" in issue.message and "[model.original]" in issue.message


@pytest.mark.parametrize(("text", "expected"), [
    ("just some text\n", "not a valid .ini file"),
    ("[model.phaze_a]\noutput_size = 64\noutput_size = 128\n", "not a valid .ini file"),
])
def test_malformed_ini(tmp_path, text, expected):
    path = tmp_path / "train.ini"
    path.write_text(text)
    issue = _only_error(import_faceswap(path))
    assert issue.code == "PHZ401" and expected in issue.message


def test_kind_is_sniffed_without_a_known_suffix(tmp_path):
    json_copy = tmp_path / "preset.txt"
    json_copy.write_text(preset_file("original").read_text())
    ini_copy = tmp_path / "train.cfg.bak"
    ini_copy.write_text(INI.read_text())
    assert import_faceswap(json_copy).kind == "preset"
    assert import_faceswap(ini_copy).kind == "ini"


# --- docs ----------------------------------------------------------------------------------
def test_docs_hold_the_generated_not_used_table():
    text = (REPO / "docs" / "import-faceswap.md").read_text()
    match = re.search(r"<!-- not-used-table:start -->\n(.*)<!-- not-used-table:end -->", text,
                      re.S)
    assert match, "docs/import-faceswap.md lost its not-used-table markers"
    assert match.group(1) == not_used_table(), (
        "regenerate the table with phazer.faceswap_import.mapping.not_used_table()")


def test_docs_hold_the_generated_mapping_table():
    text = (REPO / "docs" / "import-faceswap.md").read_text()
    match = re.search(r"<!-- mapping-table:start -->\n(.*)<!-- mapping-table:end -->", text,
                      re.S)
    assert match, "docs/import-faceswap.md lost its mapping-table markers"
    assert match.group(1) == mapping_table(), (
        "regenerate the table with phazer.faceswap_import.mapping_table()")
    for option in MODEL_OPTIONS:
        assert f"`{option}`" in match.group(1)
