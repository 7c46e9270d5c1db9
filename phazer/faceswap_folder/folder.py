"""Find the model in a faceswap model folder: ``<plugin>.keras`` and ``<plugin>_state.json``.

faceswap names both files after the model plugin (``phaze_a.keras``, ``dfl_sae_state.json``)
and keeps beside them its backups (``<plugin>.keras.bk``, ``<plugin>_state.json.bk``, copies of
an earlier save) and its TensorBoard logs (``<plugin>_logs/``). It refuses a folder holding
``.keras`` files of several plugins, and converts a faceswap 2 model (``<plugin>.h5``) to
``.keras`` when it loads it. Snapshots are sibling folders (``<folder>_snapshot_<n>_iters``),
each a model folder of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from phazer.faceswap_folder.errors import FolderImportError

KERAS_SUFFIX = ".keras"
STATE_SUFFIX = "_state.json"
BACKUP_SUFFIX = ".bk"


@dataclass(frozen=True)
class ModelFiles:
    """The files of the model in a faceswap model folder.

    Attributes:
        folder: the folder.
        plugin: faceswap's model plugin, from the file names (``phaze_a``).
        keras: ``<plugin>.keras``.
        state: ``<plugin>_state.json``.
        left: what else the folder holds that the import does not read (backups, logs).
    """

    folder: Path
    plugin: str
    keras: Path
    state: Path
    left: list[str] = field(default_factory=list)


def find_model_files(folder: Path) -> ModelFiles:
    """The model files of a faceswap model folder.

    Raises:
        FolderImportError: not a folder, no ``.keras`` (or only a faceswap 2 ``.h5``), the
            models of several plugins, or no state file beside the model.
    """
    if not folder.is_dir():
        raise FolderImportError(f"{folder} is not a folder", "pass faceswap's model folder "
                                "(the one holding <plugin>.keras and <plugin>_state.json)")
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise FolderImportError(f"cannot read {folder}: {exc.strerror or exc}",
                                "check its permissions") from None
    models = [p for p in entries if p.suffix == KERAS_SUFFIX and p.is_file()]
    plugins = sorted(p.stem for p in models)
    if len(plugins) > 1:
        raise FolderImportError(
            f"{folder} holds the models of {len(plugins)} faceswap plugins "
            f"({', '.join(p.name for p in models)}); faceswap refuses such a folder too",
            "move the other plugins' files into folders of their own and import each")
    if not plugins:
        old = [p for p in entries if p.suffix == ".h5" and p.is_file()]
        if old:
            raise FolderImportError(
                f"{folder} holds a faceswap 2 model ({old[0].name}), not a .keras file",
                "load it once in faceswap 3 (faceswap converts it to .keras), then import "
                "the folder again")
        raise FolderImportError(
            f"{folder} holds no faceswap model (no <plugin>.keras file)",
            "pass faceswap's model folder (-m of faceswap train), or a snapshot of it")
    plugin = plugins[0]
    state = folder / f"{plugin}{STATE_SUFFIX}"
    if not state.is_file():
        backup = state.with_name(state.name + BACKUP_SUFFIX)
        hint = (f"restore it from {backup.name} (faceswap's backup of an earlier save; take "
                f"{plugin}.keras.bk with it)" if backup.is_file() else
                "copy it from where faceswap trained the model: it holds the options the "
                "model was built with")
        raise FolderImportError(f"{folder} has {plugin}{KERAS_SUFFIX} but no {state.name} "
                                "(faceswap's training state)", hint)
    used = {models[0].name, state.name}
    left = [p.name for p in entries if p.name not in used]
    return ModelFiles(folder, plugin, models[0], state, left)
