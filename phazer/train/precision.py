"""Whether this machine computes a spec's 16-bit precision fast (``training.mixed_precision``).

bfloat16 keeps float32's exponent range, so it trains without loss scaling; it is fast where
the hardware multiplies bfloat16 natively: NVIDIA GPUs from Ampere on, and CPUs with the
AVX512_BF16 or AMX instructions (TensorFlow's oneDNN kernels use them). Elsewhere the backend
converts to float32 and back around every product, which is slower than float32 alone: a
trainer on such a CPU is told so, and ``phazer demo`` computes in float32 there.

The CPU's instructions are read from Linux's ``/proc/cpuinfo``; elsewhere they are unknown
(None) and nothing is said.
"""

from __future__ import annotations

from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
# CPU flags (as /proc/cpuinfo names them) of native bfloat16 arithmetic
BFLOAT16_FLAGS: tuple[str, ...] = ("avx512_bf16", "amx_bf16")


def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str] | None:
    """The CPU's instruction-set flags, or None when the system does not list them."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return None


def cpu_has_bfloat16(flags: frozenset[str] | None) -> bool | None:
    """True when the CPU multiplies bfloat16 natively; None when its flags are unknown."""
    if flags is None:
        return None
    return any(flag in flags for flag in BFLOAT16_FLAGS)


def bfloat16_is_slow_here(dtype_policy: str, gpus: int,
                          flags: frozenset[str] | None) -> bool:
    """Whether training under ``dtype_policy`` would emulate bfloat16 on this CPU.

    Args:
        dtype_policy: the Keras dtype policy of the layers.
        gpus: how many GPUs the backend sees (their bfloat16 support is not judged here).
        flags: the CPU's flags (:func:`cpu_flags`).
    """
    return (dtype_policy == "mixed_bfloat16" and gpus == 0
            and cpu_has_bfloat16(flags) is False)


def slow_bfloat16_warning() -> str:
    """What a trainer is told when bfloat16 would be emulated on the CPU."""
    names = " or ".join(flag.upper() for flag in BFLOAT16_FLAGS)
    return ("training.mixed_precision is bfloat16, but this CPU has no bfloat16 instructions "
            f"({names}): they are emulated, which is slower than float32; set "
            "training.mixed_precision: false here")


def precision_warnings(dtype_policy: str) -> list[str]:
    """What to tell a trainer about ``dtype_policy`` on this machine (empty: nothing)."""
    import keras

    from phazer.train.step import accelerators  # the devices the running backend sees

    gpus = len(accelerators(keras.backend.backend()))
    if bfloat16_is_slow_here(dtype_policy, gpus, cpu_flags()):
        return [slow_bfloat16_warning()]
    return []
