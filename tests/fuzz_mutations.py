"""Mutations of the built-in presets for spec fuzzing (tests/test_fuzz_specs.py, bench/).

Two families, both driven by a :class:`random.Random` (hypothesis passes its own, so it can
shrink a failure; bench/reliability.py a seeded one):

- *tree* mutations of the preset's YAML document, guided by the schema: every field name the
  pydantic models of both spec forms declare comes with its type and range
  (:func:`field_ranges`), so a mutation can pick a value inside the range (a different but
  valid spec, which must then compile), just outside it, of another type, huge, NaN or
  infinite; keys are deleted, unknown keys added at any level, values swapped between places
  and list items repeated; a graph-form route gets a step repeated, dropped, added, swapped,
  joined, conditioned, or the route repeated (a sub-model called again);
- *ranges* mutations: only values inside their fields' ranges and route changes, so most
  mutants validate and reach the builders, the plan and the diagram;
- *byte* mutations of the YAML text: flipped, deleted and inserted bytes, YAML tokens
  (anchors, aliases, merge keys, tags, flow brackets, tabs, NUL), lines duplicated, dropped,
  swapped or re-indented, truncation.

Nothing here imports hypothesis or TensorFlow.
"""

from __future__ import annotations

import functools
import math
import random
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from phazer.spec.graph_form import GraphSpec
from phazer.spec.models import ModelSpec
from phazer.spec.presets import preset_names, preset_path

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldRange:
    """What one declaration of a field accepts.

    Attributes:
        kind: "int", "float", "bool", "str" or "choice".
        low: the smallest value allowed (None: unbounded), for numbers.
        high: the largest value allowed (None: unbounded), for numbers.
        open_high: ``high`` itself is excluded (``lt``).
        choices: the allowed values of a ``Literal``.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    open_high: bool = False
    choices: tuple[Any, ...] = ()


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None, bool]:
    low = high = None
    open_high = False
    for item in metadata:
        if isinstance(item, FieldInfo):
            inner = _bounds(list(item.metadata))
            low = inner[0] if inner[0] is not None else low
            high = inner[1] if inner[1] is not None else high
            open_high = open_high or inner[2]
        elif isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Gt):
            low = item.gt
        elif isinstance(item, annotated_types.Le):
            high = item.le
        elif isinstance(item, annotated_types.Lt):
            high, open_high = item.lt, True
    return low, high, open_high


def _leaves(annotation: Any, metadata: list[Any], models: list[type[BaseModel]]
            ) -> Iterator[FieldRange]:
    """The :class:`FieldRange` of every scalar an annotation allows; nested models go to
    ``models``."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = get_args(annotation)
        yield from _leaves(inner, [*metadata, *extra], models)
    elif origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            yield from _leaves(arg, metadata, models)
    elif origin is Literal:
        yield FieldRange("choice", choices=get_args(annotation))
    elif origin in (list, dict, tuple):
        for arg in get_args(annotation):
            yield from _leaves(arg, metadata, models)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        models.append(annotation)
    elif annotation in (int, float):
        low, high, open_high = _bounds(metadata)
        yield FieldRange(annotation.__name__, low, high, open_high)
    elif annotation is bool:
        yield FieldRange("bool")
    elif annotation is str:
        yield FieldRange("str")


@functools.cache
def field_ranges() -> dict[str, tuple[FieldRange, ...]]:
    """Every field name of both spec forms' models, with what each declaration accepts."""
    found: dict[str, list[FieldRange]] = {}
    todo: list[type[BaseModel]] = [ModelSpec, GraphSpec]
    seen: set[type[BaseModel]] = set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            ranges = list(_leaves(info.annotation, list(info.metadata), todo))
            found.setdefault(name, [])
            found[name] += [r for r in ranges if r not in found[name]]
    return {name: tuple(ranges) for name, ranges in found.items()}


@functools.cache
def preset_texts() -> dict[str, str]:
    """Every built-in preset's YAML text, by name (Phaze-A and graph-form alike)."""
    texts = {}
    for name in preset_names():
        path = preset_path(name)
        assert path is not None
        texts[name] = path.read_text(encoding="utf-8")
    return texts


# --- tree mutations ------------------------------------------------------------------------
# Mutations insert copies (:func:`fresh`) of these, never the objects themselves.
OTHER_TYPES: tuple[Any, ...] = ("text", "", 3, -7, 2.5, True, False, None, [1, 2], [],
                                {"k": 1}, {}, "16", "1e3", [[]])
HUGE: tuple[Any, ...] = (10**12, -(10**12), 2**31, 2**63, 2**64 + 1, 10**100, 10**400,
                         1e300, -1e300, 5e-324)
SPECIAL_FLOATS: tuple[float, ...] = (math.nan, math.inf, -math.inf)
UNKNOWN_KEYS: tuple[str, ...] = ("x_unknown", "", "Output_Size", "filters", "type", "block",
                                 "phazer", "extends", "<<", "name", "0")


def _places(tree: Any, path: Path = ()) -> Iterator[Path]:
    """Every path of the document (the root included), depth first."""
    yield path
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _places(value, (*path, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _places(value, (*path, index))


def fresh(tree: Any) -> Any:
    """A copy sharing nothing (YAML aliases load as shared objects; a mutation must hit one)."""
    if isinstance(tree, dict):
        return {key: fresh(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [fresh(value) for value in tree]
    return tree


def _get(tree: Any, path: Path) -> Any:
    for part in path:
        tree = tree[part]
    return tree


def _set(tree: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    _get(tree, path[:-1])[path[-1]] = value
    return tree


def _key_of(path: Path) -> str | None:
    """The nearest mapping key of a path (a list item's key is its list's)."""
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return None


def _in_range(ranges: tuple[FieldRange, ...], rng: random.Random) -> Any:
    """A value one declaration of the field accepts (often at an edge of its range)."""
    chosen = rng.choice(ranges)
    if chosen.kind == "choice":
        return rng.choice(chosen.choices)
    if chosen.kind == "bool":
        return rng.choice([True, False])
    if chosen.kind == "str":
        return rng.choice(["a", "", "x" * 40])
    low = chosen.low if chosen.low is not None else -(2**16)
    high = chosen.high if chosen.high is not None else 2**16
    if chosen.kind == "int":
        low, high = math.ceil(low), math.floor(high) - (1 if chosen.open_high else 0)
        return rng.choice([low, high, rng.randint(low, max(low, high))])
    top = high - 1e-9 if chosen.open_high else high
    return rng.choice([low, top, rng.uniform(low, top)])


def _out_of_range(ranges: tuple[FieldRange, ...], rng: random.Random) -> Any:
    """A value just outside one declaration's range (or a wrong choice)."""
    chosen = rng.choice(ranges)
    if chosen.kind == "choice":
        return rng.choice([f"{chosen.choices[0]}x", str(chosen.choices[-1]).upper(), "none"])
    step = 1 if chosen.kind == "int" else 1e-6
    options = []
    if chosen.low is not None:
        options.append(type(chosen.low)(chosen.low - step))
    if chosen.high is not None:
        options += [chosen.high if chosen.open_high else chosen.high + step, chosen.high * 10]
    return rng.choice(options or [-1, 0])


@dataclass(frozen=True)
class Mutation:
    """One applied mutation, for the report: what was done where."""

    action: str
    path: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.action} {self.path or '<root>'} {self.value}".rstrip()


def _text(path: Path) -> str:
    return ".".join(str(p) for p in path)


def mutate_in_range(tree: Any, rng: random.Random) -> tuple[Any, Mutation]:
    """Set one scalar field the schema knows to a value in its range, or (graph form, one
    time in three) change a route with :func:`mutate_route`: the spec stays likely valid, but
    may no longer build (a test of the builders, the plan and the diagram)."""
    routes = tree.get("routes") if isinstance(tree, dict) else None
    if isinstance(routes, dict) and routes and rng.random() < 0.3:
        side = rng.choice(list(routes))
        if isinstance(routes[side], str):
            models = tree.get("models")
            names = [k for k in models if isinstance(k, str)] if isinstance(models, dict) else []
            routes[side], how = mutate_route(routes[side], names, rng)
            return tree, Mutation(f"route {how}", f"routes.{side}", repr(routes[side]))
    places = [p for p in _places(tree) if not isinstance(_get(tree, p), dict | list)
              and field_ranges().get(_key_of(p) or "")]
    if not places:
        return tree, Mutation("in_range", "", "no field")
    path = rng.choice(places)
    value = _in_range(field_ranges()[_key_of(path) or ""], rng)
    return _set(tree, path, value), Mutation("in_range", _text(path), repr(value))


def mutate_route(route: str, names: list[str], rng: random.Random) -> tuple[str, str]:
    """A graph-form route with one step repeated, dropped, added, swapped, joined or
    conditioned (``names``: the spec's sub-models); returns the route and what was done."""
    steps = [step.strip() for step in route.split("->")]
    at = rng.randrange(len(steps))
    name = rng.choice(names or ["x"])
    action = rng.choice(["repeat", "drop", "insert", "swap", "join", "with", "cycle"])
    if action == "repeat":
        steps.insert(at, steps[at])
    elif action == "drop" and len(steps) > 1:
        del steps[at]
    elif action == "insert":
        steps.insert(at, name)
    elif action == "swap":
        other = rng.randrange(len(steps))
        steps[at], steps[other] = steps[other], steps[at]
    elif action == "join":
        steps[at] = f"concat({steps[at]}, {name})"
    elif action == "with":
        steps[at] = f"{steps[at]} with {name}"
    else:
        action = "cycle"
        steps += steps[: rng.randrange(1, len(steps) + 1)]
    return " -> ".join(steps), action


def mutate_tree(tree: Any, rng: random.Random) -> tuple[Any, Mutation]:
    """Apply one schema-aware mutation to a loaded YAML document (in place when it can)."""
    places = list(_places(tree))
    path = rng.choice(places)
    value = _get(tree, path)
    key = _key_of(path)
    ranges = field_ranges().get(key or "", ())
    actions = ["delete", "retype", "huge", "special", "swap", "unknown_key", "repeat"]
    if ranges:
        actions += ["in_range", "in_range", "in_range", "out_of_range", "out_of_range"]
    if len(path) == 2 and path[0] == "routes" and isinstance(value, str):
        actions += ["route"] * 6
    action = rng.choice(actions)
    if action == "route":
        models = tree.get("models") if isinstance(tree, dict) else None
        names = [k for k in models if isinstance(k, str)] if isinstance(models, dict) else []
        route, how = mutate_route(value, names, rng)
        return _set(tree, path, route), Mutation(f"route {how}", _text(path), repr(route))
    if action == "delete" and path:
        parent = _get(tree, path[:-1])
        del parent[path[-1]]
        return tree, Mutation("delete", _text(path))
    if action == "unknown_key":
        holder = value if isinstance(value, dict) else None
        if holder is None:
            return _set(tree, path, {rng.choice(UNKNOWN_KEYS): value}), Mutation(
                "wrap", _text(path))
        new = rng.choice(UNKNOWN_KEYS + tuple(f"{k}x" for k in holder if isinstance(k, str)))
        holder[new] = fresh(rng.choice(OTHER_TYPES))
        return tree, Mutation("unknown_key", _text(path), repr(new))
    if action == "swap":
        other = rng.choice(places)
        if other and path and not _related(path, other):
            first, second = _get(tree, path), _get(tree, other)
            tree = _set(tree, path, second)
            tree = _set(tree, other, first)
            return tree, Mutation("swap", _text(path), _text(other))
    if action == "repeat" and isinstance(value, list) and value:
        index = rng.randrange(len(value))
        count = rng.choice([1, 2, 8, 64])
        value[index:index] = [fresh(value[index]) for _ in range(count)]
        return tree, Mutation("repeat", _text((*path, index)), f"x{count + 1}")
    new_value: Any
    if action == "in_range":
        new_value = _in_range(ranges, rng)
    elif action == "out_of_range":
        new_value = _out_of_range(ranges, rng)
    elif action == "huge":
        new_value = rng.choice(HUGE)
    elif action == "special":
        new_value = rng.choice(SPECIAL_FLOATS)
    else:
        action, new_value = "retype", fresh(rng.choice(OTHER_TYPES))
    return _set(tree, path, new_value), Mutation(action, _text(path), repr(new_value))


def _related(a: Path, b: Path) -> bool:
    """Whether one path holds the other (a swap would make a cycle)."""
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


def dump_tree(tree: Any) -> str:
    """A mutated document as YAML text (``.nan``/``.inf`` for special floats)."""
    return yaml.safe_dump(tree, sort_keys=False, default_flow_style=None, allow_unicode=True)


# --- byte mutations ------------------------------------------------------------------------
TOKENS: tuple[bytes, ...] = (
    b": ", b"- ", b"&a ", b"*a", b"<<: ", b"<<: *a", b"? ", b"{", b"}", b"[", b"]", b"\t",
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"%YAML 1.1\n", b"---\n", b"...\n", b"!!python/tuple ",
    b"!!binary ", b"!foo ", b"|\n", b">-\n", b"'", b'"', b"#", b",", b"\r\n", b"\r", b"~",
    b"null", b".nan", b"-.inf", b"0x10", b"0o17", b"1_000", b"1e309", b"99999999999999999999",
    b"\xe2\x80\xa8", b"\\", b"@", b"`", b"extends: original\n", b"phazer: 2\n", b"phazer: 1\n")


def mutate_bytes(data: bytes, rng: random.Random) -> tuple[bytes, Mutation]:
    """Apply one byte-level mutation to a YAML text."""
    lines = data.split(b"\n")
    action = rng.choice(["flip", "delete", "insert", "token", "token", "dup_line",
                         "drop_line", "swap_lines", "indent", "truncate", "digits"])
    at = rng.randrange(len(data) + 1) if data else 0
    if action == "flip" and data:
        at = min(at, len(data) - 1)
        byte = data[at] ^ (1 << rng.randrange(8))
        return data[:at] + bytes([byte]) + data[at + 1:], Mutation("flip", str(at))
    if action == "delete" and data:
        size = rng.choice([1, 2, 8, 64])
        return data[:at] + data[at + size:], Mutation("delete", str(at), str(size))
    if action == "insert":
        chunk = bytes(rng.randrange(256) for _ in range(rng.choice([1, 2, 4])))
        return data[:at] + chunk + data[at:], Mutation("insert", str(at), chunk.hex())
    if action == "token":
        token = rng.choice(TOKENS)
        return data[:at] + token + data[at:], Mutation("token", str(at), repr(token))
    line = rng.randrange(len(lines))
    if action == "dup_line":
        lines.insert(line, lines[line])
    elif action == "drop_line":
        del lines[line]
    elif action == "swap_lines":
        other = rng.randrange(len(lines))
        lines[line], lines[other] = lines[other], lines[line]
    elif action == "indent":
        lines[line] = rng.choice([b" ", b"  ", b"\t", b""]) + lines[line].lstrip(b" ")
    elif action == "truncate":
        return data[:at], Mutation("truncate", str(at))
    else:
        action = "digits"
        lines[line] = bytes(c if not chr(c).isdigit() else ord(rng.choice("09"))
                            for c in lines[line]) + (b"9" * rng.choice([0, 12, 40]))
    return b"\n".join(lines), Mutation(action, f"line {line + 1}")


# --- whole cases ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """A mutated preset, ready to write: its name, how it was made, and its bytes."""

    preset: str
    family: str
    mutations: tuple[Mutation, ...]
    data: bytes

    def describe(self) -> str:
        """``stojo [tree] retype encoder.depth 'text'; delete fc``."""
        return f"{self.preset} [{self.family}] " + "; ".join(str(m) for m in self.mutations)


FAMILIES: tuple[str, ...] = ("tree", "tree", "tree", "ranges", "bytes")
"""The mutation families, as often as :func:`make_case` picks them: ``tree`` (any schema-aware
mutation), ``ranges`` (only values in their fields' ranges: mostly valid specs) and ``bytes``."""


def make_case(rng: random.Random, preset: str | None = None, family: str | None = None,
              count: int | None = None) -> Case:
    """A preset (random unless given) with 1-3 mutations of one family (random unless given)."""
    texts = preset_texts()
    preset = preset or rng.choice(sorted(texts))
    family = family or rng.choice(FAMILIES)
    count = count or rng.choice([1, 1, 2, 3])
    mutations = []
    if family in ("tree", "ranges"):
        tree = fresh(yaml.safe_load(texts[preset]))
        mutate = mutate_tree if family == "tree" else mutate_in_range
        for _ in range(count):
            tree, mutation = mutate(tree, rng)
            mutations.append(mutation)
        try:
            data = dump_tree(tree).encode("utf-8")
        except (yaml.YAMLError, RecursionError, ValueError) as exc:  # dumper limits
            data = b"phazer: 1\n"
            mutations.append(Mutation("undumpable", "", type(exc).__name__))
    else:
        data = texts[preset].encode("utf-8")
        for _ in range(count):
            data, mutation = mutate_bytes(data, rng)
            mutations.append(mutation)
    return Case(preset, family, tuple(mutations), data)
