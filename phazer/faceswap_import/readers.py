"""Read a faceswap preset JSON file or a ``train.ini`` into raw Phaze-A option values.

Nothing is converted here: the readers only find the options (and the line each one is on, so
issues can point at it) and reject files that cannot be read or hold no Phaze-A options. A file
that cannot be used raises :class:`~phazer.issues.SpecError` carrying one PHZ401 or PHZ402 issue.
"""

from __future__ import annotations

import configparser
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from phazer.faceswap_import.options import (
    GLOBAL_OPTION_FACTS,
    OLDER_SECTIONS,
    PHAZE_A_OPTIONS,
    PRESET_FILETYPE,
    PRESET_FILETYPE_KEY,
    PRESET_SECTION,
    PRESET_SECTION_KEY,
    TRAINING_OPTION_FACTS,
)
from phazer.issues import FS_NOT_PHAZE_A, FS_UNREADABLE, Issue, SpecError
from phazer.spec.faceswap_names import PHAZE_A_SECTION

FileKind = Literal["preset", "ini"]
_JSON_KEY_RE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"\s*:')
_INI_SECTION_RE = re.compile(r"^\s*\[([^\]]+)\]")
_INI_KEY_RE = re.compile(r"^([^\s=:#;\[][^=:]*?)\s*[=:]")


@dataclass
class FaceswapFile:
    """The raw contents of a faceswap file that holds Phaze-A options.

    Attributes:
        path: the file as given.
        kind: ``preset`` for a GUI preset JSON file, ``ini`` for a ``train.ini``.
        options: every key of the Phaze-A section (known or not) with its raw value.
        global_options: the options found in faceswap's global and trainer sections that phazer
            reads: architecture and training (``ini`` only).
        sections: the sections of an ``ini`` file (empty for a preset).
        lines: the line of each key, by option name for the Phaze-A section and by
            ``section.option`` for the others; a section's header line by ``[section]``.
        other_sections: every section of an ``ini`` but the Phaze-A one, with all its options
            and their raw values, so that none goes unmentioned (empty for a preset).
    """

    path: Path
    kind: FileKind
    options: dict[str, object]
    global_options: dict[tuple[str, str], object] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)
    other_sections: dict[str, dict[str, object]] = field(default_factory=dict)


def _fail(code: str, path: Path, message: str, hint: str = "",
          line: int | None = None, column: int | None = None) -> SpecError:
    return SpecError([Issue(code, "error", "", message, hint, str(path), line, column)])


def read_text(path: Path) -> str:
    """Read a faceswap file as text.

    Raises:
        SpecError: the file is missing, a directory, not UTF-8 text, unreadable or empty.
    """
    if not path.exists():
        raise _fail(FS_UNREADABLE, path, f"no such file: {path}", "check the path")
    if path.is_dir():
        raise _fail(FS_UNREADABLE, path, f"{path} is a directory, not a faceswap file",
                    "pass a model_phaze_a_<name>_preset.json or a train.ini")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise _fail(FS_UNREADABLE, path, f"{path} is not a text file (not UTF-8)",
                    "pass a faceswap preset .json or a train.ini") from None
    except OSError as exc:
        raise _fail(FS_UNREADABLE, path, f"cannot read {path}: {exc.strerror}",
                    "check the file's permissions") from None
    if not text.strip():
        raise _fail(FS_UNREADABLE, path, f"{path} is empty",
                    "pass a faceswap preset .json or a train.ini")
    return text


def detect_kind(path: Path, text: str) -> FileKind:
    """Whether a file is a preset JSON or an ``ini``: by its suffix, else by its first character."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "preset"
    if suffix in (".ini", ".cfg", ".conf"):
        return "ini"
    return "preset" if text.lstrip().startswith("{") else "ini"


def read_faceswap_file(path: Path) -> FaceswapFile:
    """Read a faceswap preset JSON file or ``train.ini``.

    Raises:
        SpecError: with one PHZ401 issue (missing, unreadable, malformed) or one PHZ402 issue
            (the file holds no Phaze-A options).
    """
    text = read_text(path)
    if detect_kind(path, text) == "preset":
        return read_preset(path, text)
    return read_ini(path, text)


# --- preset JSON ---------------------------------------------------------------------------
def _unique_pairs(path: Path) -> Callable[[list[tuple[str, object]]], dict[str, object]]:
    def hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
        result: dict[str, object] = {}
        for key, value in pairs:
            if key in result:
                raise _fail(FS_UNREADABLE, path, f"{path}: key {key!r} appears twice",
                            "remove one of the two; JSON readers silently keep the last")
            result[key] = value
        return result
    return hook


def _json_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _JSON_KEY_RE.match(line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def read_preset(path: Path, text: str) -> FaceswapFile:
    """Read a faceswap GUI preset: one flat JSON object of options.

    Raises:
        SpecError: the JSON is malformed, or it is not a Phaze-A preset.
    """
    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs(path))
    except json.JSONDecodeError as exc:
        raise _fail(FS_UNREADABLE, path, f"{path} is not valid JSON: {exc.msg} "
                    f"(line {exc.lineno}, column {exc.colno})",
                    "faceswap presets are JSON objects; was the file cut short or hand-edited?",
                    exc.lineno, exc.colno) from None
    if not isinstance(data, dict):
        raise _fail(FS_NOT_PHAZE_A, path, f"{path} holds a JSON {type(data).__name__}, not a "
                    "faceswap preset (a JSON object of options)")
    lines = _json_lines(text)
    filetype = data.pop(PRESET_FILETYPE_KEY, PRESET_FILETYPE)
    section = data.pop(PRESET_SECTION_KEY, PRESET_SECTION)
    if filetype != PRESET_FILETYPE:
        raise _fail(FS_NOT_PHAZE_A, path, f"{path} is not a faceswap preset "
                    f"({PRESET_FILETYPE_KEY} is {filetype!r}, expected {PRESET_FILETYPE!r})",
                    line=lines.get(PRESET_FILETYPE_KEY))
    if section != PRESET_SECTION:
        raise _fail(FS_NOT_PHAZE_A, path, f"{path} is a faceswap preset for {section!r}, "
                    f"not for Phaze-A ({PRESET_SECTION!r})",
                    "only Phaze-A presets (model_phaze_a_<name>_preset.json) can be imported",
                    lines.get(PRESET_SECTION_KEY))
    if not any(key in PHAZE_A_OPTIONS for key in data):
        raise _fail(FS_NOT_PHAZE_A, path, f"{path} holds no Phaze-A options",
                    "pass a model_phaze_a_<name>_preset.json or a train.ini")
    return FaceswapFile(path, "preset", data, lines=lines)


# --- train.ini -----------------------------------------------------------------------------
def _ini_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _INI_SECTION_RE.match(line)
        if header:
            section = header.group(1).strip()
            lines.setdefault(f"[{section}]", number)
            continue
        key = _INI_KEY_RE.match(line)
        if key:
            name = key.group(1).strip().lower()
            where = name if section == PHAZE_A_SECTION else f"{section}.{name}"
            lines.setdefault(where, number)
    return lines


def read_ini(path: Path, text: str) -> FaceswapFile:
    """Read a faceswap ``train.ini``: the Phaze-A section and the other options phazer carries.

    The other options are the architecture and training options of faceswap's global and
    trainer sections (also from the sections older faceswap versions kept them in).

    Raises:
        SpecError: the file is not a valid ``.ini``, or it has no ``[model.phaze_a]`` section.
    """
    parser = configparser.ConfigParser(interpolation=None, allow_no_value=True, strict=True)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        first = str(exc).splitlines()[0].rstrip(":")
        raise _fail(FS_UNREADABLE, path, f"{path} is not a valid .ini file: {first}",
                    "faceswap's train.ini has [section] headers and key = value lines",
                    line) from None
    sections = parser.sections()
    if PHAZE_A_SECTION not in sections:
        found = ", ".join(f"[{s}]" for s in sections) or "none"
        raise _fail(FS_NOT_PHAZE_A, path, f"{path} has no [{PHAZE_A_SECTION}] section "
                    f"(sections found: {found})",
                    "pick Phaze-A as the model in faceswap once so it writes its options")
    options = _own_options(parser, PHAZE_A_SECTION)
    if not any(key in PHAZE_A_OPTIONS for key in options):
        raise _fail(FS_NOT_PHAZE_A, path, f"[{PHAZE_A_SECTION}] in {path} holds no Phaze-A "
                    "options")
    lines = _ini_lines(text)
    global_options = read_ini_options(parser, [*GLOBAL_OPTION_FACTS, *TRAINING_OPTION_FACTS],
                                      lines)
    others = {section: _own_options(parser, section) for section in sections
              if section != PHAZE_A_SECTION}
    return FaceswapFile(path, "ini", options, global_options, sections, lines, others)


def _own_options(parser: configparser.ConfigParser, section: str) -> dict[str, object]:
    """A section's options and raw values, without the ``[DEFAULT]`` keys that leak into it."""
    options: dict[str, object] = dict(parser.items(section, raw=True))
    for key in parser.defaults():
        options.pop(key, None)
    return options


def read_ini_options(parser: configparser.ConfigParser, wanted: Iterable[tuple[str, str]],
                     lines: dict[str, int]) -> dict[tuple[str, str], object]:
    """The raw values of ``(section, option)`` pairs, looking in older section names too.

    An option found under an older section name gets the line of where it was found, recorded
    in ``lines`` under its current section.
    """
    found: dict[tuple[str, str], object] = {}
    for section, option in wanted:
        for where in (section, *OLDER_SECTIONS.get(section, ())):
            if parser.has_option(where, option):
                found[(section, option)] = parser.get(where, option, raw=True)
                if where != section and f"{where}.{option}" in lines:
                    lines[f"{section}.{option}"] = lines[f"{where}.{option}"]
                break
    return found
