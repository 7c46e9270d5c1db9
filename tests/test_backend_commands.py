"""``--backend`` for compile, ``summary --keras``, swap and export, on TensorFlow, torch and jax.

Keras reads its backend once per process, so each of torch and jax gets one fresh interpreter
that runs the four commands through ``phazer.cli.main`` (one Keras import for all of them);
this process, on TensorFlow, then checks what they wrote against its own run: the swapped faces,
the compiled ``.keras`` file and the exported swap load and compute the same here. A backend
that is not installed skips, saying so. The choice itself (conflicts, the saved spec's backend
as a default, formats only TensorFlow writes) is checked here without building any model.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phazer.cli.main import main
from tests.helpers import TINY_SPEC, run_fresh

pytestmark = pytest.mark.keras

FACES = (4, 3)   # per side, seed: the ``faces`` fixture (tests/conftest.py)

# Runs the commands of one backend in one interpreter; prints their codes and outputs as JSON.
_SCRIPT = """
import contextlib, io, json, os, sys
from phazer.cli.main import main

runs = {}
for name, argv in json.loads(sys.argv[1]):
    os.environ.pop("KERAS_BACKEND", None)   # as in a new process: the last command set it
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    runs[name] = {"code": code, "out": out.getvalue(), "err": err.getvalue(),
                  "tensorflow": "tensorflow" in sys.modules}
print("@@runs " + json.dumps(runs))
"""


def _installed(backend: str) -> None:
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"the {backend} backend is not installed here "
                    f"(pip install \"phazer[{backend}]\")")


def _run_commands(backend: str, commands: list[tuple[str, list[str]]], tmp: Path
                  ) -> dict[str, dict]:
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["COLUMNS"] = "400"
    done = run_fresh(_SCRIPT, json.dumps(commands), cwd=tmp, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = json.loads(done.stdout.split("@@runs ", 1)[1])
    for name, run in runs.items():
        assert "Traceback" not in run["err"] and "internal error" not in run["err"], (name, run)
    return runs


def _pixels(folder: Path) -> dict[str, np.ndarray]:
    return {path.name: np.asarray(Image.open(path), np.int16)
            for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory) -> dict[str, Path]:
    """A model dir per backend whose spec.yaml says it trained there (weights from TensorFlow)."""
    from tests.model_dirs import make_model_dir

    root = tmp_path_factory.mktemp("backend-commands")
    return {backend: make_model_dir(root / backend, TINY_SPEC,
                                    [f"training.backend={backend}"], seed=3)
            for backend in ("torch", "jax")}


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_the_commands_run_on_the_backend_and_agree_with_tensorflow(backend, model_dirs, faces,
                                                                     tmp_path, capsys,
                                                                     monkeypatch):
    _installed(backend)
    model_dir = model_dirs[backend]
    commands = [
        ("swap", ["swap", "--model-dir", str(model_dir), "--input", str(faces / "a"),
                  "--output", str(tmp_path / "swapped")]),
        ("summary", ["summary", TINY_SPEC, "--keras", "--backend", backend]),
        ("compile", ["compile", TINY_SPEC, "-o", str(tmp_path / "tiny.keras"), "--set",
                     f"training.backend={backend}"]),
        ("export", ["export", "--model-dir", str(model_dir), "-o", str(tmp_path / "export"),
                    "--json"]),
        ("saved_model", ["export", "--model-dir", str(model_dir), "-o",
                         str(tmp_path / "refused"), "--format", "saved_model", "--backend",
                         backend]),
    ]
    runs = _run_commands(backend, commands, tmp_path)
    spec_file = model_dir / "spec.yaml"

    swap = runs["swap"]   # the saved spec's backend is the default, and TensorFlow stays out
    assert swap["code"] == 0, swap
    assert (f"wrote 4 swapped faces to {tmp_path / 'swapped'} with the {backend} backend "
            f"(training.backend of {spec_file})") in swap["out"]
    assert swap["tensorflow"] is False
    summary = runs["summary"]
    assert summary["code"] == 0, summary
    assert "(matches)" in summary["out"]
    assert f"Keras model built on {backend} (--backend)" in summary["out"]
    compiled = runs["compile"]
    assert compiled["code"] == 0, compiled
    assert (f"(matches the plan), built on {backend} (training.backend of {TINY_SPEC})"
            in compiled["out"])
    exported = runs["export"]
    assert exported["code"] == 0, exported
    report = json.loads(exported["out"])
    assert report["converter"].endswith(f"({backend} backend)")
    assert report["max_abs_diff"] < 1e-5
    refused = runs["saved_model"]
    assert refused["code"] == 1
    assert (f"phazer export: error: --format saved_model is written on tensorflow only, not "
            f"on {backend}") in refused["err"]
    assert "hint: pass --backend tensorflow (the weights are the same" in refused["err"]
    assert not (tmp_path / "refused").exists()

    # TensorFlow, here: --backend overrides the saved spec's backend without an error
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert main(["swap", "--model-dir", str(model_dir), "--input", str(faces / "a"),
                 "--output", str(tmp_path / "swapped-tf"), "--backend", "tensorflow"]) == 0
    assert "with the tensorflow backend (--backend)" in capsys.readouterr().out
    ours, theirs = _pixels(tmp_path / "swapped-tf"), _pixels(tmp_path / "swapped")
    assert list(ours) == list(theirs)
    assert max(int(np.abs(ours[n] - theirs[n]).max()) for n in ours) <= 1   # float rounding

    import keras

    import phazer.emit  # noqa: F401  (phazer's layers)
    from phazer.data.face_loading import load_faces
    from phazer.train.swap import load_trained
    from phazer.train.swap_models import predict_both

    model = keras.saving.load_model(tmp_path / "tiny.keras", safe_mode=True)
    assert model.count_params() == int(compiled["out"].split("parameters")[0].split()[-1]
                                       .replace(",", ""))
    batch = np.asarray(load_faces(sorted((faces / "a").iterdir()), 64), np.float32)
    expected = predict_both(load_trained(model_dir)[0], batch)
    swap_to_b = keras.saving.load_model(tmp_path / "export" / "swap_to_b.keras",
                                        safe_mode=True)
    got = np.asarray(swap_to_b(batch))
    assert float(np.abs(got - expected["face_out_b"]).max()) < 1e-5


def test_keras_backend_overrides_the_saved_backend_too(model_dirs, faces, tmp_path, capsys,
                                                       monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")   # the model dir says torch
    assert main(["swap", "--model-dir", str(model_dirs["torch"]), "--input", str(faces / "a"),
                 "--output", str(tmp_path / "out")]) == 0
    assert "with the tensorflow backend (KERAS_BACKEND)" in capsys.readouterr().out


def test_a_saved_backend_that_is_not_installed_names_backend_and_the_install(
        model_dirs, faces, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setattr("phazer.cli.model_dir_backend.backend_installed",
                        lambda name: name == "tensorflow")
    out = tmp_path / "out"
    assert main(["swap", "--model-dir", str(model_dirs["torch"]), "--input", str(faces / "a"),
                 "--output", str(out)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    spec_file = model_dirs["torch"] / "spec.yaml"
    assert (f"phazer swap: error: the model was trained on torch (training.backend of "
            f"{spec_file}), which is not installed here") in err
    assert "hint: pass --backend with an installed backend (the weights are the same" in err
    assert 'pip install "phazer[torch]"' in err
    assert not out.exists()


def test_a_tensorflow_only_format_takes_tensorflow_over_the_saved_backend(monkeypatch,
                                                                          tmp_path):
    import io

    from rich.console import Console

    from phazer.cli.model_dir_backend import start_model_dir_backend

    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    said = io.StringIO()
    choice = start_model_dir_backend(None, "torch", "export", Console(file=said, width=400),
                                     tmp_path / "spec.yaml", ("tensorflow",),
                                     "--format onnx")
    assert choice is not None and choice.describe() == "tensorflow (default)"
    assert (f"note: training.backend of {tmp_path / 'spec.yaml'} is torch, but --format onnx "
            "is written on tensorflow only: using tensorflow (the weights are the same on "
            "every backend)") in said.getvalue()


@pytest.mark.parametrize(("argv", "env", "expected"), [
    (["--backend", "torch"], "jax", "--backend says torch, KERAS_BACKEND says jax"),
    (["--backend", "torch", "--set", "training.backend=jax"], None,
     f"training.backend of {TINY_SPEC} says jax, --backend says torch"),
])
def test_compile_refuses_two_backends_before_building(argv, env, expected, tmp_path, capsys,
                                                      monkeypatch):
    if env is None:
        monkeypatch.delenv("KERAS_BACKEND", raising=False)
    else:
        monkeypatch.setenv("KERAS_BACKEND", env)
    out = tmp_path / "m.keras"
    assert main(["compile", TINY_SPEC, "-o", str(out), *argv]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"phazer compile: error: the backend is named twice, differently: {expected}" in err
    assert "hint:" in err and not out.exists()


def test_summary_without_keras_builds_nothing_whatever_the_backend(capsys, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")   # not activated: no Keras model is built
    assert main(["summary", TINY_SPEC, "--backend", "torch"]) == 0
    assert "Keras model built" not in capsys.readouterr().out
