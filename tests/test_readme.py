"""The README's quick start and CI must agree: CI runs exactly the README's test command."""

from __future__ import annotations

import re

from tests.helpers import REPO, run_fresh


def _commands(heading: str) -> list[str]:
    """The command lines of the first bash block under the README's ``## heading``."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def _quick_start_commands() -> list[str]:
    return _commands("Quick start")


def test_quick_start_has_exactly_two_commands():
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert "pip install" in commands[0] and "pip install" in commands[1]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert _quick_start_commands()[1] in ci.splitlines()


def test_ci_runs_the_readme_lint_command_verbatim():
    lint = [line.split("#", 1)[0].strip() for line in _commands("Development")
            if "ruff check" in line]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert len(lint) == 1 and lint[0] in ci.splitlines()


def test_building_the_cli_does_not_import_tensorflow():
    result = run_fresh("from phazer.cli.main import build_parser; build_parser()")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.loaded() == []


def test_readme_extends_example_validates(tmp_path):
    from phazer.pipeline.validation import validate_reference

    text = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(phazer: 1\nextends:.*?)```", text, re.S).group(1)
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    report = validate_reference(str(path))
    assert report.ok, report.issues
    assert report.loaded.spec.output_size == 128
    assert report.loaded.spec.encoder.depth == 4  # inherited from the original preset
