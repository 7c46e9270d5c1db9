"""training.mixed_precision: float16 or bfloat16 layers, and whether this machine runs them fast."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from phazer.plan.memory_settings import training_settings
from phazer.spec import load_spec
from phazer.spec.training import TrainingSpec
from phazer.train.precision import (
    bfloat16_is_slow_here,
    cpu_flags,
    cpu_has_bfloat16,
    slow_bfloat16_warning,
)


@pytest.mark.parametrize(("value", "policy"), [
    (False, "float32"), (True, "mixed_float16"), ("float16", "mixed_float16"),
    ("bfloat16", "mixed_bfloat16")])
def test_each_value_names_a_keras_dtype_policy(value, policy):
    training = TrainingSpec.model_validate({"mixed_precision": value})
    assert training.dtype_policy == policy
    assert training_settings(training).precision == policy   # what summary's memory plans


@pytest.mark.parametrize("value", [1, 0, 1.0, "yes", "true", "bf16", "float32", None])
def test_other_values_are_refused(value):
    with pytest.raises(ValidationError):
        TrainingSpec.model_validate({"mixed_precision": value})


def test_yaml_and_set_spell_it_as_a_word(tmp_path):
    spec = load_spec("original", ["training.mixed_precision=bfloat16"]).spec
    assert spec.training.dtype_policy == "mixed_bfloat16"
    assert load_spec("original", ["training.mixed_precision=true"]).spec.training.dtype_policy \
        == "mixed_float16"


def _cpuinfo(tmp_path, flags: str):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: {flags}\n"
                    f"bogomips\t: 4800.00\n\nprocessor\t: 1\nflags\t\t: {flags}\n")
    return path


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    flags = cpu_flags(_cpuinfo(tmp_path, "fpu sse2 avx2 avx512f avx512_bf16"))
    assert {"avx2", "avx512f", "avx512_bf16"} <= flags
    assert cpu_has_bfloat16(flags) is True
    assert cpu_has_bfloat16(cpu_flags(_cpuinfo(tmp_path, "fpu sse2 avx2 amx_bf16"))) is True
    assert cpu_has_bfloat16(cpu_flags(_cpuinfo(tmp_path, "fpu sse2 avx2 avx512f"))) is False


def test_unknown_cpus_are_not_judged(tmp_path):
    assert cpu_flags(tmp_path / "missing") is None
    (tmp_path / "noflags").write_text("processor : 0\n")
    assert cpu_flags(tmp_path / "noflags") is None
    assert cpu_has_bfloat16(None) is None
    assert not bfloat16_is_slow_here("mixed_bfloat16", 0, None)


@pytest.mark.parametrize(("policy", "gpus", "flags", "slow"), [
    ("mixed_bfloat16", 0, frozenset({"avx2"}), True),
    ("mixed_bfloat16", 0, frozenset({"avx2", "avx512_bf16"}), False),
    ("mixed_bfloat16", 1, frozenset({"avx2"}), False),     # the GPU computes
    ("float32", 0, frozenset({"avx2"}), False),
    ("mixed_float16", 0, frozenset({"avx2"}), False)])
def test_slow_bfloat16_is_emulated_bfloat16_on_a_cpu(policy, gpus, flags, slow):
    assert bfloat16_is_slow_here(policy, gpus, flags) is slow


def test_the_warning_says_what_to_set():
    text = slow_bfloat16_warning()
    assert "AVX512_BF16" in text and "AMX_BF16" in text
    assert "training.mixed_precision: false" in text


@pytest.mark.parametrize(("value", "expected"), [
    ("half", "expected one of: false, true, float16, bfloat16"),
    ("2", "expected true, false, float16 or bfloat16")])
def test_a_wrong_value_is_explained_in_yamls_words(value, expected):
    from phazer.issues import SpecError

    with pytest.raises(SpecError) as caught:
        load_spec("original", [f"training.mixed_precision={value}"])
    (issue,) = caught.value.issues
    assert issue.path == "training.mixed_precision" and expected in issue.message
