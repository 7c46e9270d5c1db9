"""Splitting the global batch over replicas (pure Python; shared by summary and train).

The spec's ``training.batch_size`` is the global batch per side: on N devices each replica
trains on batch / N faces per side, so the batch must divide by N.
"""

from __future__ import annotations

MAX_BATCH = 1024          # training.batch_size's upper bound in the schema


def nearest_multiples(value: int, step: int, top: int = MAX_BATCH) -> list[int]:
    """The multiples of ``step`` nearest to ``value`` within 1..``top``: below, then above."""
    below = (value // step) * step
    return [size for size in (below, below + step) if 1 <= size <= top]


def split_problem(batch_size: int, replicas: int) -> tuple[str, str] | None:
    """Why ``batch_size`` cannot be split over ``replicas``, and the fix; None when it can.

    Returns:
        ``(what is wrong, how to fix it)``: the sizes to use instead (the nearest multiples of
        ``replicas``), or None when ``batch_size`` is a multiple of ``replicas``.
    """
    if batch_size % replicas == 0:
        return None
    sizes = nearest_multiples(batch_size, replicas)
    shown = " or ".join(str(size) for size in sizes)
    problem = (f"{batch_size}, which does not divide by the {replicas} replicas; the batch "
               "size is the global batch per side, split evenly over the replicas")
    fix = (f"use {shown} (a multiple of {replicas})" if sizes else
           f"use a multiple of {replicas} up to {MAX_BATCH}, or fewer devices")
    return problem, fix
