"""Import TensorFlow for a command without the log lines its C++ runtime prints on loading.

TensorFlow's native libraries write a few lines straight to the process's standard error while
they load ("All log messages before absl::InitializeLog() ...", "oneDNN custom operations are
on ...", and, from the full wheel on a machine without an NVIDIA driver, "Could not find cuda
drivers on your machine, GPU will not be used"), before ``TF_CPP_MIN_LOG_LEVEL`` is read, so
the variable cannot silence them. They say nothing about the user's model; why a GPU is not
used is ``phazer doctor``'s to explain. :func:`quiet_tensorflow` imports TensorFlow with file
descriptor 2 sent to a temporary file and writes back every line that is not one of those, so
a real warning or error of the import still shows.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

LOADING_NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called"
    r"|oneDNN custom operations are on"
    r"|This TensorFlow binary is optimized to use available CPU instructions"
    r"|To enable the following instructions:"
    r"|cpu_feature_guard\.cc"
    # the full tensorflow wheel looks for CUDA when it loads; on a machine without an NVIDIA
    # driver (or without a GPU) it says so, although the CPU is all the user has
    r"|Could not find cuda drivers on your machine"
    r"|failed call to cuInit")


def quiet_tensorflow() -> None:
    """Import TensorFlow (once) with its loading noise removed from standard error.

    Also hides TensorFlow's later C++ log messages unless the user set TF_CPP_MIN_LOG_LEVEL:
    real failures raise in Python; what this hides is noise such as a grappler pass that gives
    up on a residual block's graph and logs an "error" although training is unaffected.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().decode(errors="replace").splitlines()
                    if not LOADING_NOISE.search(line)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
