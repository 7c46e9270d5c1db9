"""Write diagrams to files: DOT and Mermaid text directly, SVG/PNG/PDF through Graphviz.

DOT and Mermaid need no system tools. The image formats run Graphviz's ``dot`` program on
the DOT text phazer wrote; when ``dot`` is missing, :class:`GraphvizNotFoundError` says how
to install it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

from phazer.diagram.dot import to_dot
from phazer.diagram.mermaid import to_mermaid
from phazer.diagram.model import Diagram
from phazer.fileio import atomic_write_text

TEXT_FORMATS: tuple[str, ...] = ("dot", "mmd")
IMAGE_FORMATS: tuple[str, ...] = ("svg", "png", "pdf")
FORMATS: tuple[str, ...] = TEXT_FORMATS + IMAGE_FORMATS
# File extensions that mean the same as a format name.
_ALIASES = {"gv": "dot", "mermaid": "mmd"}
DOT_TIMEOUT_SECONDS = 300

INSTALL_HINT = (
    "install Graphviz, which provides `dot`: `sudo apt-get install graphviz` (Debian/Ubuntu), "
    "`sudo dnf install graphviz` (Fedora), `brew install graphviz` (macOS), "
    "`conda install -c conda-forge graphviz` or `winget install graphviz` (Windows); "
    "or write a .dot or .mmd file, which needs no tools")


class DiagramError(Exception):
    """A diagram cannot be written (unknown format, Graphviz failed, ...)."""


class GraphvizNotFoundError(DiagramError):
    """An image format was asked for but Graphviz's ``dot`` program is not installed."""

    def __init__(self, fmt: str) -> None:
        super().__init__(f"writing .{fmt} needs Graphviz's `dot` program, which is not "
                         f"installed (or not on PATH)")
        self.hint = INSTALL_HINT


def format_of(path: Path | str) -> str:
    """The format named by a file's extension (``model.svg`` -> ``svg``).

    Raises:
        DiagramError: the extension is missing or not a supported format.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    fmt = _ALIASES.get(suffix, suffix)
    if fmt not in FORMATS:
        shown = f"'.{suffix}'" if suffix else "no extension"
        raise DiagramError(f"{path}: {shown} is not a diagram format; use one of "
                           f"{', '.join('.' + f for f in FORMATS)}")
    return fmt


def find_dot() -> str | None:
    """The path of Graphviz's ``dot`` program, or None when it is not on PATH."""
    return shutil.which("dot")


def diagram_text(diagram: Diagram, fmt: str) -> str:
    """The DOT or Mermaid text of a diagram.

    Raises:
        DiagramError: ``fmt`` is not a text format.
    """
    if fmt == "dot":
        return to_dot(diagram)
    if fmt == "mmd":
        return to_mermaid(diagram)
    raise DiagramError(f"{fmt} is not a text format; expected one of {', '.join(TEXT_FORMATS)}")


def render_dot(dot_text: str, fmt: str, out: Path | str, dot: str | None = None) -> None:
    """Run Graphviz on DOT text and write the image to ``out`` atomically.

    Graphviz writes a temporary file next to ``out``, which is then renamed over it, so a
    reader never sees half an image and a failure leaves an existing file untouched.

    Args:
        dot_text: the DOT source.
        fmt: "svg", "png" or "pdf".
        out: the file to write.
        dot: the ``dot`` program (default: found on PATH).

    Raises:
        GraphvizNotFoundError: ``dot`` is not installed.
        DiagramError: an unknown image format, or Graphviz failed.
    """
    if fmt not in IMAGE_FORMATS:
        raise DiagramError(f"{fmt} is not an image format; expected one of "
                           f"{', '.join(IMAGE_FORMATS)}")
    program = dot or find_dot()
    if program is None:
        raise GraphvizNotFoundError(fmt)
    target = Path(out)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        result = subprocess.run([program, f"-T{fmt}", "-o", str(temp)],
                                input=dot_text.encode("utf-8"), capture_output=True,
                                timeout=DOT_TIMEOUT_SECONDS, check=False)
        if result.returncode != 0 or not temp.exists():
            message = result.stderr.decode("utf-8", "replace").strip()
            raise DiagramError(f"Graphviz failed (exit {result.returncode}): {message}")
        os.replace(temp, target)
    except subprocess.TimeoutExpired as exc:
        raise DiagramError(f"Graphviz took longer than {DOT_TIMEOUT_SECONDS} s") from exc
    finally:
        temp.unlink(missing_ok=True)


def write_diagram(diagram: Diagram, out: Path | str, fmt: str | None = None) -> str:
    """Write a diagram in the format of ``out``'s extension (or ``fmt``).

    Returns:
        The format written.

    Raises:
        GraphvizNotFoundError: an image format without Graphviz installed.
        DiagramError: an unsupported format, or Graphviz failed.
        OSError: the file cannot be written.
    """
    fmt = fmt or format_of(out)
    if fmt in TEXT_FORMATS:
        atomic_write_text(out, diagram_text(diagram, fmt))
    else:
        render_dot(to_dot(diagram), fmt, out)
    return fmt
