"""Read YAML into plain data while remembering where every key and value came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from phazer.issues import (
    DUPLICATE_KEY,
    EMPTY_FILE,
    FILE_NOT_FOUND,
    FILE_UNREADABLE,
    NOT_A_MAPPING,
    WRONG_FORMAT,
    YAML_SYNTAX,
    Issue,
    SpecError,
)

FieldPath = tuple[str | int, ...]


class SpecLoader(yaml.SafeLoader):
    """PyYAML's safe loader, also reading exponent floats without a dot (``1e-4``).

    YAML 1.1, which PyYAML follows, only reads ``1.0e-4`` as a number and ``1e-4`` as text;
    YAML 1.2 (and every editor's schema check) reads both as numbers. Learning rates are
    written this way, so phazer reads them as numbers too.
    """


SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)$"),
    list("-+0123456789"))


@dataclass(frozen=True)
class Position:
    """Where a key or value sits in a file (1-based line and column)."""

    file: str
    line: int
    column: int


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


class _Converter:
    def __init__(self, file: str):
        self.file = file
        self.source = SourceMap()
        self.issues: list[Issue] = []
        self._constructor = SpecLoader("")

    def convert(self, node: yaml.Node, path: FieldPath) -> object:
        self.source.values[path] = _position(self.file, node)
        if isinstance(node, yaml.MappingNode):
            result: dict[object, object] = {}
            for key_node, value_node in node.value:
                key = self._constructor.construct_object(key_node, deep=True)
                child: FieldPath = (*path, key if isinstance(key, str | int) else str(key))
                self.source.keys[child] = _position(self.file, key_node)
                if key in result:
                    self.issues.append(_duplicate_key(child, self.source.keys[child]))
                result[key] = self.convert(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._constructor.construct_object(node, deep=True)


def _duplicate_key(path: FieldPath, pos: Position) -> Issue:
    dotted = ".".join(str(p) for p in path)
    return Issue(DUPLICATE_KEY, "error", dotted, f"key '{path[-1]}' appears twice",
                 "remove one of the two; YAML would silently keep the last",
                 pos.file, pos.line, pos.column)


def _file_issue(code: str, file: str, message: str, hint: str,
                line: int | None = None, column: int | None = None) -> SpecError:
    return SpecError([Issue(code, "error", "", message, hint, file, line, column)])


def read_text(path: Path) -> str:
    """Read a spec file, turning OS errors into a :class:`SpecError`."""
    name = str(path)
    if not path.exists():
        raise _file_issue(FILE_NOT_FOUND, name, f"no such file: {name}",
                          "check the path, or run `phazer presets` for built-in preset names")
    if path.is_dir():
        raise _file_issue(FILE_UNREADABLE, name, f"{name} is a directory, not a spec file",
                          "pass a .yaml file inside it")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _file_issue(FILE_UNREADABLE, name, f"{name} is not UTF-8 text",
                          "save the spec as UTF-8 YAML") from None
    except OSError as exc:
        raise _file_issue(FILE_UNREADABLE, name, f"cannot read {name}: {exc.strerror}",
                          "check the file's permissions") from None


def _looks_like_faceswap_json(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith("{") and ("__filetype" in text or "enc_architecture" in text)


def parse_yaml(text: str, file: str) -> tuple[dict, SourceMap]:
    """Parse one YAML document into a dict plus its source map.

    Raises:
        SpecError: a syntax error, an empty document, a faceswap JSON preset or a document
            that is not a mapping.
    """
    if _looks_like_faceswap_json(text):
        start = len(text) - len(text.lstrip())
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        raise _file_issue(WRONG_FORMAT, file, f"{file} is a faceswap preset (JSON), not a "
                          "phazer spec", f"convert it first: phazer import-faceswap {file} "
                          "-o my.yaml", line, column)
    try:
        node = yaml.compose(text, Loader=SpecLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise _file_issue(YAML_SYNTAX, file, f"YAML syntax error: {problem}",
                          "fix the indentation or quoting at this position", line,
                          column) from None
    except yaml.YAMLError as exc:
        raise _file_issue(YAML_SYNTAX, file, f"YAML syntax error: {exc}",
                          "fix the YAML syntax") from None
    if node is None:
        raise _file_issue(EMPTY_FILE, file, f"{file} is empty",
                          "start from a preset: phazer new my.yaml --from original", 1, 1)
    if not isinstance(node, yaml.MappingNode):
        raise _file_issue(NOT_A_MAPPING, file, f"{file} holds a YAML {node.id}, expected a "
                          "mapping of fields such as `output_size: 128`",
                          "start from a preset: phazer new my.yaml --from original",
                          node.start_mark.line + 1, node.start_mark.column + 1)
    converter = _Converter(file)
    data = converter.convert(node, ())
    if converter.issues:
        raise SpecError(converter.issues)
    return data, converter.source
