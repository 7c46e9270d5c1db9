"""``phazer diagram SPEC -o OUT``: draw a spec's routing or layers as DOT, Mermaid or an image."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from phazer.cli.common import add_set_option, print_issues, stderr_console
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.diagram import (
    FORMATS,
    LEVELS,
    TEXT_FORMATS,
    DiagramError,
    GraphvizNotFoundError,
    build_diagram,
    diagram_text,
    find_dot,
    format_of,
    write_diagram,
)
from phazer.pipeline.summary import summarize

STDOUT = "-"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "diagram", help="draw the routing (or every layer) as .dot, .mmd, .svg, .png or .pdf",
        description="Draw a spec or preset from its routing graph: one node per sub-model "
                    "with its kind, parameters and output shape, shared sub-models marked "
                    "apart from each side's own, side A's lane above side B's, edges "
                    "labelled with tensor shapes. The format follows OUT's extension: .dot "
                    "(Graphviz) and .mmd (Mermaid) need no tools; .svg, .png and .pdf run "
                    "Graphviz's `dot` program. The same spec always gives the same .dot and "
                    ".mmd text.")
    parser.add_argument("spec", metavar="SPEC", help="spec file or built-in preset name")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="the file to write (.dot, .gv, .mmd, .svg, .png or .pdf; "
                             "overwritten if it exists); '-' prints DOT or Mermaid text")
    parser.add_argument("--level", choices=LEVELS, default="routing",
                        help="routing: one node per sub-model (default); layers: every "
                             "sub-model as a box holding its layers")
    parser.add_argument("--format", choices=FORMATS, default=None, dest="fmt",
                        help="the format, when OUT's extension does not say it (with "
                             "'-o -': dot (default) or mmd)")
    add_set_option(parser)
    parser.set_defaults(func=run)


def _error(message: str, hint: str | None = None) -> int:
    errors = stderr_console()
    errors.print(f"phazer diagram: error: {message}", markup=False)
    if hint:
        errors.print(f"  hint: {hint}", markup=False)
    return EXIT_INVALID


def _choose_format(args: argparse.Namespace) -> str:
    """The output format from ``--format`` or the extension.

    Raises:
        DiagramError: no usable format.
    """
    if args.output == STDOUT:
        fmt = args.fmt or "dot"
        if fmt not in TEXT_FORMATS:
            raise DiagramError(f"'-o -' prints text: use --format dot or mmd, not {fmt}")
        return fmt
    return args.fmt or format_of(args.output)


def run(args: argparse.Namespace) -> int:
    """Draw one spec."""
    try:
        fmt = _choose_format(args)
    except DiagramError as exc:
        return _error(str(exc))
    if fmt not in TEXT_FORMATS and find_dot() is None:
        error = GraphvizNotFoundError(fmt)
        return _error(str(error), error.hint)
    out = None if args.output == STDOUT else Path(args.output)
    if out is not None and not out.parent.is_dir():
        return _error(f"folder {out.parent} does not exist")

    summary = summarize(args.spec, args.overrides)
    print_issues(stderr_console(), [i for i in summary.issues if i.severity != "info"])
    if not summary.ok:
        return EXIT_INVALID
    graph = summary.pipeline.weighted_graph
    diagram = build_diagram(graph, summary.model, summary.figures, args.level)
    if out is None:
        sys.stdout.write(diagram_text(diagram, fmt))
        return EXIT_OK
    try:
        write_diagram(diagram, out, fmt)
    except GraphvizNotFoundError as exc:
        return _error(str(exc), exc.hint)
    except DiagramError as exc:
        return _error(str(exc))
    except OSError as exc:
        return _error(f"cannot write {out}: {exc.strerror or exc}")
    subs = sum(1 for node in diagram.nodes if node.params is not None)
    shared = sum(1 for node in diagram.nodes if node.params is not None and node.shared)
    print(f"wrote {out}: {args.level} diagram of {diagram.name} ({subs} sub-models, "
          f"{shared} shared)")
    return EXIT_OK
