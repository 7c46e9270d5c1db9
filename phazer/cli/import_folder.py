"""``phazer import-faceswap FACESWAP_MODEL_DIR -o M``: a faceswap model folder as a model dir.

Called by :mod:`phazer.cli.import_faceswap` when its argument is a folder. Nothing is written
unless every step passed (:func:`phazer.faceswap_folder.importer.import_folder`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from phazer.cli.common import print_issues, stderr_console, stdout_console
from phazer.cli.main import EXIT_INVALID, EXIT_OK
from phazer.cli.tensorflow_import import quiet_tensorflow


def run_folder(args: argparse.Namespace) -> int:
    """Import the faceswap model folder ``args.file`` into the model dir ``args.output``."""
    console, errors = stdout_console(), stderr_console()
    from phazer.faceswap_folder.errors import FolderImportError, SpecRebuildError
    from phazer.faceswap_folder.folder import find_model_files

    folder, target = Path(args.file), Path(args.output)

    def refuse(message: str, hint: str = "") -> int:
        errors.print(f"phazer import-faceswap: error: {escape(message)}", highlight=False)
        if hint:
            errors.print(f"  hint: {escape(hint)}", highlight=False)
        return EXIT_INVALID

    if args.force:
        return refuse("--force does not apply to a model folder: a model dir is never written "
                      "over", f"pass a new or empty folder as -o, or remove {target} first")
    try:
        files = find_model_files(folder)
        if args.model is not None and args.model != files.plugin:
            return refuse(f"--model {args.model}: {folder} holds faceswap's {files.plugin} "
                          f"model ({files.keras.name})", "leave --model out for a folder: "
                          "the model file names its plugin")
        quiet_tensorflow()
        from phazer.faceswap_folder.importer import import_folder

        result = import_folder(folder, target, args.name)
    except SpecRebuildError as exc:
        print_issues(console, exc.issues)
        return refuse(exc.message, exc.hint)
    except FolderImportError as exc:
        return refuse(exc.message, exc.hint)
    print_issues(console, result.issues)
    state = result.state
    sessions = len(state.sessions)
    console.print(f"[green]imported[/green] {escape(str(folder))} (faceswap's "
                  f"{escape(files.plugin)} model, {state.iterations:,} iterations in {sessions} "
                  f"session{'s' if sessions != 1 else ''}) into {escape(str(target))}: "
                  f"{result.weights} weight tensors, {result.params:,} parameters, colour order "
                  f"{result.color_order.upper()}", highlight=False)
    console.print(f"optimizer: {escape(result.optimizer.message)}", highlight=False)
    if files.left:
        console.print(f"not read: {escape(', '.join(files.left))} (backups, logs and other "
                      "files of the folder)", highlight=False)
    console.print(f"next: phazer summary {escape(str(target / 'spec.yaml'))}; phazer train "
                  f"{escape(str(target / 'spec.yaml'))} --model-dir {escape(str(target))} "
                  "--input-a A --input-b B continues training", highlight=False)
    return EXIT_OK
