"""The normalization registry: one entry per norm name used by the spec.

``decoder.norm`` (after every upscale) and ``bottleneck.norm`` (before the bottleneck) both
look their norm up here, so adding a normalization is one entry in :data:`NORMS` (plus the
name in the spec's ``Literal``). Epsilons are the ones of the layers faceswap uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from phazer.ir.graph import SubModelBuilder, Tensor


@dataclass(frozen=True)
class NormInfo:
    """How a norm name becomes an op.

    Attributes:
        kind: the IR op kind.
        attrs: the op's attrs.
        groups: group norm's group count (faceswap's 32); the op gets
            :func:`group_count` of it for its input channels.
    """

    kind: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    groups: int | None = None


GROUP_NORM_GROUPS = 32
"""faceswap's GroupNormalization default: 32 groups."""

NORMS: dict[str, NormInfo | None] = {
    "none": None,
    "batch": NormInfo("batch_norm", {"epsilon": 1e-3}),
    "group": NormInfo("group_norm", {"epsilon": 1e-6}, groups=GROUP_NORM_GROUPS),
    "instance": NormInfo("instance_norm", {"epsilon": 1e-3}),
    "layer": NormInfo("layer_norm", {"epsilon": 1e-3}),
    "rms": NormInfo("rms_norm", {"epsilon": 1e-8}),
}
"""Norm name -> op (None: no normalization)."""


def norm_info(name: str) -> NormInfo | None:
    """The registry entry of a norm name.

    Raises:
        ValueError: the name is not in :data:`NORMS`.
    """
    try:
        return NORMS[name]
    except KeyError:
        raise ValueError(f"unknown normalization {name!r}; expected one of "
                         f"{', '.join(NORMS)}") from None


def group_count(channels: int, groups: int = GROUP_NORM_GROUPS) -> int:
    """The group count of a group norm over ``channels``: the largest <= ``groups`` dividing it.

    ``groups`` itself for a multiple of it (faceswap's 32 groups); otherwise the largest
    smaller count that splits the channels evenly (304 -> 19 groups of 16, 240 -> 30 groups
    of 8, 24 -> 24 groups of 1). faceswap builds such layers too, with the same 2
    parameters (gamma, beta) per channel.
    """
    return next(g for g in range(min(groups, channels), 0, -1) if channels % g == 0)


def apply_norm(b: SubModelBuilder, x: Tensor, name: str, stem: str = "norm",
               layer: str | None = None) -> Tensor:
    """Append the normalization ``name`` (nothing for "none").

    The layer is named ``{stem}_{name}`` (Phaze-A's ``decoder_batch``), or ``layer`` when
    given (faceswap's conv blocks: ``conv_128_0_instancenorm``).
    """
    info = norm_info(name)
    if info is None:
        return x
    attrs = dict(info.attrs)
    if info.groups is not None:
        attrs["groups"] = group_count(x.shape[-1], info.groups)
    return b.add(info.kind, x, name=layer or f"{stem}_{name}", **attrs)
