"""``phazer curve``: the filter-curve calculator, as a list and a bar chart."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

from rich.bar import Bar
from rich.console import Console
from rich.table import Table

from phazer.cli.common import stdout_console
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.curves import SLOPE_LIMIT, SLOPE_MODES, filter_curve

PIPED_CHART_WIDTH = 80
_MIN_BAR_WIDTH = 10


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "curve", help="compute a filter curve (decoder filters, FC nodes) and chart it",
        description="Compute the filter counts phazer (and faceswap) uses for repeated layers. "
                    "By default the list runs from --max down to --min, as a decoder's "
                    "upscales do; --rising runs from --min up to --max, as the FC layers do. "
                    "Values are rounded down to multiples of 8. Sign convention: slope -0.45 "
                    "gives [512, 256, 128, 64] for 4 points from 512 to 64 (the Phaze-A forum "
                    "guide writes this slope as +0.45).")
    parser.add_argument("--min", dest="low", type=int, required=True, metavar="N",
                        help="the smallest filter count (decoder: min_filters)")
    parser.add_argument("--max", dest="high", type=int, required=True, metavar="N",
                        help="the largest filter count (decoder: max_filters)")
    parser.add_argument("--slope", type=float, required=True, metavar="S",
                        help="curve slope in [-0.99, 0.99]; negative falls fast at first, "
                             "positive slowly at first, 0 is linear")
    parser.add_argument("--points", type=int, required=True, metavar="N",
                        help="how many values: the number of upscales or FC layers")
    parser.add_argument("--mode", choices=SLOPE_MODES, default="full",
                        help="full: every point on the curve; cap_max / cap_min: fall by "
                             "(1 - |slope|) per step, padding with max at the front / min at "
                             "the back (default: full)")
    parser.add_argument("--rising", action="store_true",
                        help="compute the curve from --min up to --max (FC order)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def check_arguments(args: argparse.Namespace) -> str:
    """The first problem with the curve's values as a one-line message ("" when fine)."""
    if not (math.isfinite(args.slope) and -SLOPE_LIMIT <= args.slope <= SLOPE_LIMIT):
        return f"--slope must be within [-{SLOPE_LIMIT}, {SLOPE_LIMIT}], got {args.slope:g}"
    if args.points < 1:
        return f"--points must be at least 1, got {args.points}"
    for option, value in (("--min", args.low), ("--max", args.high)):
        if value <= 0:
            return f"{option} must be a positive number of filters, got {value}"
    return ""


def compute(args: argparse.Namespace) -> tuple[int, int, list[int]]:
    """The curve's start, end and values for checked arguments."""
    start, end = (args.low, args.high) if args.rising else (args.high, args.low)
    return start, end, filter_curve(start, end, args.points, args.slope, args.mode)


def curve_chart(values: list[int], width: int) -> Table:
    """A bar chart of the values, one labelled bar per point, fitting ``width`` columns."""
    label_width = len(str(len(values)))
    value_width = max(len(str(v)) for v in values)
    bar_width = max(_MIN_BAR_WIDTH, width - label_width - value_width - 2)
    scale = max(max(values), 1)
    chart = Table.grid(padding=(0, 1))
    chart.add_column(justify="right", style="dim")
    chart.add_column(justify="right")
    chart.add_column(width=bar_width, no_wrap=True)
    for index, value in enumerate(values, start=1):
        chart.add_row(str(index), str(value),
                      Bar(scale, 0, value, width=bar_width, color="cyan"))
    return chart


def print_curve(console: Console, args: argparse.Namespace) -> None:
    """Print the list, a one-line description and the chart of a checked curve."""
    start, end, values = compute(args)
    console.print(str(values))
    order = "rising" if args.rising else "falling"
    console.print(f"\n{args.mode} curve from {start} to {end} ({order}), {args.points} "
                  f"point{'s' * (args.points != 1)}, slope {args.slope:g}")
    piped = not console.is_terminal and "COLUMNS" not in os.environ
    console.print(curve_chart(values, PIPED_CHART_WIDTH if piped else console.width))
    if any(v == 0 for v in values):
        console.print("[yellow]note:[/yellow] values below 8 round down to 0")
    if args.mode != "full" and args.slope < 0:
        console.print("[dim]note: the capped modes use the slope's size only: "
                      f"{args.slope:g} acts as {-args.slope:g}[/dim]")
    elif args.mode == "full" and args.slope:
        console.print(f"[dim]note: the Phaze-A forum guide writes this slope as "
                      f"{-args.slope:+g}[/dim]")


def run(args: argparse.Namespace, console: Console | None = None) -> int:
    """Check the values, then print the curve (or its JSON)."""
    problem = check_arguments(args)
    if problem:
        print(f"phazer curve: error: {problem}", file=sys.stderr)
        return EXIT_INVALID
    if args.json:
        start, end, values = compute(args)
        print(json.dumps({"start": start, "end": end, "points": args.points,
                          "slope": args.slope, "mode": args.mode,
                          "order": "rising" if args.rising else "falling",
                          "values": values}))
        return EXIT_OK
    print_curve(console or stdout_console(), args)
    return EXIT_OK
