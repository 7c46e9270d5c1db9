"""`phazer render SPEC`: the resolved spec as YAML that reads back the same, plus derived values."""

from __future__ import annotations

import pytest
import yaml

from phazer.cli.main import main
from phazer.lowering import lower
from phazer.spec import load_spec
from phazer.spec.describe import derived_values
from phazer.spec.models import ModelSpec
from phazer.spec.presets import preset_names

PARENT = """\
name: parent
output_size: 256
encoder:
  type: efficientnet_b4
  scaling: 60
fc:
  depth: 2
  dropout: 0.5
"""


@pytest.fixture
def spec_file(tmp_path):
    (tmp_path / "parent.yaml").write_text(PARENT)
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nname: child\nfc:\n  depth: 3\n")
    return child


def render(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["render", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_render_resolves_extends_and_fills_defaults(capsys, spec_file):
    code, out, err = render(capsys, str(spec_file))
    assert code == 0 and err == ""
    data = yaml.safe_load(out)
    assert "extends" not in data
    assert data["name"] == "child"
    assert data["fc"]["depth"] == 3
    assert data["fc"]["dropout"] == 0.5
    assert data["encoder"] == {"type": "efficientnet_b4", "scaling": 60,
                               "imagenet_weights": False, "weights_file": None}
    assert set(data) >= {"phazer", "routing", "bottleneck", "gblock_fc", "decoder", "weights",
                         "convolutions"}
    assert data["decoder"]["slope"] == -0.45


def test_render_reads_back_unchanged(capsys, spec_file, tmp_path):
    _, out, _ = render(capsys, str(spec_file), "--set", "decoder.res_blocks=2")
    again = tmp_path / "rendered.yaml"
    again.write_text(out)
    expected = load_spec(str(spec_file), ["decoder.res_blocks=2"]).spec
    assert load_spec(str(again)).spec == expected
    _, second, _ = render(capsys, str(again))
    body = [line for line in out.splitlines() if not line.startswith("# ") or "derived" in line]
    assert [line for line in second.splitlines()
            if not line.startswith("# ") or "derived" in line] == body


def test_render_derived_block(capsys, spec_file):
    _, out, _ = render(capsys, str(spec_file))
    derived = [line for line in out.splitlines() if line.startswith("# derived:")]
    assert derived[0] == (
        "# derived: encoder input 224 px (60% of 380 = 228, floored to a multiple of 16)")
    assert out.endswith("\n")


def test_render_derived_plan_values(capsys):
    _, out, _ = render(capsys, "dfl-sae-liae")
    derived = [line for line in out.splitlines() if line.startswith("# derived:")]
    # figures from faceswap's own model (tests/data/phaze-a/reference.json)
    assert "# derived: decoder upscale filters 504, 248, 128" in derived
    assert "# derived: fc output 16x16x512; decoder input 16x16x1024" in derived
    assert any("parameters 121,620,151" in line for line in derived)


def test_render_default_encoder_input(capsys, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\n")
    _, out, _ = render(capsys, str(path))
    assert "# derived: encoder input 64 px (7% of 1024 = 71.68, floored to a multiple of 16)" \
        in out


def test_derived_encoder_minimum():
    spec = ModelSpec.model_validate({"encoder": {"type": "inception_v3", "scaling": 5}})
    assert derived_values(lower(spec)) == [
        "encoder input 75 px (5% of 299 = 14.95, raised to the encoder's minimum of 75)"]
    spec = ModelSpec.model_validate({"encoder": {"type": "fs_original", "scaling": 25}})
    assert derived_values(lower(spec)) == ["encoder input 256 px (25% of 1024)"]


def test_render_accepts_set(capsys, spec_file):
    code, out, _ = render(capsys, str(spec_file), "--set", "fc.depth=4", "--set",
                          "output_size=384")
    assert code == 0
    data = yaml.safe_load(out)
    assert (data["fc"]["depth"], data["output_size"]) == (4, 384)
    assert "# --set fc.depth=4" in out


def test_render_invalid_spec_exits_1_with_issues(capsys, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nfc:\n  dept: 2\n")
    code, out, err = render(capsys, str(path))
    assert code == 1
    assert out == ""
    assert f"{path}:3:3 fc.dept" in err
    assert "PHZ101" in err and "did you mean 'depth'?" in err


def test_render_bad_override_exits_1(capsys, spec_file):
    code, _, err = render(capsys, str(spec_file), "--set", "fc.depth")
    assert code == 1
    assert "PHZ009" in err


def test_render_missing_file_exits_1(capsys, tmp_path):
    code, _, err = render(capsys, str(tmp_path / "nope.yaml"))
    assert code == 1
    assert "PHZ001" in err and "Traceback" not in err


def test_render_usage_error_exits_2():
    with pytest.raises(SystemExit) as caught:
        main(["render"])
    assert caught.value.code == 2


@pytest.mark.skipif(not preset_names(), reason="no built-in presets yet")
@pytest.mark.parametrize("preset", preset_names())
def test_every_builtin_preset_renders_back(capsys, tmp_path, preset):
    code, out, _ = render(capsys, preset)
    assert code == 0
    path = tmp_path / "r.yaml"
    path.write_text(out)
    assert load_spec(str(path)).spec == load_spec(preset).spec
