"""A faceswap model folder as a phazer model dir that computes what faceswap's model computes.

The steps, in order; nothing is written until all of them passed:

1. find ``<plugin>.keras`` and ``<plugin>_state.json`` (:mod:`phazer.faceswap_folder.folder`);
2. rebuild the spec from the state's options, by the ``train.ini`` import's rules
   (:mod:`phazer.faceswap_folder.spec`); ``training.batch_size`` becomes faceswap's latest;
3. read every weight of the ``.keras`` file (:mod:`phazer.faceswap_folder.keras_file`) and put
   it in phazer's model of the spec (:mod:`phazer.faceswap_folder.weights`): the first layer or
   shape that differs refuses the import;
4. carry faceswap's optimizer state where phazer's optimizer is the same (Adam, AdamW), else
   drop it with the reason (:mod:`phazer.faceswap_folder.optimizer_state`);
5. write the model dir at once (:func:`phazer.train.journal.commit`): ``spec.yaml``, the
   weights, ``optimizer.npz`` and a ``state.json`` with faceswap's iterations, sessions, batch
   size, learning-rate-finder rate, the model's colour order, and ``imported`` (the folder,
   the plugin, faceswap's iteration count and what was carried).

The result is a model dir like one ``phazer train`` saved: summary, swap, train (resume),
transfer and export work on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phazer.faceswap_folder.errors import FolderImportError, SpecRebuildError
from phazer.faceswap_folder.folder import ModelFiles, find_model_files
from phazer.faceswap_folder.optimizer_state import CarriedOptimizer, carry_optimizer
from phazer.faceswap_folder.spec import rebuild_spec
from phazer.faceswap_folder.state import FaceswapState, read_state, session_records
from phazer.issues import FS_MISSING_OPTION, Issue
from phazer.spec import GraphSpec, ModelSpec

AUGMENTATION_SECTION = "trainer.augmentation"


@dataclass
class FolderImport:
    """What ``phazer import-faceswap FOLDER -o M`` did.

    Attributes:
        files: the folder's model files.
        target: the model dir written.
        spec: the spec written to ``spec.yaml``.
        state: faceswap's training state.
        weights: how many weight tensors were placed.
        params: the model's parameter count.
        optimizer: what became of faceswap's optimizer state.
        color_order: the channel order the model's weights take faces in.
        issues: what the spec's rebuild reported (no errors).
    """

    files: ModelFiles
    target: Path
    spec: ModelSpec | GraphSpec
    state: FaceswapState
    weights: int
    params: int
    optimizer: CarriedOptimizer
    color_order: str
    issues: list[Issue] = field(default_factory=list)


def _fold_augmentation(issues: list[Issue], state: FaceswapState) -> list[Issue]:
    """One info for the augmentation options a state file never holds, not one per option."""
    missing = [i for i in issues if i.code == FS_MISSING_OPTION
               and i.path.startswith(f"{AUGMENTATION_SECTION}.")]
    if not missing:
        return issues
    kept = [i for i in issues if i not in missing]
    names = ", ".join(i.path.rsplit(".", 1)[-1] for i in missing)
    return [*kept, Issue(FS_MISSING_OPTION, "info", AUGMENTATION_SECTION,
                         f"faceswap's state file does not keep its [{AUGMENTATION_SECTION}] "
                         f"options ({names}): faceswap's defaults are used",
                         "if you trained with others, set training.augmentation in the model "
                         "dir's spec.yaml", str(state.path))]


def _carried_spec(spec: ModelSpec | GraphSpec, files: ModelFiles, state: FaceswapState
                  ) -> ModelSpec | GraphSpec:
    """The rebuilt spec with where it came from, training at faceswap's latest batch size."""
    update: dict[str, Any] = {"description": (
        f"Imported from faceswap's model folder {files.folder.resolve().name} ({files.plugin}, "
        f"{state.iterations} iterations) by phazer import-faceswap.")}
    if state.batch_size > 0 and state.batch_size != spec.training.batch_size:
        update["training"] = spec.training.model_copy(update={"batch_size": state.batch_size})
    return spec.model_copy(update=update)


def _require_new(target: Path) -> None:
    from phazer.train.transfer_checks import TransferError, require_new_folder

    try:
        require_new_folder(target, "the model dir")
    except TransferError as exc:
        raise FolderImportError(exc.message, exc.hint) from None


def _train_state(files: ModelFiles, state: FaceswapState, optimizer: CarriedOptimizer,
                 color_order: str, weights: int) -> Any:
    from phazer.train.modeldir import TrainState

    finder = None
    if state.lr_finder is not None:
        finder = {"learning_rate": state.lr_finder, "source": "faceswap",
                  "strength": state.config.get("lr_finder_strength"),
                  "iterations": state.config.get("lr_finder_iterations")}
    imported = {"source": str(files.folder.resolve()), "plugin": files.plugin,
                "keras_file": files.keras.name, "state_file": files.state.name,
                "faceswap_iterations": state.iterations,
                "faceswap_sessions": len(state.sessions), "weights": weights,
                "optimizer": optimizer.message, "optimizer_carried": optimizer.carried,
                "lowest_avg_loss": state.lowest_avg_loss}
    return TrainState(iterations=state.iterations, batch_size=state.batch_size,
                      sessions=session_records(state), lr_finder=finder,
                      color_order=color_order, imported=imported)  # type: ignore[arg-type]


def import_folder(folder: str | Path, target: str | Path, name: str | None = None
                  ) -> FolderImport:
    """Import a faceswap model folder as a new phazer model dir.

    Args:
        folder: faceswap's model folder.
        target: the model dir to write (must not exist, or be empty).
        name: the spec's name (default: the folder's name).

    Raises:
        FolderImportError: anything that stops the import (:class:`SpecRebuildError` when
            the options do not give a spec); nothing is written then.
    """
    from phazer.compiler import compile_model_ir
    from phazer.faceswap_folder.keras_file import read_keras_file
    from phazer.faceswap_folder.weights import place_weights
    from phazer.model_colour import model_color_order
    from phazer.train.build import build_model

    source, out = Path(folder), Path(target)
    files = find_model_files(source)
    _require_new(out)
    state = read_state(files.state)
    if state.plugin != files.plugin:
        raise FolderImportError(f"{files.state} is the state of faceswap's {state.plugin!r} "
                                f"model, but the model file is {files.keras.name}",
                                "the two files come from different folders; put back the "
                                "state file that belongs to the model")
    rebuilt = rebuild_spec(state, name or source.resolve().name)
    if rebuilt.spec is None:
        errors = [i for i in rebuilt.issues if i.severity == "error"]
        raise SpecRebuildError(f"the options in {files.state} do not make a model phazer "
                               f"builds ({len(errors)} error(s), first: {errors[0].message})",
                               "see the errors above", rebuilt.issues)
    spec = _carried_spec(rebuilt.spec, files, state)
    stored = read_keras_file(files.keras)
    model = build_model(compile_model_ir(spec).without_pretrained())
    placements = place_weights(model, stored.model)
    optimizer = carry_optimizer(stored.optimizer_pt, placements, model, spec.training)
    order = model_color_order(spec)
    train_state = _train_state(files, state, optimizer, order, len(placements))
    _write(out, spec, model, optimizer.arrays, train_state)
    return FolderImport(files, out, spec, state, len(placements), int(model.count_params()),
                        optimizer, order, _fold_augmentation(rebuilt.issues, state))


def _write(target: Path, spec: ModelSpec | GraphSpec, model: Any, arrays: dict[str, Any],
           state: Any) -> None:
    """Write the model dir's four files at once; on failure leave nothing behind."""
    from phazer.train.checkpoint import write_new_model_dir

    _require_new(target)        # again: building and placing took a while
    try:
        write_new_model_dir(target, spec, model, arrays, state)
    except OSError as exc:
        raise FolderImportError(f"cannot write the model dir {target}: {exc}",
                                "free some disk space or pass another folder; nothing of the "
                                "model dir was kept") from None
