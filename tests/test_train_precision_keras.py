"""Training in bfloat16: the same model and losses as float32, no loss scaling, a resumable dir."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.keras

tf = pytest.importorskip("tensorflow")

from rich.console import Console  # noqa: E402

from phazer.train import precision  # noqa: E402
from phazer.train.demo import load_demo_spec, precision_overrides  # noqa: E402
from phazer.train.session import TrainOptions, prepare  # noqa: E402
from tests.helpers import TINY_SPEC  # noqa: E402

SETTINGS = ["training.xla=off", "training.preview_images=2"]


FACES = (8, 3)   # per side, seed: the ``faces`` fixture (tests/conftest.py)


def _prepare(faces: Path, model_dir: Path, precision_value: str, console: Console | None = None):
    options = TrainOptions(spec=TINY_SPEC, input_a=faces / "a", input_b=faces / "b",
                           model_dir=model_dir, batch_size=4, seed=0, show_bar=False,
                           preview=False,
                           overrides=[*SETTINGS, f"training.mixed_precision={precision_value}"])
    return prepare(options, console or Console(file=io.StringIO()))


def _total(terms) -> float:
    return float(sum(float(v) for v in terms.values()))


def test_bfloat16_trains_the_float32_model_to_bfloat16_precision(faces, tmp_path):
    full = _prepare(faces, tmp_path / "f32", "false")
    half = _prepare(faces, tmp_path / "bf16", "bfloat16")
    assert type(half.trainer.optimizer).__name__ == "Adam"          # no loss scaling
    computes = {layer.compute_dtype for layer in half.trainer.model._flatten_layers()
                if layer.weights}
    assert "bfloat16" in computes
    assert all(v.dtype == "float32" for v in half.trainer.model.weights)
    batch = next(iter(full.dataset))
    # the same seed builds the same weights: the first loss differs by bfloat16's rounding
    # (8 bits of mantissa: ~0.4% per product), far less than a different model's would
    first_full, first_half = _total(full.trainer.train_step(*batch)), \
        _total(half.trainer.train_step(*batch))
    assert first_half == pytest.approx(first_full, rel=0.03)
    for _ in range(5):
        terms = half.trainer.train_step(*batch)
    assert np.isfinite(_total(terms))
    half.trainer.save()
    resumed = _prepare(faces, tmp_path / "bf16", "bfloat16").trainer
    assert resumed.state.iterations == 6
    assert np.isfinite(_total(resumed.train_step(*batch)))
    # float32 and bfloat16 share the optimizer's state: a bfloat16 model resumes in float32
    # (a CPU without bfloat16), with Adam's moments and step count as saved
    in_float32 = _prepare(faces, tmp_path / "bf16", "false").trainer
    assert in_float32.state.iterations == 6
    assert {layer.compute_dtype for layer in in_float32.model._flatten_layers()
            if layer.weights} == {"float32"}
    assert int(in_float32.optimizer.iterations.numpy()) == 6
    # the saved moments (read back by a bfloat16 resume above) are the float32 session's too
    fresh = _prepare(faces, tmp_path / "bf16", "bfloat16").trainer
    pairs = list(zip(fresh.optimizer.variables, in_float32.optimizer.variables, strict=True))
    assert len(pairs) > 2
    assert any(np.any(other.numpy() != 0) for _, other in pairs[1:])   # moments, not zeros
    for one, other in pairs:
        np.testing.assert_array_equal(one.numpy(), other.numpy())


def test_a_cpu_without_bfloat16_is_told_and_the_demo_keeps_float32(faces, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"avx2", "avx512f"}))
    out = io.StringIO()
    _prepare(faces, tmp_path / "m", "bfloat16", Console(file=out, width=400))
    assert "this CPU has no bfloat16 instructions" in out.getvalue()
    shown = io.StringIO()
    assert precision_overrides(load_demo_spec(TINY_SPEC), Console(file=shown)) == []  # float32
    assert precision_overrides(load_demo_spec("demo"), Console(file=shown, width=400)) == [
        "training.mixed_precision=false"]
    assert "computes in float32" in shown.getvalue()
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"avx512_bf16"}))
    assert precision_overrides(load_demo_spec("demo"), Console(file=io.StringIO())) == []
