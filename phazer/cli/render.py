"""``phazer render SPEC``: the fully resolved spec as YAML, with derived values."""

from __future__ import annotations

import argparse

from phazer.cli.common import add_set_option, print_issues, stderr_console
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.issues import SpecError, has_errors
from phazer.lowering import lower
from phazer.pipeline import Pipeline
from phazer.pipeline.derived import plan_notes
from phazer.pipeline.validation import validate_reference
from phazer.rules import run_rules
from phazer.spec import GraphSpec, ModelSpec, load_spec
from phazer.spec.describe import derived_values
from phazer.spec.dump import dump_spec


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "render", help="print the fully resolved spec (defaults filled, derived values)",
        description="Print a spec with `extends` followed, --set overrides applied and every "
                    "default filled in, as YAML that phazer reads back unchanged, followed by "
                    "`# derived:` comments (values phazer computes from the spec).")
    parser.add_argument("spec", metavar="SPEC", help="spec file or preset name")
    parser.add_argument("--graph", action="store_true",
                        help="write it in the graph form (phazer: 2): sides, sub-models and a "
                             "route per side; a Phaze-A spec's sub-models become Phaze-A "
                             "blocks with its settings under phaze_a (the same model)")
    add_set_option(parser)
    parser.set_defaults(func=run)


def render_text(reference: str, overrides: list[str] | None = None, graph: bool = False) -> str:
    """The resolved spec's YAML followed by its ``# derived:`` comment lines.

    Args:
        reference: a spec file or preset name.
        overrides: ``--set`` texts.
        graph: write the spec in the graph form (:func:`phazer.lowering.lower`).

    Raises:
        SpecError: the spec cannot be read or breaks the schema (a spec that breaks a rule
            of a later stage is rendered: ``phazer render`` checks those first).
    """
    return render_spec(load_spec(reference, overrides).spec, reference, overrides, graph)


def render_spec(spec: ModelSpec | GraphSpec, reference: str,
                overrides: list[str] | None = None, graph: bool = False,
                pipeline: Pipeline | None = None) -> str:
    """:func:`render_text` of a loaded spec (``reference`` and ``overrides`` name it).

    ``pipeline`` is the spec's own, when the caller has it (unused with ``graph``).
    """
    header = f"{reference}, resolved by `phazer render`: every field, defaults filled in"
    if graph:
        header += "\nin the graph form (phazer render --graph): it builds the same model"
        spec = pipeline.lowered if pipeline is not None else lower(spec)
    if overrides:
        header += "\n" + "\n".join(f"--set {text}" for text in overrides)
    pipeline = pipeline or Pipeline(spec)
    lines = derived_values(pipeline.lowered)
    if not has_errors(run_rules(pipeline, stages=("routing",))):
        lines += plan_notes(pipeline)
    derived = "".join(f"# derived: {line}\n" for line in lines)
    return f"{dump_spec(spec, header=header)}\n{derived}"


def run(args: argparse.Namespace) -> int:
    """Print the resolved spec, or (on stderr, exit 1) the issues when it has an error."""
    report = validate_reference(args.spec, args.overrides)
    if not report.ok or report.loaded is None:
        print_issues(stderr_console(), [i for i in report.issues if i.severity == "error"])
        return EXIT_INVALID
    try:
        text = render_spec(report.loaded.spec, args.spec, args.overrides, graph=args.graph,
                           pipeline=report.pipeline)
    except SpecError as exc:
        print_issues(stderr_console(), exc.issues)
        return EXIT_INVALID
    print(text, end="")
    return EXIT_OK
