"""Rerun the command examples of a Markdown doc and write what phazer prints now.

An example is a ```text block whose first line is ``$ phazer ARGS``; the lines under it are
the output. ``scripts/gen_docs.py`` regenerates the examples of ``docs/errors.md`` with
:func:`render_examples`, and the docs test fails when one is out of date, so a change to a
message shows up in the docs at once.

Each command runs in a fresh empty folder, as a new process, on a terminal 100 columns wide
without colour. What the command reads is put there first:

* a ```yaml block right before the example is written to the ``.yaml`` file the command
  names (``$ phazer validate my.yaml``);
* a file the command names that is one of faceswap's presets kept in ``tests/data`` is
  copied in;
* an argument ending in ``/`` is made an empty folder.

An example whose second line is ``...`` is abridged: only the issue lines of the code it
documents (``[PHZ330]`` and the ``hint:`` lines under them) are kept.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FACESWAP_PRESETS = REPO / "tests" / "data" / "faceswap-presets"
WIDTH = 100
ELLIPSIS = "..."
_BLOCK = re.compile(r"(?:```yaml\n(?P<yaml>(?:(?!```).)*)```\n\n)?"
                    r"```text\n(?P<body>\$ phazer (?:(?!```).)*)```", re.S)
_CODE = re.compile(r"\[(PHZ\d{3})\]")


def _prepare(folder: Path, arguments: list[str], yaml: str | None) -> None:
    for argument in arguments:
        if argument.endswith("/"):
            (folder / argument).mkdir(parents=True, exist_ok=True)
        elif yaml is not None and argument.endswith(".yaml"):
            (folder / argument).write_text(yaml, encoding="utf-8")
        elif (FACESWAP_PRESETS / argument).is_file():
            shutil.copy(FACESWAP_PRESETS / argument, folder / argument)


def command_output(command: str, yaml: str | None = None) -> list[str]:
    """What ``phazer ARGS`` prints (stdout then stderr), line by line, right-stripped."""
    arguments = shlex.split(command)
    env = {**os.environ, "COLUMNS": str(WIDTH), "NO_COLOR": "1", "TERM": "dumb",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                       os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryDirectory(prefix="phazer-doc-") as folder:
        _prepare(Path(folder), arguments, yaml)
        done = subprocess.run([sys.executable, "-m", "phazer", *arguments], cwd=folder,
                              env=env, capture_output=True, text=True, check=False)
    return [line.rstrip() for line in (done.stdout + done.stderr).splitlines()]


def abridge(lines: list[str], code: str) -> list[str]:
    """The issue lines of ``code`` (and their hints) from a command's output."""
    kept: list[str] = []
    keeping = False
    for line in lines:
        if f"[{code}]" in line:
            keeping = True
            kept.append(line)
        elif keeping and line.startswith("  hint:"):
            kept.append(line)
        else:
            keeping = False
    return kept


def _section_code(text: str, position: int) -> str | None:
    headings = re.findall(r"^### (PHZ\d{3})", text[:position], re.M)
    return headings[-1] if headings else None


def _rerun(body: str, yaml: str | None, code: str) -> str:
    """A block's text with each of its commands' output rerun (see the module docs)."""
    out: list[str] = []
    for example in re.split(r"\n(?=\$ phazer )", body.rstrip("\n")):
        shown = example.split("\n")
        lines = command_output(shown[0].removeprefix("$ phazer "), yaml)
        if len(shown) > 1 and shown[1] == ELLIPSIS:
            lines = [ELLIPSIS, *abridge(lines, code)]
        out += [shown[0], *lines]
    return "\n".join(out) + "\n"


@functools.lru_cache(maxsize=4)
def render_examples(existing: str) -> str:
    """``existing`` with the output of every ``$ phazer`` example block rerun (cached)."""
    out: list[str] = []
    last = 0
    for match in _BLOCK.finditer(existing):
        code = _section_code(existing, match.start()) or ""
        out += [existing[last:match.start("body")],
                _rerun(match.group("body"), match.group("yaml"), code)]
        last = match.end("body")
    out.append(existing[last:])
    return "".join(out)
