"""The memory estimate (TF-free): its terms, its conventions, the GPU budget and the report."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from phazer.cli.main import main
from phazer.compiler import compile_model_ir
from phazer.plan.budget import (
    CUDA_CONTEXT_BYTES,
    GIB,
    MIB,
    format_bytes,
    gpu_fit,
    gpu_overhead_bytes,
    max_batch_size,
    parse_size,
)
from phazer.plan.memory import batch_bytes, estimate_memory
from phazer.plan.memory_report import OVER_GPU_MEMORY, memory_report
from phazer.plan.memory_settings import MemorySettings
from phazer.plan.memory_walk import call_steps
from phazer.plan.optimizer_state import OPTIMIZER_NAMES, optimizer_slots
from phazer.spec import load_spec
from tests.helpers import TINY_SPEC as TINY


def _model(reference: str = TINY, overrides: list[str] | None = None):
    return compile_model_ir(load_spec(reference, overrides).spec)


@pytest.fixture(scope="module")
def tiny():
    return _model()


def test_optimizer_slots_follow_keras():
    assert optimizer_slots("adam") == optimizer_slots("adamw") == 2
    assert optimizer_slots("adam", amsgrad=True) == 3
    assert optimizer_slots("nadam") == optimizer_slots("adamax") == 2
    assert optimizer_slots("lion") == 1
    assert optimizer_slots("rmsprop") == 1
    assert optimizer_slots("rmsprop", momentum=0.9) == 2
    assert optimizer_slots("rmsprop", momentum=0.9, centered=True) == 3
    assert optimizer_slots("sgd") == 0 and optimizer_slots("sgd", momentum=0.9) == 1
    with pytest.raises(ValueError, match="unknown optimizer"):
        optimizer_slots("adagrad")


def test_the_slots_are_the_catalogs():
    """The estimate's optimizers are the catalog's, and every option that adds a slot is a
    field of that optimizer's spec variant (so the spec can set it)."""
    from typing import get_args

    from phazer.catalog.optimizers import OPTIMIZERS, optimizer_names
    from phazer.spec.optimizers import OPTIMIZER_VARIANTS

    assert optimizer_names() == OPTIMIZER_NAMES
    for variant in OPTIMIZER_VARIANTS:
        for name in get_args(variant.model_fields["type"].annotation):
            assert set(OPTIMIZERS[name].extra_slots) <= set(variant.model_fields), name


def test_fixed_terms_are_exact(tiny):
    e = estimate_memory(tiny, MemorySettings(batch_size=4))
    params = tiny.params
    assert e.weights == 4 * params.total
    assert e.optimizer_state == 2 * 4 * params.trainable + 8
    assert e.total == (e.weights + e.gradients + e.optimizer_state + e.activations
                       + e.workspace)
    # the batch: both sides' 64x64x3 inputs and targets, float32
    assert batch_bytes(tiny, 4) == 2 * 2 * 64 * 64 * 3 * 4 * 4
    assert e.activations > batch_bytes(tiny, 4)


def test_optimizer_changes_only_the_state(tiny):
    adam = estimate_memory(tiny, MemorySettings(optimizer="adam"))
    sgd = estimate_memory(tiny, MemorySettings(optimizer="sgd"))
    assert adam.optimizer_state - sgd.optimizer_state == 2 * 4 * tiny.params.trainable
    assert adam.total - sgd.total == adam.optimizer_state - sgd.optimizer_state


def test_memory_grows_with_the_batch(tiny):
    totals = [estimate_memory(tiny, MemorySettings(batch_size=b)).total for b in (1, 2, 8, 32)]
    assert totals == sorted(totals) and len(set(totals)) == 4


def test_both_sides_are_in_flight(tiny):
    """Two sides: every call's kept tensors count, the shared encoder's twice."""
    calls = call_steps(tiny)
    assert [c.node for c in calls] == ["encoder@a", "fc_both@a", "decoder_a@a",
                                      "encoder@b", "fc_both@b", "decoder_b@b"]
    by_node = {c.node: c.saved for c in calls}
    assert by_node["encoder@a"] == by_node["encoder@b"] > 0
    assert by_node["decoder_a@a"] == by_node["decoder_b@b"] > 0


def test_the_mask_branch_is_counted():
    plain = estimate_memory(_model(), MemorySettings(batch_size=4))
    masked = estimate_memory(_model(TINY, ["decoder.learn_mask=true"]),
                             MemorySettings(batch_size=4))
    assert masked.activations > plain.activations
    # and its targets are part of the batch
    assert batch_bytes(_model(TINY, ["decoder.learn_mask=true"]), 1) \
        == batch_bytes(_model(), 1) + 2 * 64 * 64 * 4


def test_kept_tensors_follow_the_fusion_rules(tiny):
    """A conv + LeakyReLU keeps the conv's output once (the activation is recomputed)."""
    encoder = next(c for c in call_steps(tiny) if c.node == "encoder@a")
    steps = {s.name: s for s in encoder.steps}
    assert steps["fs_enc_convblk_0_conv2d"].saved == 0          # its input is the batch
    assert steps["fs_enc_convblk_0_leakyrelu"].saved == 32 * 32 * 16
    assert steps["fs_enc_convblk_1_conv2d"].saved == 32 * 32 * 16  # the activation's output
    assert not steps["fs_enc_convblk_0_conv2d"].input_grad
    assert steps["fs_enc_convblk_1_conv2d"].input_grad


def test_cpu_keeps_a_second_layout_and_float32(tiny):
    gpu = estimate_memory(tiny, MemorySettings(batch_size=8))
    cpu = estimate_memory(tiny, MemorySettings(batch_size=8, device="cpu"))
    assert cpu.activations > gpu.activations
    mixed_gpu = estimate_memory(tiny, MemorySettings(batch_size=8, precision="mixed_bfloat16"))
    mixed_cpu = estimate_memory(tiny, MemorySettings(batch_size=8, precision="mixed_bfloat16",
                                                     device="cpu"))
    assert mixed_gpu.activations < gpu.activations          # 2-byte activations on a GPU
    assert mixed_cpu.total >= cpu.total                     # float32 copies on CPU


def test_loss_scaling_keeps_copies_and_gradients(tiny):
    bf16 = estimate_memory(tiny, MemorySettings(precision="mixed_bfloat16"))
    f16 = estimate_memory(tiny, MemorySettings(precision="mixed_float16"))
    assert f16.gradients - bf16.gradients >= 2 * 4 * tiny.params.trainable


def test_settings_are_checked():
    with pytest.raises(ValueError):
        MemorySettings(batch_size=0)
    with pytest.raises(ValueError):
        MemorySettings(precision="float64")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        MemorySettings(device="tpu")  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [
    ("8GiB", 8 * GIB), ("8 gib", 8 * GIB), ("11GB", 11 * 10**9), ("512MiB", 512 * MIB),
    ("1.5GiB", 3 * GIB // 2), ("1000", 1000)])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "8GiBs", "-1GB", "eight", "0"])
def test_parse_size_rejects(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_format_bytes():
    assert format_bytes(1536 * MIB) == "1.50 GiB"
    assert format_bytes(885 * MIB) == "885 MiB"
    assert format_bytes(12) == "12 B"


def test_max_batch_is_consistent_with_the_model(tiny):
    settings = MemorySettings(batch_size=16)
    budget = gpu_overhead_bytes(tiny, settings) + 200 * MIB
    best = max_batch_size(tiny, settings, budget)
    assert best is not None

    def required(batch: int) -> int:
        s = replace(settings, batch_size=batch)
        return estimate_memory(tiny, s).total + gpu_overhead_bytes(tiny, s)

    assert required(best) <= budget < required(best + 1)


def test_gpu_fit_overhead_and_no_fit():
    model = _model("original")
    estimate = estimate_memory(model, MemorySettings())
    fit = gpu_fit(model, estimate, 8 * GIB)
    assert fit.fits and fit.max_batch_size and fit.max_batch_size >= 16
    assert fit.required == estimate.total + fit.overhead
    assert fit.overhead > CUDA_CONTEXT_BYTES
    small = gpu_fit(model, estimate, 1 * GIB)
    assert not small.fits and small.max_batch_size is None
    assert {name for name, _ in small.dominant} <= set(model.submodels)
    assert small.dominant[0][0] in ("encoder", "fc_both")
    assert small.smallest_required and small.smallest_required > 1 * GIB


def test_report_json_and_issue():
    model = _model("original")
    report = memory_report(model, MemorySettings(), gpu_memory=1 * GIB)
    data = report.to_json()
    for key in ("batch_size", "precision", "optimizer", "weights", "gradients",
                "optimizer_state", "activations", "workspace", "total", "max_batch_size",
                "measured"):
        assert key in data
    assert data["max_batch_size"] is None and data["measured"] is None
    assert data["gpu"]["fits"] is False and data["gpu"]["dominant_submodels"]
    (issue,) = report.issues()
    assert issue.code == OVER_GPU_MEMORY and "fc_both" in issue.message
    fits = memory_report(model, MemorySettings(), gpu_memory=16 * GIB)
    assert fits.issues() == [] and fits.to_json()["max_batch_size"] > 16


def test_keras_application_encoders_are_flagged_approximate():
    report = memory_report(_model("stojo"), MemorySettings())
    assert report.not_counted == ()
    assert report.approximate and "efficientnet_b4" in report.approximate[0]
    assert report.to_json()["approximate"] == list(report.approximate)
    assert memory_report(_model("original"), MemorySettings()).approximate == ()


def test_a_keras_encoder_without_table_figures_is_not_counted(monkeypatch):
    import phazer.plan.memory_report as memory_report_module
    import phazer.plan.memory_walk as memory_walk

    monkeypatch.setattr(memory_report_module, "keras_app_memory", lambda attrs, shapes: None)
    monkeypatch.setattr(memory_walk, "keras_app_memory", lambda attrs, shapes: None)
    report = memory_report(_model("stojo"), MemorySettings())
    assert report.approximate == () and "efficientnet_b4" in report.not_counted[0]


def test_summary_json_fills_the_memory_object(capsys):
    assert main(["summary", "original", "--json", "--batch-size", "4", "--precision",
                 "mixed_bfloat16", "--optimizer", "lion", "--gpu-memory", "8GiB"]) == 0
    memory = json.loads(capsys.readouterr().out)["memory"]
    assert memory["batch_size"] == 4 and memory["precision"] == "mixed_bfloat16"
    assert memory["optimizer"] == "lion" and memory["optimizer_slots"] == 1
    assert memory["total"] == sum(memory[k] for k in ("weights", "gradients", "optimizer_state",
                                                      "activations", "workspace"))
    assert memory["max_batch_size"] >= 4 and memory["device"] == "gpu"


def test_summary_estimates_the_specs_own_training_settings(capsys):
    training = ["--set", "training.batch_size=8", "--set", "training.mixed_precision=true",
                "--set", "training.optimizer={type: sgd, momentum: 0.9}"]
    assert main(["summary", TINY, "--json", *training]) == 0
    memory = json.loads(capsys.readouterr().out)["memory"]
    assert (memory["batch_size"], memory["precision"]) == (8, "mixed_float16")
    assert (memory["optimizer"], memory["optimizer_slots"]) == ("sgd", 1)
    expected = estimate_memory(_model(TINY, training[1::2]),
                               MemorySettings(batch_size=8, precision="mixed_float16",
                                              optimizer="sgd", momentum=0.9))
    assert memory["total"] == expected.total
    # the command line wins over the spec
    assert main(["summary", TINY, "--json", *training, "--batch-size", "2",
                 "--precision", "float32", "--optimizer", "adam"]) == 0
    memory = json.loads(capsys.readouterr().out)["memory"]
    assert (memory["batch_size"], memory["precision"]) == (2, "float32")
    assert (memory["optimizer"], memory["optimizer_slots"]) == ("adam", 2)


def test_summary_table_and_warning(capsys):
    assert main(["summary", "original", "--gpu-memory", "1GiB"]) == 0
    out = capsys.readouterr().out
    assert "memory of one training step" in out
    assert "does not fit at any batch size" in out and "PHZ330" in out


def test_summary_rejects_a_bad_size(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["summary", "original", "--gpu-memory", "lots"])
    assert exc.value.code == 2


def test_measure_wiring_without_tensorflow(capsys, monkeypatch):
    import phazer.probe
    from phazer.probe import Measurement

    def fake(reference, overrides, settings, steps=2, timeout=None):
        assert reference == "original" and settings.batch_size == 4 and steps == 1
        return Measurement(1_300_000_000, 300_000_000, 1_400_000_000, "CPU:0", 1, 3.0)

    monkeypatch.setattr(phazer.probe, "measure_memory", fake)
    assert main(["summary", "original", "--json", "--batch-size", "4", "--measure",
                 "--measure-steps", "1"]) == 0
    memory = json.loads(capsys.readouterr().out)["memory"]
    assert memory["measured"] == 1_300_000_000 and memory["device"] == "cpu"
    assert memory["measurement"]["allocator_peak"] == 1_400_000_000


def test_a_failed_measurement_is_reported(capsys, monkeypatch):
    import phazer.probe
    from phazer.probe import ProbeError

    def fail(*args, **kwargs):
        raise ProbeError("the measuring process failed (exit 1):\nOOM")

    monkeypatch.setattr(phazer.probe, "measure_memory", fail)
    assert main(["summary", "original", "--json", "--measure"]) == 0
    captured = capsys.readouterr()
    memory = json.loads(captured.out)["memory"]
    assert memory["measured"] is None and "OOM" in memory["measurement"]["error"]
    assert "--measure failed" in captured.err


def test_every_op_kind_declares_what_its_backward_pass_keeps():
    """An op kind is one unit: registering one without its Backward is an error."""
    from phazer.ir.ops import OP_KINDS, Backward, op_kind

    assert all(isinstance(kind.backward, Backward) for kind in OP_KINDS.values())
    with pytest.raises(TypeError):
        op_kind("no_backward_kind")  # type: ignore[call-arg]
    assert "no_backward_kind" not in OP_KINDS
    kernels = {name for name, kind in OP_KINDS.items() if kind.backward.kernel}
    assert kernels == {"conv2d", "conv2d_transpose", "dense", "multi_head_attention",
                       "separable_conv2d"}
