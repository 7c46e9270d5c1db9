"""Load a spec: resolve a file or preset name, follow ``extends``, apply ``--set`` overrides.

The result of :func:`load_raw` is plain data plus a :class:`SourceMap`; :func:`load_spec`
validates it against the schema. Both raise :class:`~phazer.issues.SpecError` with every issue
found, never a bare traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

from phazer.issues import (
    EXTENDS_CYCLE,
    EXTENDS_NOT_FOUND,
    FILE_NOT_FOUND,
    FILE_UNREADABLE,
    INPUT_TOO_LARGE,
    Issue,
    SpecError,
    clip,
    shown,
)
from phazer.spec.files import path_problem, read_text
from phazer.spec.merge import RawSpec, deep_merge
from phazer.spec.overrides import apply_overrides
from phazer.spec.presets import looks_like_path, preset_names, preset_path
from phazer.spec.yaml_source import Position, parse_yaml
from phazer.suggest import did_you_mean

MAX_EXTENDS_DEPTH = 16
"""The most files an ``extends`` chain may hold (the spec itself included)."""

__all__ = ["MAX_EXTENDS_DEPTH", "RawSpec", "apply_overrides", "load_raw", "resolve_reference"]


def resolve_reference(reference: str, base_dir: Path | None = None) -> Path:
    """Turn a spec reference (a path or a built-in preset name) into a file path.

    Raises:
        SpecError: neither a file nor a preset of that name exists.
    """
    candidate = Path(reference)
    if base_dir is not None and not candidate.is_absolute():
        candidate = base_dir / candidate
    if os.path.lexists(candidate) or looks_like_path(reference) or "\0" in reference:
        return candidate   # reading it says what is wrong with it, if anything
    preset = preset_path(reference)
    if preset is not None:
        return preset
    hint = did_you_mean(reference, preset_names())
    raise SpecError([Issue(
        FILE_NOT_FOUND, "error", "",
        f"{shown(reference)} is neither a file nor a built-in preset",
        hint or "run `phazer presets` to list the built-in presets", clip(reference))])


def _real_path(path: Path) -> Path:
    """``path`` with its links followed, or as given when they cannot be (a loop)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):   # Python < 3.13 raises on a symbolic-link loop
        return path.absolute()


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
                             f"{shown(parent_ref)}", "e.g. `extends: original`")])
    try:
        parent_path = resolve_reference(parent_ref, path.parent)
    except SpecError as exc:
        issue = exc.issues[0]
        raise SpecError([_at(EXTENDS_NOT_FOUND, "extends", pos, issue.message,
                             issue.hint)]) from None
    _check_parent(parent_ref, parent_path, pos)
    resolved = _real_path(parent_path)
    _check_chain(seen, resolved, pos)
    parent = _load_chain(parent_path, (*seen, resolved))
    merged_source = parent.source
    merged = deep_merge(parent.data, data, merged_source, source)
    merged_source.update(source)
    merged_source.values.pop(("extends",), None)
    return RawSpec(merged, merged_source, file)


def _check_parent(reference: str, parent: Path, pos: Position | None) -> None:
    """Raise at the ``extends`` line when the file it names cannot be read."""
    problem = path_problem(parent)
    if problem is None:
        return
    if problem.code == FILE_NOT_FOUND and not parent.is_symlink():
        message = (f"`extends` names {shown(reference)}, but there is no file "
                   f"{clip(str(parent))}")
        hint = ("a relative path is read from this file's folder; a preset name has no "
                "extension (`phazer presets` lists them)")
        raise SpecError([_at(EXTENDS_NOT_FOUND, "extends", pos, message, hint)])
    code = problem.code if problem.code == INPUT_TOO_LARGE else FILE_UNREADABLE
    raise SpecError([_at(code, "extends", pos, f"`extends` names {shown(reference)}: "
                         f"{problem.message}", problem.hint)])


def _check_chain(seen: tuple[Path, ...], parent: Path, pos: Position | None) -> None:
    """Raise when ``parent`` closes a loop, or makes the chain longer than the limit."""
    if parent in seen:
        loop = seen[seen.index(parent):]
        chain = " -> ".join(str(p) for p in (*loop, parent))
        raise SpecError([_at(EXTENDS_CYCLE, "extends", pos,
                             f"`extends` loops: {clip(chain, 600)}",
                             "remove the `extends` that points back")])
    if len(seen) >= MAX_EXTENDS_DEPTH:
        names = [p.name for p in (*seen, parent)]
        chain = " -> ".join([*names[:3], "...", *names[-2:]])
        raise SpecError([_at(INPUT_TOO_LARGE, "extends", pos,
                             f"the `extends` chain is more than {MAX_EXTENDS_DEPTH} files "
                             f"deep ({chain}; no file repeats, so it is not a loop): over "
                             f"phazer's limit of {MAX_EXTENDS_DEPTH} files",
                             "make a file in the middle of the chain hold the settings of "
                             "the files above it, and extend that instead")])


def _at(code: str, path: str, pos: Position | None, message: str, hint: str) -> Issue:
    if pos is None:
        return Issue(code, "error", path, message, hint)
    return Issue(code, "error", path, message, hint, pos.file, pos.line, pos.column)


def load_raw(reference: str, overrides: list[str] | None = None) -> RawSpec:
    """Read a spec file or preset, follow ``extends`` and apply overrides (no validation)."""
    path = resolve_reference(reference)
    raw = _load_chain(path, (_real_path(path),))
    return apply_overrides(raw, overrides or [])
