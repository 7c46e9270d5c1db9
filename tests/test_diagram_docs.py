"""docs/diagrams.md and docs/diagrams/*.svg match the code (`python scripts/gen_diagrams.py`).

No Graphviz needed: each SVG carries the hash of the DOT text it was rendered from.
"""

from __future__ import annotations

from phazer.spec.presets import preset_names
from tests.helpers import REPO, load_script

FIX = "run `python scripts/gen_diagrams.py` (needs Graphviz's dot) and commit the result"


gen_diagrams = load_script("gen_diagrams")


def test_diagrams_are_in_sync():
    assert gen_diagrams.problems() == [], FIX


def test_every_preset_has_its_picture_on_the_page():
    text = (REPO / "docs" / "diagrams.md").read_text(encoding="utf-8")
    for name in [*preset_names(), "gblock-example"]:
        assert (REPO / "docs" / "diagrams" / f"{name}.svg").exists(), name
        assert f"![routing of {name}](diagrams/{name}.svg)" in text


def test_a_changed_diagram_is_reported(monkeypatch):
    monkeypatch.setattr(gen_diagrams, "to_dot", lambda diagram: "digraph changed {}\n")
    assert any("out of date" in line for line in gen_diagrams.problems())


def test_stamp_and_read_back():
    svg = '<?xml version="1.0"?>\n<svg/>\n'
    stamped = gen_diagrams.stamp(svg, "ab" * 32)
    assert stamped.splitlines()[1] == f"{gen_diagrams.HASH_PREFIX}{'ab' * 32} -->"
    assert gen_diagrams.embedded_hash(stamped) == "ab" * 32
    assert gen_diagrams.embedded_hash(svg) is None
