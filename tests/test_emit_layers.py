"""The emitter's custom layers and initializers, and the op table's guards."""

from __future__ import annotations

import numpy as np
import pytest

from phazer.ir.graph import Op
from phazer.ir.ops import ParamCount

pytestmark = [pytest.mark.keras,
              pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")]

keras = pytest.importorskip("keras")


def _np(value: object) -> np.ndarray:
    return keras.ops.convert_to_numpy(value)


def _images(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


# --- layers ----------------------------------------------------------------------------------
def test_pixel_shuffle_is_depth_to_space() -> None:
    from phazer.emit import PixelShuffle

    x = _images(2, 3, 4, 12)
    out = _np(PixelShuffle(2, name="ps")(x))
    assert out.shape == (2, 6, 8, 3)
    for i in range(2):
        for j in range(2):
            np.testing.assert_array_equal(out[:, i::2, j::2, :],
                                          x[..., (i * 2 + j) * 3:(i * 2 + j + 1) * 3])


def test_resize_and_reflection_padding_match_numpy() -> None:
    from phazer.emit import ReflectionPadding2D, ResizeImages

    x = _images(1, 4, 5, 2)
    nearest = _np(ResizeImages(3, "nearest")(x))
    np.testing.assert_array_equal(nearest, x.repeat(3, axis=1).repeat(3, axis=2))
    assert _np(ResizeImages(2, "bilinear")(x)).shape == (1, 8, 10, 2)
    padded = _np(ReflectionPadding2D(((1, 2), (2, 1)))(x))
    np.testing.assert_array_equal(padded, np.pad(x, ((0, 0), (1, 2), (2, 1), (0, 0)), "reflect"))
    np.testing.assert_array_equal(_np(ReflectionPadding2D(1)(x)),
                                  np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), "reflect"))


def test_adain_normalises_then_applies_the_style() -> None:
    from phazer.emit import AdaIN

    x = _images(2, 8, 8, 3) * 5 + 3
    gamma = np.array([[1.0, 2.0, 0.5], [3.0, 1.0, 1.0]], "float32")
    beta = np.array([[0.0, -1.0, 4.0], [1.0, 2.0, 3.0]], "float32")
    out = _np(AdaIN(epsilon=1e-5)([x, beta, gamma]))
    # faceswap's AdaInstanceNormalization: (x - mean) / (population std + epsilon)
    normed = (x - x.mean(axis=(1, 2), keepdims=True)) / (x.std(axis=(1, 2), keepdims=True) + 1e-5)
    np.testing.assert_allclose(out, normed * gamma[:, None, None] + beta[:, None, None],
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out.mean(axis=(1, 2)), beta, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(1, 2)), gamma, rtol=1e-3)


def test_instance_norm_normalises_each_example_over_all_its_values() -> None:
    """faceswap's InstanceNormalization (axis=None): whole-example statistics, 2 weights."""
    from phazer.emit import InstanceNormalization

    x = _images(2, 4, 4, 3) * np.array([1.0, 10.0, 100.0], "float32") + 7
    layer = InstanceNormalization(epsilon=1e-3)
    out = _np(layer(x))
    flat = x.reshape(2, -1)
    expected = (flat - flat.mean(axis=1, keepdims=True)) / (flat.std(axis=1, keepdims=True)
                                                             + 1e-3)
    np.testing.assert_allclose(out.reshape(2, -1), expected, rtol=1e-4, atol=1e-4)
    # the channels keep their relative scale: not a per-channel normalisation
    assert out[..., 2].std() > 10 * out[..., 0].std()
    assert [tuple(w.shape) for w in layer.weights] == [(1,), (1,)]


@pytest.mark.parametrize("layer_name", ["PixelShuffle", "ResizeImages", "ReflectionPadding2D",
                                        "AdaIN", "InstanceNormalization"])
def test_layer_config_round_trips(layer_name: str) -> None:
    import phazer.emit as emit

    cls = getattr(emit, layer_name)
    layer = cls(name="custom")
    config = keras.saving.serialize_keras_object(layer)
    assert config["registered_name"] == f"phazer>{layer_name}"
    again = keras.saving.deserialize_keras_object(config, safe_mode=True)
    assert type(again) is cls and again.get_config() == layer.get_config()


# --- initializers ----------------------------------------------------------------------------
def test_initializer_names() -> None:
    from phazer.emit import ICNR, INITIALIZER_NAMES, ConvolutionAware, EmitError, get_initializer

    assert isinstance(get_initializer("he_uniform"), keras.initializers.HeUniform)
    assert isinstance(get_initializer("glorot_uniform"), keras.initializers.GlorotUniform)
    assert isinstance(get_initializer("he_normal"), keras.initializers.HeNormal)
    scaling = get_initializer("variance_scaling_0.2")
    assert isinstance(scaling, keras.initializers.VarianceScaling)
    assert (scaling.scale, scaling.mode, scaling.distribution) == (0.2, "fan_in", "uniform")
    assert isinstance(get_initializer("conv_aware"), ConvolutionAware)
    icnr = get_initializer("icnr")
    assert isinstance(icnr, ICNR) and isinstance(icnr.initializer, keras.initializers.HeUniform)
    for name in ("icnr_conv_aware", "icnr:conv_aware"):
        assert isinstance(get_initializer(name).initializer, ConvolutionAware)
    assert "icnr" in INITIALIZER_NAMES
    for bad in ("he_unifrom", "icnr_icnr", "variance_scaling_x", "icnr_"):
        with pytest.raises(EmitError, match="unknown kernel_initializer"):
            get_initializer(bad)


def test_unknown_initializer_names_the_layer() -> None:
    from phazer.emit import EmitError, build_layer

    op = Op("conv_7", "conv2d", ("input",), {"filters": 4, "kernel": 3,
                                             "kernel_initializer": "glorot_unifrom"},
            ((8, 8, 3),), (8, 8, 4), ParamCount(112), 0)
    with pytest.raises(EmitError, match=r"conv_7 \(conv2d\).*glorot_unifrom"):
        build_layer(op)


def test_icnr_serialises() -> None:
    from phazer.emit import ICNR, ConvolutionAware

    icnr = ICNR(ConvolutionAware(seed=3))
    again = keras.initializers.deserialize(keras.initializers.serialize(icnr))
    assert isinstance(again, ICNR) and isinstance(again.initializer, ConvolutionAware)
    assert again.initializer.seed == 3 and again.initializer.restored
    for kernel in (_np(icnr((3, 3, 4, 8))), _np(again((3, 3, 4, 8)))):
        np.testing.assert_array_equal(kernel[..., :2], kernel[..., 6:])
    with pytest.raises(ValueError, match="divisible by 4"):
        icnr((3, 3, 4, 6))


def test_conv_aware_builds_orthogonal_he_scaled_kernels() -> None:
    from phazer.emit import ConvolutionAware

    shape = (3, 3, 18, 64)
    kernel = _np(ConvolutionAware(seed=1)(shape))
    assert kernel.shape == shape
    fan_in = 3 * 3 * 18
    assert kernel.var() == pytest.approx(2 / fan_in, rel=1e-3)
    np.testing.assert_array_equal(kernel, _np(ConvolutionAware(seed=1)(shape)))
    assert not np.array_equal(kernel, _np(ConvolutionAware(seed=2)(shape)))
    # Without noise, each filter's input-channel kernels come in mutually orthogonal groups.
    exact = _np(ConvolutionAware(eps_std=0.0, seed=1)(shape))
    for out in range(4):
        patterns = exact[..., :9, out].reshape(9, 9).T        # 9 input channels x 9 taps
        gram = patterns @ patterns.T
        np.testing.assert_allclose(gram, np.eye(9) * gram[0, 0], atol=1e-5)
    # 1x1 and non-conv shapes still initialise, He-scaled.
    assert _np(ConvolutionAware(seed=1)((1, 1, 64, 32))).var() == pytest.approx(2 / 64, rel=0.2)
    assert _np(ConvolutionAware(seed=1)((64, 32))).shape == (64, 32)
    # A saved config rebuilds cheaply (the saved weights replace the kernel anyway).
    config = ConvolutionAware(seed=5).get_config()
    assert config == {"eps_std": 0.05, "seed": 5, "restored": True}
    restored = _np(ConvolutionAware.from_config(config)((3, 3, 18, 64)))
    assert restored.shape == shape and np.abs(restored).max() <= np.sqrt(6 / fan_in)


# --- op table guards -------------------------------------------------------------------------
def test_unknown_op_kind_and_out_of_contract_attrs_are_errors() -> None:
    from phazer.emit import EmitError, build_layer
    from phazer.emit.ops import _attr

    op = Op("weird", "no_such_kind", (), {}, (), (1,), ParamCount(), 0)
    with pytest.raises(EmitError, match="no Keras emitter for op kind 'no_such_kind'"):
        build_layer(op)
    flatten = Op("flatten", "flatten", ("x",), {}, ((2, 2, 1),), (4,), ParamCount(), 0)
    with pytest.raises(EmitError, match="OP_ATTRS does not list"):
        _attr(flatten, "units")
    dense = Op("dense", "dense", ("x",), {}, ((4,),), (2,), ParamCount(10), 0)
    with pytest.raises(EmitError, match="'units' is required"):
        build_layer(dense)
