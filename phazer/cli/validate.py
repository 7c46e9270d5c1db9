"""``phazer validate FILE|PRESET...``: report every problem at once."""

from __future__ import annotations

import argparse
import json
import sys

from phazer.cli.common import (
    add_set_option,
    print_issues,
    print_issues_plain,
    prints_plain,
    stdout_console,
)
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.issues import TOO_MANY_ISSUES, Issue, plural
from phazer.pipeline.validation import ValidationReport, validate_reference


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "validate", help="check specs or presets: schema, routing and arithmetic rules",
        description="Check one or more spec files or built-in presets and print every issue, "
                    "errors first. Exit 0 when none has an error, 1 otherwise.")
    parser.add_argument("specs", nargs="+", metavar="SPEC", help="spec file or preset name")
    parser.add_argument("--json", action="store_true", help="print the issues as JSON")
    parser.add_argument("-q", "--quiet", action="store_true", help="only print errors")
    add_set_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate every spec given and print the issues."""
    reports = [validate_reference(ref, args.overrides) for ref in args.specs]
    if args.json:
        payload = [{"spec": r.reference, "valid": r.ok,
                    "issues": [i.to_json() for i in r.issues]} for r in reports]
        print(json.dumps(payload if len(payload) > 1 else payload[0], indent=2))
    elif prints_plain(sys.stdout):   # piped: the same text, without importing rich
        for report in reports:
            shown = _shown(report, args.quiet)
            print_issues_plain(shown, sys.stdout)
            verdict = "valid" if report.ok else "invalid"
            print(f"{report.reference}: {verdict} ({counts_text(report.issues)})".expandtabs())
    else:
        from rich.markup import escape

        console = stdout_console()
        for report in reports:
            print_issues(console, _shown(report, args.quiet))
            verdict = "[green]valid[/green]" if report.ok else "[bold red]invalid[/bold red]"
            console.print(f"{escape(report.reference)}: {verdict} ({counts_text(report.issues)})")
    return EXIT_OK if all(r.ok for r in reports) else EXIT_INVALID


def _shown(report: ValidationReport, quiet: bool) -> list[Issue]:
    """The issues to print: only the errors with ``--quiet``."""
    return [i for i in report.issues if not quiet or i.severity == "error"]


def counts_text(issues: list[Issue]) -> str:
    """``1 error, 2 warnings, 0 infos``, adding ``and more not listed`` past the cap."""
    listed = [i for i in issues if i.code != TOO_MANY_ISSUES]
    text = ", ".join(plural(sum(i.severity == s for i in listed), s)
                     for s in ("error", "warning", "info"))
    return text if len(listed) == len(issues) else f"{text} listed, and more not listed"
