"""Plain helpers shared by several test files (fixtures live in ``tests/conftest.py``).

Nothing here imports TensorFlow: the spec, import and routing tests use it too.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


# --- fresh interpreters: what a piece of code imports ----------------------------------------
HEAVY = ("tensorflow", "keras")   # seconds to import; the plan, the specs and dry runs avoid them
_REPORT = "\n@@fresh-modules "
# Registered first, so it runs last at exit (sys.exit included): the modules then imported.
_PRELUDE = ("import atexit as _fresh_atexit, json as _fresh_json, sys as _fresh_sys; "
            "_fresh_atexit.register(lambda: _fresh_sys.stderr.write("
            f"{_REPORT!r} + _fresh_json.dumps(sorted(_fresh_sys.modules)) + '\\n'))\n")
_CLI = ("import sys\nfrom phazer.cli.main import main\nsys.exit(main(sys.argv[1:]))\n")


@dataclass(frozen=True)
class Fresh:
    """What a fresh interpreter did: its exit code, output, and the modules imported at exit."""

    returncode: int
    stdout: str
    stderr: str   # without the module report
    reported: tuple[str, ...] | None   # None: it died before reporting (os._exit, a signal)

    @property
    def modules(self) -> set[str]:
        """Every module in ``sys.modules`` at exit (fails the test if it never got there)."""
        assert self.reported is not None, f"no module report; stderr:\n{self.stderr[-2000:]}"
        return set(self.reported)

    def loaded(self, *roots: str) -> list[str]:
        """The imported modules that are one of ``roots`` (default :data:`HEAVY`) or under one."""
        roots = roots or HEAVY
        return sorted(m for m in self.modules
                      if any(m == root or m.startswith(root + ".") for root in roots))


def run_fresh(code: str, *args: str, cwd: Path = REPO, env: Mapping[str, str] | None = None,
              timeout: float = 120) -> Fresh:
    """Run Python ``code`` with ``args`` in a fresh interpreter; see :class:`Fresh`.

    The check for "this never imports TensorFlow" is ``run_fresh(code).loaded() == []`` (a test
    process has TensorFlow loaded already, so only a new interpreter can tell).
    """
    done = subprocess.run([sys.executable, "-c", _PRELUDE + code, *args], cwd=cwd,
                          env=None if env is None else dict(env), capture_output=True,
                          text=True, timeout=timeout, check=False)
    err, found, report = done.stderr.rpartition(_REPORT)
    if not found:
        return Fresh(done.returncode, done.stdout, done.stderr, None)
    return Fresh(done.returncode, done.stdout, err, tuple(json.loads(report)))


def run_cli_fresh(*argv: str, cwd: Path = REPO, timeout: float = 120) -> Fresh:
    """Run ``phazer ARGV`` in a fresh interpreter (exit code: what ``main`` returned)."""
    return run_fresh(_CLI, *argv, cwd=cwd, timeout=timeout)


def shared_folder(name: str, env: str) -> Path | None:
    """A reference folder of ``shared/`` (one holding ``cases.json``), or None when absent.

    Looked for in the ``env`` environment variable, then ``<repo>/../shared/<name>`` (a
    developer's machine and CI), then ``<repo>/shared/<name>``.
    """
    candidates = [os.environ.get(env, "")]
    candidates += [str(base / "shared" / name) for base in (REPO.parent, REPO)]
    for candidate in candidates:
        if candidate and (Path(candidate) / "cases.json").is_file():
            return Path(candidate)
    return None
