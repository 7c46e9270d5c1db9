"""`phazer presets`: the table of built-in presets, its JSON and its column providers."""

from __future__ import annotations

import json
import textwrap

import pytest

from phazer.cli.main import main
from phazer.cli.presets import preset_columns
from phazer.graph import routing_words
from phazer.lowering import build_routing_graph
from phazer.spec.describe import first_sentence, lead_clause
from phazer.spec.models import ModelSpec
from phazer.spec.presets import preset_names
from tests.helpers import PRESETS_DIR

ALPHA = """\
# alpha: a test preset
phazer: 1
name: alpha
description: |
  A small test model, e.g. for the CLI tests. It has a second sentence.
output_size: 256
encoder:
  type: efficientnet_b4
  scaling: 60
"""
BETA = """\
name: beta
description: "Beta model: shared everything but the decoders."
tagline: "Beta: a shared encoder and FC, split decoders"
use: Testing the presets table
routing:
  split_fc: false
  split_decoders: true
  gblock: false
"""


@pytest.fixture
def preset_dir(builtin_presets, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    return builtin_presets({"alpha.yaml": ALPHA, "beta.yaml": BETA})


def test_table_lists_every_preset(capsys, preset_dir):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    alpha = next(line for line in out.splitlines() if line.split()[:1] == ["alpha"])
    assert alpha.split()[1:4] == ["256", "efficientnet_b4", "224"]
    assert "split FC + G-Block, shared decoder" in alpha
    assert "A small test model, e.g. for the CLI tests" in alpha
    assert "second sentence" not in out
    beta = next(line for line in out.splitlines() if line.split()[:1] == ["beta"])
    assert beta.split()[1:4] == ["128", "fs_original", "64"]
    assert "shared FC, split decoders" in beta
    assert "Beta: a shared encoder and FC, split decoders" in beta  # the tagline, whole
    lines = out.splitlines()
    assert lines[lines.index(beta) + 1].strip() == "use: Testing the presets table"
    assert "use:" not in lines[lines.index(alpha) + 1]  # no use line without a use


def test_wrap_shows_the_whole_text(capsys, preset_dir, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["presets"]) == 0
    cut = capsys.readouterr().out
    assert "…" in cut and "Testing the presets table" not in cut
    assert main(["presets", "--wrap"]) == 0
    wrapped = capsys.readouterr().out
    assert "…" not in wrapped
    beta = wrapped[wrapped.index(" beta "):]
    column = wrapped.splitlines()[2].index("description")  # the header line
    text = " ".join(line[column:].strip() for line in beta.splitlines())
    assert "Beta: a shared encoder and FC, split decoders use: Testing the presets table" \
        in " ".join(text.split())


def test_json_lists_every_preset(capsys, preset_dir):
    assert main(["presets", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in rows] == ["alpha", "beta"]
    assert rows[0] == {
        "valid": True, "name": "alpha", "output_size": 256, "encoder": "efficientnet_b4",
        "encoder_input_size": 224, "routing": "split FC + G-Block, shared decoder",
        "description": "A small test model, e.g. for the CLI tests.", "tagline": "", "use": "",
        "total_params": rows[0]["total_params"], "est_vram_batch16": rows[0]["est_vram_batch16"]}
    assert rows[1]["tagline"] == "Beta: a shared encoder and FC, split decoders"
    assert rows[1]["use"] == "Testing the presets table"
    assert rows[1]["description"] == "Beta model: shared everything but the decoders."
    assert isinstance(rows[0]["total_params"], int) and rows[0]["total_params"] > 0
    assert isinstance(rows[0]["est_vram_batch16"], int) and rows[0]["est_vram_batch16"] > 0


def test_json_keys_follow_the_column_providers(capsys, preset_dir):
    main(["presets", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert list(rows[0]) == ["valid", *(column.key for column in preset_columns())]


def test_no_fake_figures(capsys, preset_dir, monkeypatch):
    import phazer.plan.memory_report as memory_report_module

    # a Keras Applications encoder the table has no memory figures for gets no VRAM figure
    monkeypatch.setattr(memory_report_module, "keras_app_memory", lambda attrs, shapes: None)
    main(["presets", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["name"] == "alpha" and rows[0]["est_vram_batch16"] is None


def test_vram_column_is_the_memory_model_at_batch_16(capsys):
    from phazer.compiler import compile_model_ir
    from phazer.plan.budget import gpu_overhead_bytes
    from phazer.plan.memory import estimate_memory
    from phazer.plan.memory_settings import MemorySettings
    from phazer.spec import load_spec

    main(["presets", "--json"])
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    model = compile_model_ir(load_spec("original").spec)
    settings = MemorySettings(batch_size=16)
    expected = estimate_memory(model, settings).total + gpu_overhead_bytes(model, settings)
    assert rows["original"]["est_vram_batch16"] == expected
    stojo = compile_model_ir(load_spec("stojo").spec)
    assert rows["stojo"]["est_vram_batch16"] == (estimate_memory(stojo, settings).total
                                                 + gpu_overhead_bytes(stojo, settings))


def test_keras_encoder_vram_is_marked_approximate(capsys):
    main(["presets"])
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()
             if line.strip() and line.split()[0] in ("stojo", "original")}
    assert "~" in lines["stojo"] and "~" not in lines["original"]


def test_params_column_matches_faceswap(capsys):
    main(["presets", "--json"])
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    # faceswap's own figures (tests/data/phaze-a/reference.json)
    assert rows["original"]["total_params"] == 82_062_470
    assert rows["dfl-sae-liae"]["total_params"] == 121_620_151


def test_invalid_preset_exits_1_and_is_shown(capsys, preset_dir):
    (preset_dir / "broken.yaml").write_text("fc:\n  depth: 99\n")
    assert main(["presets"]) == 1
    captured = capsys.readouterr()
    assert "broken" in captured.out
    assert "invalid" in captured.out
    assert "PHZ104" in captured.err
    assert main(["presets", "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert rows[-1]["valid"] is False
    assert rows[-1]["issues"][0]["code"] == "PHZ104"


def test_no_presets(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(PRESETS_DIR, lambda: tmp_path / "none")
    assert main(["presets"]) == 0
    assert "no built-in presets" in capsys.readouterr().err
    assert main(["presets", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_narrow_terminal_keeps_one_line_per_name(capsys, preset_dir, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines)
    assert sum(line.split()[:1] == ["alpha"] for line in lines) == 1


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as caught:
        main(["presets", "--bogus"])
    assert caught.value.code == 2


@pytest.mark.skipif(not preset_names(), reason="no built-in presets yet")
def test_builtin_presets_all_load(capsys):
    assert main(["presets", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in rows] == preset_names()
    assert all(row["valid"] for row in rows)


@pytest.mark.parametrize(("routing", "expected"), [
    ({}, "split FC + G-Block, shared decoder"),
    ({"split_fc": False, "split_decoders": True, "gblock": False},
     "shared FC, split decoders"),
    ({"shared_fc": "half", "gblock": False}, "split FC + shared FC (half), shared decoder"),
    ({"shared_fc": "full", "split_gblock": True},
     "split FC + shared FC + split G-Block, shared decoder"),
    ({"split_fc": False, "shared_fc": "full", "gblock": False},
     "shared FC + extra shared FC, shared decoder"),
    ({"split_fc": False, "shared_fc": "half", "gblock": False},
     "shared FC + FC reused (half), shared decoder"),
])
def test_routing_words(routing, expected):
    spec = ModelSpec.model_validate({"routing": routing})
    assert routing_words(build_routing_graph(spec)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("", ""),
    ("One. Two.", "One."),
    ("Uses e.g. the original layout. More.", "Uses e.g. the original layout."),
    ("Wrapped\n  over lines. Next", "Wrapped over lines."),
    ("No full stop", "No full stop"),
])
def test_first_sentence(text, expected):
    assert first_sentence(textwrap.dedent(text)) == expected


def test_lead_clause():
    assert lead_clause("faceswap's Dfaker model: the Original layout.") == "faceswap's Dfaker model"
    assert lead_clause("Plain sentence.") == "Plain sentence"
