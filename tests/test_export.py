"""``phazer export``: each side's swap as a standalone model that reproduces ``phazer swap``.

Every format is exported from a small model dir, loaded back with that format's own loader
(Keras, TensorFlow, onnxruntime: not through phazer) and run next to the model ``phazer swap``
loads, on faces of a folder; the outputs agree to float32 rounding, as the reported figure
says. An export holds one side's path only, and bad input or a failed check writes nothing.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

from phazer.cli.main import main  # noqa: E402
from tests.helpers import TINY_SPEC, run_fresh  # noqa: E402
from tests.model_dirs import make_model_dir  # noqa: E402

HAS_ONNX = all(importlib.util.find_spec(name) for name in ("tf2onnx", "onnxruntime"))
FORMATS = ["keras", pytest.param("saved_model", marks=pytest.mark.slow),
           pytest.param("onnx", marks=[pytest.mark.slow,
                                       pytest.mark.skipif(not HAS_ONNX, reason="no tf2onnx")])]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return make_model_dir(tmp_path_factory.mktemp("export") / "m", TINY_SPEC, seed=5)


FACES = (10, 8)   # per side, seed: the ``faces`` fixture (tests/conftest.py)


def export(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["export", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return code, captured.out, captured.err


def phazer_swap(model_dir: Path, faces: np.ndarray) -> dict[str, np.ndarray]:
    """What phazer swap computes: its model loader, every output for every side."""
    from phazer.train.previews import predict_both
    from phazer.train.swap import load_trained

    model, _ = load_trained(model_dir)
    return predict_both(model, faces)


def run_exported(fmt: str, path: Path, faces: np.ndarray) -> dict[str, np.ndarray]:
    """Run an export with its format's own loader (not phazer's)."""
    if fmt == "keras":
        import keras

        import phazer.emit  # noqa: F401  (its layers, as the export's note says)

        model = keras.saving.load_model(path, safe_mode=True)
        outputs = model(faces)
        outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
        return {str(n): np.asarray(v) for n, v in zip(model.output_names, outputs, strict=True)}
    if fmt == "saved_model":
        import tensorflow as tf

        serve = tf.saved_model.load(str(path)).signatures["serving_default"]
        return {name: np.asarray(v) for name, v in serve(face=tf.constant(faces)).items()}
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    assert [i.name for i in session.get_inputs()] == ["face"]
    return dict(zip(names, session.run(names, {"face": faces}), strict=True))


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_side_s_export_reproduces_phazer_swap(fmt, model_dir, faces, tmp_path, capsys):
    out = tmp_path / "out"
    code, text, _ = export(capsys, "--model-dir", str(model_dir), "-o", str(out), "--format",
                           fmt, "--faces", str(faces / "a"), "--json")
    assert code == 0
    report = json.loads(text)
    suffix = {"keras": ".keras", "saved_model": "", "onnx": ".onnx"}[fmt]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["export.json", f"swap_to_a{suffix}", f"swap_to_b{suffix}"])
    assert json.loads((out / "export.json").read_text())["sides"] == report["sides"]
    assert report["check"]["faces"] == 8 and report["check"]["from"] == str(faces / "a")
    assert 0 <= report["max_abs_diff"] < 1e-5
    from phazer.data.pipeline import load_faces

    batch = np.asarray(load_faces(sorted((faces / "a").iterdir())[:4], 64), np.float32)
    expected = phazer_swap(model_dir, batch)
    for side in "ab":
        got = run_exported(fmt, out / f"swap_to_{side}{suffix}", batch)
        assert list(got) == [f"face_out_{side}"]
        assert got[f"face_out_{side}"].shape == (4, 64, 64, 3)
        np.testing.assert_allclose(got[f"face_out_{side}"], expected[f"face_out_{side}"],
                                   atol=1e-5)
    if fmt == "keras":   # one side's path only: B's export has no decoder_a
        import keras

        import phazer.emit  # noqa: F401

        layers = [layer.name for layer in
                  keras.saving.load_model(out / "swap_to_b.keras").layers]
        assert "decoder_b" in layers and "decoder_a" not in layers
        assert report["keras_custom_objects"] == []
        np.save(tmp_path / "faces.npy", batch)
        np.save(tmp_path / "expected.npy", expected["face_out_b"])
        assert_plain_keras_reproduces(out / "swap_to_b.keras", tmp_path)


def assert_plain_keras_reproduces(path: Path, folder: Path) -> None:
    """Load a .keras export in a fresh interpreter that never imports phazer, and run it."""
    code = ("import numpy as np, keras; "
            f"m = keras.saving.load_model({str(path)!r}, safe_mode=True); "
            f"got = np.asarray(m(np.load({str(folder / 'faces.npy')!r}))); "
            f"want = np.load({str(folder / 'expected.npy')!r}); "
            "print(float(np.abs(got - want).max()))")
    done = run_fresh(code, cwd=folder)
    assert done.returncode == 0, done.stderr[-2000:]
    assert [m for m in done.modules if m.startswith("phazer")] == [], "phazer imported"
    assert float(done.stdout.split()[-1]) < 1e-5


def test_one_side_and_a_learnt_mask(tmp_path, capsys):
    model_dir = make_model_dir(tmp_path / "m", TINY_SPEC, ["decoder.learn_mask=true"])
    out = tmp_path / "out"
    code, text, _ = export(capsys, "--model-dir", str(model_dir), "-o", str(out), "--side",
                           "b")
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["export.json", "swap_to_b.keras"]
    assert "swap_to_b.keras: face 64 px -> face_out_b 64 px, mask_out_b 64 px" in text
    assert "max abs difference to phazer swap 0.00e+00 on 8 synthetic faces" in text
    got = run_exported("keras", out / "swap_to_b.keras", np.zeros((2, 64, 64, 3), np.float32))
    assert sorted(got) == ["face_out_b", "mask_out_b"]
    assert got["mask_out_b"].shape == (2, 64, 64, 1)


def test_an_unknown_side_writes_nothing(model_dir, tmp_path, capsys):
    code, _, err = export(capsys, "--model-dir", str(model_dir), "-o", str(tmp_path / "out"),
                          "--side", "c")
    assert code == 1
    assert "the model has no side 'c'; its sides are a, b" in err and "hint:" in err
    assert not (tmp_path / "out").exists()


def test_an_export_that_does_not_reproduce_the_swap_is_refused(model_dir, tmp_path, capsys,
                                                               monkeypatch):
    from phazer.train import export_formats

    def off_by_a_little(path: Path):
        run = export_formats.load_keras(path)
        return lambda faces: {name: value + 0.01 for name, value in run(faces).items()}

    monkeypatch.setitem(export_formats.LOADERS, "keras", off_by_a_little)
    code, _, err = export(capsys, "--model-dir", str(model_dir), "-o", str(tmp_path / "out"))
    assert code == 1
    assert "differs from phazer's own swap by up to 0.01" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", ["missing model dir", "output not empty", "output a file",
                                  "no faces folder"])
def test_bad_input_is_refused_writing_nothing(case, model_dir, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["--model-dir", str(model_dir), "-o", str(out)]
    if case == "missing model dir":
        args[1] = str(tmp_path / "none")
    elif case == "output not empty":
        out.mkdir()
        (out / "keep.txt").write_text("mine")
    elif case == "output a file":
        out.write_text("mine")
    else:
        args += ["--faces", str(tmp_path / "none")]
    code, _, err = export(capsys, *args)
    assert code == 1
    assert {"missing model dir": "does not exist (no trained model there)",
            "output not empty": "is not empty (it holds keep.txt)",
            "output a file": "is a file",
            "no faces folder": "the faces folder"}[case] in err
    if case == "output not empty":
        assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_onnx_without_its_tools_says_how_to_install_them(model_dir, tmp_path, capsys,
                                                         monkeypatch):
    from phazer.train import transfer_checks

    real = importlib.util.find_spec
    monkeypatch.setattr(transfer_checks.importlib.util, "find_spec",
                        lambda name, *a: None if name == "tf2onnx" else real(name, *a))
    code, _, err = export(capsys, "--model-dir", str(model_dir), "-o", str(tmp_path / "out"),
                          "--format", "onnx")
    assert code == 1
    assert "--format onnx needs tf2onnx, which is not installed" in err
    assert 'pip install "phazer[onnx]"' in err
    assert not (tmp_path / "out").exists()


def test_errors_come_before_tensorflow_is_imported(model_dir, tmp_path):
    code = ("from phazer.cli.main import main; "
            f"assert main(['export', '--model-dir', {str(tmp_path / 'none')!r}, '-o', "
            f"{str(tmp_path / 'out')!r}]) == 1; "
            f"assert main(['transfer', {str(model_dir)!r}, {TINY_SPEC!r}, '-o', "
            f"{str(model_dir)!r}]) == 1; "
            f"assert main(['transfer', {str(model_dir)!r}, {TINY_SPEC!r}, '-o', "
            f"{str(tmp_path / 'new')!r}, '--set', 'bottleneck.size=0']) == 1")
    done = run_fresh(code)
    assert done.returncode == 0, done.stderr
    assert done.loaded("tensorflow") == [], "tensorflow imported"
    assert "does not exist" in done.stderr and "is not empty" in done.stderr
    assert "error[PHZ104]" in done.stderr


@pytest.mark.slow
@pytest.mark.skipif(not HAS_ONNX, reason="no tf2onnx")
def test_the_converter_s_logged_tracebacks_become_one_note(model_dir, tmp_path, capsys,
                                                          monkeypatch):
    import logging

    import tf2onnx

    real = tf2onnx.convert.from_keras

    def noisy(*args, **kwargs):
        try:
            max(())
        except ValueError:     # as tf2onnx's transpose optimiser does on some graphs
            logging.getLogger("tf2onnx.optimizer").warning("Failed to apply optimize_transpose",
                                                           exc_info=True)
        return real(*args, **kwargs)

    monkeypatch.setattr(tf2onnx.convert, "from_keras", noisy)
    code, out, err = export(capsys, "--model-dir", str(model_dir), "-o", str(tmp_path / "o"),
                            "--format", "onnx", "--side", "a")
    assert code == 0
    assert "note: tf2onnx: Failed to apply optimize_transpose" in out
    assert "ValueError" not in err + out


def test_the_command_offers_every_format_the_exporter_writes():
    from phazer.cli import export as command
    from phazer.train import export_formats

    assert command.FORMATS == export_formats.FORMATS == tuple(export_formats.WRITERS) \
        == tuple(export_formats.LOADERS)


@pytest.mark.parametrize(("sets", "custom"), [
    (["convolutions.icnr_init=true", "convolutions.conv_aware_init=true"], []),
    (["decoder.norm=instance"], ["InstanceNormalization"])])
def test_keras_files_need_phazer_only_for_its_own_layers(sets, custom, tmp_path, capsys):
    model_dir = make_model_dir(tmp_path / "m", TINY_SPEC, sets)
    code, text, _ = export(capsys, "--model-dir", str(model_dir), "-o", str(tmp_path / "o"),
                           "--side", "a")
    assert code == 0
    assert "max abs difference to phazer swap 0.00e+00" in text
    from phazer.train.export_formats import custom_objects

    assert custom_objects(tmp_path / "o" / "swap_to_a.keras") == custom
    if custom:
        assert f"use phazer's layers ({custom[0]}): load them after `import phazer.emit`" in text
    else:
        assert "plain Keras loads them" in text


def test_a_model_that_cannot_be_rewritten_is_saved_as_it_is(model_dir, tmp_path, capsys,
                                                            monkeypatch):
    from phazer.train import export_formats

    def refuse(model):
        raise ValueError("no fixed size")

    monkeypatch.setattr(export_formats, "plain_keras", refuse)
    code, text, _ = export(capsys, "--model-dir", str(model_dir), "-o", str(tmp_path / "o"),
                           "--side", "b")
    assert code == 0
    assert "note: kept phazer's layers in swap_to_b (ValueError: no fixed size)" in text
    assert export_formats.custom_objects(tmp_path / "o" / "swap_to_b.keras") == ["PixelShuffle"]
