"""Plain helpers shared by several test files (fixtures live in ``tests/conftest.py``).

Nothing here imports TensorFlow: the spec, import and routing tests use it too.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

import pytest

from phazer.issues import Issue, SpecError
from phazer.spec import load_spec

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DATA = TESTS / "data"
TINY_SPEC = str(TESTS / "specs" / "tiny.yaml")
EXAMPLE_INI = DATA / "faceswap-presets" / "example-train.ini"
PHAZE_A_REFERENCE = DATA / "phaze-a" / "reference.json"   # faceswap's own figures
PRESETS_DIR = "phazer.spec.presets.presets_dir"   # what a test patches to swap the built-ins

# The routing switches of faceswap's layouts (docs/routing.md).
ORIGINAL = {"split_fc": False, "shared_fc": "none", "gblock": False, "split_decoders": True}
IAE = {"split_fc": True, "shared_fc": "full", "gblock": False, "split_decoders": False}
LIAE = {"split_fc": True, "shared_fc": "half", "gblock": False, "split_decoders": False}
GBLOCK_EXAMPLE = {"split_fc": True, "shared_fc": "none", "gblock": True, "split_gblock": False,
                  "split_decoders": True}


def write(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` (dedented, leading newline dropped) to ``folder / name``."""
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def issues_of(path: Path | str, overrides: list[str] | None = None) -> list[Issue]:
    """The issues of a spec that must fail to load (fails the test if it loads)."""
    with pytest.raises(SpecError) as caught:
        load_spec(str(path), overrides)
    return caught.value.issues


def by_code(issues: list[Issue], code: str) -> dict[str, Issue]:
    """The issues with ``code``, keyed by their path."""
    return {i.path: i for i in issues if i.code == code}


def edit_ini(folder: Path, replace: Mapping[str, str], drop: tuple[str, ...] = (),
             rename: Mapping[str, str] | None = None, extra: str = "") -> Path:
    """The example faceswap train.ini, edited, written as ``folder / "train.ini"``.

    Args:
        folder: where to write it.
        replace: ``key -> value``: those ``key = value`` lines get the new value.
        drop: keys whose lines are removed.
        rename: ``section -> new name`` for ``[section]`` headers.
        extra: text appended after the last line.
    """
    lines = []
    for line in EXAMPLE_INI.read_text().splitlines():
        key = line.split("=", 1)[0].strip()
        if key in drop:
            continue
        if "=" in line and key in replace:
            line = f"{key} = {replace[key]}"
        if line.startswith("[") and rename and line.strip("[] ") in rename:
            line = f"[{rename[line.strip('[] ')]}]"
        lines.append(line)
    path = folder / "train.ini"
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def load_script(name: str) -> ModuleType:
    """Import ``scripts/<name>.py`` as the module ``name`` (registered in ``sys.modules``)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module   # a dataclass in the script looks its module up
    spec.loader.exec_module(module)
    return module


def write_face_folders(root: Path, count: int, seed: int, sides: Sequence[str] = ("a", "b")
                       ) -> Path:
    """Synthetic faces of one identity per side in ``root / side`` (``a`` and ``b`` by default).

    The identities are drawn from ``seed`` (the i-th side gets the i-th identity), the i-th
    side's poses from ``seed + 1 + i`` (side A ``seed + 1``, side B ``seed + 2``, side C
    ``seed + 3``); ``count`` 64 px faces per side. The first sides' faces are the same whatever
    the number of sides.
    """
    from phazer.data.synthetic import make_identities, sample_poses, write_identity

    for index, (side, identity) in enumerate(zip(sides, make_identities(len(sides), seed=seed),
                                                 strict=True)):
        write_identity(root / side, identity, sample_poses(count, seed=seed + 1 + index), 64)
    return root
