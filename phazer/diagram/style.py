"""Colours, names and words shared by every diagram writer (DOT, Mermaid, terminal).

Everything here is an immutable constant or a pure function, so two diagrams drawn in one
process never influence each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Palette:
    """The colours of one category of node/edge.

    Attributes:
        fill: node fill.
        border: node border and edge colour.
        lane: background of the side's lane (unused for the shared palette).
        text: colour for terminal text (a rich colour name).
    """

    fill: str
    border: str
    lane: str
    text: str


SHARED_PALETTE = Palette(fill="#ede4ff", border="#5b2bb5", lane="#ffffff", text="magenta")
# Side palettes, in side order; a model with more sides than this cycles through them.
SIDE_PALETTES: tuple[Palette, ...] = (
    Palette(fill="#d8e8ff", border="#1f5fbf", lane="#f2f7ff", text="blue"),
    Palette(fill="#ffe3c7", border="#c2570c", lane="#fff7ef", text="dark_orange"),
    Palette(fill="#d5f2dc", border="#1d7a3a", lane="#f1fbf3", text="green"),
    Palette(fill="#ffd9dc", border="#b3202d", lane="#fff3f4", text="red"),
)
IO_FILL = "#ffffff"
FONT = "Helvetica"

# Role of an edge -> the words used for it in labels.
ROLE_WORDS: dict[str, str] = {
    "image": "image",
    "mask": "mask",
    "encoding": "encoding",
    "features": "features",
    "shared_features": "shared features",
    "style": "style",
}
# Roles worth spelling out on an edge: the plain data flow (image, encoding, own features)
# is clear from the drawing; what a join or G-Block receives is not.
ANNOTATED_ROLES = frozenset({"shared_features", "style"})


def side_label(side: str) -> str:
    """How a side is named to people: ``a`` -> ``A``."""
    return side.upper()


def sides_label(sides: tuple[str, ...]) -> str:
    """``("a", "b")`` -> ``A and B``; ``("a", "b", "c")`` -> ``A, B and C``."""
    names = [side_label(s) for s in sides]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def side_palette(side: str, sides: tuple[str, ...]) -> Palette:
    """The palette of one side of a model with the given sides."""
    return SIDE_PALETTES[sides.index(side) % len(SIDE_PALETTES)]


def edge_palette(edge_sides: tuple[str, ...], sides: tuple[str, ...]) -> Palette:
    """The palette of an edge: its side's, or the shared one when it carries several sides."""
    if len(edge_sides) == 1:
        return side_palette(edge_sides[0], sides)
    return SHARED_PALETTE


def shape_text(shape: tuple[int, ...]) -> str:
    """``(4, 4, 512)`` -> ``4x4x512``."""
    return "x".join(str(d) for d in shape)


def shapes_text(shapes: tuple[tuple[int, ...], ...]) -> str:
    """Several shapes, comma-separated."""
    return ", ".join(shape_text(s) for s in shapes)


def params_text(params: int) -> str:
    """``34375936`` -> ``34,375,936 params``."""
    return f"{params:,} params"


def layer_text(name: str, kind: str, shape: tuple[int, ...], params: int, repeat: int = 1,
               group: int = 1) -> tuple[str, str]:
    """A layer box's two lines: its name (and repeats), then kind, shape and parameters.

    ``dense × 1,000,000`` for a layer repeated alone; ``conv_0 · group of 2 × 500`` for a
    layer of a repeated pattern; a box of kind ``omitted`` (layers left out) shows its name
    and their parameters.
    """
    if kind == "omitted":
        return name, f"{params_text(params)} in all"
    title = name
    if repeat > 1:
        title += f" × {repeat:,}" if group == 1 else f" · group of {group} × {repeat:,}"
    detail = f"{kind} · {shape_text(shape)}"
    if params:
        detail += f" · {params_text(params)}" + (" each" if repeat > 1 else "")
    return title, detail
