"""The dry-run commands stay light: they never import what they do not use.

A test of imports, not of timings: each command runs in a fresh interpreter, which then lists
``sys.modules``. TensorFlow and Keras (seconds to import), networkx (as long as the rest of a
dry run: the routing graph is :class:`phazer.graph.digraph.DiGraph`), and the modules of the
other commands (faceswap import, diagrams, training, data, the Keras emitter) must be absent.
See docs/summary.md, "Latency".
"""

from __future__ import annotations

import argparse

import pytest

from phazer.cli.main import COMMAND_HELP, COMMANDS, build_parser
from tests.helpers import run_cli_fresh

# Heavy, or belonging to another command; imported by none of the dry runs below.
FORBIDDEN = ("tensorflow", "keras", "networkx", "numpy", "PIL", "phazer.faceswap_models",
             "phazer.faceswap_import", "phazer.emit", "phazer.train", "phazer.data",
             "phazer.probe", "phazer.diagram")
# The bare parser and --help: no spec machinery at all.
FORBIDDEN_FOR_HELP = (*FORBIDDEN, "pydantic", "yaml", "rich", "phazer.spec", "phazer.cli.summary",
                      "phazer.issues")

DRY_RUNS = (["summary", "stojo", "--json"], ["validate", "stojo"], ["validate", "stojo", "--json"],
            ["presets"], ["presets", "--json"], ["render", "stojo"], ["diff", "stojo", "dny256"],
            ["diff", "original", "fs-original", "--json"])


@pytest.mark.parametrize("argv", DRY_RUNS, ids=" ".join)
def test_dry_runs_import_nothing_heavy(argv: list[str]) -> None:
    run = run_cli_fresh(*argv)
    assert run.loaded(*FORBIDDEN) == []
    assert f"phazer.cli.{COMMANDS[argv[0]]}" in run.modules
    others = [f"phazer.cli.{m}" for name, m in COMMANDS.items()
              if name != argv[0]]
    assert run.loaded(*others) == []


@pytest.mark.parametrize("argv", [["summary", "stojo", "--json"], ["validate", "stojo", "--json"],
                                  ["diff", "stojo", "dny256", "--json"], ["validate", "stojo"],
                                  ["validate", "stojo", "--set", "fc.depth=-1"]],
                         ids=" ".join)
def test_json_and_piped_validate_output_need_no_rich(argv: list[str]) -> None:
    assert run_cli_fresh(*argv).loaded("rich") == []


def test_summary_text_draws_the_routing_without_networkx() -> None:
    run = run_cli_fresh("summary", "stojo")
    assert "phazer.diagram.text" in run.modules
    assert run.loaded(*(f for f in FORBIDDEN if f != "phazer.diagram")) == []


@pytest.mark.parametrize("argv", [["--help"], [], ["--version"], ["no-such-command"]], ids=str)
def test_the_bare_parser_imports_no_command(argv: list[str]) -> None:
    assert run_cli_fresh(*argv).loaded(*FORBIDDEN_FOR_HELP) == []


def test_the_stub_help_is_each_commands_own() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {action.dest: action.help for action in subparsers._choices_actions}
    assert helps == {name: COMMAND_HELP[name] for name in helps}
    assert list(COMMAND_HELP) == list(COMMANDS)


@pytest.mark.parametrize("enabled", [True, False])
def test_command_imports_pause_the_collector_and_put_it_back(enabled: bool) -> None:
    import gc

    from phazer.cli.main import import_quickly

    (gc.enable if enabled else gc.disable)()
    try:
        assert import_quickly("phazer.cli.validate").__name__ == "phazer.cli.validate"
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
