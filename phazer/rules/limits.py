"""Resource-limit rules: a model too large to plan, and one no GPU can hold.

PHZ315 runs with the routing stage, before anything is built, so a spec over
:data:`phazer.limits.MAX_LAYERS` costs no more than reading it. PHZ331 reads the built model:
its parameters and the memory of one training step at batch 1, the least any device needs
(``tf.distribute`` keeps a full copy of the weights on every GPU, so more GPUs do not help).
"""

from __future__ import annotations

from collections.abc import Iterator

from phazer.issues import NO_GPU_HOLDS, TOO_MANY_LAYERS, Issue
from phazer.limits import LARGEST_GPU_BYTES, LARGEST_GPU_NAME, limit_issues
from phazer.plan.budget import format_bytes
from phazer.plan.memory import estimate_memory
from phazer.plan.memory_settings import VARIABLE_BYTES, training_settings
from phazer.rules import RuleContext, rule


@rule("routing", TOO_MANY_LAYERS, forms=(1, 2))
def within_size_limits(context: RuleContext) -> Iterator[Issue]:
    """PHZ315: more layer blocks or route calls than phazer plans (nothing is built)."""
    yield from limit_issues(context.pipeline.lowered)


def _gpu_text() -> str:
    return (f"the {LARGEST_GPU_BYTES // 10**9} GB ({format_bytes(LARGEST_GPU_BYTES)}) of the "
            f"largest GPUs ({LARGEST_GPU_NAME})")


def _largest(shares: dict[str, int]) -> str:
    """``decoder_a (50%), decoder_b (50%)``: the sub-models that hold 3/4 of the total."""
    total = sum(shares.values()) or 1
    named, running = [], 0
    for name, size in sorted(shares.items(), key=lambda kv: -kv[1]):
        named.append(f"{name} ({100 * size / total:.0f}%)")
        running += size
        if running >= 0.75 * total:
            break
    return ", ".join(named)


@rule("arithmetic", NO_GPU_HOLDS, forms=(1, 2))
def fits_some_gpu(context: RuleContext) -> Iterator[Issue]:
    """PHZ331: the weights alone, or one training step at batch 1, exceed the largest GPU."""
    model = context.pipeline.model
    if model is None:
        return
    params = {name: sub.params.total for name, sub in model.submodels.items()}
    weights = sum(params.values()) * VARIABLE_BYTES
    if weights > LARGEST_GPU_BYTES:
        yield Issue(NO_GPU_HOLDS, "warning", "",
                    f"the model's {sum(params.values()):,} parameters take "
                    f"{format_bytes(weights)} as float32 weights alone, more than "
                    f"{_gpu_text()}: no GPU can train it; {_largest(params)} hold most of them",
                    _HINT)
        return
    settings = training_settings(context.spec.training, batch_size=1)
    estimate = estimate_memory(model, settings)
    if estimate.total > LARGEST_GPU_BYTES:
        yield Issue(NO_GPU_HOLDS, "warning", "",
                    f"one training step at batch 1 ({settings.precision}, "
                    f"{settings.optimizer}) needs about {format_bytes(estimate.total)} "
                    f"(estimated), more than {_gpu_text()}: no GPU can train it (tf.distribute "
                    f"keeps a whole copy on each GPU); {_largest(estimate.submodel_bytes)} "
                    "take most of it", _HINT)


_HINT = ("shrink those sub-models (fewer filters or residual blocks, smaller dense layers, a "
         "lower output size): `phazer summary` shows their parameters and memory")
