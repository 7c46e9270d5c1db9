"""``phazer import-faceswap``: exit codes, what is printed, what is (not) written, and how."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from phazer.cli.main import main
from phazer.fileio import atomic_write_text
from phazer.spec import load_spec
from phazer.spec.dump import spec_to_data

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "faceswap-presets"
STOJO = DATA / "model_phaze_a_stojo_preset.json"
CLIP = DATA / "model_phaze_a_clipfaker256_preset.json"
INI = DATA / "example-train.ini"


def rejected_preset(folder: Path) -> Path:
    """A preset faceswap accepts and phazer rejects: an even output kernel."""
    data = json.loads(STOJO.read_text()) | {"dec_output_kernel": 4}
    path = folder / "even_kernel.json"
    path.write_text(json.dumps(data))
    return path


def run(*args: str | Path) -> int:
    return main(["import-faceswap", *(str(a) for a in args)])


def values(path: Path | str) -> dict:
    data = spec_to_data(load_spec(str(path)).spec)
    return {k: v for k, v in data.items() if k not in ("name", "description", "tagline", "use")}


def test_imports_a_preset(tmp_path, capsys):
    out = tmp_path / "stojo.yaml"
    assert run(STOJO, "-o", out) == 0
    printed = capsys.readouterr().out
    assert "info[PHZ404] fs_original_depth = 4 dropped" in printed
    assert f"wrote {out}" in printed
    text = out.read_text()
    assert text.startswith("# Imported by `phazer import-faceswap` from ")
    assert STOJO.name in text.splitlines()[0]
    assert values(out) == values("stojo")
    assert load_spec(str(out)).spec.name == "stojo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stojo.yaml"]  # no temp file left


def test_imports_a_train_ini_with_a_name(tmp_path):
    out = tmp_path / "mine.yaml"
    assert run(INI, "-o", out, "--name", "my-model") == 0
    spec = load_spec(str(out)).spec
    assert spec.name == "my-model"
    assert spec.encoder.type == "fs_original" and spec.encoder.alt is True
    assert spec.decoder.learn_mask is False


def test_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "spec.yaml"
    out.write_text("keep me\n")
    assert run(STOJO, "-o", out) == 1
    printed = capsys.readouterr().out
    assert "already exists" in printed and "--force" in printed
    assert out.read_text() == "keep me\n"
    assert run(STOJO, "-o", out, "--force") == 0
    assert values(out) == values("stojo")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_rejected_preset_exits_1_and_writes_nothing(tmp_path, capsys):
    source = rejected_preset(tmp_path)
    out = tmp_path / "spec.yaml"
    assert run(source, "-o", out) == 1
    printed = capsys.readouterr().out
    assert "error[PHZ405]" in printed and "dec_output_kernel" in printed
    assert "nothing written" in printed
    assert list(tmp_path.iterdir()) == [source]


def test_clip_preset_imports(tmp_path):
    out = tmp_path / "clip.yaml"
    assert run(CLIP, "-o", out) == 0
    assert values(out) == values("clipfaker256")


def test_error_keeps_an_existing_file_even_with_force(tmp_path):
    out = tmp_path / "spec.yaml"
    out.write_text("keep me\n")
    assert run(rejected_preset(tmp_path), "-o", out, "--force") == 1
    assert out.read_text() == "keep me\n"


@pytest.mark.parametrize(("content", "name", "expected"), [
    ('{"output_size": 128,', "broken.json", "is not valid JSON"),
    (json.dumps({"__section": "train|model|dfaker", "output_size": 128}), "dfaker.json",
     "not for Phaze-A"),
    (INI.read_text().replace("learn_mask = False", "learn_mask = sometimes"), "train.ini",
     "'sometimes' is not a boolean"),
    (INI.read_text().replace("dec_output_kernel = 7", "dec_output_kernel = 4"), "train.ini",
     "dec_output_kernel = 4 is accepted by faceswap but not by phazer"),
])
def test_bad_input_exits_1_with_a_clear_message(tmp_path, capsys, content, name, expected):
    source = tmp_path / name
    source.write_text(content)
    out = tmp_path / "out.yaml"
    assert run(source, "-o", out) == 1
    assert expected in capsys.readouterr().out
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_missing_file_exits_1(tmp_path, capsys):
    assert run(tmp_path / "nowhere.json", "-o", tmp_path / "out.yaml") == 1
    assert "no such file" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_output_folder_must_exist(tmp_path, capsys):
    assert run(STOJO, "-o", tmp_path / "missing" / "out.yaml") == 1
    assert "does not exist" in capsys.readouterr().out


def test_output_must_not_be_a_directory(tmp_path, capsys):
    assert run(STOJO, "-o", tmp_path) == 1
    assert "is a directory" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [[], ["x.json"], ["-o", "out.yaml"], ["x.json", "-o"],
                                  ["x.json", "-o", "y.yaml", "--bogus"]])
def test_usage_errors_exit_2(argv):
    with pytest.raises(SystemExit) as exc:
        main(["import-faceswap", *argv])
    assert exc.value.code == 2


def test_failed_write_leaves_no_temp_file_and_keeps_the_old_file(tmp_path, disk_full, capsys):
    out = tmp_path / "spec.yaml"
    out.write_text("old\n")
    assert run(STOJO, "-o", out, "--force") == 1
    assert "cannot write" in capsys.readouterr().out
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_atomic_write_goes_through_a_temp_file_in_the_same_folder(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((Path(src), Path(dst)))
        assert Path(src).read_text() == "text\n"
        assert not Path(dst).exists()
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    target = tmp_path / "a.yaml"
    atomic_write_text(target, "text\n")
    [(src, dst)] = seen
    assert src.parent == tmp_path and src != target and dst == target
    assert target.read_text() == "text\n"
    assert list(tmp_path.iterdir()) == [target]


def test_written_file_gets_normal_permissions(tmp_path):
    out = tmp_path / "stojo.yaml"
    assert run(STOJO, "-o", out) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def _subprocess(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "phazer", "import-faceswap",
                           *(str(a) for a in args)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_python_m_phazer_import_faceswap(tmp_path):
    done = _subprocess(STOJO, "-o", "stojo.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "wrote stojo.yaml" in done.stdout
    assert values(tmp_path / "stojo.yaml") == values("stojo")

    again = _subprocess(STOJO, "-o", "stojo.yaml", cwd=tmp_path)
    assert again.returncode == 1 and "already exists" in again.stdout

    bad = _subprocess(rejected_preset(tmp_path), "-o", "bad.yaml", cwd=tmp_path)
    assert bad.returncode == 1 and not (tmp_path / "bad.yaml").exists()

    usage = _subprocess(cwd=tmp_path)
    assert usage.returncode == 2 and "usage:" in usage.stderr
