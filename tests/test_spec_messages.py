"""Messages that misled a new user (issue 15), and what they say now.

Out-of-range values show the whole rule and propose only allowed values; ``--set`` problems
point at the ``--set`` argument (never at a line of the file it overrides) and say when a
list index is the trouble; the validate summary counts in the right number.
"""

from __future__ import annotations

import pytest

from phazer.cli.main import main
from phazer.cli.validate import counts_text
from phazer.issues import Issue
from phazer.spec import load_spec
from phazer.spec.constraints import Bounds
from tests.helpers import issues_of, write


def only(reference: str, overrides: list[str] | None = None):
    issues = issues_of(reference, overrides)
    assert len(issues) == 1, issues
    return issues[0]


# --- ranges and multiples ------------------------------------------------------------------
@pytest.mark.parametrize(("setting", "code", "rule", "hint"), [
    ("output_size=1", "PHZ105", "a multiple of 16 in [64, 2048]", "use 64 "),
    ("output_size=250", "PHZ105", "a multiple of 16 in [64, 2048]", "use 240 or 256 "),
    ("output_size=4000", "PHZ104", "a multiple of 16 in [64, 2048]", "use 2048 "),
    ("output_size=2040", "PHZ105", "a multiple of 16 in [64, 2048]", "use 2032 or 2048 "),
    ("bottleneck.size=0", "PHZ104", "a value in [1, 4096]", "use 1 "),
    ("fc.depth=99999999999999999999", "PHZ104", "a value in [0, 16]", "use 16 "),
    ("decoder.slope=1.5", "PHZ104", "a value in [-0.99, 0.99]", "use 0.99 "),
    ("fc.dropout=-0.5", "PHZ104", "a value in [0.0, 1.0)", "use 0.0 "),
    ("fc.dropout=1.0", "PHZ104", "a value in [0.0, 1.0)", "use a value below 1.0"),
])
def test_out_of_range_shows_the_rule_and_an_allowed_value(setting, code, rule, hint):
    issue = only("original", [setting])
    assert issue.code == code
    assert issue.message.endswith(f"expected {rule}")
    assert issue.hint.startswith(hint)
    field, _, _ = setting.partition("=")
    for proposed in issue.hint.removeprefix("use ").split(" (")[0].split(" or "):
        if proposed[0].isdigit() or proposed[0] == "-":
            number = float(proposed) if "." in proposed else int(proposed)
            assert load_spec("original", [f"{field}={number}"]) is not None, proposed


def test_an_integer_beyond_any_float_gets_the_nearest_value(tmp_path):
    path = write(tmp_path, "big.yaml", "extends: original\noutput_size: 1" + "0" * 400 + "\n")
    (issue,) = issues_of(path)
    assert (issue.code, issue.hint) == ("PHZ104", "use 2048 (the nearest allowed)")
    assert len(issue.message) < 300


def test_the_old_output_size_1_message_is_gone():
    issue = only("original", ["output_size=1"])
    assert "0 or 16" not in issue.hint


@pytest.mark.parametrize(("bounds", "value", "nearest"), [
    (Bounds(64, 2048, step=16), 1, [64]),
    (Bounds(64, 2048, step=16), 250, [240, 256]),
    (Bounds(64, 2048, step=16), 10**30, [2048]),
    (Bounds(64, 2048, step=16), 10**400, [2048]),      # beyond any float
    (Bounds(64, 2048, step=16), -(10**400), [64]),
    (Bounds(64, 2048, step=16), 64, [64]),
    (Bounds(0, 10, low_open=True, step=2), 0, [2]),
    (Bounds(0.0, 1.0, high_open=True), 1.0, []),
    (Bounds(1, None), -5, [1]),
    (Bounds(None, None, step=8), 13, [8, 16]),
    (Bounds(0, 10), float("nan"), []),
    (Bounds(0, 10), True, []),
])
def test_nearest_allowed_values(bounds, value, nearest):
    assert bounds.nearest(value) == nearest
    assert all(bounds.allows(v) for v in nearest)


# --- --set ---------------------------------------------------------------------------------
def test_set_errors_point_at_the_set_argument():
    issue = only("original", ["fc.depth=x"])
    assert (issue.code, issue.file, issue.line, issue.path) == (
        "PHZ103", "--set fc.depth=x", None, "fc.depth")
    assert issue.location == "--set fc.depth=x"


def test_set_inside_a_value_points_at_the_set_argument_not_the_preset():
    issue = only("original", ["output_size.x=1"])
    assert (issue.code, issue.file, issue.line) == ("PHZ009", "--set output_size.x=1", None)
    assert "`output_size` is an integer, not a group of fields" in issue.message


@pytest.mark.parametrize("setting", ["training.losses.0.weight=2", "training.losses.0=mae",
                                     "decoder.0=1"])
def test_set_says_list_indices_are_not_supported(setting):
    issue = only("demo", [setting])
    assert (issue.code, issue.file) == ("PHZ009", f"--set {setting}")
    assert "list indices are not supported" in issue.message or \
        "does not take list indices" in issue.message
    assert "set the whole list" in issue.hint


def test_set_through_a_list_names_the_list():
    issue = only("demo", ["training.losses.function=mae"])
    assert "`training.losses` is a list" in issue.message
    assert "--set training.losses='[...]'" in issue.hint


def test_set_keeps_the_file_lines_of_the_fields_it_does_not_touch(tmp_path):
    path = write(tmp_path, "a.yaml", "fc:\n  depth: 1\n  dropout: 7\n")
    issues = issues_of(path, ["fc={depth: 2}"])
    assert [(i.path, i.line) for i in issues] == [("fc.dropout", 3)]


def test_set_value_alias_bomb_is_a_limit_at_the_set_argument():
    bomb = "[" + ", ".join(["&a0 [x, x, x, x, x, x, x, x, x]"] + [
        f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 8)]) + "]"
    issue = only("original", [f"name={bomb}"])
    assert (issue.code, issue.line, issue.path) == ("PHZ012", None, "name")
    assert issue.file.startswith("--set name=") and len(issue.file) < 300


def test_set_value_syntax_error():
    issue = only("original", ["name=[1"])
    assert (issue.code, issue.file) == ("PHZ009", "--set name=[1")


# --- counts in the right number ------------------------------------------------------------
def test_validate_summary_uses_singular_and_plural(tmp_path, capsys):
    one = write(tmp_path, "one.yaml", "extends: original\noutput_size: 1\n")
    assert main(["validate", str(one)]) == 1
    assert "invalid (1 error, 0 warnings, 0 infos)" in capsys.readouterr().out
    two = write(tmp_path, "two.yaml", "extends: original\noutput_size: 1\nfc: {depth: 99}\n")
    assert main(["validate", str(two)]) == 1
    assert "invalid (2 errors, 0 warnings, 0 infos)" in capsys.readouterr().out
    issues = [Issue("PHZ101", "error", "a", "m"), Issue("PHZ204", "warning", "b", "m"),
              Issue("PHZ207", "info", "c", "m"), Issue("PHZ207", "info", "d", "m")]
    assert counts_text(issues) == "1 error, 1 warning, 2 infos"
