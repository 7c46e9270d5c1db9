"""A model's colour order (phazer.model_colour), without TensorFlow: which order each spec's
model takes, as faceswap feeds it; what a model dir records; what ``phazer summary`` reports.

faceswap (plugins/train/model/_base/model.py) feeds every model BGR unless the plugin says
otherwise; only Phaze-A does, by encoder (its ``_MODEL_MAPPING``): BGR for fs_original, VGG16
and VGG19, RGB for every other Keras Applications network and every CLIP model.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from phazer.catalog.encoders import ENCODERS
from phazer.model_colour import (
    from_model_order,
    model_color_order,
    outputs_from_model_order,
    pixels_text,
    to_model_order,
)
from phazer.pipeline.summary import summarize, summary_json
from phazer.spec import load_spec
from phazer.train.modeldir import STATE_FILE, ModelDir, ModelDirError, TrainState
from tests.helpers import TINY_SPEC, write

# faceswap's Phaze-A encoders that take BGR (color_order="bgr" in its _MODEL_MAPPING)
FACESWAP_BGR_ENCODERS = {"fs_original", "vgg16", "vgg19"}


def test_every_catalog_encoder_has_faceswap_s_order():
    for name, info in ENCODERS.items():
        expected = "bgr" if name in FACESWAP_BGR_ENCODERS else "rgb"
        assert info.color_order == expected, name
    assert {i.color_order for i in ENCODERS.values() if i.is_clip} == {"rgb"}


@pytest.mark.parametrize(("spec", "sets", "order"), [
    ("original", [], "bgr"),                          # Phaze-A, fs_original
    ("stojo", [], "rgb"),                             # Phaze-A, a Keras Applications encoder
    ("original", ["encoder={type: vgg16}"], "bgr"),
    ("original", ["encoder={type: mobilenet}"], "rgb"),
    ("clipfaker128", [], "rgb"),                      # Phaze-A, CLIP
    ("fs-original", [], "bgr"),                       # faceswap's other plugins, as blocks
    ("fs-dfl-sae-liae", [], "bgr"),
])
def test_a_spec_s_model_takes_faceswap_s_order(spec, sets, order):
    assert model_color_order(load_spec(spec, sets).spec) == order


def test_the_graph_form_takes_its_phaze_a_encoder_s_order_else_bgr(tmp_path):
    graph = write(tmp_path, "g.yaml", """
        phazer: 2
        sides: {a: {input: 64, output: 64}, b: {input: 64, output: 64}}
        phaze_a:
          encoder: {type: mobilenet, imagenet_weights: false}
        models:
          encoder: {phaze_a: encoder}
          fc: {phaze_a: fc}
          decoder_a: {phaze_a: decoder}
          decoder_b: {phaze_a: decoder}
        routes:
          a: encoder -> fc -> decoder_a
          b: encoder -> fc -> decoder_b
        """)
    assert model_color_order(load_spec(str(graph)).spec) == "rgb"
    assert model_color_order(load_spec(str(graph), ["phaze_a.encoder={type: fs_original}"]
                                       ).spec) == "bgr"


def test_summary_json_reports_the_order():
    for name, order in (("original", "bgr"), ("stojo", "rgb"), ("fs-villain", "bgr")):
        data = summary_json(summarize(name))
        assert data["color_order"] == order, name
        json.dumps(data)
    assert "color_order" not in summary_json(summarize(TINY_SPEC, ["output_size=65"]))


def test_the_channel_swaps():
    rgb = np.arange(2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3)
    bgr = to_model_order(rgb, "bgr")
    np.testing.assert_array_equal(bgr, rgb[..., [2, 1, 0]])
    np.testing.assert_array_equal(from_model_order(bgr, "bgr"), rgb)
    assert to_model_order(rgb, "rgb") is rgb
    mask = rgb[..., :1]
    out = outputs_from_model_order({"face_out_b": bgr, "mask_out_b": mask,
                                    "face_out_b_32": bgr}, "bgr")
    np.testing.assert_array_equal(out["face_out_b"], rgb)
    np.testing.assert_array_equal(out["face_out_b_32"], rgb)
    assert out["mask_out_b"] is mask
    assert pixels_text("bgr") == "BGR in [0, 1]" and pixels_text("rgb") == "RGB in [0, 1]"
    with pytest.raises(ValueError, match="expected \"rgb\" or \"bgr\""):
        to_model_order(rgb, "BGR")


def test_a_state_file_without_the_order_was_trained_in_rgb(tmp_path):
    old = json.loads(TrainState(iterations=7).to_json())
    del old["color_order"]
    (tmp_path / STATE_FILE).write_text(json.dumps(old), encoding="utf-8")
    state = ModelDir(tmp_path).read_state()
    assert state.iterations == 7 and state.color_order == "rgb"
    assert json.loads(state.to_json())["color_order"] == "rgb"   # and stays so when saved
    assert TrainState.from_json(TrainState(color_order="bgr").to_json()).color_order == "bgr"


def test_a_state_file_with_another_order_is_refused_with_the_field(tmp_path):
    (tmp_path / STATE_FILE).write_text('{"iterations": 1, "color_order": "grb"}',
                                       encoding="utf-8")
    with pytest.raises(ModelDirError, match=r"color_order is 'grb'; expected \"rgb\" or"):
        ModelDir(tmp_path).read_state()
