"""A training step that runs out of memory ends ``phazer train`` cleanly (issue 30).

No machine here runs out of GPU memory on demand, so the step is made to fail the way
TensorFlow does (``ResourceExhaustedError`` from the step function) after a save; the command
must exit 1 with one message (batch size, the estimate at it, the device's memory, the largest
batch the estimate fits) and leave the model dir exactly as that save wrote it.
"""

from __future__ import annotations

import importlib.util

import pytest

from phazer.cli.main import main
from phazer.train.out_of_memory import is_out_of_memory
from tests.helpers import TINY_SPEC


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_only_out_of_memory_failures_are_recognised():
    assert is_out_of_memory(MemoryError())
    assert not is_out_of_memory(ValueError("RESOURCE_EXHAUSTED: not this class"))
    assert not is_out_of_memory(RuntimeError("out of memory"))


@pytest.mark.keras
def test_each_backend_s_own_out_of_memory_error_is_recognised():
    import tensorflow as tf

    assert is_out_of_memory(tf.errors.ResourceExhaustedError(None, None, "OOM when allocating"))
    assert not is_out_of_memory(tf.errors.InvalidArgumentError(None, None, "bad shape"))
    if importlib.util.find_spec("torch") is not None:
        import torch

        assert is_out_of_memory(torch.OutOfMemoryError("CUDA out of memory."))
    if importlib.util.find_spec("jax") is not None:
        import jax

        error = jax.errors.JaxRuntimeError
        assert is_out_of_memory(error("RESOURCE_EXHAUSTED: Out of memory allocating 2.0GiB"))
        assert not is_out_of_memory(error("INTERNAL: something else"))


@pytest.mark.keras
@pytest.mark.parametrize("failing_call", [1, 2])
def test_an_out_of_memory_step_exits_1_naming_the_batch_and_keeps_the_last_save(
        failing_call, faces, tmp_path, monkeypatch, capsys):
    import tensorflow as tf

    from phazer.train import step_tensorflow

    original = step_tensorflow.TrainStep.function
    calls = {"n": 0}

    def failing_function(self, jit_compile=False):
        step = original(self, jit_compile)

        def run(inputs, targets):
            calls["n"] += 1
            if calls["n"] == failing_call:
                raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")
            return step(inputs, targets)
        return run

    model_dir = tmp_path / "m"

    def train(iterations: int) -> int:
        return main(["train", TINY_SPEC, "--input-a", str(faces / "a"), "--input-b",
                     str(faces / "b"), "--model-dir", str(model_dir), "--iterations",
                     str(iterations), "--batch-size", "2", "--no-preview",
                     "--set", "training.xla=off", "--set", "training.save_interval=5"])

    assert train(2) == 0                                      # saved at iteration 2
    saved = _snapshot(model_dir)
    monkeypatch.setattr(step_tensorflow.TrainStep, "function", failing_function)
    capsys.readouterr()
    assert train(3) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    message = " ".join(err.split())
    assert f"out of memory at iteration {2 + failing_call}" in message
    assert "batch size 2 per side" in message and "estimated" in message
    assert "the CPU (host memory)" in message and "saved at iteration 2" in message
    assert "the estimate fits up to batch" in message and "--batch-size 1" in message
    assert _snapshot(model_dir) == saved          # not a byte changed since that save


def test_the_hint_names_the_largest_batch_the_estimate_fits_when_it_is_smaller():
    from phazer.compiler import compile_model_ir
    from phazer.plan.budget import max_batch_size
    from phazer.plan.memory_settings import training_settings
    from phazer.spec import load_spec
    from phazer.train.out_of_memory import OutOfMemory, out_of_memory_text

    spec = load_spec("original").spec
    model_ir = compile_model_ir(spec)
    budget = 3 * 1024 ** 3
    expected = max_batch_size(model_ir, training_settings(spec.training, batch_size=1), budget)
    assert expected is not None and expected < 128
    message, hint = out_of_memory_text(OutOfMemory(7, 128, MemoryError()), model_ir,
                                       spec.training, "NVIDIA test GPU", budget, 5)
    assert message.startswith("out of memory at iteration 7: batch size 128 per side")
    assert "of fixed GPU terms, on NVIDIA test GPU with 3.00 GiB" in message
    assert "saved at iteration 5" in message
    assert hint.startswith(f"the largest batch the estimate fits in 3.00 GiB is {expected}:")
    assert f"--batch-size {expected} " in hint
