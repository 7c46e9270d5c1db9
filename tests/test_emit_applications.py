"""Keras Applications encoders (the ``keras_app`` op): options, naming, offline ImageNet weights."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phazer.catalog.encoders import ENCODERS
from phazer.ir.graph import Op, SubModelIR
from phazer.ir.ops import ParamCount

# Keras' TensorFlow backend still calls np.array(tensor) the numpy-1 way.
pytestmark = [pytest.mark.keras,
              pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")]

keras = pytest.importorskip("keras")


def _op(encoder: str = "mobilenet_v3_small", size: int = 32, name: str = "mobilenetv3small",
        **attrs: Any) -> Op:
    attrs = {"encoder": encoder, "input_size": size, "imagenet_weights": False, **attrs}
    return Op(name, "keras_app", ("input",), attrs, ((size, size, 3),), (1, 1, 576),
              ParamCount(), 0)


def _small_app(**attrs: Any) -> keras.Model:
    from phazer.emit.applications import build_keras_app

    return build_keras_app(_op(**attrs))


def test_app_is_a_named_functional_with_faceswaps_options() -> None:
    app = _small_app(width=0.75, minimalistic=True)
    assert isinstance(app, keras.Model)
    assert app.name == "mobilenetv3small"
    assert app.inputs[0].name == "mobilenetv3small_input"
    reference = keras.applications.MobileNetV3Small(
        input_shape=(32, 32, 3), alpha=0.75, minimalistic=True, include_top=False, weights=None,
        include_preprocessing=False)
    assert app.count_params() == reference.count_params()
    # No Keras preprocessing for an encoder fed -1..1 (the IR rescales the input itself).
    assert not any(isinstance(layer, keras.layers.Rescaling) for layer in app.layers)


def test_app_names_are_stable_and_any_name_works() -> None:
    first, again = _small_app(name="enc"), _small_app(name="enc")
    assert first.name == "enc"
    assert [layer.name for layer in first.layers] == [layer.name for layer in again.layers]
    assert [v.path for v in first.weights] == [v.path for v in again.weights]
    # EfficientNetV2 looks its blocks up by Keras' model name: a custom op name still works.
    assert _small_app(encoder="efficientnet_v2_b0", name="encoder_app").name == "encoder_app"


def test_submodel_with_an_app_saves_and_loads_in_safe_mode(tmp_path: Path) -> None:
    from phazer.emit import emit_submodel

    source = Op("input", "input", (), {"shape": (32, 32, 3)}, (), (32, 32, 3), ParamCount(), 0)
    app = _op(name="mobilenetv3small")
    flatten = Op("flatten", "flatten", (app.name,), {}, (app.shape,), (576,), ParamCount(), 0)
    sub = SubModelIR("encoder", ("input",), ("flatten",), (source, app, flatten))
    model = emit_submodel(sub)
    assert isinstance(model.get_layer("mobilenetv3small"), keras.Model)
    path = tmp_path / "encoder.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = np.random.default_rng(0).uniform(-1, 1, size=(2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x, training=False)),
                               keras.ops.convert_to_numpy(loaded(x, training=False)),
                               rtol=1e-5, atol=1e-5)


def test_options_that_do_not_apply_are_rejected() -> None:
    from phazer.emit import EmitError

    with pytest.raises(EmitError, match="depth_multiplier"):
        _small_app(encoder="resnet50", depth_multiplier=2)
    with pytest.raises(EmitError, match="not a Keras Applications encoder"):
        _small_app(encoder="fs_original")


def test_missing_imagenet_weights_raise_a_clear_error(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from phazer.emit import WeightsUnavailableError

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    with pytest.raises(WeightsUnavailableError) as info:
        _small_app(imagenet_weights=True)
    message = str(info.value)
    assert "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5" in message
    assert "does not download" in message and "weights_file" in message
    assert str(tmp_path / "keras_home" / "models") in message
    with pytest.raises(WeightsUnavailableError, match="does not exist"):
        _small_app(imagenet_weights=True, weights_file=str(tmp_path / "nope.weights.h5"))


def test_weights_file_is_loaded(tmp_path: Path) -> None:
    source = _small_app()
    path = tmp_path / "encoder.weights.h5"
    source.save_weights(path)
    loaded = _small_app(imagenet_weights=True, weights_file=str(path))
    fresh = _small_app()
    assert not np.array_equal(keras.ops.convert_to_numpy(source.weights[0]),
                              keras.ops.convert_to_numpy(fresh.weights[0]))
    for a, b in zip(source.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


def test_weights_are_read_from_the_keras_cache(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    h5py = pytest.importorskip("h5py")
    from keras.src.legacy.saving import legacy_h5_format  # the format of Keras' weight files

    source = _small_app()
    cache = tmp_path / "models"
    cache.mkdir()
    with h5py.File(cache / "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5", "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, source)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    loaded = _small_app(imagenet_weights=True)
    for a, b in zip(source.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


@pytest.mark.parametrize(("encoder", "attrs", "size", "expected"), [
    ("mobilenet_v3_large", {"minimalistic": True}, 224,
     "weights_mobilenet_v3_large_minimalistic_224_1.0_float_no_top_v2.h5"),
    ("mobilenet", {"width": 0.5}, 160, "mobilenet_5_0_160_tf_no_top.h5"),
    ("mobilenet_v2", {"width": 1.4}, 100,
     "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.4_224_no_top.h5"),
    ("efficientnet_b4", {}, 380, "efficientnetb4_notop.h5"),
    ("efficientnet_v2_s", {}, 384, "efficientnetv2-s_notop.h5"),
    ("convnext_tiny", {}, 224, "convnext_tiny_notop.h5"),
    ("resnet50_v2", {}, 224, "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("densenet121", {}, 224, "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("vgg16", {}, 224, "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("inception_resnet_v2", {}, 299,
     "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("nasnet_mobile", {}, 224, "nasnet_mobile_no_top.h5"),
    ("xception", {}, 299, "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"),
])
def test_imagenet_file_names_follow_keras(encoder: str, attrs: dict, size: int,
                                          expected: str) -> None:
    from phazer.emit.applications import imagenet_weights_file

    file_name, url = imagenet_weights_file(ENCODERS[encoder], attrs, size)
    assert file_name == expected
    assert url.startswith("https://storage.googleapis.com/")


def test_every_keras_encoder_has_a_constructor() -> None:
    for info in ENCODERS.values():
        if info.is_keras_application:
            assert callable(getattr(keras.applications, info.keras_name)), info.name


def test_fallback_kwargs_match_the_catalog_table() -> None:
    from phazer.catalog import keras_apps
    from phazer.emit.applications import fallback_kwargs

    try:
        keras_apps.load_table()
    except FileNotFoundError:
        pytest.skip("the Keras Applications table is not generated yet")
    for info in ENCODERS.values():
        if not info.is_keras_application:
            continue
        constructor = getattr(keras.applications, info.keras_name)
        defaults = {name: p.default for name, p in
                    inspect.signature(constructor).parameters.items()}

        def effective(kwargs: dict, defaults: dict = defaults) -> dict:
            return {k: kwargs.get(k, defaults[k]) for k in ("include_preprocessing",)
                    if k in defaults}

        expected = keras_apps.keras_app_kwargs(info.name)
        ours = fallback_kwargs(info.name, info, constructor, {})
        assert effective(expected) == effective(ours), info.name
        assert expected.get("include_top") is False
