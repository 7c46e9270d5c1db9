"""Keras Applications encoders: the ``keras_app`` op as a nested Functional model.

The constructor is ``keras.applications.<ENCODERS[encoder].keras_name>``, built without its
top at the op's input size, with the options faceswap passes (MobileNet width/depth
multiplier/dropout, MobileNetV3 minimalistic) and Keras' own preprocessing off unless the
encoder expects 0-255 pixels (the IR already rescales the input; this matches faceswap:
off for MobileNetV3 and EfficientNetV2, on for ConvNeXt).

ImageNet weights are never downloaded: they are read from ``weights_file`` when given, else
from the Keras cache (``$KERAS_HOME/models`` or ``~/.keras/models``) under the file name Keras
itself would download; otherwise :class:`WeightsUnavailableError` explains how to provide them.
"""

from __future__ import annotations

import collections
import contextlib
import inspect
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keras

from phazer.catalog import keras_apps
from phazer.catalog.encoders import ENCODERS, EncoderInfo
from phazer.emit.errors import EmitError, WeightsUnavailableError
from phazer.ir.graph import Op

# op attr -> the constructor keyword(s) it may go to (the first one the constructor accepts).
_OPTIONS: dict[str, tuple[str, ...]] = {
    "width": ("alpha",),
    "depth_multiplier": ("depth_multiplier",),
    "dropout": ("dropout", "dropout_rate"),
    "minimalistic": ("minimalistic",),
}
_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"
_TF_NOTOP = "_weights_tf_dim_ordering_tf_kernels_notop.h5"


def build_keras_app(op: Op) -> keras.Model:
    """Build a ``keras_app`` op as a Keras Applications model named ``op.name``.

    The model's input layer is ``<op.name>_input``; layers Keras leaves unnamed get the same
    names on every build (see :func:`_own_name_counters`).

    Raises:
        EmitError: the encoder is not a Keras Applications encoder, or an option does not
            apply to it.
        WeightsUnavailableError: ImageNet weights were asked for but are not available.
    """
    name = op.attrs["encoder"]
    info = ENCODERS.get(name)
    if info is None or not info.is_keras_application:
        raise EmitError(f"{op.name}: {name!r} is not a Keras Applications encoder")
    constructor = getattr(keras.applications, info.keras_name)
    kwargs = constructor_kwargs(op, info, constructor)
    size = int(op.attrs.get("input_size") or op.input_shapes[0][0])
    weights = imagenet_weights_path(op, info, size) if op.attrs.get("imagenet_weights") else None
    with _own_name_counters():
        inputs = keras.Input((size, size, 3), name=f"{op.name}_input")
        # Built under Keras' own model name (EfficientNetV2 looks its blocks up by it), renamed
        # afterwards; the name is not part of any variable path.
        app = constructor(**{**kwargs, "include_top": False}, weights=weights,
                          input_tensor=inputs, input_shape=(size, size, 3))
    app.name = op.name
    return app


@contextlib.contextmanager
def _own_name_counters() -> Iterator[None]:
    """Give the layers Keras names automatically inside an application fresh name counters.

    Keras Applications leave some layers unnamed (``re_lu``, ``activation``, ``rescaling``...),
    and Keras numbers those from per-thread counters shared by every model built before. Swapping
    in fresh counters while the application is built (and restoring them after) names them the
    same way every time, so weights saved from one build load into another in the same process.
    """
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # a Keras without this private module: names may then vary
        yield
        return
    saved = global_state.get_global_attribute("object_name_uids")
    global_state.set_global_attribute("object_name_uids", collections.defaultdict(int))
    try:
        yield
    finally:
        global_state.set_global_attribute("object_name_uids", saved)


def constructor_kwargs(op: Op, info: EncoderInfo, constructor: Any) -> dict[str, Any]:
    """The constructor's options for a ``keras_app`` op (no input shape, weights or name).

    They come from the Keras Applications table (:func:`phazer.catalog.keras_apps.
    keras_app_kwargs`: the arguments its figures were generated with); while that table is not
    generated, from :func:`fallback_kwargs`, which applies the same rule.

    Raises:
        EmitError: an option does not apply to the encoder (or is not tabulated).
    """
    options = {attr: op.attrs[attr] for attr in _OPTIONS if op.attrs.get(attr) is not None}
    try:
        return dict(keras_apps.keras_app_kwargs(info.name, **options))
    except keras_apps.KerasAppLookupError as exc:
        raise EmitError(f"{op.name}: {exc}") from None
    except FileNotFoundError:  # the generated table is not there (yet)
        return fallback_kwargs(op.name, info, constructor, options)


def fallback_kwargs(where: str, info: EncoderInfo, constructor: Any,
                    options: dict[str, Any]) -> dict[str, Any]:
    """Constructor options without the table: faceswap's rule, read off the signature.

    The op's options go to Keras' argument names (``width`` -> ``alpha``); Keras'
    preprocessing is kept only for encoders that expect 0-255 pixels.

    Raises:
        EmitError: an option the constructor does not take.
    """
    accepted = inspect.signature(constructor).parameters
    kwargs: dict[str, Any] = {"include_top": False}
    for attr, value in options.items():
        keyword = next((k for k in _OPTIONS[attr] if k in accepted), None)
        if keyword is None:
            raise EmitError(f"{where}: option {attr!r} does not apply to {info.name} "
                            f"(keras.applications.{info.keras_name})")
        kwargs[keyword] = value
    if "include_preprocessing" in accepted:
        kwargs["include_preprocessing"] = info.pixel_range == "0_255"
    return kwargs


def keras_cache_dirs() -> list[Path]:
    """Where Keras caches downloaded weights, in the order Keras itself would use them."""
    home = os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    return [Path(home).expanduser() / "models", Path("/tmp/.keras/models")]


def imagenet_weights_path(op: Op, info: EncoderInfo, size: int) -> str:
    """The weights file to load ImageNet weights from, without downloading anything.

    Raises:
        WeightsUnavailableError: ``weights_file`` does not exist, or no ``weights_file`` is set
            and the file Keras would download is not in its cache.
    """
    weights_file = op.attrs.get("weights_file")
    if weights_file:
        path = Path(weights_file).expanduser()
        if not path.is_file():
            raise WeightsUnavailableError(
                f"{op.name}: weights_file {str(path)!r} for {info.name} does not exist")
        return str(path)
    file_name, url = imagenet_weights_file(info, op.attrs, size)
    for directory in keras_cache_dirs():
        if (directory / file_name).is_file():
            return str(directory / file_name)
    raise WeightsUnavailableError(
        f"{op.name}: ImageNet weights for {info.name} are not available offline and phazer "
        f"does not download them. Either put {file_name} (from {url}) in "
        f"{keras_cache_dirs()[0]}, or set the encoder's weights_file to a Keras weights file "
        f"for keras.applications.{info.keras_name} without its top, or turn ImageNet weights "
        f"off.")


def imagenet_weights_file(info: EncoderInfo, attrs: Any, size: int) -> tuple[str, str]:
    """The file name Keras caches an encoder's no-top ImageNet weights under, and its URL.

    These follow ``keras.applications`` (Keras 3); ``attrs`` are the ``keras_app`` op's attrs.
    """
    family, name, keras_name = info.family, info.name, info.keras_name.lower()
    alpha = float(attrs.get("width") or 1.0)
    if family == "efficientnet":  # another bucket
        file_name = f"{keras_name}_notop.h5"
        return file_name, f"https://storage.googleapis.com/keras-applications/{file_name}"
    if family == "nasnet":  # cached under another name than the URL's
        variant = name.split("_")[1]
        return f"nasnet_{variant}_no_top.h5", f"{_BASE}nasnet/NASNet-{variant}-no-top.h5"
    folder = family
    if family == "convnext":
        file_name = f"{name}_notop.h5"
    elif family == "efficientnet_v2":
        file_name = f"efficientnetv2-{name.rsplit('_', 1)[-1]}_notop.h5"
    elif family == "mobilenet_v1":
        rows = size if size in (128, 160, 192, 224) else 224
        text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0"}.get(alpha, "2_5")
        folder, file_name = "mobilenet", f"mobilenet_{text}_{rows}_tf_no_top.h5"
    elif family == "mobilenet_v2":
        rows = size if size in (96, 128, 160, 192, 224) else 224
        file_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_{rows}_no_top.h5"
    elif family == "mobilenet_v3":
        variant = name.rsplit("_", 1)[-1] + ("_minimalistic" if attrs.get("minimalistic") else "")
        file_name = f"weights_mobilenet_v3_{variant}_224_{alpha}_float_no_top_v2.h5"
    elif family == "resnet":
        file_name = f"{keras_name}{_TF_NOTOP}"
    else:  # densenet, inception, vgg, xception
        folder = "densenet" if family == "densenet" else name
        file_name = f"{name}{_TF_NOTOP}"
    return file_name, f"{_BASE}{folder}/{file_name}"
