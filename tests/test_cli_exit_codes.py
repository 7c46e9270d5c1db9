"""Exit codes (issue 15): 1 invalid input, 2 usage, 3 a bug in phazer; render fails on errors.

An internal error used to exit 1 like an invalid spec, so a script could not tell "fix your
spec" from "report this"; and ``phazer render`` printed specs that break a rule and exited 0,
against docs/cli.md.
"""

from __future__ import annotations

import pytest

import phazer.cli.validate
from phazer.cli.main import EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from tests.helpers import REPO


@pytest.fixture
def broken_validate(monkeypatch):
    """``validate_reference`` fails the way a bug would, with a very long message."""
    def boom(*args, **kwargs):
        raise RuntimeError("something\nbroke " + "x" * 10_000)

    monkeypatch.setattr(phazer.cli.validate, "validate_reference", boom)


def test_exit_codes_are_distinct():
    assert len({EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL}) == 4
    assert EXIT_INTERNAL == 3


def test_an_internal_error_exits_3_and_says_to_report_it(capsys, broken_validate):
    assert main(["validate", "original"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.startswith("phazer: internal error: RuntimeError: something broke")
    assert "bug in phazer" in err and "report" in err and "PHAZER_DEBUG=1" in err
    assert len(err) < 800 and err.count("\n") == 2


def test_an_internal_error_with_debug_prints_the_traceback(capsys, broken_validate,
                                                           monkeypatch):
    monkeypatch.setenv("PHAZER_DEBUG", "1")
    assert main(["validate", "original"]) == EXIT_INTERNAL
    assert "Traceback" in capsys.readouterr().err


def test_invalid_input_still_exits_1_and_usage_2(capsys, tmp_path):
    (tmp_path / "bad.yaml").write_text("output_size: 1\n")
    assert main(["validate", str(tmp_path / "bad.yaml")]) == EXIT_INVALID
    with pytest.raises(SystemExit) as caught:
        main(["validate", "--no-such-option"])
    assert caught.value.code == EXIT_USAGE
    capsys.readouterr()


def test_docs_state_the_internal_error_exit_code():
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "**3** an internal error" in text


# --- render ---------------------------------------------------------------------------------
def test_render_exits_1_on_a_spec_that_breaks_a_rule(capsys):
    code = main(["render", "original", "--set", "routing.split_decoders=false"])
    out, err = capsys.readouterr()
    assert code == EXIT_INVALID and out == ""
    assert "error[PHZ203]" in err and "--set routing.split_decoders=false" in err


def test_render_exits_1_on_an_arithmetic_error(capsys):
    code = main(["render", "original", "--set", "fc.dimensions=16", "--set", "fc.upsamples=4"])
    out, err = capsys.readouterr()
    assert code == EXIT_INVALID and out == "" and "error[PHZ3" in err


def test_render_of_a_valid_spec_still_exits_0_with_infos_unprinted(capsys):
    assert main(["render", "original"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert out.startswith("# original, resolved by `phazer render`") and err == ""
