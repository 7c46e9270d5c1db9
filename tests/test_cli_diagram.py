"""`phazer diagram SPEC -o OUT`: text formats without tools, images through Graphviz."""

from __future__ import annotations

import shutil
import stat

import pytest

from phazer.cli.main import main
from phazer.diagram import (
    DiagramError,
    GraphvizNotFoundError,
    diagram_for_spec,
    render_dot,
    to_dot,
    to_mermaid,
)
from phazer.spec import load_spec
from tests.diagram_parse import parse_dot, svg_node_classes
from tests.helpers import run_cli_fresh

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed")


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH on which no `dot` program can be found."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["diagram", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("suffix", "writer"), [(".dot", to_dot), (".mmd", to_mermaid)])
def test_text_formats_need_no_tools(capsys, tmp_path, no_dot, suffix, writer):
    out = tmp_path / f"iae{suffix}"
    code, stdout, _ = run(capsys, "iae", "-o", str(out))
    assert code == 0
    assert f"wrote {out}: routing diagram of iae (5 sub-models, 3 shared)" in stdout
    assert out.read_text(encoding="utf-8") == writer(diagram_for_spec(load_spec("iae").spec))


def test_output_is_overwritten_and_identical(capsys, tmp_path):
    out = tmp_path / "liae.dot"
    assert run(capsys, "dfl-sae-liae", "-o", str(out))[0] == 0
    first = out.read_bytes()
    assert run(capsys, "dfl-sae-liae", "-o", str(out))[0] == 0
    assert out.read_bytes() == first


def test_stdout_and_format_option(capsys):
    code, out, _ = run(capsys, "original", "-o", "-")
    assert code == 0 and out.startswith("// original: routing diagram")
    code, out, _ = run(capsys, "original", "-o", "-", "--format", "mmd")
    assert code == 0 and out.startswith("---\ntitle:")
    code, _, err = run(capsys, "original", "-o", "-", "--format", "svg")
    assert code == 1 and "use --format dot or mmd" in err


def test_format_option_overrides_the_extension(capsys, tmp_path):
    out = tmp_path / "diagram.txt"
    assert run(capsys, "original", "-o", str(out), "--format", "mmd")[0] == 0
    assert out.read_text(encoding="utf-8").startswith("---\ntitle:")


def test_layer_level(capsys, tmp_path):
    out = tmp_path / "original-layers.dot"
    code, stdout, _ = run(capsys, "original", "-o", str(out), "--level", "layers")
    assert code == 0 and "layers diagram of original" in stdout
    assert "cluster_decoder_a" in parse_dot(out.read_text(encoding="utf-8")).clusters


def test_overrides_apply(capsys, tmp_path):
    out = tmp_path / "split.dot"
    assert run(capsys, "original", "-o", str(out), "--set", "routing.split_fc=true")[0] == 0
    assert {"fc_a", "fc_b"} <= set(parse_dot(out.read_text(encoding="utf-8")).nodes)


@pytest.mark.parametrize("name", ["model.txt", "model"])
def test_unknown_extension_is_invalid(capsys, tmp_path, name):
    code, _, err = run(capsys, "iae", "-o", str(tmp_path / name))
    assert code == 1 and "is not a diagram format" in err and ".mmd" in err


def test_missing_folder_is_invalid(capsys, tmp_path):
    code, _, err = run(capsys, "iae", "-o", str(tmp_path / "nope" / "m.dot"))
    assert code == 1 and "does not exist" in err


def test_invalid_spec_prints_issues_and_writes_nothing(capsys, tmp_path):
    out = tmp_path / "m.dot"
    code, _, err = run(capsys, "original", "-o", str(out), "--set",
                       "routing.split_decoders=false")
    assert code == 1 and "PHZ203" in err
    assert not out.exists()


def test_unknown_preset(capsys, tmp_path):
    code, _, err = run(capsys, "nope", "-o", str(tmp_path / "m.dot"))
    assert code == 1 and "PHZ001" in err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["diagram", "iae"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["diagram", "iae", "-o", "m.dot", "--level", "pixels"])
    assert caught.value.code == 2


@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
def test_images_without_dot_explain_how_to_install(capsys, tmp_path, no_dot, suffix):
    out = tmp_path / f"iae{suffix}"
    code, _, err = run(capsys, "iae", "-o", str(out))
    assert code == 1
    assert "needs Graphviz's `dot` program, which is not installed" in err
    assert "apt-get install graphviz" in err and "brew install graphviz" in err
    assert ".dot or .mmd" in err
    assert not out.exists()


def test_render_dot_without_dot_raises(tmp_path, no_dot):
    with pytest.raises(GraphvizNotFoundError) as caught:
        render_dot("digraph {}", "svg", tmp_path / "x.svg")
    assert "apt-get install graphviz" in caught.value.hint


def test_render_dot_failure_leaves_old_file(tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    out = tmp_path / "old.svg"
    out.write_text("old")
    with pytest.raises(DiagramError, match="syntax error in line 1"):
        render_dot("digraph {}", "svg", out, dot=str(fake))
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_render_dot_rejects_text_formats(tmp_path):
    with pytest.raises(DiagramError, match="not an image format"):
        render_dot("digraph {}", "dot", tmp_path / "x.dot")


@needs_dot
@pytest.mark.parametrize("preset", ["iae", "dfl-sae-liae", "original", "stojo"])
def test_svg_rendering_keeps_the_marks(capsys, tmp_path, preset):
    out = tmp_path / f"{preset}.svg"
    code, _, err = run(capsys, preset, "-o", str(out))
    assert code == 0, err
    classes = svg_node_classes(out.read_text(encoding="utf-8"))
    graph_nodes = parse_dot(to_dot(diagram_for_spec(load_spec(preset).spec))).nodes
    assert set(classes) == set(graph_nodes)
    assert classes["encoder"] == {"shared"}
    if preset == "iae":
        assert classes["fc_shared"] == {"shared"} and classes["fc_a"] == {"side", "side-a"}
    if preset == "dfl-sae-liae":
        assert classes["fc_a"] == {"shared"} and classes["fc_b"] == {"side", "side-b"}


@needs_dot
@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_png_and_pdf(capsys, tmp_path, suffix, magic):
    out = tmp_path / f"original{suffix}"
    assert run(capsys, "original", "-o", str(out))[0] == 0
    assert out.read_bytes().startswith(magic)


@needs_dot
def test_layer_level_renders(capsys, tmp_path):
    out = tmp_path / "stojo-layers.svg"
    code, _, err = run(capsys, "stojo", "-o", str(out), "--level", "layers")
    assert code == 0, err
    assert "g_block_both/style_in" in out.read_text(encoding="utf-8")


def test_diagram_imports_no_tensorflow(tmp_path):
    result = run_cli_fresh("diagram", "stojo", "-o", str(tmp_path / "s.mmd"))
    assert result.returncode == 0, result.stderr
    assert result.loaded() == []
