"""Ordinary YAML that used to end in an internal error (issue 15): each is read or reported.

Merge keys (YAML 1.1) are read as YAML defines them; complex keys, tags phazer does not read
and values their tag cannot read are issues with the file and line; paths that loop, dangle
or that the OS refuses are issues naming the path. None of them is a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from phazer.cli.main import main
from phazer.spec import load_spec
from phazer.spec.loader import load_raw
from tests.helpers import issues_of


def only(path: Path | str, code: str):
    issues = issues_of(path)
    assert [i.code for i in issues] == [code], issues
    return issues[0]


def spec_file(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- merge keys ----------------------------------------------------------------------------
def test_merge_key_with_an_inline_mapping(tmp_path):
    spec = load_spec(str(spec_file(tmp_path, "extends: original\n<<: {output_size: 64}\n")))
    assert spec.spec.output_size == 64


def test_merge_key_with_an_alias_and_own_keys_winning(tmp_path):
    path = spec_file(tmp_path, "fc: &b {depth: 1, dropout: 0.25}\n"
                               "gblock_fc: {<<: *b, depth: 3}\n")
    spec = load_spec(str(path)).spec
    assert (spec.gblock_fc.depth, spec.gblock_fc.dropout) == (3, 0.25)


def test_merge_key_list_first_mapping_wins(tmp_path):
    path = spec_file(tmp_path, "fc: &one {depth: 1}\n"
                               "gblock_fc: &two {depth: 2, dropout: 0.5}\n"
                               "decoder: {res_blocks: 1}\n"
                               "routing: {split_fc: true}\n"
                               "weights: {freeze: []}\n"
                               "convolutions: {}\n"
                               "bottleneck: {type: dense}\n"
                               "training: {}\n"
                               "encoder: {type: fs_original}\n"
                               "name: n\n")
    raw = load_raw(str(path))
    assert raw.data["fc"] == {"depth": 1}
    merged = spec_file(tmp_path, "fc: &one {depth: 1}\ngblock_fc: &two {depth: 2, dropout: "
                                 "0.5}\nx: &m {<<: [*one, *two]}\n", "m.yaml")
    assert load_raw(str(merged)).data["x"] == {"depth": 1, "dropout": 0.5}


def test_merged_values_keep_their_lines(tmp_path):
    path = spec_file(tmp_path, "fc: &b\n  depth: 1\n  dropout: 7\ngblock_fc:\n  <<: *b\n")
    issues = issues_of(path)
    lines = {i.path: i.line for i in issues}
    assert lines == {"fc.dropout": 3, "gblock_fc.dropout": 3}


def test_merge_key_of_a_scalar_is_an_issue(tmp_path):
    issue = only(spec_file(tmp_path, "name: x\nfc:\n  <<: 3\n"), "PHZ011")
    assert (issue.line, "merge key" in issue.message) == (3, True)


def test_own_duplicate_keys_are_still_reported_next_to_merges(tmp_path):
    path = spec_file(tmp_path, "fc: &b {depth: 1}\ngblock_fc: {<<: *b, depth: 2, depth: 3}\n")
    issue = only(path, "PHZ010")
    assert issue.path == "gblock_fc.depth"


# --- keys and tags phazer does not read ----------------------------------------------------
@pytest.mark.parametrize(("text", "line", "word"), [
    ("extends: original\n? [a]\n: 1\n", 2, "list used as a key"),
    ("name: x\nfc:\n  ? {a: 1}\n  : 2\n", 3, "mapping used as a key"),
    ("name: !custom x\n", 1, "!custom"),
    ("fc: !!python/object:os.system {depth: 1}\n", 1, "tag"),
    ("name: !!binary 'a'\n", 1, "binary"),
    ("name: 2001-02-30\n", 1, "2001-02-30"),
    ("fc:\n  depth: !!int abc\n", 2, "abc"),
])
def test_unreadable_yaml_is_an_issue_with_its_line(tmp_path, text, line, word):
    issue = only(spec_file(tmp_path, text), "PHZ011")
    assert (issue.line, issue.file) == (line, str(tmp_path / "s.yaml"))
    assert word in issue.message


def test_every_unreadable_key_is_reported_at_once(tmp_path):
    issues = issues_of(spec_file(tmp_path, "? [a]\n: 1\n? [b]\n: 2\nname: !x y\n"))
    assert [(i.code, i.line) for i in issues] == [("PHZ011", 1), ("PHZ011", 3),
                                                   ("PHZ011", 5)]


@pytest.mark.parametrize("key", ["null", "true", "yes", "1", "1.5", "2001-01-01"])
def test_keys_that_are_not_text_are_unknown_fields_as_written(tmp_path, key):
    issue = only(spec_file(tmp_path, f"name: x\n{key}: 1\n"), "PHZ101")
    assert (issue.line, issue.path) == (2, key)


def test_bom_and_windows_newlines_read_as_usual(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_bytes("\ufeffname: w\r\nfc:\r\n  depth: 2\r\n".encode())
    assert load_spec(str(path)).spec.fc.depth == 2


def test_exponent_floats_without_a_dot_are_numbers(tmp_path):
    path = spec_file(tmp_path, "training:\n  optimizer: {type: adam, learning_rate: 5e-5}\n")
    assert load_spec(str(path)).spec.training.optimizer.learning_rate == 5e-5


# --- paths ---------------------------------------------------------------------------------
@pytest.fixture
def loop(tmp_path) -> Path:
    (tmp_path / "l1.yaml").symlink_to("l2.yaml")
    (tmp_path / "l2.yaml").symlink_to("l1.yaml")
    return tmp_path / "l1.yaml"


def test_symlink_loop_as_the_spec(loop):
    issue = only(loop, "PHZ002")
    assert "symbolic link that loops" in issue.message and issue.file == str(loop)


def test_symlink_loop_in_extends_points_at_extends(tmp_path, loop):
    child = spec_file(tmp_path, "name: c\nextends: l1.yaml\n")
    issue = only(child, "PHZ002")
    assert (issue.path, issue.line) == ("extends", 2)
    assert "symbolic link that loops" in issue.message


def test_dangling_symlink(tmp_path):
    (tmp_path / "gone.yaml").symlink_to("nowhere.yaml")
    issue = only(tmp_path / "gone.yaml", "PHZ001")
    assert "nowhere.yaml" in issue.message and "does not exist" in issue.message


@pytest.mark.parametrize("reference", ["a" * 5000 + ".yaml", "bad\\0name.yaml"])
def test_paths_the_os_refuses_in_extends(tmp_path, reference):
    child = spec_file(tmp_path, f'extends: "{reference}"\n')
    issues = issues_of(child)
    assert [(i.code, i.path, i.line) for i in issues] == [("PHZ002", "extends", 1)]
    assert len(issues[0].message) < 600


def test_a_directory_named_like_a_spec(tmp_path):
    (tmp_path / "dir.yaml").mkdir()
    assert "is a directory" in only(tmp_path / "dir.yaml", "PHZ002").message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = spec_file(tmp_path, "name: x\n")
    path.chmod(0)
    assert "cannot read" in only(path, "PHZ002").message


# --- through the command line: exit 1 with file and line, never an internal error -----------
@pytest.mark.parametrize("text", [
    "extends: original\n<<: {output_size: 64}\n",
    "extends: original\nfc: &b {depth: 1}\ngblock_fc: {<<: *b}\n",
    "extends: original\n? [a]\n: 1\n",
    "extends: original\nname: " + "[" * 600 + "]" * 600 + "\n",
])
def test_cli_never_reports_an_internal_error(tmp_path, capsys, text):
    path = spec_file(tmp_path, text)
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    assert "internal error" not in captured.out + captured.err
    assert code in (0, 1)
    if code == 1:
        assert f"{path}:" in captured.out
