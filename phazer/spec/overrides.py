"""``--set path.to.field=value`` overrides, applied on top of a loaded spec.

An issue about an overridden value is located at the ``--set`` argument itself (its
:class:`~phazer.spec.yaml_source.Position` has ``file`` = ``--set path=value`` and line 0),
never at a line of the file the value replaced.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from phazer.issues import BAD_OVERRIDE, YAML_SYNTAX, Issue, SpecError, clip
from phazer.spec.merge import RawSpec, _replaces_variant, deep_merge
from phazer.spec.yaml_source import FieldPath, Position, SourceMap, parse_value

_TYPE_NAMES = {bool: "true/false", int: "an integer", float: "a number", str: "text",
               type(None): "empty (null)"}


def override_location(text: str) -> str:
    """How an issue names the ``--set`` argument ``text`` (its file field)."""
    return f"--set {clip(text)}"


def _fail(text: str, path: str, message: str, hint: str) -> SpecError:
    return SpecError([Issue(BAD_OVERRIDE, "error", path, message, hint,
                            override_location(text))])


def parse_override(text: str) -> tuple[list[str], object]:
    """Split ``path.to.field=value`` into its path and YAML-parsed value.

    Raises:
        SpecError: the text has no ``=`` or an empty path, or the value is not valid YAML
            (or is over a limit, or holds what a spec cannot).
    """
    key, sep, raw = text.partition("=")
    parts = [p.strip() for p in key.split(".")]
    if not sep or not all(parts):
        raise _fail(text, clip(key), f"--set {clip(repr(text))} is not of the form "
                    "path.to.field=value", "e.g. --set fc.depth=2")
    if not raw.strip():
        return parts, ""
    try:
        return parts, parse_value(raw, override_location(text))
    except SpecError as exc:
        if any(issue.code == YAML_SYNTAX for issue in exc.issues):
            raise _fail(text, clip(key), f"--set value {clip(repr(raw))} is not valid YAML",
                        "quote strings, e.g. --set name='my model'") from None
        raise SpecError([replace(issue, path=clip(key), line=None, column=None)
                         for issue in exc.issues]) from None


def _list_index(text: str, parts: list[str], index: int, is_list: bool) -> SpecError:
    prefix = ".".join(parts[:index])
    if is_list:
        message = (f"`{clip(prefix)}` is a list: --set cannot reach inside it (list "
                   "indices are not supported)")
    else:
        message = (f"`{clip(parts[index])}` in {clip(text)} looks like a list index; --set "
                   "does not take list indices")
    listed = prefix if is_list else ".".join(parts[:max(index, 1)])
    return _fail(text, clip(".".join(parts)), message,
                 f"set the whole list, written in YAML's flow style: --set "
                 f"{clip(listed)}='[...]'")


def _walk(data: dict, parts: list[str], text: str, source: SourceMap,
          here: Position) -> dict:
    """The mapping that holds the last part, creating missing groups (from ``--set``)."""
    target = data
    for index, part in enumerate(parts[:-1]):
        child = target.get(part)
        if isinstance(child, list) or part.isdigit():
            raise _list_index(text, parts, index + (0 if part.isdigit() else 1),
                              isinstance(child, list))
        if child is None:
            child = {}
            target[part] = child
            source.values[tuple(parts[:index + 1])] = here
        elif not isinstance(child, dict):
            dotted = ".".join(parts[:index + 1])
            kind = _TYPE_NAMES.get(type(child), type(child).__name__)
            raise _fail(text, clip(".".join(parts)), f"`{clip(dotted)}` is {kind}, not a "
                        f"group of fields, so --set cannot set `{clip(parts[-1])}` inside it",
                        f"set the value itself, e.g. --set {clip(dotted)}=...")
        target = child
    if parts[-1].isdigit():
        raise _list_index(text, parts, len(parts) - 1, False)
    return target


def apply_overrides(raw: RawSpec, overrides: list[str]) -> RawSpec:
    """Apply ``--set path=value`` overrides on top of a loaded spec.

    Raises:
        SpecError: an override is malformed, indexes a list or reaches into a value that is
            not a group of fields (PHZ009).
    """
    if not overrides:
        return raw
    data = copy.deepcopy(raw.data)
    for text in overrides:
        parts, value = parse_override(text)
        here = Position(override_location(text), 0, 0)
        target = _walk(data, parts, text, raw.source, here)
        path: FieldPath = tuple(parts)
        current = target.get(parts[-1])
        if isinstance(value, dict) and isinstance(current, dict) and not _replaces_variant(
                current, value):
            value = deep_merge(current, value, raw.source, SourceMap(), path)
        else:
            raw.source.drop_under(path)
        target[parts[-1]] = value
        raw.source.values[path] = here
    return RawSpec(data, raw.source, raw.origin)
