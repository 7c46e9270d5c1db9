"""The plan (and `phazer summary` without --keras) never imports TensorFlow or Keras."""

from __future__ import annotations

import json

from tests.helpers import run_cli_fresh, run_fresh


def test_summarizing_a_keras_encoder_preset_imports_no_tensorflow():
    result = run_fresh("import json; from phazer.pipeline.summary import summarize; "
                       "print(json.dumps(summarize('stojo').figures.total_params))")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == 217_495_042  # faceswap's (tests/data/phaze-a/...)
    assert result.loaded() == []


def test_summary_cli_json_imports_no_tensorflow():
    result = run_cli_fresh("summary", "stojo", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_params"] == 217_495_042
    assert result.loaded() == []


def test_summarizing_a_clip_encoder_preset_imports_no_tensorflow():
    result = run_fresh("import json; from phazer.pipeline.summary import summarize; "
                       "from phazer.plan.memory import estimate_memory; "
                       "from phazer.plan.memory_settings import MemorySettings; "
                       "s = summarize('clipfaker448'); "
                       "memory = estimate_memory(s.model, MemorySettings(batch_size=4)); "
                       "print(json.dumps([s.figures.total_params, memory.total > 0]))")
    assert result.returncode == 0, result.stderr
    total, has_memory = json.loads(result.stdout)
    assert total == 285_805_830  # faceswap's figure (tests/data/phaze-a/reference.json)
    assert has_memory and result.loaded("tensorflow", "keras", "h5py") == []
