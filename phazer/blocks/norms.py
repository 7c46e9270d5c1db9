"""Normalizations as ops: a norm name of :data:`phazer.catalog.norms.NORMS` becomes its op.

``decoder.norm`` (after every upscale), ``bottleneck.norm`` (before the bottleneck) and the
graph form's conv blocks all look their norm up in the catalog's table, which the spec reads
its choices from too, so adding a normalization is one entry there.
"""

from __future__ import annotations

from phazer.catalog.norms import GROUP_NORM_GROUPS, NORMS, NormInfo
from phazer.ir.graph import SubModelBuilder, Tensor


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
