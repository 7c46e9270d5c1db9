"""Regenerate the generated parts of phazer's docs; ``--check`` reports what is out of date.

    python scripts/gen_docs.py          # rewrite docs/ (and schemas/) from the code
    python scripts/gen_docs.py --check  # exit 1 if anything is out of date or undocumented

What it writes:
    docs/spec-reference.md   entirely generated from the spec's JSON Schema
                             (scripts/doc_spec_reference.py).
    schemas/phazer.schema.json   the JSON Schema itself (same as `phazer schema`).
    docs/errors.md           one entry per registered issue code. The heading (code, title) and
                             severity line are generated; the text under them is written by hand
                             and kept. A code without text gets a skeleton marked TODO_MARKER,
                             which the docs test rejects until someone writes it. Every
                             ``$ phazer ...`` example block is rerun and its output rewritten
                             (scripts/doc_examples.py).
    docs/cli.md              one section per command. The synopsis and options table are
                             generated from the argument parser; the examples under them are
                             written by hand and kept.
    docs/filter-curve.md     written by hand; every ``<!-- phazer curve ARGS -->`` marker is
                             followed by the output of that command, regenerated here.
    docs/graphs.md           written by hand, except the section "faceswap's layouts side by
                             side" between its two markers: the routes, sub-model parameters
                             and routing diagram of every fs-* preset
                             (scripts/doc_graph_layouts.py; the diagrams themselves are
                             scripts/gen_diagrams.py's).
    docs/presets.md          entirely generated: the preset gallery, each preset's tagline,
                             use, figures, routing diagram and description
                             (scripts/doc_preset_gallery.py).

tests/test_docs.py runs the same functions and fails when a committed file differs.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import io
import re
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rich.console import Console  # noqa: E402

from phazer.cli.main import COMMANDS, build_parser  # noqa: E402
from phazer.fileio import atomic_write_text  # noqa: E402
from phazer.issues import CODES, CodeInfo  # noqa: E402
from phazer.spec.json_schema import DEFAULT_SCHEMA_PATH, schema_text  # noqa: E402
from scripts.doc_examples import render_examples  # noqa: E402
from scripts.doc_graph_layouts import render_graphs  # noqa: E402
from scripts.doc_preset_gallery import render_gallery  # noqa: E402
from scripts.doc_spec_reference import render_spec_reference, table_cell  # noqa: E402

TODO_MARKER = "TODO(gen_docs)"
DOCS = REPO / "docs"
ERRORS_MD = DOCS / "errors.md"
SPEC_REFERENCE_MD = DOCS / "spec-reference.md"
CLI_MD = DOCS / "cli.md"
FILTER_CURVE_MD = DOCS / "filter-curve.md"
GRAPHS_MD = DOCS / "graphs.md"
PRESETS_MD = DOCS / "presets.md"
SCHEMA_JSON = REPO / DEFAULT_SCHEMA_PATH

# Modules that may register issue codes besides phazer.issues and the rule modules.
CODE_MODULES = ("phazer.pipeline.validation", "phazer.faceswap_import")
CODE_RANGES = {
    "PHZ0": "Reading files",
    "PHZ1": "The schema",
    "PHZ2": "The routing graph",
    "PHZ3": "Arithmetic: shapes, sizes and settings",
    "PHZ4": "Importing faceswap files",
}
DOC_WIDTH = 72


# --- issue codes ---------------------------------------------------------------------------
def static_codes(root: Path = REPO / "phazer") -> dict[str, CodeInfo]:
    """Every ``register_code("PHZ...", severity, title)`` call with literal arguments."""
    found: dict[str, CodeInfo] = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(
                    node.func, "attr", None)) == "register_code"):
                continue
            values = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if len(values) == 3 and all(isinstance(v, str) for v in values):
                found[values[0]] = CodeInfo(*values)
    return found


def collect_codes() -> dict[str, CodeInfo]:
    """The live code registry after loading every module that registers codes, plus any code
    registered in a module nothing imports (found by reading the source)."""
    import phazer.rules

    phazer.rules.load_rule_modules()
    for name in CODE_MODULES:
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(name)
    codes = dict(CODES)
    for code, info in static_codes().items():
        codes.setdefault(code, info)
    return dict(sorted(codes.items()))


# --- sections with hand-written bodies -----------------------------------------------------
def _split_sections(text: str, heading: re.Pattern[str]) -> dict[str, list[str]]:
    """Map each heading's key to the lines under it (until the next ``#``/``##``/``###``
    heading outside a code fence)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced:
            match = heading.match(line)
            if match:
                current = sections.setdefault(match.group(1), [])
                continue
            if re.match(r"#{1,3} ", line):
                current = None
                continue
        if current is not None:
            current.append(line)
    return sections


def _body(lines: list[str], generated_end: Callable[[str], bool] | None) -> str:
    """The hand-written part of a section: after the generated lines, blank lines trimmed."""
    if generated_end is not None:
        for index, line in enumerate(lines):
            if generated_end(line):
                lines = lines[index + 1:]
                break
    return "\n".join(lines).strip("\n")


# --- docs/errors.md ------------------------------------------------------------------------
_ERRORS_INTRO = """\
# Issue codes

Every problem phazer reports has a stable code. `phazer validate` prints it with the file,
line and column, the field path, a message and a hint:

```text
my.yaml:14:13 decoder.upscaler
  error[PHZ102] 'subpixell' (str) is not allowed; expected one of: subpixel, ...
  hint: did you mean 'subpixel'?
```

Severities: **error** — the spec cannot be built (exit code 1); **warning** — it builds but
is probably not what you want; **info** — phazer adjusted or ignored something, the way
faceswap would, and tells you.

<!-- The headings and severity lines are generated from phazer.issues.CODES by
     `python scripts/gen_docs.py`; the text under each is written by hand and kept. -->
"""


def _errors_skeleton(info: CodeInfo) -> str:
    return (f"{TODO_MARKER}: explain when phazer reports {info.code}, show an example and "
            "say how to fix it.")


def render_errors(existing: str, codes: dict[str, CodeInfo] | None = None) -> str:
    """docs/errors.md with generated headings and the hand-written text of ``existing``."""
    codes = collect_codes() if codes is None else codes
    sections = _split_sections(existing, re.compile(r"### (PHZ\d{3})\b"))
    chunks = [_ERRORS_INTRO]
    current_range = None
    for code, info in codes.items():
        prefix = code[:4]
        if prefix != current_range:
            current_range = prefix
            label = CODE_RANGES.get(prefix, "Other codes")
            chunks.append(f"## {label} ({prefix}xx)\n")
        body = _body(sections.get(code, []), lambda line: line.startswith("Severity: "))
        chunks.append(f"### {code} — {info.title}\n\nSeverity: **{info.severity}**\n\n"
                      f"{body or _errors_skeleton(info)}\n")
    return "\n".join(chunks)


def undocumented_codes(text: str) -> list[str]:
    """Codes whose entry in ``text`` is missing or still the TODO skeleton."""
    sections = _split_sections(text, re.compile(r"### (PHZ\d{3})\b"))
    missing = []
    for code in collect_codes():
        body = _body(sections.get(code, []), lambda line: line.startswith("Severity: "))
        if not body or TODO_MARKER in body:
            missing.append(code)
    return missing


# --- docs/cli.md ---------------------------------------------------------------------------
_GENERATED_END = "<!-- end of generated text -->"
_CLI_INTRO = """\
# Command-line reference

`phazer COMMAND --help` prints the same options. Anywhere a command takes a `SPEC`, it
accepts a spec file or the name of a built-in preset (`phazer render stojo`).

Exit codes: **0** success; **1** the input is invalid (validation errors, a bad value, a file
that would be overwritten); **2** usage error (an unknown option, a missing argument);
**3** an internal error: a bug in phazer, not a problem with the input (the message says
`internal error` and how to report it; `PHAZER_DEBUG=1` prints the traceback); **130**
interrupted (Ctrl-C).

<!-- The synopsis and options of each command are generated from the argument parser by
     `python scripts/gen_docs.py`; the examples under them are written by hand and kept. -->
"""


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _metavar(action: argparse.Action) -> str:
    if action.metavar:
        return str(action.metavar)
    if action.choices:
        return "|".join(str(c) for c in action.choices)
    return action.dest.upper()


def _usage_part(action: argparse.Action) -> str:
    if not action.option_strings:
        name = _metavar(action)
        return {"+": f"{name} [{name} ...]", "*": f"[{name} ...]",
                "?": f"[{name}]"}.get(str(action.nargs), name)
    option = max(action.option_strings, key=len)
    text = option if action.nargs == 0 else f"{option} {_metavar(action)}"
    if isinstance(action, argparse._AppendAction):
        return f"[{text} ...]"
    return text if action.required else f"[{text}]"


def _visible(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions
            if a.help != argparse.SUPPRESS and not isinstance(a, argparse._HelpAction)]


def _help_text(action: argparse.Action, prog: str) -> str:
    text = (action.help or "") % {**vars(action), "prog": prog}
    if action.required and action.option_strings:
        text += " (required)"
    return text


def _command_reference(name: str, parser: argparse.ArgumentParser) -> list[str]:
    actions = _visible(parser)
    synopsis = " ".join([f"phazer {name}", *(_usage_part(a) for a in actions)])
    lines = [parser.description or "", "", "```text", synopsis, "```", ""]
    if actions:
        lines += ["| argument | description |", "|---|---|"]
        for action in actions:
            names = ", ".join(action.option_strings) or _metavar(action)
            if action.option_strings and action.nargs != 0:
                names += f" {_metavar(action)}"
            help_text = table_cell(_help_text(action, parser.prog))
            lines.append(f"| `{table_cell(names)}` | {help_text} |")
        lines.append("")
    return lines


def render_cli(existing: str) -> str:
    """docs/cli.md: generated command references plus the hand-written examples."""
    available = _subparsers()
    sections = _split_sections(existing, re.compile(r"## `phazer ([\w-]+)`"))
    chunks = [_CLI_INTRO]
    for name in COMMANDS:
        if name in available:
            generated = _command_reference(name, available[name])
        else:
            generated = ["*Not available in this build yet.*", ""]
        body = _body(sections.get(name, []), lambda line: line.strip() == _GENERATED_END)
        body = body or f"{TODO_MARKER}: add examples of `phazer {name}`."
        chunks.append("\n".join([f"## `phazer {name}`", "", *generated, _GENERATED_END, "",
                                 body, ""]))
    return "\n".join(chunks)


def undocumented_commands(text: str) -> list[str]:
    """Commands whose section in ``text`` is missing or still the TODO skeleton."""
    sections = _split_sections(text, re.compile(r"## `phazer ([\w-]+)`"))
    missing = []
    for name in COMMANDS:
        body = _body(sections.get(name, []), lambda line: line.strip() == _GENERATED_END)
        if not body or TODO_MARKER in body:
            missing.append(name)
    return missing


# --- docs/filter-curve.md ------------------------------------------------------------------
_CURVE_MARKER = re.compile(r"<!-- phazer curve (.+?) -->")


def curve_output(arguments: str, width: int = DOC_WIDTH) -> str:
    """What ``phazer curve ARGUMENTS`` prints on a terminal ``width`` columns wide."""
    args = build_parser().parse_args(["curve", *arguments.split()])
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False,
                      highlight=False, soft_wrap=True)
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        args.func(args, console=console)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    return "\n".join([f"$ phazer curve {arguments}", *lines]).rstrip("\n")


def render_filter_curve(existing: str) -> str:
    """docs/filter-curve.md with every ``phazer curve`` example block regenerated."""
    out: list[str] = []
    lines = existing.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        index += 1
        match = _CURVE_MARKER.fullmatch(line.strip())
        if not match:
            continue
        if index < len(lines) and lines[index].startswith("```"):
            index += 1
            while index < len(lines) and not lines[index].startswith("```"):
                index += 1
            index += 1
        out += ["```text", curve_output(match.group(1)), "```"]
    return "\n".join(out) + "\n"


# --- driver --------------------------------------------------------------------------------
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def generated_files() -> dict[Path, str]:
    """Every generated file and the text it should hold."""
    files = {
        SCHEMA_JSON: schema_text(),
        SPEC_REFERENCE_MD: render_spec_reference(),
        ERRORS_MD: render_examples(render_errors(_read(ERRORS_MD))),
        CLI_MD: render_cli(_read(CLI_MD)),
    }
    if FILTER_CURVE_MD.exists():
        files[FILTER_CURVE_MD] = render_filter_curve(_read(FILTER_CURVE_MD))
    if GRAPHS_MD.exists():
        files[GRAPHS_MD] = render_graphs(_read(GRAPHS_MD), DOCS)
    files[PRESETS_MD] = render_gallery(DOCS)
    return files


def problems() -> list[str]:
    """What is out of date or undocumented, one line each (empty when all is well)."""
    found = [f"{path.relative_to(REPO)} is out of date"
             for path, text in generated_files().items() if _read(path) != text]
    found += [f"docs/errors.md: {code} has no explanation"
              for code in undocumented_codes(_read(ERRORS_MD))]
    found += [f"docs/cli.md: `phazer {name}` has no examples"
              for name in undocumented_commands(_read(CLI_MD))]
    return found


def main(argv: list[str] | None = None) -> int:
    """Regenerate the docs, or with ``--check`` only report what is out of date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a file is out of date")
    args = parser.parse_args(argv)
    if args.check:
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    for path, text in generated_files().items():
        if _read(path) != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, text)
            print(f"wrote {path.relative_to(REPO)}")
    for line in problems():
        print(f"still to do: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
