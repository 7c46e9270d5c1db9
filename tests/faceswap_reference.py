"""Comparing a compiled graph-form model with faceswap's own build of the same plugin.

``tests/data/faceswap-models/reference.json`` holds, per case, the model faceswap's code
built: total and per-sub-model parameters, the sub-models' names, order, input and output
shapes, and every layer's name, parameters, output shape, class and Keras settings. Shared by
``tests/test_graph_form.py`` (the hand-written ``fs-*`` presets) and
``tests/test_import_plugins.py`` (the importer's output). Nothing here imports TensorFlow
except :func:`assert_keras_settings`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from phazer.compiler import Compiled
from phazer.ir.model import ModelIR
from phazer.plan.figures import model_figures

REFERENCE = Path(__file__).parent / "data" / "faceswap-models" / "reference.json"
# phazer's layer class for each of faceswap's own (module lib.model.*) layers
_FACESWAP_CLASSES = {"PixelShuffler": "PixelShuffle", "InstanceNormalization":
                     "InstanceNormalization"}


@cache
def _cases() -> dict[str, Any]:
    return {c["name"]: c for c in json.loads(REFERENCE.read_text())["cases"]}


def faceswap_reference() -> dict[str, Any]:
    """Every reference case by name (``plugin``, ``config``, ``result``, ...)."""
    return _cases()


def _layers(sub: dict[str, Any]) -> list[tuple[str, int, tuple[int, ...]]]:
    return [(layer["name"], layer["params"], tuple(layer["output_shape"][1:]))
            for layer in sub["layers"] if layer["class"] != "InputLayer"]


def assert_equals_faceswap(compiled: Compiled, expected: dict[str, Any]) -> None:
    """Total and per-sub-model params, sub-model names and order, input/output shapes and every
    layer's params, output shape and name equal faceswap's build (a case's ``result``)."""
    assert compiled.errors == []
    figures = model_figures(compiled.model)
    assert figures.total_params == expected["total_params"]
    assert [s.name for s in figures.submodels] == list(expected["sub_models"])
    for sub in figures.submodels:
        ref = expected["sub_models"][sub.name]
        assert sub.params == ref["params"], sub.name
        assert [list(s) for s in sub.input_shapes] == [s[1:] for s in ref["input_shapes"]]
        assert [list(s) for s in sub.output_shapes] == [s[1:] for s in ref["output_shapes"]]
        ours = [(op.name, op.params.total, op.shape)
                for op in compiled.model.submodels[sub.name].ops if op.kind != "input"]
        theirs = _layers(ref)
        # Keras numbers auto-named layers (dense_1, add_3) across the whole model; phazer
        # within a sub-model: compare those by kind position, every other name exactly.
        assert [(p, s) for _, p, s in ours] == [(p, s) for _, p, s in theirs], sub.name
        named = [(a, b) for (a, _, _), (b, _, _) in zip(ours, theirs, strict=True)
                 if b.split("_")[0] not in ("dense", "reshape", "add", "flatten", "leaky")]
        assert all(a == b for a, b in named), [(a, b) for a, b in named if a != b]


def _same_setting(ours: Any, theirs: Any) -> bool:
    """One config value of a layer: initializers by class (and config, where faceswap set it)."""
    if isinstance(ours, dict) and "class_name" in ours:
        if isinstance(theirs, str):
            return ours["class_name"] == theirs
        return ours["class_name"] == theirs["class_name"] and all(
            float(ours["config"][k]) == float(v) if isinstance(v, int | float)
            else ours["config"][k] == v for k, v in theirs["config"].items())
    if isinstance(ours, tuple | list):
        return list(ours) == list(theirs)
    return ours == theirs


def assert_keras_settings(model: ModelIR, expected: dict[str, Any]) -> None:
    """Each layer phazer emits has faceswap's class and the Keras settings faceswap's build
    recorded (a case's ``result``); the layers are made, not built: no weights allocated."""
    from phazer.emit.ops import build_layer

    subs = expected["sub_models"]
    for name, sub in model.submodels.items():
        theirs = [layer for layer in subs[name]["layers"] if layer["class"] != "InputLayer"]
        ours = [op for op in sub.ops if op.kind != "input"]
        for op, ref in zip(ours, theirs, strict=True):
            layer = build_layer(op)
            custom = not ref["module"].startswith("keras.")
            assert type(layer).__name__ == (_FACESWAP_CLASSES.get(ref["class"], ref["class"])
                                            if custom else ref["class"]), (name, op.name)
            if custom:
                continue
            config = layer.get_config()
            wrong = {key: (config.get(key), value) for key, value in ref["config"].items()
                     if not _same_setting(config.get(key), value)}
            assert not wrong, (name, op.name, wrong)
