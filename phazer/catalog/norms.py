"""The normalizations phazer offers, by name, TensorFlow-free: one entry each.

This is the one place to add a normalization: ``decoder.norm`` (after every upscale),
``bottleneck.norm`` (before the bottleneck), the graph form's ``conv`` block's ``norm``, the
JSON Schema, the docs and the faceswap importer read their choices from :data:`NORMS`, and
:func:`phazer.blocks.norms.apply_norm` turns an entry into its op. Epsilons are the ones of the
layers faceswap uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class NormInfo:
    """How a norm name becomes an op, and where the spec offers it.

    Attributes:
        kind: the IR op kind.
        attrs: the op's attrs.
        groups: group norm's group count (faceswap's 32); the op gets
            :func:`phazer.blocks.norms.group_count` of it for its input channels.
        bottleneck: offered as ``bottleneck.norm`` too (faceswap's bottleneck_norm choices).
        conv_block: offered as the graph form's ``conv`` block ``norm`` (the norms faceswap's
            other models put between a conv and its activation).
    """

    kind: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    groups: int | None = None
    bottleneck: bool = False
    conv_block: bool = False


GROUP_NORM_GROUPS = 32
"""faceswap's GroupNormalization default: 32 groups."""

NO_NORM = "none"
"""The name of no normalization (``decoder.norm`` and ``bottleneck.norm``)."""

NORMS: dict[str, NormInfo | None] = {
    NO_NORM: None,
    "batch": NormInfo("batch_norm", {"epsilon": 1e-3}, conv_block=True),
    "group": NormInfo("group_norm", {"epsilon": 1e-6}, groups=GROUP_NORM_GROUPS),
    "instance": NormInfo("instance_norm", {"epsilon": 1e-3}, bottleneck=True,
                         conv_block=True),
    "layer": NormInfo("layer_norm", {"epsilon": 1e-3}, bottleneck=True),
    "rms": NormInfo("rms_norm", {"epsilon": 1e-8}, bottleneck=True),
}
"""Norm name -> op (None: no normalization)."""

BOTTLENECK_NORMS: tuple[str, ...] = (NO_NORM, *(n for n, i in NORMS.items()
                                                if i is not None and i.bottleneck))
"""``bottleneck.norm`` choices."""
CONV_BLOCK_NORMS: tuple[str, ...] = tuple(n for n, i in NORMS.items()
                                          if i is not None and i.conv_block)
"""The graph form's ``conv`` block ``norm`` choices (besides null)."""

# The spec's choice types, built from the table (``Literal[("a", "b")]`` is ``Literal["a", "b"]``).
NormName = Literal[tuple(NORMS)]  # type: ignore[valid-type]
BottleneckNormName = Literal[BOTTLENECK_NORMS]  # type: ignore[valid-type]
ConvBlockNormName = Literal[CONV_BLOCK_NORMS]  # type: ignore[valid-type]
