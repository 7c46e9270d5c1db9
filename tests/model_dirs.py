"""Model dirs for tests, made without training (imports TensorFlow: Keras tests only).

:func:`make_model_dir` writes what a ``phazer train`` save holds (spec, seeded initial weights,
an empty optimizer state, ``state.json``) in a second or two, for the commands that read a
trained model (``phazer swap``, ``transfer``, ``export``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np

from phazer.compiler import compile_model_ir
from phazer.spec import load_spec
from phazer.train.build import build_model
from phazer.train.checkpoint import optimizer_writer, weights_writer
from phazer.train.journal import commit, text_writer
from phazer.train.modeldir import (
    OPTIMIZER_FILE,
    SPEC_FILE,
    STATE_FILE,
    WEIGHTS_FILE,
    TrainState,
    spec_text,
)


def make_model_dir(folder: Path, spec: str, overrides: Sequence[str] = (), seed: int = 0,
                   iterations: int = 5, color_order: str = "rgb") -> Path:
    """A model dir of ``spec`` with seeded initial weights, as if saved at ``iterations``.

    ``color_order`` is what its ``state.json`` records (``"rgb"``: as a model dir written
    before phazer recorded the order).
    """
    resolved = load_spec(spec, list(overrides)).spec
    keras.utils.set_random_seed(seed)
    model = build_model(compile_model_ir(resolved).without_pretrained())
    commit(folder, {SPEC_FILE: text_writer(spec_text(resolved)),
                    WEIGHTS_FILE: weights_writer(model),
                    OPTIMIZER_FILE: optimizer_writer({}),
                    STATE_FILE: text_writer(TrainState(iterations=iterations,
                                                           color_order=color_order).to_json())})
    return folder


def saved_weights(model_dir: Path) -> dict[str, dict[str, np.ndarray]]:
    """Every weight of a model dir's model: sub-model -> ``<layer>/<weight>`` -> values."""
    from phazer.train.swap import load_trained
    from phazer.train.transfer import weighted_layers

    model, _ = load_trained(model_dir)
    found: dict[str, dict[str, np.ndarray]] = {}
    for sub in model.layers:
        if not isinstance(sub, keras.Model):
            continue
        found[sub.name] = {f"{name}/{weight.path.rsplit('/', 1)[-1]}": np.asarray(weight.numpy())
                           for name, layer in weighted_layers(sub).items()
                           for weight in layer.weights}
    return found
