"""Built-in presets: YAML specs shipped with phazer, addressable by name from any directory."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def presets_dir() -> Path:
    """The folder holding the built-in presets.

    An installed wheel carries them inside the package (``phazer/_builtin_presets``); a source
    checkout or editable install reads the repository's top-level ``presets/`` folder.
    """
    packaged = _PACKAGE_DIR / "_builtin_presets"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / "presets"


def preset_names() -> list[str]:
    """The names of all built-in presets, sorted."""
    folder = presets_dir()
    if not folder.is_dir():
        return []
    return sorted(path.stem for path in folder.glob("*.yaml"))


def preset_path(name: str) -> Path | None:
    """The file of a built-in preset, or None when there is no preset of that name."""
    path = presets_dir() / f"{name}.yaml"
    return path if path.is_file() else None


def looks_like_path(reference: str) -> bool:
    """Whether a spec reference is a file path rather than a preset name."""
    return "/" in reference or "\\" in reference or Path(reference).suffix != ""
