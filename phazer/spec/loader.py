"""Load a spec: resolve a file or preset name, follow ``extends``, apply ``--set`` overrides.

The result of :func:`load_raw` is plain data plus a :class:`SourceMap`; :func:`load_spec`
validates it against the schema. Both raise :class:`~phazer.issues.SpecError` with every issue
found, never a bare traceback.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import yaml

from phazer.issues import (
    BAD_OVERRIDE,
    EXTENDS_CYCLE,
    EXTENDS_NOT_FOUND,
    FILE_NOT_FOUND,
    Issue,
    SpecError,
)
from phazer.spec.presets import looks_like_path, preset_names, preset_path
from phazer.spec.yaml_source import (
    FieldPath,
    Position,
    SourceMap,
    SpecLoader,
    parse_yaml,
    read_text,
)
from phazer.suggest import did_you_mean

MAX_EXTENDS_DEPTH = 16


@dataclass
class RawSpec:
    """A spec's merged data before schema validation, with where each value came from."""

    data: dict
    source: SourceMap
    origin: str


def resolve_reference(reference: str, base_dir: Path | None = None) -> Path:
    """Turn a spec reference (a path or a built-in preset name) into a file path.

    Raises:
        SpecError: neither a file nor a preset of that name exists.
    """
    candidate = Path(reference)
    if base_dir is not None and not candidate.is_absolute():
        candidate = base_dir / candidate
    if candidate.exists() or looks_like_path(reference):
        return candidate
    preset = preset_path(reference)
    if preset is not None:
        return preset
    hint = did_you_mean(reference, preset_names())
    raise SpecError([Issue(
        FILE_NOT_FOUND, "error", "",
        f"'{reference}' is neither a file nor a built-in preset",
        hint or "run `phazer presets` to list the built-in presets", reference)])


def _replaces_variant(base: object, override: object) -> bool:
    """A mapping whose ``type`` changes is a new variant: replace it rather than merge."""
    return (isinstance(base, dict) and isinstance(override, dict) and "type" in override
            and base.get("type") != override["type"])


def deep_merge(base: dict, override: dict, source: SourceMap, over_source: SourceMap,
               path: FieldPath = ()) -> dict:
    """Merge ``override`` into a copy of ``base``: mappings recursively, the rest replaced."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        child = (*path, key)
        current = result.get(key)
        if isinstance(current, dict) and isinstance(value, dict) and not _replaces_variant(
                current, value):
            result[key] = deep_merge(current, value, source, over_source, child)
            continue
        source.drop_under(child)
        result[key] = copy.deepcopy(value)
    return result


def _load_chain(path: Path, seen: tuple[Path, ...]) -> RawSpec:
    file = str(path)
    data, source = parse_yaml(read_text(path), file)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return RawSpec(data, source, file)
    pos = source.values.get(("extends",))
    if not isinstance(parent_ref, str) or not parent_ref:
        raise SpecError([_at(EXTENDS_NOT_FOUND, "extends", pos,
                             f"`extends` must be a preset name or a file path, got "
                             f"{parent_ref!r}", "e.g. `extends: original`")])
    try:
        parent_path = resolve_reference(parent_ref, path.parent)
    except SpecError as exc:
        issue = exc.issues[0]
        raise SpecError([_at(EXTENDS_NOT_FOUND, "extends", pos, issue.message,
                             issue.hint)]) from None
    if not parent_path.exists():
        raise SpecError([_at(EXTENDS_NOT_FOUND, "extends", pos,
                             f"`extends` names {parent_ref!r}, but there is no file "
                             f"{parent_path}",
                             "a relative path is read from this file's folder; a preset "
                             "name has no extension (`phazer presets` lists them)")])
    resolved = parent_path.resolve()
    if resolved in seen or len(seen) >= MAX_EXTENDS_DEPTH:
        chain = " -> ".join(str(p) for p in (*seen, resolved))
        raise SpecError([_at(EXTENDS_CYCLE, "extends", pos, f"`extends` loops: {chain}",
                             "remove the `extends` that points back")])
    parent = _load_chain(parent_path, (*seen, resolved))
    merged_source = parent.source
    merged = deep_merge(parent.data, data, merged_source, source)
    merged_source.update(source)
    merged_source.values.pop(("extends",), None)
    return RawSpec(merged, merged_source, file)


def _at(code: str, path: str, pos: Position | None, message: str, hint: str) -> Issue:
    if pos is None:
        return Issue(code, "error", path, message, hint)
    return Issue(code, "error", path, message, hint, pos.file, pos.line, pos.column)


def parse_override(text: str) -> tuple[list[str], object]:
    """Split ``path.to.field=value`` into its path and YAML-parsed value.

    Raises:
        SpecError: the text has no ``=`` or an empty path, or the value is not valid YAML.
    """
    key, sep, raw = text.partition("=")
    parts = [p.strip() for p in key.split(".")]
    if not sep or not all(parts):
        raise SpecError([Issue(BAD_OVERRIDE, "error", key, f"--set {text!r} is not of the "
                               "form path.to.field=value", "e.g. --set fc.depth=2",
                               "--set")])
    try:
        value = yaml.load(raw, Loader=SpecLoader) if raw.strip() else ""
    except yaml.YAMLError:
        raise SpecError([Issue(BAD_OVERRIDE, "error", key, f"--set value {raw!r} is not "
                               "valid YAML", "quote strings, e.g. --set name='my model'",
                               "--set")]) from None
    return parts, value


def apply_overrides(raw: RawSpec, overrides: list[str]) -> RawSpec:
    """Apply ``--set path=value`` overrides on top of a loaded spec."""
    data = copy.deepcopy(raw.data)
    for text in overrides:
        parts, value = parse_override(text)
        target = data
        for part in parts[:-1]:
            child = target.get(part)
            if not isinstance(child, dict):
                child = {}
                target[part] = child
            target = child
        path = tuple(parts)
        raw.source.drop_under(path)
        current = target.get(parts[-1])
        if isinstance(value, dict) and isinstance(current, dict) and not _replaces_variant(
                current, value):
            value = deep_merge(current, value, raw.source, SourceMap(), path)
        target[parts[-1]] = value
        raw.source.values[path] = Position("--set", 0, 0)
    return RawSpec(data, raw.source, raw.origin)


def load_raw(reference: str, overrides: list[str] | None = None) -> RawSpec:
    """Read a spec file or preset, follow ``extends`` and apply overrides (no validation)."""
    path = resolve_reference(reference)
    raw = _load_chain(path, (path.resolve(),))
    return apply_overrides(raw, overrides or [])
