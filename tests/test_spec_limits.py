"""Spec input limits (issue 15): no file makes validate, render or summary slow or huge.

Each case is an input a new user hit: an alias bomb ("billion laughs"), a 20 MB file, tens of
thousands of unknown keys, 600 levels of nesting, a 20-file ``extends`` chain. Each is rejected
(or reported) with an issue naming the limit, the file and, where there is one, the line; the
commands finish well within 2 s and a few MB of memory.
"""

from __future__ import annotations

import contextlib
import io
import time
import tracemalloc
from pathlib import Path

import pytest

from phazer.cli.main import main
from phazer.issues import MAX_ECHO, MAX_LISTED_ISSUES, SpecError
from phazer.pipeline.validation import validate_reference
from phazer.spec import load_spec
from phazer.spec.loader import MAX_EXTENDS_DEPTH
from phazer.spec.yaml_limits import (
    LOADERS,
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    MAX_NODES,
    MAX_SPEC_BYTES,
    compose_bounded,
)
from tests.helpers import issues_of

SECONDS = 2.0          # the issue's bound for validate / render / summary of any input
MESSAGE_CHARS = 600    # no message, hint or path is longer (a value is echoed in <= MAX_ECHO)


def alias_bomb(levels: int, width: int = 9) -> str:
    """``levels`` nested ``width``-way aliases: width**levels scalars once expanded."""
    lines = ["a0: &a0 [" + ",".join(["xxxxxxxxxx"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]"
              for i in range(1, levels)]
    return "\n".join([*lines, f"name: *a{levels - 1}"]) + "\n"


def only(path: Path | str, code: str, overrides: list[str] | None = None):
    issues = issues_of(path, overrides)
    assert [i.code for i in issues] == [code], issues
    return issues[0]


def run_quietly(*argv: str) -> tuple[int, float]:
    """``phazer ARGV`` in this process: its exit code and CPU time (steady on shared cores)."""
    start = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv))
    return code, time.process_time() - start


def assert_short(issues) -> None:
    for issue in issues:
        for text in (issue.message, issue.hint, issue.path, issue.file or ""):
            assert len(text) <= MESSAGE_CHARS, (issue.code, len(text))


# --- aliases -------------------------------------------------------------------------------
@pytest.mark.parametrize("levels", [6, 9])
def test_alias_bomb_is_rejected_naming_limit_file_and_line(tmp_path, levels):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(levels))
    assert len(path.read_bytes()) < 500
    tracemalloc.start()
    start = time.process_time()
    issue = only(path, "PHZ012")
    elapsed = time.process_time() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 0.5 and peak < 20e6, (elapsed, peak)
    assert issue.file == str(path) and issue.line == 4   # a3's first *a2: 9**4 > 5,000
    assert f"{MAX_ALIAS_NODES:,}" in issue.message and "alias" in issue.message
    assert_short([issue])


@pytest.mark.parametrize("loader", LOADERS, ids=lambda cls: cls.__name__)
def test_both_parsers_count_aliases_the_same(loader):
    with pytest.raises(SpecError) as caught:
        compose_bounded(alias_bomb(9), "bomb.yaml", loader)
    (issue,) = caught.value.issues
    assert (issue.code, issue.line, issue.column) == ("PHZ012", 4, 26)  # the 5th *a2
    node = compose_bounded(alias_bomb(3), "ok.yaml", loader)   # 729 scalars: allowed
    name = node.value[-1][1]   # *a2 -> a1 -> a0 -> a scalar
    assert name.value[0].value[0].value[0].value == "xxxxxxxxxx"


def test_aliases_within_the_limit_still_work(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("fc: &fc {depth: 2, dropout: 0.5}\ngblock_fc: {depth: 2, dropout: 0.5}\n"
                    "weights: {freeze: &parts [encoder]}\n")
    spec = load_spec(str(path)).spec
    assert (spec.fc.depth, spec.fc.dropout, spec.weights.freeze) == (2, 0.5, ["encoder"])


def test_an_alias_inside_its_own_value_is_an_issue_not_a_recursion(tmp_path):
    path = tmp_path / "self.yaml"
    path.write_text("name: x\nweights:\n  freeze: &loop [encoder, *loop]\n")
    issue = only(path, "PHZ011")
    assert (issue.line, "*loop" in issue.message) == (3, True)


# --- nodes, nesting, file size -------------------------------------------------------------
def test_too_many_nodes(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text("".join(f"key_{i}: {i}\n" for i in range(MAX_NODES)))
    issue = only(path, "PHZ012")
    assert f"{MAX_NODES:,} nodes" in issue.message and issue.line == MAX_NODES // 2


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_deep_nesting_is_an_issue_with_the_limit(tmp_path, opening):
    closing = "]" if opening == "[" else "}"
    path = tmp_path / "deep.yaml"
    path.write_text(f"name: {opening * 600}1{closing * 600}\n")
    issue = only(path, "PHZ012")
    assert f"{MAX_DEPTH} levels" in issue.message and issue.line == 1


def test_nesting_up_to_the_limit_is_read(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text(f"name: {'[' * (MAX_DEPTH - 1)}1{']' * (MAX_DEPTH - 1)}\n")
    issue = only(path, "PHZ103")   # read, then refused by the schema: not a string
    assert issue.path == "name" and len(issue.message) < MESSAGE_CHARS


def test_file_over_the_size_limit_names_limit_and_size(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("description: " + "x" * 20_000_000 + "\n")
    start = time.process_time()
    issue = only(path, "PHZ012")
    assert time.process_time() - start < 0.2
    assert f"{MAX_SPEC_BYTES:,} bytes" in issue.message and "20,000,014 bytes" in issue.message
    assert issue.file == str(path)


def test_a_file_that_never_ends_reads_at_most_the_limit():
    issue = only("/dev/zero", "PHZ012")
    assert "over 1,000,000 bytes" in issue.message


def test_extended_file_over_the_limit_points_at_extends(tmp_path):
    (tmp_path / "big.yaml").write_text("name: " + "x" * (MAX_SPEC_BYTES + 1) + "\n")
    child = tmp_path / "child.yaml"
    child.write_text("name: c\nextends: big.yaml\n")
    issue = only(child, "PHZ012")
    assert (issue.file, issue.line, issue.path) == (str(child), 2, "extends")


# --- extends: depth limit vs loop ----------------------------------------------------------
def chain(folder: Path, length: int, loop_to: int | None = None) -> Path:
    for i in range(1, length + 1):
        parent = f"c{i + 1}.yaml" if i < length else (
            f"c{loop_to}.yaml" if loop_to else "end.yaml")
        (folder / f"c{i}.yaml").write_text(f"extends: {parent}\n")
    (folder / "end.yaml").write_text("name: end\n")
    return folder / "c1.yaml"


def test_long_extends_chain_without_loop_is_a_depth_limit_not_a_loop(tmp_path):
    issue = only(chain(tmp_path, 20), "PHZ012")
    assert "loops" not in issue.message and "not a loop" in issue.message
    assert f"{MAX_EXTENDS_DEPTH} files" in issue.message and issue.path == "extends"


def test_extends_chain_at_the_limit_loads(tmp_path):
    assert load_spec(str(chain(tmp_path, MAX_EXTENDS_DEPTH - 1))).spec.name == "end"


def test_a_loop_is_called_a_loop_and_shows_only_the_loop(tmp_path):
    issue = only(chain(tmp_path, 5, loop_to=3), "PHZ007")
    assert "loops" in issue.message and "c1.yaml" not in issue.message
    assert issue.message.count("c3.yaml") == 2


# --- many issues ---------------------------------------------------------------------------
def test_thousands_of_unknown_keys_list_the_first_hundred_and_count_the_rest(tmp_path):
    path = tmp_path / "keys.yaml"
    count = MAX_NODES // 2 - 10
    path.write_text("extends: original\nfc:\n" + "".join(f"  dpth{i}: 1\n" for i in range(count)))
    start = time.process_time()
    issues = issues_of(path)
    assert time.process_time() - start < SECONDS
    assert len(issues) == MAX_LISTED_ISSUES + 1
    assert {i.code for i in issues[:-1]} == {"PHZ101"}
    assert issues[-1].code == "PHZ013"
    assert f"{count - MAX_LISTED_ISSUES:,} more issues" in issues[-1].message
    assert issues[0].hint == "did you mean 'depth'?"


def test_validate_output_counts_what_it_lists(tmp_path, capsys):
    path = tmp_path / "keys.yaml"
    path.write_text("".join(f"zz_{i}: 1\n" for i in range(300)))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.count("error[PHZ101]") == MAX_LISTED_ISSUES
    assert "error[PHZ013] and 200 more issues not listed (200 errors)" in out
    assert "(100 errors, 0 warnings, 0 infos listed, and more not listed)" in out


def test_long_unknown_key_gets_no_suggestion_and_a_short_message(tmp_path):
    path = tmp_path / "k.yaml"
    path.write_text(f"fc:\n  {'d' * 1000}: 1\n")
    issue = only(path, "PHZ101")
    assert "did you mean" not in issue.hint
    assert_short([issue])


# --- values echoed in messages -------------------------------------------------------------
def test_a_huge_value_is_echoed_in_at_most_a_few_hundred_characters(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text("name: [" + ", ".join(["abcdefgh"] * 15_000) + "]\n")
    issue = only(path, "PHZ103")
    assert "…" in issue.message and "characters)" in issue.message
    assert len(issue.message) < MAX_ECHO + 100


# --- every command stays fast on every such input ------------------------------------------
def big_inputs(folder: Path) -> dict[str, Path]:
    texts = {
        "bomb9": alias_bomb(9),
        "bomb6": alias_bomb(6),
        "huge": "description: " + "x" * 20_000_000 + "\n",
        "unknown_keys": "".join(f"zz_key_{i}: 1\n" for i in range(40_000)),
        "many_issues": "extends: original\nfc:\n" + "".join(
            f"  dpth{i}: 1\n" for i in range(MAX_NODES // 2 - 10)),
        "description_at_limit": "extends: original\ndescription: " + " ".join(
            ["word"] * ((MAX_SPEC_BYTES - 100) // 5)) + "\n",
        "deep": "name: " + "[" * 600 + "]" * 600 + "\n",
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = folder / f"{name}.yaml"
        paths[name].write_text(text)
    return paths


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    return big_inputs(tmp_path_factory.mktemp("big"))


@pytest.mark.parametrize("command", ["validate", "render", "summary"])
@pytest.mark.parametrize("name", ["bomb9", "bomb6", "huge", "unknown_keys", "many_issues",
                                  "description_at_limit", "deep"])
def test_commands_finish_within_two_seconds(inputs, command, name):
    code, elapsed = run_quietly(command, str(inputs[name]))
    assert elapsed < SECONDS, f"phazer {command} {name}: {elapsed:.2f} s"
    assert code == (0 if name == "description_at_limit" else 1)


def test_reports_of_big_inputs_stay_small(inputs):
    for name, path in inputs.items():
        issues = validate_reference(str(path)).issues
        assert len(issues) <= MAX_LISTED_ISSUES + 1, name
        assert_short(issues)
