"""The terminal routing view: one flow line per side, in docs/routing.md's notation."""

from __future__ import annotations

import pytest
from rich.console import Console

from phazer.cli.main import main
from phazer.diagram import routing_lines, routing_text, side_flow
from phazer.lowering import build_routing_graph
from phazer.spec import load_spec
from phazer.spec.models import ModelSpec


def lines(reference: str, *overrides: str) -> list[str]:
    return routing_lines(build_routing_graph(load_spec(reference, list(overrides)).spec))


def test_original():
    assert lines("original")[1:] == [
        "  A  face_in_a → [encoder] → [fc_both] → (decoder_a) → face_out_a",
        "  B  face_in_b → [encoder] → [fc_both] → (decoder_b) → face_out_b"]


def test_iae():
    assert lines("iae")[1:] == [
        "  A  face_in_a → [encoder] → (fc_a) + [fc_shared] → [decoder_both] → face_out_a",
        "  B  face_in_b → [encoder] → (fc_b) + [fc_shared] → [decoder_both] → face_out_b"]


def test_liae_shows_a_joined_to_itself():
    assert lines("dfl-sae-liae")[1:] == [
        "  A  face_in_a → [encoder] → [fc_a] + [fc_a] → [decoder_both] → face_out_a",
        "  B  face_in_b → [encoder] → (fc_b) + [fc_a] → [decoder_both] → face_out_b"]


def test_gblock_example():
    assert lines("iae", "routing.shared_fc=none", "routing.gblock=true",
                 "routing.split_decoders=true")[1:] == [
        "  A  face_in_a → [encoder] → (fc_a) ~ [fc_gblock] → [g_block_both] → (decoder_a) "
        "→ face_out_a",
        "  B  face_in_b → [encoder] → (fc_b) ~ [fc_gblock] → [g_block_both] → (decoder_b) "
        "→ face_out_b"]


def test_everything_split_with_masks():
    found = lines("iae", "routing.gblock=true", "routing.split_gblock=true",
                  "routing.split_decoders=true", "decoder.learn_mask=true")
    assert found[1] == ("  A  face_in_a → [encoder] → (fc_a) + [fc_shared] ~ [fc_gblock] → "
                        "(g_block_a) → (decoder_a) → face_out_a, mask_out_a")
    assert "+ joined with the shared features" in found[0]
    assert "~ G-Block style input" in found[0]


def test_legend_mentions_only_what_is_used():
    heading = lines("original")[0]
    assert "[name] shared by A and B" in heading and "(name) one side only" in heading
    assert "+" not in heading and "~" not in heading


def test_three_sides_lower_the_same_way():
    spec = ModelSpec.model_validate({"routing": {"split_fc": True, "shared_fc": "half",
                                                 "gblock": False, "split_decoders": False}})
    graph = build_routing_graph(spec, sides=("a", "b", "c"))
    found = routing_lines(graph)
    assert "shared by A, B and C" in found[0]
    assert found[3] == "  C  face_in_c → [encoder] → (fc_c) + [fc_a] → [decoder_both] → face_out_c"
    assert [step.node for step in side_flow(graph, "c")] == [
        "face_in_c", "encoder", "fc_c", "decoder_both", "face_out_c"]


def test_missing_side_gives_an_empty_flow():
    graph = build_routing_graph(load_spec("original").spec)
    assert side_flow(graph, "z") == []


def test_rich_text_keeps_brackets_literal():
    console = Console(width=200, record=True, color_system=None)
    console.print(routing_text(build_routing_graph(load_spec("iae").spec)))
    out = console.export_text()
    assert "(fc_a) + [fc_shared] → [decoder_both]" in out


@pytest.mark.parametrize("preset", ["iae", "dfl-sae-liae"])
def test_summary_prints_the_routing(capsys, preset):
    assert main(["summary", preset]) == 0
    out = capsys.readouterr().out
    for line in lines(preset)[1:]:
        assert line.strip() in out
