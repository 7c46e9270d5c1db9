"""The generated docs are in sync with the code (regenerate with `python scripts/gen_docs.py`)."""

from __future__ import annotations

import pytest

from phazer.issues import CODES, CodeInfo
from tests.helpers import REPO, load_script

FIX = "run `python scripts/gen_docs.py`, write any TODO entries, and commit the result"


gen_docs = load_script("gen_docs")
from scripts.doc_examples import abridge  # noqa: E402  (on the path once gen_docs is loaded)


def read(name: str) -> str:
    return (REPO / "docs" / name).read_text(encoding="utf-8")


def test_spec_reference_is_in_sync():
    assert read("spec-reference.md") == gen_docs.render_spec_reference(), FIX


def test_errors_md_is_in_sync():
    text = read("errors.md")
    assert text == gen_docs.render_errors(text), FIX


def test_errors_md_examples_show_what_phazer_prints_now():
    text = read("errors.md")
    assert text.count("$ phazer ") >= 20
    assert text == gen_docs.render_examples(text), FIX


def test_an_abridged_example_keeps_the_issue_lines_of_its_code():
    output = ["model original", "│ table │", "  warning[PHZ330] batch 16 needs more",
              "  hint: the largest batch size that fits is 7", "other.yaml:1:1 x",
              "  info[PHZ207] something else", "  hint: unrelated"]
    assert abridge(output, "PHZ330") == output[2:4]


def test_every_registered_code_is_explained():
    assert gen_docs.undocumented_codes(read("errors.md")) == [], FIX


def test_errors_md_covers_the_live_registry():
    gen_docs.collect_codes()  # loads the rule modules, which may register more codes
    text = read("errors.md")
    for code, info in CODES.items():
        assert f"### {code} — {info.title}\n\nSeverity: **{info.severity}**" in text, code


def test_source_codes_are_found_statically():
    static = gen_docs.static_codes()
    import phazer.issues as issues_module

    in_issues = {c for c in static if c in vars(issues_module).values()}
    assert in_issues and in_issues <= set(static)
    assert set(gen_docs.collect_codes()) >= set(static)


def test_a_new_code_fails_until_documented(monkeypatch):
    monkeypatch.setitem(CODES, "PHZ398", CodeInfo("PHZ398", "warning", "a code added later"))
    text = read("errors.md")
    assert "PHZ398" in gen_docs.undocumented_codes(text)
    regenerated = gen_docs.render_errors(text)
    assert regenerated != text
    assert "### PHZ398 — a code added later" in regenerated
    assert gen_docs.TODO_MARKER in regenerated
    written = regenerated.replace(
        f"{gen_docs.TODO_MARKER}: explain when phazer reports PHZ398, show an example and say "
        "how to fix it.", "Explained now.")
    assert "PHZ398" not in gen_docs.undocumented_codes(written)
    assert gen_docs.render_errors(written) == written


def test_hand_written_text_survives_regeneration():
    text = read("errors.md")
    assert "did you mean 'dimensions'?" in text or "did you mean 'depth'?" in text
    assert gen_docs.render_errors(text).count("**Fix:**") == text.count("**Fix:**")


def test_cli_md_is_in_sync():
    text = read("cli.md")
    assert text == gen_docs.render_cli(text), FIX
    assert gen_docs.undocumented_commands(text) == [], FIX


def test_filter_curve_examples_are_in_sync():
    text = read("filter-curve.md")
    assert text == gen_docs.render_filter_curve(text), FIX
    assert "[512, 256, 128, 64]" in text
    assert "slope -0.45" in text


@pytest.mark.parametrize("name", ["errors.md", "spec-reference.md", "cli.md",
                                  "filter-curve.md"])
def test_docs_exist_and_end_with_a_newline(name):
    text = read(name)
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_check_mode_reports_nothing():
    assert gen_docs.problems() == [], FIX
