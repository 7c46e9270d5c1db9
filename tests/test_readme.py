"""The README's quick start and CI must agree: CI runs exactly the README's test command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _quick_start_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_quick_start_has_exactly_two_commands():
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert "pip install" in commands[0] and "pip install" in commands[1]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert _quick_start_commands()[1] in ci.splitlines()


def test_building_the_cli_does_not_import_tensorflow():
    code = ("import sys; from phazer.cli.main import build_parser; build_parser(); "
            "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_extends_example_validates(tmp_path):
    from phazer.validation import validate_reference

    text = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(phazer: 1\nextends:.*?)```", text, re.S).group(1)
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    report = validate_reference(str(path))
    assert report.ok, report.issues
    assert report.loaded.spec.output_size == 128
    assert report.loaded.spec.encoder.depth == 4  # inherited from the original preset
