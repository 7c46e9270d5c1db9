"""Write a one-side swap model in each export format, and load it back to run it.

``keras``: a ``.keras`` file (Keras 3's own format, on any backend), written with Keras' own
layers in place of ``PixelShuffle`` and phazer's initializers (:mod:`phazer.train.plain_keras`),
so most models load with plain Keras (``safe_mode=True``). phazer's other layers (``AdaIN``,
``InstanceNormalization``...) are registered under the package ``phazer``: a model that uses
them loads once ``phazer.emit`` is imported. :func:`custom_objects` lists which ones a file
needs (none: plain Keras loads it).

``saved_model`` and ``onnx`` are written from TensorFlow's trace of the model: on the TensorFlow
backend only (:data:`phazer.catalog.export_formats.EXPORT_BACKENDS`; ``phazer export`` says
so before building anything). TensorFlow is imported by their writers and loaders alone.

``saved_model``: a TensorFlow SavedModel folder whose ``serving_default`` signature takes
``face`` and returns the outputs by name (``face_out_b``...): TensorFlow Serving, TF.js and
TFLite converters read it without phazer or Keras.

``onnx``: converted by tf2onnx (the optional extra ``phazer[onnx]``; onnxruntime runs the check).
Input ``face``, outputs named as in Keras.
"""

from __future__ import annotations

import json
import logging
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np

from phazer.catalog.export_formats import EXPORT_FORMATS, EXPORT_SUFFIXES
from phazer.train.plain_keras import plain_keras
from phazer.train.swap_models import inference, outputs_numpy
from phazer.train.transfer_checks import ONNX_INSTALL, TransferError

FORMATS = EXPORT_FORMATS
SUFFIXES = EXPORT_SUFFIXES
INPUT_NAME = "face"
ONNX_OPSET = 17

Runner = Callable[[np.ndarray], dict[str, np.ndarray]]


def file_name(side: str, fmt: str) -> str:
    """The exported file (or folder) of one side: ``swap_to_b.keras``."""
    return f"swap_to_{side}{SUFFIXES[fmt]}"


def _input_spec(model: keras.Model) -> Any:
    """The model's input as a ``tf.TensorSpec`` named ``face`` (any batch size)."""
    import tensorflow as tf

    shape = (None, *(int(d) for d in model.inputs[0].shape[1:]))
    return tf.TensorSpec(shape, tf.float32, name=INPUT_NAME)


def _output_names(model: keras.Model) -> list[str]:
    return [str(name) for name in model.output_names]


def write_keras(model: keras.Model, path: Path) -> list[str]:
    """Save as a ``.keras`` file, with Keras' own layers wherever phazer's are not needed.

    See :mod:`phazer.train.plain_keras`. When a model cannot be rewritten, it is saved as it
    is (with phazer's layers), and a note says why.
    """
    try:
        plain = plain_keras(model)
    except Exception as exc:  # Keras' cloning raises many types; the model itself still saves
        model.save(path)
        return [f"kept phazer's layers in {model.name} ({type(exc).__name__}: "
                f"{' '.join(str(exc).split())[:200]})"]
    plain.save(path)
    return []


def write_saved_model(model: keras.Model, path: Path) -> list[str]:
    """Save as a SavedModel folder with a ``serving_default`` signature of named outputs."""
    names = _output_names(model)

    def serve(face: Any) -> dict[str, Any]:
        outputs = model(face, training=False)
        outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
        return dict(zip(names, outputs, strict=True))

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", serve, input_signature=[_input_spec(model)])
    archive.write_out(str(path), verbose=False)
    return []


class _Collect(logging.Handler):
    """Keeps the converter's warnings (tf2onnx logs tracebacks of optimisations it skips)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(" ".join(record.getMessage().split()))


def write_onnx(model: keras.Model, path: Path) -> list[str]:
    """Convert with tf2onnx.

    Returns:
        The converter's warnings, one line each (e.g. an optimisation pass it skipped; the
        export's check tells whether the result is right).

    Raises:
        TransferError: tf2onnx is not installed, or cannot convert the model.
    """
    try:
        import tf2onnx
    except ImportError:
        raise TransferError("--format onnx needs tf2onnx, which is not installed",
                            ONNX_INSTALL) from None
    logger, collect = logging.getLogger("tf2onnx"), _Collect()
    logger.addHandler(collect)
    propagate, logger.propagate = logger.propagate, False
    try:
        tf2onnx.convert.from_keras(model, input_signature=(_input_spec(model),),
                                   opset=ONNX_OPSET, output_path=str(path))
    except Exception as exc:  # the converter's own errors have no common type
        text = " ".join(str(exc).split())[:300]
        raise TransferError(f"tf2onnx {tf2onnx.__version__} could not convert {model.name}: "
                            f"{type(exc).__name__}: {text}",
                            "export --format saved_model instead (other tools convert it); "
                            "please report the spec that failed") from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    return [f"tf2onnx: {message}" for message in dict.fromkeys(collect.messages)]


WRITERS: dict[str, Callable[[keras.Model, Path], list[str]]] = {
    "keras": write_keras, "saved_model": write_saved_model, "onnx": write_onnx}


def load_keras(path: Path) -> Runner:
    """Load a ``.keras`` export (safe mode) and return a function that runs it."""
    import phazer.emit  # noqa: F401  (registers phazer's custom layers)

    model = keras.saving.load_model(path, safe_mode=True, compile=False)
    names = _output_names(model)

    def run(faces: np.ndarray) -> dict[str, np.ndarray]:
        with inference():
            outputs = outputs_numpy(model(faces, training=False))
        return dict(zip(names, outputs, strict=True))
    return run


def load_saved_model(path: Path) -> Runner:
    """Load a SavedModel export and return a function that runs its serving signature."""
    import tensorflow as tf

    signature = tf.saved_model.load(str(path)).signatures["serving_default"]

    def run(faces: np.ndarray) -> dict[str, np.ndarray]:
        outputs = signature(**{INPUT_NAME: tf.constant(faces)})
        return {str(name): np.asarray(value) for name, value in outputs.items()}
    return run


def load_onnx(path: Path) -> Runner:
    """Open an ONNX export with onnxruntime (CPU) and return a function that runs it.

    Raises:
        TransferError: onnxruntime is not installed.
    """
    try:
        import onnxruntime
    except ImportError:
        raise TransferError("checking an ONNX export needs onnxruntime, which is not "
                            "installed", ONNX_INSTALL) from None
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]

    def run(faces: np.ndarray) -> dict[str, np.ndarray]:
        values = session.run(names, {INPUT_NAME: faces.astype(np.float32)})
        return dict(zip(names, values, strict=True))
    return run


LOADERS: dict[str, Callable[[Path], Runner]] = {
    "keras": load_keras, "saved_model": load_saved_model, "onnx": load_onnx}


def converter(fmt: str) -> str:
    """What wrote the format, with its version (for the report and ``export.json``)."""
    if fmt == "onnx":
        import tf2onnx

        return f"tf2onnx {tf2onnx.__version__} (opset {ONNX_OPSET})"
    if fmt == "saved_model":
        import tensorflow as tf

        return f"keras {keras.__version__} ExportArchive, tensorflow {tf.__version__}"
    return f"keras {keras.__version__} ({keras.backend.backend()} backend)"


def custom_objects(path: Path) -> list[str]:
    """The phazer classes a ``.keras`` file needs (empty: plain Keras loads it)."""
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    text = json.dumps(config)
    return sorted(set(re.findall(r'"registered_name": "phazer>([A-Za-z0-9_]+)"', text)))
