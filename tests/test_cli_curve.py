"""`phazer curve`: the list, the chart, JSON, and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from phazer.cli.main import main

REPO = Path(__file__).resolve().parent.parent
BASE = ["curve", "--min", "64", "--max", "512", "--points", "4"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("slope", "expected"), [
    ("-0.45", "[512, 256, 128, 64]"),
    ("0", "[512, 360, 208, 64]"),
    ("0.45", "[512, 440, 312, 64]"),
])
def test_first_line_is_the_list(capsys, slope, expected):
    code, out, err = run(capsys, *BASE, "--slope", slope)
    assert code == 0
    assert out.splitlines()[0] == expected
    assert err == ""


def test_chart_has_one_labelled_bar_per_point(capsys):
    _, out, _ = run(capsys, *BASE, "--slope", "-0.45")
    rows = [line for line in out.splitlines() if "█" in line]
    assert len(rows) == 4
    for index, (row, value) in enumerate(zip(rows, [512, 256, 128, 64], strict=True), 1):
        assert row.split()[:2] == [str(index), str(value)]
    assert rows[0].count("█") > rows[1].count("█") > rows[3].count("█")
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80


def test_chart_fits_a_wide_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "140")
    _, out, _ = run(capsys, *BASE, "--slope", "-0.45")
    widest = max(len(line.rstrip()) for line in out.splitlines() if "█" in line)
    assert 100 < widest <= 140


def test_sign_note_mentions_the_guide(capsys):
    _, out, _ = run(capsys, *BASE, "--slope", "-0.45")
    assert "forum guide writes this slope as +0.45" in out


def test_rising_runs_from_min_to_max(capsys):
    code, out, _ = run(capsys, *BASE, "--slope", "-0.45", "--rising")
    assert code == 0
    assert out.splitlines()[0] == "[64, 312, 440, 512]"
    assert "rising" in out


@pytest.mark.parametrize(("mode", "points", "expected"), [
    ("cap_max", "8", [512, 512, 512, 256, 128, 64, 32, 16]),
    ("cap_min", "7", [512, 256, 128, 64, 32, 16, 16]),
])
def test_capped_modes(capsys, mode, points, expected):
    code, out, _ = run(capsys, "curve", "--min", "16", "--max", "512", "--slope", "0.5",
                       "--points", points, "--mode", mode)
    assert code == 0
    assert json.loads(out.splitlines()[0]) == expected


def test_json_output(capsys):
    code, out, _ = run(capsys, *BASE, "--slope", "0", "--json")
    assert code == 0
    assert json.loads(out) == {"start": 512, "end": 64, "points": 4, "slope": 0.0,
                               "mode": "full", "order": "falling",
                               "values": [512, 360, 208, 64]}


def test_single_point(capsys):
    code, out, _ = run(capsys, "curve", "--min", "64", "--max", "512", "--slope", "0.3",
                       "--points", "1")
    assert (code, out.splitlines()[0]) == (0, "[512]")


@pytest.mark.parametrize(("args", "option"), [
    (["--slope", "1.2", "--points", "4", "--min", "64", "--max", "512"], "--slope"),
    (["--slope", "-0.995", "--points", "4", "--min", "64", "--max", "512"], "--slope"),
    (["--slope", "nan", "--points", "4", "--min", "64", "--max", "512"], "--slope"),
    (["--slope", "0", "--points", "0", "--min", "64", "--max", "512"], "--points"),
    (["--slope", "0", "--points", "4", "--min", "0", "--max", "512"], "--min"),
    (["--slope", "0", "--points", "4", "--min", "64", "--max", "-8"], "--max"),
])
def test_bad_values_exit_1_with_one_line(capsys, args, option):
    code, out, err = run(capsys, "curve", *args)
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("phazer curve: error: ")
    assert option in lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [
    ["--min", "64", "--max", "512", "--points", "4"],                       # no --slope
    ["--min", "64", "--max", "512", "--points", "4", "--slope", "steep"],   # not a number
    ["--min", "6.5", "--max", "512", "--points", "4", "--slope", "0"],      # not an int
    ["--min", "64", "--max", "512", "--points", "4", "--slope", "0", "--mode", "cap"],
])
def test_usage_errors_exit_2(capsys, args):
    with pytest.raises(SystemExit) as caught:
        main(["curve", *args])
    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_python_m_phazer_curve():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "phazer", "curve", "--min", "64", "--max", "512", "--slope",
         "-0.45", "--points", "4"], capture_output=True, text=True, cwd=REPO, env=env,
        timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "[512, 256, 128, 64]"
    bad = subprocess.run([sys.executable, "-m", "phazer", "curve", "--min", "64", "--max",
                          "512", "--slope", "2", "--points", "4"], capture_output=True,
                         text=True, cwd=REPO, env=env, timeout=60)
    assert bad.returncode == 1
    assert bad.stderr.count("\n") == 1
