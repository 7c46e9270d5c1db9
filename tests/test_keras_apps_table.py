"""The generated Keras Applications table and the ``keras_app`` op (TensorFlow-free, fast)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from phazer.catalog import keras_apps
from phazer.catalog.encoders import ENCODERS
from phazer.catalog.keras_apps import (
    KerasAppLookupError,
    allowed_input_sizes,
    allowed_options,
    describe_sizes,
    keras_app_encoders,
    keras_app_figures,
    keras_app_kwargs,
    load_table,
    refused_input_sizes,
)
from phazer.ir import IRShapeError, ParamCount, SubModelBuilder
from tests.helpers import run_fresh

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "phaze-a" / "reference.json").read_text())
KERAS_ENCODERS = sorted(name for name, info in ENCODERS.items() if info.is_keras_application)
WIDTHS = [round(0.05 * step, 2) for step in range(2, 41)]


def _nested_app(case_name: str) -> tuple[dict, dict]:
    """A reference case's config and its encoder's nested Keras Applications model."""
    case = next(c for c in REFERENCE["cases"] if c["name"] == case_name)
    encoder = case["result"]["sub_models"]["encoder"]
    (nested,) = encoder["nested_models"].values()
    return case["config"], nested


# --- coverage ---------------------------------------------------------------------------------
def test_table_covers_every_keras_encoder_of_the_catalog() -> None:
    assert list(keras_app_encoders()) == KERAS_ENCODERS


@pytest.mark.parametrize("name", KERAS_ENCODERS)
def test_every_size_the_input_rule_gives_is_tabulated(name: str) -> None:
    info = ENCODERS[name]
    entry = load_table()["encoders"][name]
    assert (entry["keras_name"], entry["default_size"], entry["min_size"]) == (
        info.keras_name, info.default_size, info.min_size), "catalog changed: regenerate"
    reachable = {info.input_size(scaling) for scaling in range(1, 201)}
    assert reachable <= set(entry["sizes"])
    assert len(entry["out"]) == len(entry["sizes"])
    for variant in entry["variants"].values():
        assert len(variant["flops"]) == len(entry["sizes"])
        figures = zip(entry["out"], variant["flops"], strict=True)
        assert all((out is None) == (flops is None) for out, flops in figures)
    assert set(refused_input_sizes(name)) == {
        size for size, out in zip(entry["sizes"], entry["out"], strict=True) if out is None}


def test_mobilenet_option_grids() -> None:
    assert allowed_options("mobilenet") == {"width": tuple(WIDTHS),
                                            "depth_multiplier": tuple(range(1, 11))}
    assert allowed_options("mobilenet_v2") == {"width": tuple(WIDTHS)}
    for name in ("mobilenet_v3_small", "mobilenet_v3_large"):
        assert allowed_options(name) == {"width": tuple(WIDTHS), "minimalistic": (False, True)}
    assert allowed_options("resnet50") == {}
    table = load_table()["encoders"]
    assert len(table["mobilenet"]["variants"]) == len(WIDTHS) * 10
    assert len(table["mobilenet_v3_small"]["variants"]) == len(WIDTHS) * 2


def test_table_file_is_small() -> None:
    from importlib import resources

    size = resources.files("phazer.catalog").joinpath("keras_apps_table.json").stat().st_size
    assert size < 1_000_000


# --- golden figures from faceswap's models ------------------------------------------------------
@pytest.mark.parametrize(("case_name", "encoder", "size"), [
    ("stojo", "efficientnet_b4", 224),
    ("sym384", "efficientnet_v2_s", 384),
])
def test_reference_nested_models(case_name: str, encoder: str, size: int) -> None:
    config, nested = _nested_app(case_name)
    assert config["enc_architecture"] == encoder
    assert ENCODERS[encoder].input_size(config["enc_scaling"]) == size
    assert nested["input_shapes"] == [[None, size, size, 3]]
    figures = keras_app_figures(encoder, size)
    assert figures.params.total == nested["params"]
    assert figures.params.trainable == nested["trainable_params"]
    assert figures.params.non_trainable == nested["non_trainable_params"]
    assert [None, *figures.output_shape] == nested["output_shapes"][0]


def test_figures_grow_with_the_input_and_the_width() -> None:
    small, large = keras_app_figures("resnet50", 112), keras_app_figures("resnet50", 224)
    assert small.params == large.params
    assert small.output_shape == (4, 4, 2048) and large.output_shape == (7, 7, 2048)
    assert 0 < small.flops < large.flops
    # ResNet50 is about 4.1 GMACs at 224 px
    assert 7.5e9 < large.flops < 8.5e9
    thin = keras_app_figures("mobilenet_v2", 224, width=0.5)
    wide = keras_app_figures("mobilenet_v2", 224, width=1.4)
    assert thin.params.total < wide.params.total and thin.flops < wide.flops
    assert keras_app_figures("mobilenet_v2", 224) == keras_app_figures("mobilenet_v2", 224,
                                                                       width=1.0)


def test_mobilenet_options() -> None:
    default = keras_app_figures("mobilenet", 224)
    assert default.params.total == 3_228_864 and default.output_shape == (7, 7, 1024)
    assert keras_app_figures("mobilenet", 224, dropout=0.5) == default  # no top: no effect
    deeper = keras_app_figures("mobilenet", 224, depth_multiplier=2)
    assert deeper.params.total > default.params.total
    assert deeper.output_shape == default.output_shape
    plain = keras_app_figures("mobilenet_v3_large", 224, minimalistic=True)
    assert plain.params.total < keras_app_figures("mobilenet_v3_large", 224).params.total
    assert keras_app_figures("mobilenet_v3_small", 224, width=0.75).output_shape == (7, 7, 432)


def test_non_multiple_of_16_minimum_sizes() -> None:
    assert allowed_input_sizes("inception_v3")[:2] == (75, 80)
    assert allowed_input_sizes("xception")[:2] == (71, 80)
    assert keras_app_figures("inception_v3", 75).output_shape == (1, 1, 2048)
    assert describe_sizes(allowed_input_sizes("inception_v3")) == "75, 80-592 px (step 16)"


def test_constructor_kwargs() -> None:
    assert keras_app_kwargs("efficientnet_v2_s") == {"include_top": False,
                                                     "include_preprocessing": False}
    assert keras_app_kwargs("convnext_tiny") == {"include_top": False}
    assert keras_app_kwargs("mobilenet", width=0.5, dropout=0.1) == {
        "include_top": False, "alpha": 0.5, "depth_multiplier": 1, "dropout": 0.1}
    assert keras_app_kwargs("mobilenet_v3_small", minimalistic=True) == {
        "include_top": False, "include_preprocessing": False, "alpha": 1.0,
        "minimalistic": True}


# --- errors ---------------------------------------------------------------------------------
def test_size_outside_the_table_names_the_range() -> None:
    with pytest.raises(KerasAppLookupError, match=r"230 px.*32-752 px \(step 16\)"):
        keras_app_figures("efficientnet_b4", 230)
    with pytest.raises(KerasAppLookupError, match="75, 80-592"):
        keras_app_figures("inception_v3", 64)
    with pytest.raises(KerasAppLookupError, match="32-448"):
        keras_app_figures("resnet50", 464)


def test_unknown_encoder_and_options() -> None:
    with pytest.raises(KerasAppLookupError, match="fs_original"):
        keras_app_figures("fs_original", 64)
    with pytest.raises(KerasAppLookupError, match=r"0\.10 to 2\.00 in steps of 0\.05"):
        keras_app_figures("mobilenet_v2", 224, width=0.33)
    with pytest.raises(KerasAppLookupError, match="depth_multiplier=11"):
        keras_app_figures("mobilenet", 224, depth_multiplier=11)
    with pytest.raises(KerasAppLookupError, match="no option 'depth_multiplier'"):
        keras_app_figures("mobilenet_v2", 224, depth_multiplier=2)
    with pytest.raises(KerasAppLookupError, match="takes no options"):
        allowed_input_sizes("resnet50", width=0.5)
    with pytest.raises(KerasAppLookupError, match="minimalistic"):
        keras_app_figures("mobilenet_v3_small", 224, minimalistic=1)


def test_table_is_read_only() -> None:
    table = load_table()
    with pytest.raises(TypeError):
        table["encoders"]["resnet50"]["sizes"][0] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        table["encoders"]["resnet50"]["refused"]["32"] = "x"  # type: ignore[index]


# --- the keras_app op ---------------------------------------------------------------------------
def test_keras_app_op_reproduces_stojos_encoder() -> None:
    case = next(c for c in REFERENCE["cases"] if c["name"] == "stojo")
    encoder = case["result"]["sub_models"]["encoder"]
    builder = SubModelBuilder("encoder")
    x = builder.input((224, 224, 3))
    x = builder.add("multiply", [x, x], name="multiply")  # the pixel scaling, parameter-free
    app = builder.add("keras_app", x, name="efficientnetb4", encoder="efficientnet_b4",
                      input_size=224, imagenet_weights=False)
    x = builder.add("flatten", app)
    x = builder.add("dense", x, units=512)
    sub = builder.build(x)
    assert app.shape == (7, 7, 1792)
    assert sub.params == ParamCount(encoder["trainable_params"], encoder["non_trainable_params"])
    assert sub.output_shapes == ((512,),)
    op = next(o for o in sub.ops if o.kind == "keras_app")
    assert op.flops == keras_app_figures("efficientnet_b4", 224).flops > 0


def test_keras_app_op_with_mobilenet_options() -> None:
    builder = SubModelBuilder("encoder")
    x = builder.input((128, 128, 3))
    app = builder.add("keras_app", x, encoder="mobilenet", input_size=128, width=0.5,
                      depth_multiplier=2, dropout=0.001, minimalistic=None)
    op = builder.build(app).ops[-1]
    figures = keras_app_figures("mobilenet", 128, width=0.5, depth_multiplier=2)
    assert op.shape == figures.output_shape == (4, 4, 512)
    assert op.params == ParamCount(*figures.params)


def test_keras_app_op_errors_name_the_layer() -> None:
    builder = SubModelBuilder("encoder")
    x = builder.input((230, 230, 3))
    with pytest.raises(IRShapeError, match=r"encoder/app \(keras_app\).*230 px.*32-752"):
        builder.add("keras_app", x, name="app", encoder="efficientnet_b4", input_size=230)
    with pytest.raises(IRShapeError, match="expects a 224x224x3 input"):
        builder.add("keras_app", x, name="app", encoder="efficientnet_b4", input_size=224)
    y = builder.input((224, 224, 3), name="other")
    with pytest.raises(IRShapeError, match=r"width=0\.33"):
        builder.add("keras_app", y, encoder="mobilenet_v2", input_size=224, width=0.33)


# --- no TensorFlow ------------------------------------------------------------------------------
def test_lookups_do_not_import_tensorflow_or_keras() -> None:
    result = run_fresh(textwrap.dedent("""
        import phazer.catalog.keras_apps as apps
        import phazer.ir
        assert "keras_app" in phazer.ir.OP_KINDS
        apps.keras_app_figures("efficientnet_b4", 224)
    """), timeout=60)
    assert result.returncode == 0, result.stderr or result.stdout
    assert result.loaded()[:5] == []


def _thawed(value: object) -> object:
    if isinstance(value, Mapping):
        return {key: _thawed(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_thawed(item) for item in value]
    return value


@pytest.mark.parametrize("name", KERAS_ENCODERS)
def test_one_entry_parsed_alone_is_the_whole_tables(name: str) -> None:
    alone = keras_apps._encoder_entry(name)
    assert alone is not None
    assert _thawed(alone) == _thawed(load_table()["encoders"][name])


def test_an_unknown_encoder_still_names_the_table() -> None:
    with pytest.raises(KerasAppLookupError, match="the table has: convnext_base"):
        allowed_input_sizes("no_such_net")
