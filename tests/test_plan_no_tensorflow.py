"""The plan (and `phazer summary` without --keras) never imports TensorFlow or Keras."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def test_summarizing_a_keras_encoder_preset_imports_no_tensorflow():
    result = _run("import sys, json; from phazer.plan.summary import summarize; "
                  "s = summarize('stojo'); "
                  "print(json.dumps([s.figures.total_params, "
                  "[m for m in ('tensorflow', 'keras') if m in sys.modules]]))")
    assert result.returncode == 0, result.stderr
    total, loaded = json.loads(result.stdout)
    assert total == 217_495_042  # faceswap's figure (tests/data/phaze-a/reference.json)
    assert loaded == []


def test_summary_cli_json_imports_no_tensorflow():
    result = _run("import sys, runpy; sys.argv = ['phazer', 'summary', 'stojo', '--json']; "
                  "from phazer.cli.main import main; code = main(); "
                  "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules; "
                  "sys.exit(code)")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_params"] == 217_495_042


def test_summarizing_a_clip_encoder_preset_imports_no_tensorflow():
    result = _run("import sys, json; from phazer.plan.summary import summarize; "
                  "from phazer.plan.memory import estimate_memory; "
                  "from phazer.plan.memory_settings import MemorySettings; "
                  "s = summarize('clipfaker448'); "
                  "memory = estimate_memory(s.model, MemorySettings(batch_size=4)); "
                  "print(json.dumps([s.figures.total_params, memory.total > 0, "
                  "[m for m in ('tensorflow', 'keras', 'h5py') if m in sys.modules]]))")
    assert result.returncode == 0, result.stderr
    total, has_memory, loaded = json.loads(result.stdout)
    assert total == 285_805_830  # faceswap's figure (tests/data/phaze-a/reference.json)
    assert has_memory and loaded == []
