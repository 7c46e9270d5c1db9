"""Helpers shared by the CLI commands: consoles, issue printing, overrides."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from phazer.issues import Issue, sort_issues

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

# rich is imported when a console or table is made, not with this module: a command that
# prints JSON never pays for it (tests/test_cli_lazy_imports.py).

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


PIPE_WIDTH = 150


def stdout_console() -> Console:
    """A console on stdout; piped output is wide enough for the tables unless COLUMNS is set."""
    from rich.console import Console

    piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    width = PIPE_WIDTH if piped else None
    return Console(file=sys.stdout, highlight=False, soft_wrap=True, width=width, emoji=False)


def stderr_console() -> Console:
    """A console on stderr (plain text when not a terminal)."""
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=True, emoji=False)


def prints_plain(stream: Any) -> bool:
    """Whether rich would print on ``stream`` without any styling (so rich is not needed).

    True for a stream that is not a terminal, unless the environment forces rich's terminal
    output (FORCE_COLOR, TTY_COMPATIBLE or TTY_INTERACTIVE set).
    """
    forced = any(os.environ.get(name) for name in ("FORCE_COLOR", "TTY_COMPATIBLE",
                                                    "TTY_INTERACTIVE"))
    isatty = getattr(stream, "isatty", None)
    return not forced and not (isatty is not None and isatty())


def rich_table(*columns: Any, **options: Any) -> Table:
    """A :class:`rich.table.Table` (imports rich on first use)."""
    from rich.table import Table

    return Table(*columns, **options)


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--set path.to.field=value`` override option."""
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="PATH=VALUE",
                        help="override a spec field, e.g. --set fc.depth=2 (repeatable)")


def format_issue(issue: Issue, markup: bool = True) -> list[str]:
    """Render one issue as lines: location + path, severity/code/message, hint.

    Args:
        issue: the issue.
        markup: rich markup (the severity styled, the text escaped); False for plain text,
            as rich would print it on a stream that is not a terminal.
    """
    head = " ".join(part for part in (issue.location, issue.path) if part)
    if markup:
        from rich.markup import escape

        style = _STYLE[issue.severity]
        start, end = f"[{style}]", f"[/{style}]"
    else:
        def escape(text: str) -> str:
            return text

        start = end = ""
    lines = [escape(head)] if head else []
    lines.append(f"  {start}{issue.severity}[{escape(issue.code)}]{end} "
                 f"{escape(issue.message)}")
    if issue.hint:
        lines.append(f"  hint: {escape(issue.hint)}")
    # rich prints a tab as spaces up to the next 8th column of the line
    return lines if markup else [line.expandtabs() for line in lines]


def print_issues(console: Console, issues: list[Issue]) -> None:
    """Print issues, errors first."""
    for issue in sort_issues(issues):
        for line in format_issue(issue):
            console.print(line)


def print_issues_plain(issues: list[Issue], stream: Any) -> None:
    """Print issues, errors first, as :func:`print_issues` does on a stream that is no terminal.

    Without rich: a dry run's plain output (piped, in scripts and editors) does not pay for
    importing it.
    """
    for issue in sort_issues(issues):
        for line in format_issue(issue, markup=False):
            print(line, file=stream)
