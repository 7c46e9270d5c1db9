"""The spec of a faceswap model folder, rebuilt from the options its state file stores.

The state's ``config`` holds every option the model was built with; written out as the
``train.ini`` faceswap would have read (:func:`phazer.faceswap_folder.state.config_as_ini`),
it goes through the same importer as a real one: Phaze-A's
(:func:`phazer.faceswap_import.import_faceswap`) or the plugin's
(:func:`phazer.faceswap_models.import_plugin`). So a folder and the ``train.ini`` it was
trained from give the same spec. Issues name the state file; they carry no line (the
``train.ini`` they would point into exists only in memory).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from phazer.faceswap_folder.state import PHAZE_A, FaceswapState, config_as_ini
from phazer.issues import FS_UNKNOWN_OPTION, Issue, has_errors, sort_issues
from phazer.spec import GraphSpec, ModelSpec


@dataclass(frozen=True)
class RebuiltSpec:
    """The spec of a folder's model and what its import said.

    Attributes:
        spec: the spec, or None when any issue is an error.
        issues: every issue, errors first.
    """

    spec: ModelSpec | GraphSpec | None
    issues: list[Issue]


def rebuild_spec(state: FaceswapState, name: str | None = None) -> RebuiltSpec:
    """Import the options of a faceswap state file as a phazer spec.

    Args:
        state: the folder's state (its ``config`` and plugin).
        name: the spec's name; by default the importer's (``<state file stem>`` for Phaze-A,
            ``fs-<plugin>`` for the others).
    """
    from phazer.faceswap_models.registry import PLUGINS

    text, unplaced = config_as_ini(state)
    issues = [Issue(FS_UNKNOWN_OPTION, "info", option,
                    f"{option} in the state's config is not a faceswap option phazer knows; "
                    "ignored", "it may come from a newer faceswap", str(state.path))
              for option in unplaced]
    spec: ModelSpec | GraphSpec | None
    if state.plugin == PHAZE_A:
        from phazer.faceswap_import import import_faceswap

        result = import_faceswap(state.path, name=name, ini_text=text)
        spec, found = result.spec, result.issues
    elif state.plugin in PLUGINS:
        from phazer.faceswap_models import import_plugin

        plugin = import_plugin(state.path, state.plugin, name=name, ini_text=text)
        spec, found = plugin.spec, plugin.issues
    else:
        known = ", ".join([PHAZE_A, *PLUGINS])
        return RebuiltSpec(None, [Issue(
            "PHZ402", "error", "name", f"{state.path} is the state of faceswap's "
            f"{state.plugin!r} model, which phazer cannot rebuild (it imports: {known})",
            "", str(state.path))])
    issues += [replace(issue, file=str(state.path), line=None, column=None) for issue in found]
    issues = sort_issues(issues)
    return RebuiltSpec(None if has_errors(issues) else spec, issues)
