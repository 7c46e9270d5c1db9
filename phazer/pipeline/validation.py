"""Validate a spec reference end to end: read, schema, routing rules, arithmetic rules."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from phazer.issues import Issue, SpecError, cap_issues, has_errors, sort_issues
from phazer.pipeline import Pipeline
from phazer.rules import STAGES, run_rules
from phazer.spec import LoadedSpec, load_spec
from phazer.spec.graph_form import GraphSpec
from phazer.spec.models import ModelSpec
from phazer.spec.yaml_source import Position, SourceMap


@dataclass
class ValidationReport:
    """Every issue found for one spec reference, and the spec when it passed the schema.

    ``pipeline`` is the spec's pipeline (graph, compiled IR) the rules used, for the caller
    to go on with; None when the spec did not pass the schema.
    """

    reference: str
    issues: list[Issue]
    loaded: LoadedSpec | None
    pipeline: Pipeline | None = None

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings and infos are allowed)."""
        return not has_errors(self.issues)


def locate(issue: Issue, source: SourceMap, default_file: str) -> Issue:
    """Fill an issue's file, line and column from the source map, by its field path."""
    if issue.line is not None:
        return issue
    path = tuple(int(p) if p.isdigit() else p for p in issue.path.split(".")) if issue.path \
        else ()
    pos = source.find(path)
    if pos is None or pos.from_override:
        return replace(issue, file=issue.file or (pos.file if pos else default_file))
    return replace(issue, file=pos.file, line=pos.line,
                   column=_column_in_value(pos, issue) or pos.column)


def _column_in_value(pos: Position, issue: Issue) -> int | None:
    """The column of the issue's ``word`` (or ``offset``) inside the value at ``pos``."""
    if not issue.word and issue.offset is None:
        return None
    try:
        line = Path(pos.file).read_text(encoding="utf-8").splitlines()[pos.line - 1]
    except (OSError, UnicodeError, IndexError):
        return None
    value = line[pos.column - 1:]
    if issue.offset is not None:   # a quoted value starts after its quote
        return pos.column + issue.offset + (1 if value[:1] in "'\"" else 0)
    found = re.search(rf"(?<![A-Za-z0-9_]){re.escape(str(issue.word))}(?![A-Za-z0-9_])", value)
    return pos.column + found.start() if found else None


def validate_reference(reference: str, overrides: list[str] | None = None) -> ValidationReport:
    """Load and fully validate a spec file or preset; never raises for bad input."""
    try:
        loaded = load_spec(reference, overrides)
    except SpecError as exc:
        return ValidationReport(reference, exc.issues, None)
    pipeline = Pipeline(loaded.spec)
    issues = [locate(i, loaded.source, loaded.origin) for i in run_rules(pipeline)]
    return ValidationReport(reference, cap_issues(sort_issues(issues)), loaded, pipeline)


def check_spec(spec: ModelSpec | GraphSpec, stages: Iterable[str] = STAGES) -> list[Issue]:
    """The rules' issues for a schema-valid spec (no file: issues carry no line)."""
    return run_rules(Pipeline(spec), stages)
