"""docs/graphs.md's generated section "faceswap's layouts side by side"."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from phazer.pipeline.summary import summarize, summary_json  # noqa: E402
from scripts.doc_graph_layouts import (  # noqa: E402
    BEGIN,
    END,
    SECTION_HEADING,
    distinct_line,
    graph_presets,
    render_graphs,
)

DOCS = REPO / "docs"
GRAPHS_MD = DOCS / "graphs.md"


def test_graphs_md_is_in_sync() -> None:
    text = GRAPHS_MD.read_text(encoding="utf-8")
    assert text == render_graphs(text, DOCS), (
        "docs/graphs.md is out of date: run `python scripts/gen_docs.py` and commit it")


def test_every_fs_preset_is_side_by_side_with_its_figures() -> None:
    text = GRAPHS_MD.read_text(encoding="utf-8")
    section = text.split(BEGIN, 1)[1].split(END, 1)[0]
    names = [name for name, _ in graph_presets()]
    assert {"fs-original", "fs-original-lowmem", "fs-dfaker", "fs-dfl-h128", "fs-dfl-sae",
            "fs-dfl-sae-liae", "fs-dlight", "fs-iae", "fs-lightweight", "fs-realface",
            "fs-unbalanced", "fs-villain"} <= set(names)
    for name, data in graph_presets():
        part = section.split(f"### `{name}`\n", 1)[1].split("\n### ", 1)[0]
        for side, route in data["routes"].items():
            assert f"`{side}: {route}`" in part, name
        summary = summary_json(summarize(name))
        for sub in summary["submodels"]:
            assert f"`{sub['name']}` {sub['params']:,} (" in part, (name, sub["name"])
        assert f"**total {summary['total_params']:,}**" in part, name
        assert f"](diagrams/{name}.svg)" in part, f"docs/diagrams/{name}.svg is missing"
        assert (DOCS / "diagrams" / f"{name}.svg").exists(), name


def test_the_distinct_lines_say_what_differs() -> None:
    def line(name: str) -> str:
        data = dict(graph_presets())[name]
        return distinct_line(data["routes"], summary_json(summarize(name)), None)

    assert "unequal per-side sub-models: `decoder_a` 43.6 M, `decoder_b` 79.4 M" \
        in line("fs-unbalanced")
    assert "side a joins `inter_a` and `inter_both` (concat)" in line("fs-iae")
    assert "calls `intermediate_both` twice" in line("fs-dfl-sae-liae")
    assert line("fs-original").startswith("Shared `encoder`; one `decoder_a` / `decoder_b`")


def test_hand_written_text_is_kept_and_the_section_added_once() -> None:
    hand = "# Title\n\nWritten by hand.\n"
    first = render_graphs(hand, DOCS)
    assert first.startswith(hand.rstrip("\n") + "\n\n" + SECTION_HEADING)
    edited = first.replace(END, END + "\n\nMore text by hand.")
    edited = edited.replace(BEGIN + "\n", BEGIN + "\nstale figures\n")
    again = render_graphs(edited, DOCS)
    assert "stale figures" not in again
    assert again.count(BEGIN) == 1 and again.endswith("More text by hand.\n")
    assert again == render_graphs(again, DOCS)


def test_graph_presets_are_the_graph_form_fs_files() -> None:
    for name, data in graph_presets():
        assert name.startswith("fs-") and data["phazer"] == 2
        path = REPO / "presets" / f"{name}.yaml"
        assert yaml.safe_load(path.read_text(encoding="utf-8")) == data
