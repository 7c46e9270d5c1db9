"""The plan's FLOPs against an independent count: TensorFlow's own profiler on the emitted model.

The emitted model's forward pass (one face per side), traced to a graph, is profiled with
TensorFlow's per-op FLOP statistics (those of ``tf.compat.v1.profiler``). The weights stay
variables: their shapes are all a count needs. (Freezing them to constants first gave the same
counts for ``original`` and ``clipfaker128`` at 3 to 5 times the memory: 7 GiB for
``clipfaker128``, more for ``sym384``.) The profiler counts the matmuls, convolutions, bias
adds and pooling, and some element-wise ops inside Keras layers (layer norm, softmax), but not
activations or resizes, which phazer's convention counts (1 per element, 4 per bilinear
output): so the plan is the same or a little above.

* For faceswap's own encoders (convolutions, Dense layers, pooling), the plan's figures of the
  kinds the profiler counts equal its count exactly.
* For every preset, the profiler's total is within 1% below the plan's.

``original`` and ``clipfaker128`` (attention) run by default, a sample of other layouts and
encoders under ``slow``; ``PHAZER_FLOPS_ALL=1`` checks every preset (about 4.5 minutes on 2
cores; all 18 agreed when it was written).
"""

from __future__ import annotations

import collections
import os

import pytest

from phazer.catalog.encoders import ENCODERS
from phazer.compiler import compile_model_ir
from phazer.ir.model import ModelIR
from phazer.spec import load_spec
from phazer.spec.presets import preset_names

pytestmark = [pytest.mark.keras,
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

FAST = ("original", "clipfaker128")
SAMPLE = ("iae", "dny256", "sym384")  # shared FC, alt encoder + dny, Keras encoder
PRESETS = preset_names() if os.environ.get("PHAZER_FLOPS_ALL") else [*FAST, *SAMPLE]
# TF op types the profiler counts -> the phazer op kinds whose FLOPs hold them
PROFILED_KINDS = frozenset({"conv2d", "conv2d_transpose", "dense", "max_pool2d"})
PROFILED_TYPES = frozenset({"Conv2D", "Conv2DBackpropInput", "BiasAdd", "MatMul", "MaxPool"})


def _profile(model_ir: ModelIR) -> collections.Counter:
    """Profiler FLOPs of the emitted model's forward pass, by TF op type."""
    import tensorflow as tf
    from tensorflow.python.framework import ops as tf_ops

    from phazer.emit import emit_model

    model = emit_model(model_ir)
    specs = [tf.TensorSpec((1, *tensor.shape[1:]), tf.float32) for tensor in model.inputs]
    forward = tf.function(lambda *faces: model(list(faces), training=False))
    graph = forward.get_concrete_function(*specs).graph
    counts: collections.Counter = collections.Counter()
    for op in graph.get_operations():
        try:
            stats = tf_ops.get_stats_for_node_def(graph, op.node_def, "flops")
        except ValueError:  # no FLOP statistics registered for this op type
            continue
        if stats.value:
            counts[op.type] += int(stats.value)
    return counts


def _plan_by_kind(model_ir: ModelIR) -> collections.Counter:
    counts: collections.Counter = collections.Counter()
    for sub in model_ir.submodels.values():
        calls = len(model_ir.calls_of(sub.name))
        for op in sub.ops:
            counts[op.kind] += op.flops * calls
    return counts


@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n in FAST else pytest.mark.slow)
                                  for n in PRESETS])
def test_plan_flops_agree_with_tensorflows_profiler(name: str) -> None:
    spec = load_spec(name).spec
    model_ir = compile_model_ir(spec).without_pretrained()
    profiled = _profile(model_ir)
    ratio = sum(profiled.values()) / model_ir.forward_flops
    assert 0.99 <= ratio <= 1.0, (name, ratio)
    info = ENCODERS[spec.encoder.type]
    if not (info.is_keras_application or info.is_clip):
        plan = _plan_by_kind(model_ir)
        assert sum(plan[k] for k in PROFILED_KINDS) == sum(
            profiled[t] for t in PROFILED_TYPES), (name, dict(profiled))
