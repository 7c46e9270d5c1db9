"""faceswap's ``<plugin>_state.json``: its training record, and its options as a ``train.ini``.

faceswap's ``State.save`` writes ``name`` (the plugin), ``sessions`` (``{"<id>": {timestamp,
no_logs, batchsize, iterations, config}}``, sessions of 0 iterations left out),
``lowest_avg_loss``, ``iterations`` (the total), ``mixed_precision_layers``, ``lr_finder``
(-1.0 unless the learning rate finder ran) and ``config``: every global option and every
option of the plugin, with the values the model was built with (the options that may change
between sessions updated to the latest session's). :func:`read_state` checks and reads it;
:func:`config_as_ini` writes ``config`` as the ``train.ini`` faceswap would have read, each
option under its section, so that the importers read it by the same rules as a real one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from phazer.faceswap_folder.errors import FolderImportError
from phazer.spec.faceswap_names import (
    GLOBAL_OPTION_FACTS,
    MODEL_SECTION_PREFIX,
    PHAZE_A_OPTIONS,
    TRAINING_OPTION_FACTS,
)

PHAZE_A = "phaze_a"


@dataclass(frozen=True)
class FaceswapSession:
    """One training session faceswap recorded.

    Attributes:
        key: faceswap's session id (``"1"``, ``"2"``, ...).
        timestamp: when it started (seconds since the epoch), or None.
        batch_size: faces per side per iteration.
        iterations: iterations it ran.
        no_logs: whether it ran without TensorBoard logs.
    """

    key: str
    timestamp: float | None
    batch_size: int
    iterations: int
    no_logs: bool


@dataclass(frozen=True)
class FaceswapState:
    """What ``<plugin>_state.json`` holds (the parts phazer uses).

    Attributes:
        path: the file.
        plugin: the plugin it names (``phaze_a``, ``dfl_sae``, ...).
        iterations: the model's total iterations.
        sessions: the sessions in faceswap's order.
        config: every option the model was built with (global and the plugin's).
        lr_finder: the learning rate faceswap's finder found, or None.
        lowest_avg_loss: faceswap's lowest average loss between saves (0.0 after one save).
    """

    path: Path
    plugin: str
    iterations: int
    sessions: tuple[FaceswapSession, ...]
    config: dict[str, Any] = field(default_factory=dict)
    lr_finder: float | None = None
    lowest_avg_loss: float | None = None

    @property
    def batch_size(self) -> int:
        """The latest session's batch size (0 when no session is recorded)."""
        return self.sessions[-1].batch_size if self.sessions else 0


def _field(path: Path, data: dict[str, Any], key: str, kind: type) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise FolderImportError(f"{path}: {key!r} is {value!r:.60}; expected a {kind.__name__}",
                                "the state file is damaged; restore it from faceswap's "
                                f"{path.name}.bk backup or a snapshot folder")
    return value


def read_state(path: Path) -> FaceswapState:
    """Read and check faceswap's state file.

    Raises:
        FolderImportError: unreadable, not JSON, or a field of the wrong kind.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FolderImportError(f"cannot read {path}: {exc.strerror or exc}",
                                "check the file's permissions") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FolderImportError(f"{path} is not valid JSON ({exc})",
                                f"restore it from faceswap's {path.name}.bk backup or a "
                                "snapshot folder") from None
    if not isinstance(data, dict):
        raise FolderImportError(f"{path} holds a JSON {type(data).__name__}, not faceswap's "
                                "state object")
    plugin = _field(path, data, "name", str)
    iterations = _field(path, data, "iterations", int)
    config = _field(path, data, "config", dict)
    raw_sessions = data.get("sessions") or {}
    if not isinstance(raw_sessions, dict):
        raise FolderImportError(f"{path}: 'sessions' is not an object of sessions")
    sessions = []
    for key, entry in raw_sessions.items():
        if not isinstance(entry, dict):
            raise FolderImportError(f"{path}: session {key} is not an object")
        stamp = entry.get("timestamp")
        sessions.append(FaceswapSession(
            str(key), float(stamp) if isinstance(stamp, int | float) else None,
            int(entry.get("batchsize") or 0), int(entry.get("iterations") or 0),
            bool(entry.get("no_logs", False))))
    sessions.sort(key=lambda s: (int(s.key) if s.key.isdigit() else 0, s.key))
    finder = data.get("lr_finder", -1.0)
    loss = data.get("lowest_avg_loss")
    return FaceswapState(path, plugin, iterations, tuple(sessions), config,
                         float(finder) if isinstance(finder, int | float) and finder > 0 else None,
                         float(loss) if isinstance(loss, int | float) else None)


def _option_sections() -> dict[str, str]:
    """The ``train.ini`` section of each of faceswap's global and trainer options."""
    return {option: section for section, option in (*GLOBAL_OPTION_FACTS, *TRAINING_OPTION_FACTS)}


def plugin_option_names(plugin: str) -> set[str]:
    """The options of a plugin's ``[model.<plugin>]`` section."""
    if plugin == PHAZE_A:
        return set(PHAZE_A_OPTIONS)
    from phazer.faceswap_models.registry import PLUGINS

    entry = PLUGINS.get(plugin)
    return {option.name for option in entry.options} if entry is not None else set()


def ini_value(value: Any) -> str:
    """An option value as faceswap writes it in a ``train.ini``."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def config_as_ini(state: FaceswapState) -> tuple[str, list[str]]:
    """The state's options as the text of a ``train.ini``.

    Returns:
        The text (global sections, then ``[model.<plugin>]``), and the options of ``config``
        that belong to no section phazer knows (left out).
    """
    sections: dict[str, list[str]] = {}
    placed = _option_sections()
    mine = plugin_option_names(state.plugin)
    unplaced: list[str] = []
    for option, value in state.config.items():
        section = (f"{MODEL_SECTION_PREFIX}{state.plugin}" if option in mine
                   else placed.get(option))
        if section is None:
            unplaced.append(option)
            continue
        text = ini_value(value).replace("\n", " ")
        sections.setdefault(section, []).append(f"{option} = {text}")
    sections.setdefault(f"{MODEL_SECTION_PREFIX}{state.plugin}", [])
    lines: list[str] = []
    for section, options in sections.items():
        lines += [f"[{section}]", *options, ""]
    return "\n".join(lines), unplaced


def session_records(state: FaceswapState) -> list[dict[str, Any]]:
    """The sessions faceswap recorded, as entries of phazer's ``state.json`` ``sessions``.

    phazer's keys where faceswap has the fact (the start, the iterations, the batch size);
    what faceswap did not record (the end, the speed, XLA) is None. Each entry says it came
    from faceswap (``faceswap_session``: faceswap's id).
    """
    records, done = [], 0
    for session in state.sessions:
        started = (datetime.fromtimestamp(session.timestamp, UTC).isoformat(timespec="seconds")
                   if session.timestamp is not None else None)
        records.append({"started": started, "ended": None, "start_iteration": done,
                        "end_iteration": done + session.iterations,
                        "batch_size": session.batch_size, "examples_per_second": None,
                        "xla": None, "faceswap_session": session.key,
                        "no_logs": session.no_logs})
        done += session.iterations
    return records
