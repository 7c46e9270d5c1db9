"""Specs that ask for absurd sizes, for the resource-limit tests and bench/reliability.py.

Each :class:`Pathological` is a spec text and the issue code it must end in: rejected early
(an error that names the limit), or valid with a warning (a model no GPU holds). Texts are
made on demand (some are megabytes). The YAML alias bomb and the oversized file are the
loader's limits (PHZ012); they are here so the same measurement covers them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

_GRAPH = """\
phazer: 2
name: {name}
sides:
  a: {{input: 64}}
  b: {{input: 64}}
models:
  encoder:
    - conv: {{filters: [64], kernel: 5, strides: 2}}
{blocks}
    - flatten
    - dense: 1024
    - reshape: [4, 4, 64]
    - upscale: 64
  decoder_a:
    - upscale: [64, 64, 64]
    - output: {{channels: 3, kernel: 5, name: face_out_a}}
  decoder_b:
    - upscale: [64, 64, 64]
    - output: {{channels: 3, kernel: 5, name: face_out_b}}
  middle:
    - conv: {{filters: 64, kernel: 3, strides: 1}}
routes:
  a: {route}
  b: encoder -> decoder_b
"""


def graph_spec(name: str, blocks: str = "", route: str = "encoder -> decoder_a") -> str:
    """A small two-sided graph-form spec with extra encoder ``blocks`` and side a's route."""
    return _GRAPH.format(name=name, blocks=blocks, route=route)


def _dense(count: int) -> str:
    return "    - flatten\n    - dense: [" + ", ".join(["16"] * count) + "]\n" \
        "    - dense: 4096\n    - reshape: [32, 32, 4]"


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["a0: &a0 [x]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join([*lines, f"name: *a{levels - 1}", "extends: original", ""])


@dataclass(frozen=True)
class Pathological:
    """A spec asking for too much, and what phazer must say.

    Attributes:
        name: a short name (also the file name's stem).
        what: what it asks for, for people.
        text: makes the spec text.
        code: the issue code it must report.
        valid: whether it is valid (a warning) rather than rejected (an error).
        loader: whether the limit is the loader's (file size, nodes, aliases: PHZ012).
    """

    name: str
    what: str
    text: Callable[[], str]
    code: str
    valid: bool = False
    loader: bool = False


CASES: tuple[Pathological, ...] = (
    Pathological("dense-19k", "19,000 dense layers (within the file and node limits)",
                 lambda: graph_spec("dense-19k", _dense(19_000)), "PHZ315"),
    Pathological("calls-1500", "a route calling a sub-model 1,500 times",
                 lambda: graph_spec("calls", route="encoder -> " + "middle -> " * 1_500
                                    + "decoder_a"), "PHZ315"),
    Pathological("filters-1e12", "10^12 decoder filters (Phaze-A form)",
                 lambda: "extends: original\ndecoder: {max_filters: 1000000000000}\n", "PHZ104"),
    Pathological("graph-filters-1e12", "a conv of 10^12 filters (graph form)",
                 lambda: graph_spec("filters", "    - conv: {filters: 1000000000000}"),
                 "PHZ104"),
    Pathological("depth-1e6", "an encoder 10^6 convs deep (Phaze-A form)",
                 lambda: "extends: original\nencoder: {depth: 1000000}\n", "PHZ104"),
    Pathological("decoder-74b", "5120 filters x 8 residual blocks at 2048 px: 73.7 B params",
                 lambda: "extends: original\noutput_size: 2048\n"
                         "decoder: {min_filters: 5120, max_filters: 5120, res_blocks: 8}\n",
                 "PHZ331", valid=True),
    Pathological("residual-980", "980 residual blocks (just within the limits)",
                 lambda: graph_spec("residual", "    - residual: [" + ", ".join(["64"] * 980)
                                    + "]"), "", valid=True),
    Pathological("dense-1m", "10^6 dense layers (a 4 MB file)",
                 lambda: graph_spec("dense-1m", _dense(1_000_000)), "PHZ012", loader=True),
    Pathological("alias-bomb", "9 nested 9-way YAML aliases (a 300-byte file)",
                 _alias_bomb, "PHZ012", loader=True),
)
"""Every case; ``residual-980`` is about the largest spec within the limits (no issue expected)."""
