"""Issues printed without rich on a stream that is no terminal read as rich prints them."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from phazer.cli.common import PIPE_WIDTH, print_issues, print_issues_plain, prints_plain
from phazer.cli.main import main
from phazer.issues import Issue

ISSUES = [
    Issue("PHZ101", "error", "decoder.filters", "unknown field 'filters' in decoder; expected "
          "one of: [min_filters], max_filters", "did you mean 'min_filters'?",
          file="/x/spec.yaml", line=3, column=5),
    Issue("PHZ207", "info", "fc.slope", "fc.slope (-0.5) changes nothing: [bold]not markup[/]"),
    Issue("PHZ331", "warning", "", "a :smile: emoji code and a\\tbackslash, \tand a tab",
          "set x: [1, 2]\tthen retry"),
    Issue("PHZ013", "info", "", "and 7 more issues not listed " + "long " * 60),
]


def _rich_text(issues: list[Issue]) -> str:
    out = io.StringIO()
    # what stdout_console makes for piped output (the file is no terminal)
    print_issues(Console(file=out, highlight=False, soft_wrap=True, width=PIPE_WIDTH,
                         emoji=False), issues)
    return out.getvalue()


def test_plain_issues_equal_richs_rendering_without_a_terminal():
    plain = io.StringIO()
    print_issues_plain(ISSUES, plain)
    assert plain.getvalue() == _rich_text(ISSUES)
    assert "[bold]not markup[/]" in plain.getvalue() and ":smile:" in plain.getvalue()


def test_terminals_and_forced_colour_keep_rich(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    assert prints_plain(io.StringIO())
    assert not prints_plain(Terminal())
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert not prints_plain(io.StringIO())


@pytest.mark.parametrize("argv", [["validate", "stojo"],
                                  ["validate", "stojo", "--set", "decoder.filters.slope=5",
                                   "-q"],
                                  ["validate", "original", "stojo"]])
def test_validate_prints_what_rich_would(argv, capsys, monkeypatch):
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    code = main(argv)
    plain = capsys.readouterr().out
    monkeypatch.setattr("phazer.cli.validate.prints_plain", lambda stream: False)
    assert main(argv) == code              # rich's path, on the same (no terminal) stream
    assert capsys.readouterr().out == plain
    assert plain.rstrip().endswith(("valid (0 errors, 0 warnings, 3 infos)",
                                    "invalid (1 error, 0 warnings, 0 infos)"))
