"""Does a training step fit a GPU? The fixed GPU terms, sizes like "8GiB", the largest batch.

What a GPU needs besides the training step's own buffers (the estimate of
:mod:`phazer.plan.memory`), with the figures used and where they come from
(``docs/memory.md`` has the details):

* the CUDA context and the loaded kernels: 512 MiB. PyTorch measured a CUDA context at
  287 MB with lazy module loading and 667 MB without (pytorch/pytorch#86509); lazy loading
  is the default on Linux since CUDA 12.2 (CUDA C Programming Guide, "Lazy Loading"), and
  TensorFlow loads more kernels than that test program, hence a figure between the two.
* cuBLAS's workspace: 32 MiB, the size NVIDIA recommends for Hopper (4 MiB for earlier
  GPUs; cuBLAS documentation of ``cublasSetWorkspace``).
* cuDNN convolution scratch: 256 MiB reserved. XLA's convolution autotuner picks the fastest
  algorithm whose scratch it can allocate; TensorFlow caps that scratch at 4 GiB
  (``TF_CUDNN_WORKSPACE_LIMIT_IN_MB``), so this is an allowance, not a bound.
* allocator rounding: TensorFlow's BFC allocator rounds every allocation up to a multiple of
  256 bytes (``kMinAllocationSize`` in ``tsl/framework/bfc_allocator.h``): 256 bytes per
  buffer the step allocates separately (every variable and optimizer slot, the batch and
  the step's temporary buffer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from phazer.ir.model import ModelIR
from phazer.plan.memory import MemoryEstimate, estimate_memory
from phazer.plan.memory_settings import MemorySettings

MIB = 1 << 20
GIB = 1 << 30
CUDA_CONTEXT_BYTES = 512 * MIB
CUBLAS_WORKSPACE_BYTES = 32 * MIB
CUDNN_SCRATCH_BYTES = 256 * MIB
ALLOCATION_ROUNDING_BYTES = 256
MAX_BATCH = 4096

_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9,
          "gb": 10**9, "t": 10**12, "tb": 10**12, "kib": 1 << 10, "mib": MIB, "gib": GIB,
          "tib": 1 << 40}


def parse_size(text: str) -> int:
    """Bytes from a size such as ``8GiB``, ``11.5 GB``, ``8000MiB`` or ``8589934592``.

    Binary units (KiB, MiB, GiB, TiB) are powers of 1024; decimal ones (kB, MB, GB, TB)
    powers of 1000. Case is ignored.

    Raises:
        ValueError: not a positive size.
    """
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ValueError(f"expected a size such as 8GiB, 11GB or 8192MiB, got {text!r}")
    value = float(match.group(1)) * _UNITS[unit]
    if value < 1:
        raise ValueError(f"a size must be positive, got {text!r}")
    return int(value)


def format_bytes(value: int) -> str:
    """A byte count for people: binary units, three significant figures (e.g. 1.37 GiB)."""
    for unit, scale in (("TiB", 1 << 40), ("GiB", GIB), ("MiB", MIB), ("KiB", 1 << 10)):
        if abs(value) >= scale:
            number = value / scale
            decimals = 0 if abs(number) >= 100 else 1 if abs(number) >= 10 else 2
            return f"{number:.{decimals}f} {unit}"
    return f"{value} B"


def _buffer_count(model: ModelIR, settings: MemorySettings) -> int:
    """Separately allocated buffers: variables (kernel and bias per op), slots, batch, temp."""
    variables = sum(2 for sub in model.submodels.values() for op in sub.ops
                    if op.params.total)
    return variables * (1 + settings.slots) + 2 * len(model.sides) + 1


def gpu_overhead_bytes(model: ModelIR, settings: MemorySettings) -> int:
    """The fixed GPU terms: CUDA context, cuBLAS workspace, cuDNN scratch, rounding."""
    return (CUDA_CONTEXT_BYTES + CUBLAS_WORKSPACE_BYTES + CUDNN_SCRATCH_BYTES
            + ALLOCATION_ROUNDING_BYTES * _buffer_count(model, settings))


@dataclass(frozen=True)
class GpuFit:
    """The answer for a GPU memory size.

    Attributes:
        budget: the GPU memory, bytes.
        overhead: the fixed GPU terms, bytes.
        required: the step's estimate plus the overhead, at the requested batch size.
        fits: ``required <= budget``.
        max_batch_size: the largest batch size per side that fits, or None when none does.
        dominant: when no batch fits, the sub-models that take most of the memory at
            batch size 1, each with its part of the sub-models' bytes.
        smallest_required: when no batch fits, what batch size 1 needs.
    """

    budget: int
    overhead: int
    required: int
    fits: bool
    max_batch_size: int | None
    dominant: tuple[tuple[str, float], ...] = ()
    smallest_required: int | None = None


def _required(model: ModelIR, settings: MemorySettings, batch: int) -> int:
    settings = replace(settings, batch_size=batch)
    return estimate_memory(model, settings).total + gpu_overhead_bytes(model, settings)


def max_batch_size(model: ModelIR, settings: MemorySettings, budget: int) -> int | None:
    """The largest batch size per side whose step fits ``budget`` (None: not even 1).

    The estimate never decreases with the batch size, so a bisection finds it; the result
    is checked: that batch fits and the next one does not (or it is :data:`MAX_BATCH`).
    """
    if _required(model, settings, 1) > budget:
        return None
    low, high = 1, MAX_BATCH
    if _required(model, settings, high) <= budget:
        return high
    while high - low > 1:
        middle = (low + high) // 2
        if _required(model, settings, middle) <= budget:
            low = middle
        else:
            high = middle
    return low


def gpu_fit(model: ModelIR, estimate: MemoryEstimate, budget: int) -> GpuFit:
    """Whether ``estimate``'s step fits a GPU of ``budget`` bytes, and the largest batch."""
    overhead = gpu_overhead_bytes(model, estimate.settings)
    required = estimate.total + overhead
    best = max_batch_size(model, estimate.settings, budget)
    if best is not None:
        return GpuFit(budget, overhead, required, required <= budget, best)
    smallest = estimate_memory(model, replace(estimate.settings, batch_size=1))
    return GpuFit(budget, overhead, required, False, None,
                  tuple(smallest.dominant_submodels()), smallest.total + overhead)
