"""Importing TensorFlow for a command: its loading noise goes, anything else stays."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = ("import sys\n"
          "from phazer.cli.tensorflow_import import quiet_tensorflow\n"
          "quiet_tensorflow()\n"
          "assert 'tensorflow' in sys.modules\n"
          "sys.stderr.write('after the import\\n')\n")


def _run(extra_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    paths = [str(p) for p in (extra_path, REPO) if p is not None]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, check=True)


def test_loading_noise_is_dropped_and_other_lines_kept(tmp_path):
    # a stand-in for TensorFlow that writes like its native libraries: straight to fd 2
    (tmp_path / "tensorflow.py").write_text(
        "import os\n"
        "os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are "
        "written to STDERR\\n')\n"
        "os.write(2, b'I0000 00:00:1.0 1 port.cc:153] oneDNN custom operations are on.\\n')\n"
        # the full wheel's CUDA probe on a machine without an NVIDIA driver or GPU
        "os.write(2, b'I0000 00:00:1.0 1 cudart_stub.cc:31] Could not find cuda drivers on "
        "your machine, GPU will not be used.\\n')\n"
        "os.write(2, b'E0000 00:00:1.0 1 cuda_executor.cc:1309] failed call to cuInit: "
        "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)\\n')\n"
        "os.write(2, b'E0000 something the user must see\\n')\n")
    done = _run(tmp_path)
    assert "absl::InitializeLog" not in done.stderr and "oneDNN" not in done.stderr
    assert "cuda" not in done.stderr.lower()
    assert done.stderr.splitlines() == ["E0000 something the user must see", "after the import"]


@pytest.mark.keras
def test_real_tensorflow_imports_quietly():
    done = _run()
    assert done.stderr.splitlines() == ["after the import"], done.stderr
