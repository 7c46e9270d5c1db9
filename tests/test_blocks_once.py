"""The graph form's blocks are the Phaze-A builders: same layers, the graph form's names."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from phazer.blocks.conv import ConvSettings, residual_block
from phazer.blocks.sequence import BlockNames, build_sequence
from phazer.blocks.upscalers import UPSCALERS, hybrid_half, subpixel, upscale_hybrid
from phazer.ir.graph import SubModelBuilder, SubModelIR
from phazer.spec.graph_blocks import Block


def _sequence(blocks: list[Any], shape: tuple[int, ...]) -> SubModelIR:
    parsed = TypeAdapter(list[Block]).validate_python(blocks)
    return build_sequence("net", parsed, shape, BlockNames())


def _figures(sub: SubModelIR) -> list[tuple[str, tuple[int, ...], int]]:
    """Kinds, shapes and parameters in build order, names left out."""
    return sorted((op.kind, op.shape, op.params.total) for op in sub.ops if op.kind != "input")


@pytest.mark.parametrize("filters", [8, 33, 525])
def test_hybrid_split_is_faceswaps_in_both_forms(filters: int) -> None:
    """Both branches get ``f - f // 2`` filters (faceswap's hybrid upscale), so an odd count
    comes out one channel wider, in the graph form as in Phaze-A."""
    sub = _sequence([{"upscale_hybrid": filters}], (4, 4, 16))
    assert sub.output_shapes == ((8, 8, UPSCALERS["upscale_hybrid"].channels(filters)),)
    assert sub.output_shapes[0][-1] == 2 * hybrid_half(filters)
    b = SubModelBuilder("net")
    phaze_a = b.build(upscale_hybrid(b, b.input((4, 4, 16)), filters, ConvSettings()))
    assert _figures(phaze_a) == _figures(sub)


def test_upscale_and_residual_blocks_are_the_phaze_a_ones() -> None:
    sub = _sequence([{"upscale": 16}, {"residual": 16}], (4, 4, 8))
    b = SubModelBuilder("net")
    x = subpixel(b, b.input((4, 4, 8)), 16, ConvSettings())
    phaze_a = b.build(residual_block(b, x, 16, ConvSettings()))
    assert _figures(phaze_a) == _figures(sub)
    assert [op.name for op in sub.ops if op.kind == "add"] == ["add"]
