"""The importer's entry point: a faceswap file in, a phazer spec and its issues out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from phazer.faceswap_import.convert import convert_options, nest, validate_data
from phazer.faceswap_import.readers import FaceswapFile, read_faceswap_file, read_ini
from phazer.faceswap_import.sections import report_other_sections
from phazer.faceswap_import.training import convert_training
from phazer.issues import Issue, SpecError, has_errors, sort_issues
from phazer.rules.gui_range import import_notes
from phazer.spec.faceswap_names import PHAZE_A_SECTION
from phazer.spec.models import ModelSpec

_PRESET_NAME_RE = re.compile(r"model_phaze_a_(.+)_preset\.json", re.IGNORECASE)


@dataclass
class ImportResult:
    """What importing a faceswap file produced.

    Attributes:
        spec: the phazer spec, or None when any issue is an error.
        issues: every issue found, errors first; infos say what was dropped or filled in.
        source: the file that was imported.
        kind: ``preset`` (a GUI preset JSON file), ``ini`` (a ``train.ini``), or "" when the
            file could not be read.
    """

    spec: ModelSpec | None
    issues: list[Issue]
    source: Path
    kind: str = ""

    @property
    def ok(self) -> bool:
        """True when a spec was produced (warnings and infos are allowed)."""
        return self.spec is not None


def default_name(path: Path) -> str:
    """The spec name for a file.

    ``<name>`` for ``model_phaze_a_<name>_preset.json``, else the file's stem (``train`` for
    ``train.ini``).
    """
    match = _PRESET_NAME_RE.fullmatch(path.name)
    return match.group(1) if match else path.stem


def describe(fs_file: FaceswapFile) -> str:
    """A short description saying where an imported spec came from."""
    if fs_file.kind == "preset":
        return f"Imported from faceswap's Phaze-A preset {fs_file.path.name}."
    return f"Imported from [{PHAZE_A_SECTION}] in faceswap's {fs_file.path.name}."


def import_faceswap(path: str | Path, name: str | None = None,
                    ini_text: str | None = None) -> ImportResult:
    """Import a faceswap Phaze-A preset JSON file or ``train.ini`` as a phazer spec.

    Never raises for bad input: every problem is an issue in the result.

    Args:
        path: the faceswap file.
        name: the spec's name; by default taken from the file name.
        ini_text: the text of a ``train.ini`` to read instead of the file (``path`` then only
            names it in issues): a model folder's options written out as one.

    Returns:
        The spec (None when there is an error) and every issue: PHZ401/PHZ402 when the file
        cannot be used, PHZ403 unknown options, PHZ404 options dropped because the encoder or
        bottleneck does not use them, PHZ405 values phazer's schema rejects, PHZ406 values that
        cannot be parsed, PHZ407 missing options filled with faceswap's defaults, PHZ408
        options phazer has no use for, PHZ409 loss functions phazer lacks. Every option of a
        ``train.ini`` is either carried into the spec or named in an issue (the other models'
        ``[model.<plugin>]`` sections one PHZ404 each).
    """
    source = Path(path)
    try:
        fs_file = read_faceswap_file(source) if ini_text is None else read_ini(source, ini_text)
    except SpecError as exc:
        return ImportResult(None, exc.issues, source)
    converted = convert_options(fs_file)
    convert_training(fs_file, converted)
    converted.issues.extend(report_other_sections(fs_file))
    data = nest(converted)
    data["name"] = default_name(source) if name is None else name
    data["description"] = describe(fs_file)
    spec, schema_issues = validate_data(data, converted, fs_file)
    if spec is not None:  # widths faceswap's GUI would not offer are carried over, noted
        schema_issues = import_notes(spec, str(fs_file.path), fs_file.lines)
    issues = sort_issues([*converted.issues, *schema_issues])
    if has_errors(issues):
        spec = None
    return ImportResult(spec, issues, source, fs_file.kind)
