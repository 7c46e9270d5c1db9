"""Parse a side's route in a graph-form spec: ``encoder -> concat(inter_a, inter_both) -> decoder``.

Grammar (whitespace is free)::

    route := step ("->" step)*
    step  := NAME ["with" NAME] | JOIN "(" NAME ("," NAME)* ")"
    JOIN  := "concat"

A side's input (``face_in_<side>``) feeds the first step and the last step's output is the
side's face (``face_out_<side>``). A ``NAME`` step calls that sub-model on the current tensor;
a join calls each named sub-model on the current tensor and joins their outputs (channels
concatenated). ``NAME with STYLE`` conditions a call (Phaze-A's G-Block, AdaIN-style): STYLE is
called on the output of the route's first step (the encoding) and NAME gets the current tensor
and STYLE's output. A sub-model named twice is called twice, with the same weights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

JOINS: tuple[str, ...] = ("concat",)
CONDITION = "with"
SUBMODEL_NAME = r"[a-z][a-z0-9_]*"
"""The pattern of a sub-model's name (the one definition: the schema and the rules read it)."""
_RESERVED = (*JOINS, CONDITION)
_TOKEN = re.compile(rf"\s*(->|\(|\)|,|{SUBMODEL_NAME}|\S)")


def route_pattern() -> str:
    """This grammar as one ECMA-262 regular expression (the JSON schema's, for editors).

    The first step is not conditioned, and a join word (or ``with``) is not a name. phazer
    itself parses the route (PHZ211, with the column); tests/test_schema_validates.py checks
    the expression against :func:`parse_route`.
    """
    reserved = "|".join(_RESERVED)
    name = rf"(?!(?:{reserved})(?![a-z0-9_])){SUBMODEL_NAME}"
    join = rf"(?:{'|'.join(JOINS)})\s*\(\s*{name}(?:\s*,\s*{name})+\s*\)"
    first = rf"(?:{name}|{join})"
    later = rf"(?:{name}(?:\s+{CONDITION}\s+{name})?|{join})"
    return rf"^\s*{first}(?:\s*->\s*{later})*\s*$"


def route_description() -> str:
    """The grammar in a sentence (the schema's description of a route)."""
    steps = ["a sub-model's name", *(f"`{join}(x, y, ...)`" for join in JOINS),
             f"`x {CONDITION} style` (not the first step)"]
    return "`step -> step -> ...`; a step is " + ", ".join(steps[:-1]) + " or " + steps[-1] + "."


@dataclass(frozen=True)
class Step:
    """One step of a route: call ``models`` on the current tensor, joined by ``join``.

    A plain step has one model and no join; ``style`` names the sub-model that conditions it
    (``g_block with fc_gblock``).
    """

    models: tuple[str, ...]
    join: str | None = None
    style: str | None = None


class RouteError(ValueError):
    """A route that does not parse; ``column`` is 1-based in the route text."""

    def __init__(self, message: str, column: int):
        super().__init__(message)
        self.column = column


def _tokens(text: str) -> list[tuple[str, int]]:
    found, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or not match.group(1):
            break
        found.append((match.group(1), match.start(1) + 1))
        pos = match.end()
    return found


def parse_route(text: str) -> tuple[Step, ...]:
    """The steps of a route.

    Raises:
        RouteError: the text does not follow the grammar (with the column of the problem).
    """
    tokens = _tokens(text)
    steps: list[Step] = []
    index = 0

    def expect_name() -> str:
        nonlocal index
        if index >= len(tokens):
            raise RouteError("the route ends where a sub-model name is expected",
                             len(text) + 1)
        token, column = tokens[index]
        if not re.fullmatch(r"[a-z][a-z0-9_]*", token) or token in _RESERVED:
            raise RouteError(f"expected a sub-model name, found {token!r}", column)
        index += 1
        return token

    while True:
        if index < len(tokens) and tokens[index][0] in JOINS and index + 1 < len(tokens) \
                and tokens[index + 1][0] == "(":
            join = tokens[index][0]
            index += 2
            names = [expect_name()]
            while index < len(tokens) and tokens[index][0] == ",":
                index += 1
                names.append(expect_name())
            if index >= len(tokens) or tokens[index][0] != ")":
                column = tokens[index][1] if index < len(tokens) else len(text) + 1
                raise RouteError(f"{join}( needs a closing ')'", column)
            index += 1
            if len(names) < 2:
                raise RouteError(f"{join}(...) joins two or more sub-models",
                                 tokens[index - 1][1])
            steps.append(Step(tuple(names), join))
        else:
            name = expect_name()
            style = None
            if index < len(tokens) and tokens[index][0] == CONDITION:
                if not steps:
                    raise RouteError(f"'{CONDITION}' conditions a step on the encoding, which "
                                     "the first step makes: it cannot condition the first",
                                     tokens[index][1])
                index += 1
                style = expect_name()
            steps.append(Step((name,), style=style))
        if index >= len(tokens):
            return tuple(steps)
        token, column = tokens[index]
        if token != "->":
            raise RouteError(f"expected '->' between steps, found {token!r}", column)
        index += 1


def route_models(steps: tuple[Step, ...]) -> list[str]:
    """Every sub-model a route calls, in call order (repeats kept)."""
    return [name for step in steps
            for name in ((step.style,) if step.style else ()) + step.models]
