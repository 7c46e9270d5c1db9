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
    return Console(file=sys.stdout, highlight=False, soft_wrap=True, width=width)


def stderr_console() -> Console:
    """A console on stderr (plain text when not a terminal)."""
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


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


def format_issue(issue: Issue) -> list[str]:
    """Render one issue as rich-markup lines: location + path, severity/code/message, hint."""
    head = " ".join(part for part in (issue.location, issue.path) if part)
    style = _STYLE[issue.severity]
    from rich.markup import escape

    lines = [escape(head)] if head else []
    lines.append(f"  [{style}]{issue.severity}[{escape(issue.code)}][/{style}] "
                 f"{escape(issue.message)}")
    if issue.hint:
        lines.append(f"  hint: {escape(issue.hint)}")
    return lines


def print_issues(console: Console, issues: list[Issue]) -> None:
    """Print issues, errors first."""
    for issue in sort_issues(issues):
        for line in format_issue(issue):
            console.print(line)
