"""Weights saved by an older phazer load into today's layers (state.json's ``layers``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

from phazer.train.modeldir import LAYERS_VERSION, STATE_FILE, TrainState  # noqa: E402
from phazer.train.swap import load_trained  # noqa: E402
from phazer.train.weight_format import upgrade_weights  # noqa: E402
from tests.helpers import TINY_SPEC  # noqa: E402
from tests.model_dirs import make_model_dir  # noqa: E402

GBLOCK = ["routing.gblock=true"]


def style_pairs(model):
    gblock = next(layer for layer in model.layers if layer.name.startswith("g_block"))
    names = {layer.name: layer for layer in gblock.layers}
    return [(names[name], names[name.replace("beta", "gamma")]) for name in names
            if "adain_beta_dense" in name]


def test_a_state_file_without_layers_is_the_first_layout():
    assert TrainState.from_json(json.dumps({"iterations": 3})).layers == 1
    assert TrainState().layers == LAYERS_VERSION
    assert json.loads(TrainState().to_json())["layers"] == LAYERS_VERSION


def test_gblock_style_weights_saved_gamma_first_are_put_back(tmp_path):
    model_dir = make_model_dir(tmp_path / "m", TINY_SPEC, GBLOCK)
    model, _ = load_trained(model_dir)
    pairs = style_pairs(model)
    assert len(pairs) == 2
    wanted = [(beta.get_weights(), gamma.get_weights()) for beta, gamma in pairs]
    # what phazer before layout 2 saved: the gamma Dense first, in the slot beta's takes now
    for beta, gamma in pairs:
        first, second = beta.get_weights(), gamma.get_weights()
        beta.set_weights(second)
        gamma.set_weights(first)
    model.save_weights(model_dir / "model.weights.h5")
    state = json.loads((model_dir / STATE_FILE).read_text())
    del state["layers"]
    (model_dir / STATE_FILE).write_text(json.dumps(state))

    reloaded, _ = load_trained(model_dir)
    for (beta, gamma), (want_beta, want_gamma) in zip(style_pairs(reloaded), wanted,
                                                      strict=True):
        for got, want in zip(beta.get_weights() + gamma.get_weights(),
                             want_beta + want_gamma, strict=True):
            np.testing.assert_array_equal(got, want)


def test_current_weights_are_left_alone(tmp_path):
    model_dir = make_model_dir(tmp_path / "m", TINY_SPEC, GBLOCK)
    model, _ = load_trained(model_dir)
    before = [w.copy() for w in model.get_weights()]
    assert upgrade_weights(model, LAYERS_VERSION) == []
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    assert upgrade_weights(model, 1)      # an old layout moves the pairs, and says so
