"""Regenerate docs/diagrams.md and the routing SVG of every built-in preset under docs/diagrams/.

    python scripts/gen_diagrams.py          # rewrite them (needs Graphviz's `dot`)
    python scripts/gen_diagrams.py --check  # exit 1 if any is missing or out of date (no `dot`)

Each SVG carries the SHA-256 of the DOT text it was rendered from in a comment
(``<!-- phazer-dot-sha256: ... -->``), so ``--check`` and tests/test_diagram_docs.py can tell
an out-of-date image without Graphviz: phazer's DOT text is deterministic, the SVG Graphviz
makes of it depends on the Graphviz version.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from phazer.diagram import (  # noqa: E402
    Diagram,
    diagram_for_spec,
    find_dot,
    render_dot,
    routing_lines,
    to_dot,
)
from phazer.fileio import atomic_write_text  # noqa: E402
from phazer.pipeline import Pipeline  # noqa: E402
from phazer.spec import load_spec  # noqa: E402
from phazer.spec.describe import first_sentence  # noqa: E402
from phazer.spec.presets import preset_names  # noqa: E402

DOCS = REPO / "docs"
DIAGRAMS_MD = DOCS / "diagrams.md"
SVG_DIR = DOCS / "diagrams"
HASH_PREFIX = "<!-- phazer-dot-sha256: "
_HASH = re.compile(re.escape(HASH_PREFIX) + r"([0-9a-f]{64}) -->")


@dataclass(frozen=True)
class Entry:
    """One diagram of the gallery: a preset, or a preset with overrides."""

    name: str
    reference: str
    overrides: tuple[str, ...]
    blurb: str


# The G-Block example of the Phaze-A guide (docs/routing.md): IAE without the shared FC,
# with a G-Block, and with split decoders.
GBLOCK_EXAMPLE = Entry(
    name="gblock-example", reference="iae",
    overrides=("name=gblock-example", "routing.shared_fc=none", "routing.gblock=true",
               "routing.split_decoders=true"),
    blurb="The Phaze-A guide's G-Block example, built from `iae`: per-side FC models, no "
          "shared FC, a shared G-Block fed by the shared `fc_gblock`, one decoder per side.")


def entries() -> list[Entry]:
    """Every built-in preset, then the G-Block example."""
    found = []
    for name in preset_names():
        spec = load_spec(name).spec
        found.append(Entry(name, name, (), first_sentence(spec.description or "")))
    return [*found, GBLOCK_EXAMPLE]


def diagram_of(entry: Entry) -> tuple[Diagram, list[str]]:
    """The routing diagram of an entry and its terminal routing lines."""
    pipeline = Pipeline(load_spec(entry.reference, list(entry.overrides)).spec)
    return diagram_for_spec(pipeline.spec), routing_lines(pipeline.graph)


def dot_hash(dot_text: str) -> str:
    """The SHA-256 of DOT text, as embedded in the SVG rendered from it."""
    return hashlib.sha256(dot_text.encode("utf-8")).hexdigest()


def embedded_hash(svg_text: str) -> str | None:
    """The DOT hash an SVG carries, or None."""
    match = _HASH.search(svg_text)
    return match.group(1) if match else None


def stamp(svg_text: str, digest: str) -> str:
    """Insert the DOT hash comment after the XML declaration (or at the top)."""
    comment = f"{HASH_PREFIX}{digest} -->\n"
    if svg_text.startswith("<?xml"):
        head, _, rest = svg_text.partition("\n")
        return f"{head}\n{comment}{rest}"
    return comment + svg_text


def svg_path(entry: Entry) -> Path:
    """Where an entry's SVG lives."""
    return SVG_DIR / f"{entry.name}.svg"


_INTRO = """\
# Diagrams of the built-in presets

`phazer diagram SPEC -o OUT` draws a spec from its routing graph, the same graph the routing
rules check and the compiler builds from (see [routing.md](routing.md)). The pictures below
are the routing level (the default) of every built-in preset, made with

```text
phazer diagram PRESET -o docs/diagrams/PRESET.svg
```

How to read them:

- **one box per sub-model**, with its name, kind, who uses it, parameters and output shape
  (and, for a model that joins inputs, what it receives);
- **shared sub-models** (used by both sides) are purple boxes with a **double border**; a
  side's **own** sub-models are rounded boxes in the side's colour (A blue, B orange);
- **lanes**: side A's inputs, outputs and own sub-models are in the top band, side B's in the
  bottom band, shared sub-models between them;
- **edges** are labelled with the tensor shape; blue carries A's data, orange B's, thick
  purple both sides'. Where a model receives *shared features* (concatenated onto a side's
  own) or a G-Block *style*, the edge says which side gets what; style edges are dashed.

Under each picture are the same routing lines `phazer summary` prints (`[name]` shared,
`(name)` one side only, `+` joined with the shared features, `~` G-Block style input).

`.dot` and `.mmd` (Mermaid, rendered by GitHub) need no tools; `.svg`, `.png` and `.pdf` need
Graphviz's `dot`. `--level layers` draws every sub-model as a box holding its layers; a
chain that repeats a pattern of layers four or more times is drawn once, marked `× N`, and
a diagram draws at most 1,000 layers (one box counts the layers of a sub-model left out).

<!-- Generated by `python scripts/gen_diagrams.py` (Graphviz needed for the SVGs);
     tests/test_diagram_docs.py fails when a picture or this page is out of date. -->
"""


def render_markdown(items: list[tuple[Entry, list[str]]]) -> str:
    """docs/diagrams.md for the given entries and their routing lines."""
    chunks = [_INTRO]
    for entry, lines in items:
        command = " ".join(["phazer diagram", entry.reference,
                            *(f"--set {o}" for o in entry.overrides),
                            f"-o {entry.name}.svg"])
        chunks += [f"## {entry.name}", ""]
        if entry.blurb:
            chunks += [entry.blurb, ""]
        chunks += ["```text", f"$ {command}", *lines, "```", "",
                   f"![routing of {entry.name}](diagrams/{entry.name}.svg)", ""]
    return "\n".join(chunks).rstrip("\n") + "\n"


def problems() -> list[str]:
    """What is missing or out of date, one line each (empty when all is well)."""
    found = []
    items = []
    for entry in entries():
        diagram, lines = diagram_of(entry)
        items.append((entry, lines))
        path = svg_path(entry)
        if not path.exists():
            found.append(f"{path.relative_to(REPO)} is missing")
        elif embedded_hash(path.read_text(encoding="utf-8")) != dot_hash(to_dot(diagram)):
            found.append(f"{path.relative_to(REPO)} is out of date")
    expected = render_markdown(items)
    if not DIAGRAMS_MD.exists() or DIAGRAMS_MD.read_text(encoding="utf-8") != expected:
        found.append(f"{DIAGRAMS_MD.relative_to(REPO)} is out of date")
    known = {svg_path(entry).name for entry, _ in items}
    found += [f"{path.relative_to(REPO)} belongs to no preset"
              for path in sorted(SVG_DIR.glob("*.svg")) if path.name not in known]
    return found


def generate() -> int:
    """Rewrite every SVG whose DOT changed, and the markdown page."""
    if find_dot() is None:
        print("error: Graphviz's `dot` is needed to render the SVGs "
              "(e.g. `apt-get install graphviz`)", file=sys.stderr)
        return 1
    SVG_DIR.mkdir(parents=True, exist_ok=True)
    items = []
    for entry in entries():
        diagram, lines = diagram_of(entry)
        items.append((entry, lines))
        dot_text = to_dot(diagram)
        digest = dot_hash(dot_text)
        path = svg_path(entry)
        if path.exists() and embedded_hash(path.read_text(encoding="utf-8")) == digest:
            continue
        render_dot(dot_text, "svg", path)
        atomic_write_text(path, stamp(path.read_text(encoding="utf-8"), digest))
        print(f"wrote {path.relative_to(REPO)}")
    text = render_markdown(items)
    if not DIAGRAMS_MD.exists() or DIAGRAMS_MD.read_text(encoding="utf-8") != text:
        atomic_write_text(DIAGRAMS_MD, text)
        print(f"wrote {DIAGRAMS_MD.relative_to(REPO)}")
    for line in problems():
        print(f"still to do: {line}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Regenerate the diagrams, or with ``--check`` only report what is out of date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when something is missing or out of date")
    args = parser.parse_args(argv)
    if args.check:
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    return generate()


if __name__ == "__main__":
    raise SystemExit(main())
