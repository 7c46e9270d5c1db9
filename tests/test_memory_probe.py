"""The measuring probe: XLA's report parsing (TF-free) and the estimate against real steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from phazer.compiler import compile_model_ir
from phazer.plan.memory import estimate_memory
from phazer.plan.memory_settings import MemorySettings
from phazer.probe import XlaReportError, train_step_plan
from phazer.spec import load_spec
from tests.helpers import run_fresh

MODULE = "module_0042.a_inference_one_step_on_data_123__XlaMustCompile_true.35"


def _dump(tmp_path: Path, name: str, total: int, temp: int | None = None) -> None:
    (tmp_path / f"{name}.cpu_after_optimizations-memory-usage-report.txt").write_text(
        f"Total bytes used: {total} ({total / 2**20:.2f}MiB)\n\nAllocations sorted by size:\n")
    if temp is not None:
        (tmp_path / f"{name}.cpu_after_optimizations-buffer-assignment.txt").write_text(
            "BufferAssignment:\nallocation 0: size 64, parameter 0, shape |f32[16]|\n"
            f"allocation 1: size {temp}, preallocated-temp:\n value: <1 x @0>\n")


def test_reads_the_train_step_module(tmp_path):
    _dump(tmp_path, MODULE, 37579700, 22586944)
    _dump(tmp_path, "module_0001.a_inference_predict_step_9", 999_999_999)
    plan = train_step_plan(tmp_path)
    assert plan.total_bytes == 37579700 and plan.temp_bytes == 22586944
    assert "one_step_on_data" in plan.module


def test_largest_of_several_compilations(tmp_path):
    _dump(tmp_path, MODULE, 100)
    _dump(tmp_path, MODULE.replace("0042", "0043"), 300)
    assert train_step_plan(tmp_path).total_bytes == 300


def test_no_report_is_an_error(tmp_path):
    with pytest.raises(XlaReportError, match="one_step_on_data"):
        train_step_plan(tmp_path)
    (tmp_path / f"{MODULE}.cpu_after_optimizations-memory-usage-report.txt").write_text("??\n")
    with pytest.raises(XlaReportError, match="Total bytes used"):
        train_step_plan(tmp_path)


def test_importing_the_probe_imports_no_tensorflow():
    result = run_fresh("import phazer.probe, phazer.cli.summary_memory")
    assert result.returncode == 0, result.stderr
    assert result.loaded() == []


@pytest.mark.keras
@pytest.mark.slow
@pytest.mark.parametrize(("preset", "batch"), [("original", 4), ("lightweight", 1)])
def test_estimate_brackets_the_measured_step(preset, batch):
    """The issue's band for float32 + Adam: estimate / XLA's plan in [1.00, 1.10]."""
    from phazer.probe import measure_memory

    settings = MemorySettings(batch_size=batch, device="cpu")
    measured = measure_memory(preset, [], settings, steps=1)
    estimate = estimate_memory(compile_model_ir(load_spec(preset).spec), settings)
    ratio = estimate.total / measured.xla_bytes
    assert 1.00 <= ratio <= 1.10, (preset, batch, estimate.total, measured.xla_bytes)
    assert measured.device == "CPU:0" and measured.allocator_peak > 0


@pytest.mark.keras
@pytest.mark.slow
def test_summary_measure_fills_measured(capsys):
    import json

    from phazer.cli.main import main

    spec = str(Path(__file__).parent / "specs" / "tiny.yaml")
    assert main(["summary", spec, "--json", "--batch-size", "4", "--measure",
                 "--measure-steps", "1"]) == 0
    memory = json.loads(capsys.readouterr().out)["memory"]
    assert memory["device"] == "cpu" and memory["measured"] > 0
    assert 1.00 <= memory["total"] / memory["measured"] <= 1.10
    assert memory["measurement"]["allocator_peak"] > 0


@pytest.mark.keras
@pytest.mark.slow
def test_a_keras_encoder_s_estimate_is_close_to_the_measured_step(tmp_path):
    """Keras Applications encoders: within the band docs/memory.md quotes for them."""
    from phazer.probe import measure_memory

    spec = tmp_path / "mobilenet.yaml"
    spec.write_text("extends: original\nencoder:\n  type: mobilenet_v2\n  scaling: 58\n"
                    "  imagenet_weights: false\n")
    settings = MemorySettings(batch_size=4, device="cpu")
    model = compile_model_ir(load_spec(str(spec)).spec)
    assert [op.input_shapes[0] for op in model.submodels["encoder"].ops
            if op.kind == "keras_app"] == [(128, 128, 3)]
    measured = measure_memory(str(spec), [], settings, steps=1)
    ratio = estimate_memory(model, settings).total / measured.xla_bytes
    assert 0.85 <= ratio <= 1.10, ratio


@pytest.mark.keras
@pytest.mark.slow
def test_a_clip_encoder_s_estimate_is_close_to_the_measured_step(tmp_path):
    """A vision transformer (attention's kept scores, no kernel copies): docs/memory.md's band."""
    from phazer.probe import measure_memory

    spec = tmp_path / "vit.yaml"
    spec.write_text("extends: original\nencoder:\n  type: clipv_vit-b-32\n  scaling: 58\n")
    settings = MemorySettings(batch_size=4, device="cpu")
    model = compile_model_ir(load_spec(str(spec)).spec)
    assert model.submodels["encoder"].input_shapes == ((128, 128, 3),)
    measured = measure_memory(str(spec), [], settings, steps=1)
    ratio = estimate_memory(model, settings).total / measured.xla_bytes
    assert 0.95 <= ratio <= 1.05, ratio
