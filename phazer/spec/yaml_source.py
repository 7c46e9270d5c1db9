"""Read YAML into plain data while remembering where every key and value came from."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from phazer.issues import (
    EMPTY_FILE,
    NOT_A_MAPPING,
    WRONG_FORMAT,
    YAML_SYNTAX,
    Issue,
    SpecError,
    clip,
)
from phazer.spec.files import read_text
from phazer.spec.yaml_convert import Converter, FieldPath
from phazer.spec.yaml_limits import compose_bounded

__all__ = ["FieldPath", "Position", "SourceMap", "compose", "convert", "parse_value",
           "parse_yaml", "read_text"]


@dataclass(frozen=True)
class Position:
    """Where a key or value sits in a file (1-based line and column)."""

    file: str
    line: int
    column: int

    @property
    def from_override(self) -> bool:
        """Whether the value came from a ``--set`` argument (``file`` is that argument)."""
        return self.line == 0


@dataclass
class SourceMap:
    """Positions of values (and of the keys naming them) by field path."""

    values: dict[FieldPath, Position] = field(default_factory=dict)
    keys: dict[FieldPath, Position] = field(default_factory=dict)

    def find(self, path: FieldPath, prefer_key: bool = False) -> Position | None:
        """The position of ``path``, or of its nearest known parent.

        A field path never resolves to the whole document: a field the file does not mention
        (a default) has no line.
        """
        for cut in range(len(path), 0 if path else -1, -1):
            sub = tuple(path[:cut])
            first, second = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            if sub in first:
                return first[sub]
            if sub in second:
                return second[sub]
        return None

    def spelt(self, path: FieldPath) -> FieldPath:
        """``path`` as the file spells it, up to where the file stops spelling it.

        One part the file does not spell is skipped when the next one is spelt there: a
        block written as its shorthand (``- dense: [512, 1024]``) spells its values without
        the field's name (``units``).
        """
        found: list[str | int] = []
        rest = list(path)
        while rest:
            part = rest.pop(0)
            if self._known((*found, part)):
                found.append(part)
            elif not (rest and self._known((*found, rest[0]))):
                break
        return tuple(found)

    def _known(self, path: FieldPath) -> bool:
        return path in self.values or path in self.keys

    def update(self, other: SourceMap) -> None:
        """Overlay another map's positions onto this one."""
        self.values.update(other.values)
        self.keys.update(other.keys)

    def drop_under(self, path: FieldPath) -> None:
        """Forget every position at or below ``path``."""
        for table in (self.values, self.keys):
            for key in [k for k in table if k[: len(path)] == path]:
                del table[key]


def _position(file: str, node: yaml.Node) -> Position:
    return Position(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _file_issue(code: str, file: str, message: str, hint: str,
                line: int | None = None, column: int | None = None) -> SpecError:
    return SpecError([Issue(code, "error", "", message, hint, file, line, column)])


def _looks_like_faceswap_json(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith("{") and ("__filetype" in text or "enc_architecture" in text)


def compose(text: str, file: str) -> yaml.Node | None:
    """The node tree of a YAML text within phazer's limits (None for an empty document).

    Raises:
        SpecError: a YAML syntax error (PHZ003) or a limit passed (PHZ012).
    """
    try:
        return compose_bounded(text, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = clip(exc.problem or exc.context or "invalid YAML")
        raise _file_issue(YAML_SYNTAX, file, f"YAML syntax error: {problem}",
                          "fix the indentation or quoting at this position", line,
                          column) from None
    except yaml.YAMLError as exc:
        raise _file_issue(YAML_SYNTAX, file, f"YAML syntax error: {clip(str(exc))}",
                          "fix the YAML syntax") from None


def convert(node: yaml.Node, file: str) -> tuple[object, SourceMap]:
    """The plain data of a node tree and the positions of its keys and values.

    Raises:
        SpecError: the tree holds what a spec cannot (duplicate keys, complex keys, tags).
    """
    source = SourceMap()
    converter = Converter(
        file, lambda path, n: source.values.__setitem__(path, _position(file, n)),
        lambda path, n: source.keys.__setitem__(path, _position(file, n)))
    data = converter.convert(node, ())
    if converter.issues:
        raise SpecError(converter.issues)
    return data, source


def parse_value(text: str, file: str) -> object:
    """One YAML value (e.g. a ``--set`` value) read the way a spec file is, within the limits.

    Raises:
        SpecError: the text is not valid YAML, passes a limit or holds what a spec cannot.
    """
    node = compose(text, file)
    return None if node is None else convert(node, file)[0]


def parse_yaml(text: str, file: str) -> tuple[dict, SourceMap]:
    """Parse one YAML document into a dict plus its source map.

    Raises:
        SpecError: a syntax error, an empty document, a faceswap JSON preset, a document
            that is not a mapping, or one over a limit (:mod:`phazer.spec.yaml_limits`).
    """
    if _looks_like_faceswap_json(text):
        start = len(text) - len(text.lstrip())
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        raise _file_issue(WRONG_FORMAT, file, f"{file} is a faceswap preset (JSON), not a "
                          "phazer spec", f"convert it first: phazer import-faceswap {file} "
                          "-o my.yaml", line, column)
    node = compose(text, file)
    if node is None:
        raise _file_issue(EMPTY_FILE, file, f"{file} is empty",
                          "start from a preset: phazer new my.yaml --from original", 1, 1)
    if not isinstance(node, yaml.MappingNode):
        raise _file_issue(NOT_A_MAPPING, file, f"{file} holds a YAML {node.id}, expected a "
                          "mapping of fields such as `output_size: 128`",
                          "start from a preset: phazer new my.yaml --from original",
                          node.start_mark.line + 1, node.start_mark.column + 1)
    data, source = convert(node, file)
    return data, source  # type: ignore[return-value]
