"""`phazer new OUT --from PRESET`: copy a preset with comments, atomically, never clobbering."""

from __future__ import annotations

import pytest

from phazer.cli.main import main
from phazer.spec import load_spec
from phazer.spec.presets import preset_names
from phazer.spec.text_edit import set_top_level_scalar

ALPHA = """\
# alpha: a test preset
# (this comment must survive the copy)
phazer: 1
name: alpha   # the model's name
output_size: 256
encoder:
  type: efficientnet_b4
  scaling: 60       # a 224 px input
"""


@pytest.fixture
def preset_dir(builtin_presets):
    return builtin_presets({"alpha.yaml": ALPHA,
                            "noname.yaml": "# no name here\nphazer: 1\noutput_size: 64\n"})


def test_copies_text_and_sets_name(capsys, tmp_path, preset_dir):
    out = tmp_path / "my-model.yaml"
    assert main(["new", str(out), "--from", "alpha"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert out.read_text() == ALPHA.replace("name: alpha ", "name: my-model ")
    spec = load_spec(str(out)).spec
    assert (spec.name, spec.output_size, spec.encoder.scaling) == ("my-model", 256, 60)


def test_adds_a_missing_name_after_the_version(tmp_path, preset_dir):
    out = tmp_path / "mine.yaml"
    assert main(["new", str(out), "--from", "noname"]) == 0
    assert out.read_text() == "# no name here\nphazer: 1\nname: mine\noutput_size: 64\n"


def test_refuses_to_overwrite(capsys, tmp_path, preset_dir):
    out = tmp_path / "my.yaml"
    out.write_text("precious: true\n")
    assert main(["new", str(out), "--from", "alpha"]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert out.read_text() == "precious: true\n"


def test_force_overwrites_and_keeps_permissions(tmp_path, preset_dir):
    out = tmp_path / "my.yaml"
    out.write_text("old: true\n")
    out.chmod(0o640)
    assert main(["new", str(out), "--from", "alpha", "--force"]) == 0
    assert load_spec(str(out)).spec.name == "my"
    assert out.stat().st_mode & 0o777 == 0o640


def test_unknown_preset_suggests(capsys, tmp_path, preset_dir):
    out = tmp_path / "my.yaml"
    assert main(["new", str(out), "--from", "alpah"]) == 1
    err = capsys.readouterr().err
    assert "no built-in preset named 'alpah'" in err
    assert "did you mean 'alpha'?" in err
    assert not out.exists()


def test_output_is_a_directory(capsys, tmp_path, preset_dir):
    assert main(["new", str(tmp_path), "--from", "alpha"]) == 1
    assert "directory" in capsys.readouterr().err


def test_missing_folder(capsys, tmp_path, preset_dir):
    assert main(["new", str(tmp_path / "no" / "my.yaml"), "--from", "alpha"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_missing_from_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as caught:
        main(["new", str(tmp_path / "my.yaml")])
    assert caught.value.code == 2


def test_write_is_atomic(tmp_path, preset_dir, disk_full):
    out = tmp_path / "my.yaml"
    out.write_text("old: true\n")
    assert main(["new", str(out), "--from", "alpha", "--force"]) == 1
    assert out.read_text() == "old: true\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["builtin", "my.yaml"]


def test_no_temp_files_left(tmp_path, preset_dir):
    assert main(["new", str(tmp_path / "a.yaml"), "--from", "alpha"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "builtin"]


@pytest.mark.parametrize(("stem", "written"), [("yes", "'yes'"), ("123", "'123'"),
                                                 ("a b", "a b"), ("x: y", "'x: y'")])
def test_names_that_need_quotes(stem, written):
    text = set_top_level_scalar("phazer: 1\nname: old  # c\n", "name", stem)
    assert text == f"phazer: 1\nname: {written}  # c\n"


def test_set_scalar_keeps_everything_else():
    text = "# head\n\nname:\nfc:\n  name: inner\n"
    assert set_top_level_scalar(text, "name", "top") == "# head\n\nname: top\nfc:\n  name: inner\n"


@pytest.mark.skipif(not preset_names(), reason="no built-in presets yet")
@pytest.mark.parametrize("preset", preset_names())
def test_every_builtin_preset_copies(tmp_path, preset):
    out = tmp_path / "copy.yaml"
    assert main(["new", str(out), "--from", preset]) == 0
    copied = load_spec(str(out)).spec
    original = load_spec(preset).spec
    assert copied.name == "copy"
    assert copied.model_copy(update={"name": original.name}) == original
