"""Memory figures of Keras Applications encoders: the generator's rewrite and the plan's use.

The generator (``scripts/keras_app_memory.py``) rewrites a Keras graph as phazer IR ops and
walks it with the estimate's own rules. The check here builds one small network twice, once
in Keras and once with phazer's IR builder, and asks for the same figures from both: the
rewrite must not change what the walk sees.
"""

from __future__ import annotations

import math

import pytest

from phazer.catalog.keras_apps import keras_app_figures
from phazer.compiler import compile_model_ir
from phazer.ir.graph import SubModelBuilder
from phazer.ir.model import ModelIR, TopNode
from phazer.plan.memory import estimate_memory
from phazer.plan.memory_report import memory_report
from phazer.plan.memory_settings import MemorySettings
from phazer.plan.memory_walk import call_steps
from phazer.spec import load_spec
from tests.helpers import load_script


def _phazer_figures() -> list[int]:
    """The small network, built with phazer's IR, walked as the generator walks a Keras one."""
    build = SubModelBuilder("keras_app")
    x = build.input((32, 32, 3))
    x = build.add("rescale", x, scale=1 / 255)
    x = build.add("conv2d", x, filters=8, kernel=3, strides=2, use_bias=False)
    x = build.add("batch_norm", x)
    skip = build.add("activation", x, function="swish")
    x = build.add("conv2d", skip, filters=8, kernel=3)
    x = build.add("batch_norm", x)
    gate = build.add("activation", x, function="sigmoid")
    x = build.add("multiply", [skip, gate])
    x = build.add("add", [x, skip])
    x = build.add("max_pool2d", x, pool=2)
    x = build.add("conv2d", x, filters=16, kernel=1)
    sub = build.build([x])
    model = ModelIR("m", ("a",), {sub.name: sub},
                    (TopNode("face_in_a", "input", "a", (), ((32, 32, 3),)),
                     TopNode("app@a", "call", "a", ("face_in_a",), sub.output_shapes, sub.name)),
                    {"out_a": "app@a"})
    (plain,) = call_steps(model, layouts=False)
    (cpu,) = call_steps(model, layouts=True)
    return [sum(s.saved for s in plain.steps), sum(s.saved for s in cpu.steps),
            sum(s.saved_wgrad for s in cpu.steps), max(s.transient for s in plain.steps),
            max(s.forward for s in plain.steps)]


@pytest.mark.keras
def test_the_keras_rewrite_walks_like_the_same_network_built_in_phazer():
    keras = pytest.importorskip("keras")
    memory = load_script("keras_app_memory")
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    skip = keras.layers.Activation("swish")(x)
    x = keras.layers.Conv2D(8, 3, padding="same")(skip)
    x = keras.layers.BatchNormalization()(x)
    gate = keras.layers.Activation("sigmoid")(x)
    x = keras.layers.Multiply()([skip, gate])
    x = keras.layers.Add()([x, skip])
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(16, 1)(x)
    model = keras.Model(inputs, x)
    shapes = {}
    for index, op in enumerate(model.operations):
        if not isinstance(op, keras.layers.InputLayer):
            (node,) = op._inbound_nodes
            shapes[index] = (tuple(tuple(t.shape) for t in node.input_tensors),
                             tuple(tuple(t.shape) for t in node.outputs))
    figures = memory.graph_memory(model, shapes)
    assert figures == _phazer_figures()
    # the swish output (read by a convolution, the multiply and the add) and the two batch
    # norm inputs are among what is kept; a 16x16x8 tensor is 2,048 elements
    assert figures[0] >= 3 * 16 * 16 * 8


def test_the_table_has_memory_figures_for_every_buildable_size():
    figures = keras_app_figures("efficientnet_b4", 224)
    assert figures.memory is not None
    smaller = keras_app_figures("efficientnet_b4", 112).memory
    assert smaller is not None and 3.5 < figures.memory.saved / smaller.saved < 4.5
    assert figures.memory.saved_cpu + figures.memory.saved_cpu_wgrad >= figures.memory.saved


def test_a_keras_encoder_s_activations_are_counted():
    model = compile_model_ir(load_spec("stojo").spec)
    report = memory_report(model, MemorySettings(batch_size=4))
    assert report.not_counted == ()
    inner = keras_app_figures("efficientnet_b4", 224).memory
    assert inner is not None
    # at least the encoder's kept tensors of both sides, float32
    assert report.estimate.activations >= 2 * 4 * 4 * inner.saved
    small = estimate_memory(model, MemorySettings(batch_size=1))
    assert report.estimate.total - small.total > 3 * 2 * 4 * inner.saved * 0.9
    assert math.isfinite(report.estimate.total)
