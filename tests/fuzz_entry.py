"""Run one spec file through phazer's entry points and say what went wrong, if anything.

The entry points are the library functions and command functions the CLI calls (validate,
render, render --graph, summary and summary --json, diagram at both levels in DOT and
Mermaid), run in this process with stdout captured, so an exception reaches the harness
instead of the CLI's catch-all. What counts as clean:

- a :class:`phazer.issues.SpecError` from ``render_text``, or exit code 0 / 1 from a command;
- every issue well formed (a registered code, a severity, a message);
- a spec that validates has a built IR whose every shape is positive, parameters and FLOPs
  not negative, sub-model totals adding up, and its rendered YAML reads back to the same spec.

Anything else is a :class:`Finding`. Used by tests/test_fuzz_specs.py and bench/reliability.py.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from phazer.cli.main import build_parser
from phazer.cli.render import render_text
from phazer.issues import CODES, SEVERITY_ORDER, Issue, SpecError
from phazer.pipeline import Pipeline
from phazer.pipeline.validation import validate_reference
from phazer.spec import load_spec

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("render",),
    ("summary", "--json"),
    ("summary",),
    ("diagram", "-o", "-", "--format", "dot", "--level", "layers"),
    ("diagram", "-o", "-", "--format", "mmd", "--level", "routing"),
)


@dataclass(frozen=True)
class Finding:
    """Something an entry point did that it must not.

    Attributes:
        entry: the entry point (``validate``, ``render``, ``summary --json``, ``plan``, ...).
        error: what happened (``KeyError: 'x'``, ``exit code 2``, ``shape (0, 4)``, ...).
        where: the innermost phazer frame of the traceback ("" when there is none).
        exception: whether it is an exception (not a broken promise about the results).
    """

    entry: str
    error: str
    where: str = ""
    exception: bool = False

    def __str__(self) -> str:
        return f"{self.entry}: {self.error}" + (f" at {self.where}" if self.where else "")


@dataclass
class Outcome:
    """What one spec did: whether it validated and compiled, findings, seconds per entry."""

    valid: bool = False
    compiled: bool = False
    findings: list[Finding] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


@functools.cache
def _parser() -> argparse.ArgumentParser:
    return build_parser()


def _where(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/phazer/" in f.filename]
    if not frames:
        return ""
    last = frames[-1]
    return f"{last.filename.split('/phazer/', 1)[1]}:{last.lineno} ({last.name})"


def _bad_issue(issue: object) -> str | None:
    if not isinstance(issue, Issue):
        return f"not an Issue: {issue!r}"
    if issue.code not in CODES:
        return f"unregistered code {issue.code}"
    if issue.severity not in SEVERITY_ORDER or not issue.message.strip():
        return f"malformed issue {issue}"
    return None


def check_issues(entry: str, issues: list[Issue]) -> list[Finding]:
    """A finding per malformed issue."""
    return [Finding(entry, bad) for bad in map(_bad_issue, issues) if bad]


def check_plan(pipeline: Pipeline) -> list[Finding]:
    """Findings when a validated spec's IR is missing or has a non-positive shape."""
    model = pipeline.model
    if model is None:
        return [Finding("plan", "the spec validated but has no IR")]
    found = []
    for sub in model.submodels.values():
        for op in sub.ops:
            if not op.shape or any(d <= 0 for d in op.shape):
                found.append(Finding("plan", f"{sub.name}/{op.name} ({op.kind}) has shape "
                                             f"{op.shape}"))
            if op.params.trainable < 0 or op.params.non_trainable < 0 or op.flops < 0:
                found.append(Finding("plan", f"{sub.name}/{op.name} has negative figures"))
    figures = pipeline.figures
    if figures is None or figures.total_params != sum(s.params for s in figures.submodels):
        found.append(Finding("plan", "the sub-models' parameters do not add up"))
    return found


def _command(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    with contextlib.redirect_stdout(io.StringIO()) as out, \
            contextlib.redirect_stderr(io.StringIO()):
        code = int(args.func(args))
    if argv[0] == "summary" and "--json" in argv:
        json.loads(out.getvalue())
    return code


def _round_trip(path: Path, text: str) -> list[Finding]:
    """The rendered YAML must read back to the spec it was rendered from."""
    original = load_spec(str(path)).spec
    copy = path.with_name(path.stem + ".rendered.yaml")
    copy.write_text(text, encoding="utf-8")
    try:
        again = load_spec(str(copy)).spec
    except SpecError as exc:
        return [Finding("render", f"its output does not load: {exc.issues[0].message}")]
    if _comparable(again) != _comparable(original):
        return [Finding("render", "its output reads back to a different spec")]
    return []


def _comparable(spec: object) -> object:
    """The spec as data, its description without trailing newlines (render ends it with one)."""
    data = spec.model_dump()  # type: ignore[attr-defined]
    data["description"] = data.get("description", "").rstrip("\n")
    return data


def _timed(outcome: Outcome, entry: str, run: Callable[[], list[Finding]]) -> None:
    start = time.perf_counter()
    try:
        outcome.findings += run()
    except Exception as exc:  # what the harness is for: anything not phazer's own rejection
        outcome.findings.append(Finding(entry, f"{type(exc).__name__}: {exc}"[:300],
                                        _where(exc), exception=True))
    outcome.seconds[entry] = time.perf_counter() - start


def run_entry_points(path: Path) -> Outcome:
    """Run ``path`` through every entry point; never raises for what the spec does."""
    outcome = Outcome()

    def validate() -> list[Finding]:
        report = validate_reference(str(path))
        found = check_issues("validate", report.issues)
        outcome.valid = report.ok
        if report.ok and report.pipeline is not None:
            plan = check_plan(report.pipeline)
            outcome.compiled = not plan
            found += plan
        return found

    def render(graph: bool) -> Callable[[], list[Finding]]:
        def run() -> list[Finding]:
            try:
                text = render_text(str(path), graph=graph)
            except SpecError as exc:
                return check_issues("render", exc.issues) or (
                    [] if exc.issues else [Finding("render", "SpecError without issues")])
            return _round_trip(path, text) if not graph else []
        return run

    def command(argv: tuple[str, ...]) -> Callable[[], list[Finding]]:
        def run() -> list[Finding]:
            code = _command([argv[0], str(path), *argv[1:]])
            if code not in (0, 1) or (code == 0) != outcome.valid:
                return [Finding(" ".join(argv), f"exit code {code} (valid: {outcome.valid})")]
            return []
        return run

    _timed(outcome, "validate", validate)
    _timed(outcome, "render", render(graph=False))
    if outcome.valid:
        _timed(outcome, "render --graph", render(graph=True))
    for argv in COMMANDS:
        _timed(outcome, " ".join(argv[:1] + argv[-2:] if argv[0] == "diagram" else argv),
               command(argv))
    return outcome
