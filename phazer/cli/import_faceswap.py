"""``phazer import-faceswap FILE -o OUT.yaml [--model PLUGIN]``: faceswap settings to a spec.

``--model phaze_a`` (the default) reads Phaze-A's preset JSON or ``train.ini`` section into a
``phazer: 1`` spec; any other plugin (``--model dfl_sae``) reads its ``[model.<plugin>]``
section of a ``train.ini`` into a graph-form (``phazer: 2``) spec.

``phazer import-faceswap FACESWAP_MODEL_DIR -o M``: a folder argument is a model faceswap
trained; it becomes the phazer model dir ``M`` (:mod:`phazer.cli.import_folder`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from phazer.cli.common import print_issues, stdout_console
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.faceswap_import import import_faceswap
from phazer.faceswap_import.api import ImportResult
from phazer.faceswap_models import PHAZE_A, PLUGINS, import_plugin
from phazer.faceswap_models.importer import PluginImport
from phazer.fileio import atomic_write_text
from phazer.issues import has_errors
from phazer.spec.dump import dump_spec

HELP = ("convert a faceswap preset or train.ini to a spec, a faceswap model folder to a model "
        "dir")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the command."""
    parser = subparsers.add_parser(
        "import-faceswap", help=HELP,
        description="Read faceswap's Phaze-A settings from a GUI preset file "
                    "(model_phaze_a_<name>_preset.json) or a train.ini and write them as a "
                    "phazer spec; with --model PLUGIN, read another model plugin's "
                    "[model.<plugin>] section of a train.ini and write it as a graph-form "
                    "spec. Every option that is dropped, filled in or rejected is "
                    "reported. Given faceswap's model folder (<plugin>.keras and "
                    "<plugin>_state.json), write the phazer model dir -o M: the spec rebuilt "
                    "from the options the model was built with, every weight, the iterations "
                    "and sessions, and the optimizer's state where phazer's optimizer is the "
                    "same. Nothing is written when there is an error (exit 1).")
    parser.add_argument("file", metavar="FILE",
                        help="faceswap preset .json, train.ini, or faceswap's model folder")
    parser.add_argument("--model", default=None, metavar="PLUGIN",
                        help=f"faceswap's model plugin: {PHAZE_A} (default) or one of "
                             f"{', '.join(PLUGINS)} (read from a train.ini; a model folder's "
                             "file names say it)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="the spec file to write (OUT.yaml), or for a model folder the "
                             "model dir (must not exist, or be empty)")
    parser.add_argument("--name", help="the spec's name (default: from the file name; "
                                         "fs-<plugin> with --model; a model folder's name)")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    parser.set_defaults(func=run)


def _output_problem(out: Path, force: bool) -> tuple[str, str] | None:
    """Why OUT cannot be written (message, hint), or None when it can."""
    if out.is_dir():
        return f"{out} is a directory", "give a file name, e.g. -o my-model.yaml"
    if not out.parent.is_dir():
        return (f"the folder {out.parent} does not exist",
                f"create it first (mkdir -p {out.parent})")
    if out.exists() and not force:
        return f"{out} already exists; not overwritten", "pass --force to overwrite it"
    return None


def run(args: argparse.Namespace) -> int:
    """Import the faceswap file and write the spec when there is no error."""
    if Path(args.file).is_dir():
        from phazer.cli.import_folder import run_folder

        return run_folder(args)
    if args.model not in (None, PHAZE_A):
        result = import_plugin(args.file, args.model, name=args.name)
        return _write(args, result, f" for --model {args.model}",
                      f"Imported by `phazer import-faceswap --model {args.model}` from "
                      f"[model.{args.model}] in {args.file}",
                      f"faceswap's {args.model} model; "
                      f"{sum(i.code == 'PHZ407' for i in result.issues)} option(s) defaulted")
    result = import_faceswap(args.file, name=args.name)
    return _write(args, result, "", f"Imported by `phazer import-faceswap` from {args.file}",
                  f"{sum(i.code == 'PHZ404' for i in result.issues)} option(s) dropped as "
                  "unused")


def _write(args: argparse.Namespace, result: ImportResult | PluginImport, what: str,
           origin: str, counts: str) -> int:
    """Print the issues of an import and write its spec atomically when it has no error.

    Args:
        args: the parsed command line (``output``, ``force``, ``file``).
        result: the import's result (``issues`` and ``spec``, None on failure).
        what: text naming the import in the "not imported" line ("" or " for --model X").
        origin: the first line of the written file's header.
        counts: the closing line's figures.
    """
    console = stdout_console()
    print_issues(console, result.issues)
    if has_errors(result.issues) or result.spec is None:
        errors = sum(issue.severity == "error" for issue in result.issues)
        console.print(f"[bold red]not imported[/bold red]: {errors} error(s) in {args.file}"
                      f"{what}; nothing written")
        return EXIT_INVALID
    out = Path(args.output)
    problem = _output_problem(out, args.force)
    if problem is not None:
        message, hint = problem
        console.print(f"[bold red]error[/bold red]: {message}\n  hint: {hint}")
        return EXIT_INVALID
    try:
        atomic_write_text(out, dump_spec(result.spec, header=f"{origin}\nCheck it with: "
                                         f"phazer validate {out}"))
    except OSError as exc:
        console.print(f"[bold red]error[/bold red]: cannot write {out}: {exc.strerror}")
        return EXIT_INVALID
    console.print(f"[green]wrote[/green] {out} (name: {result.spec.name}; "
                  f"{counts})")
    return EXIT_OK
