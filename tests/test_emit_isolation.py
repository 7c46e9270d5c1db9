"""Only ``phazer.emit`` (and ``phazer.train``, and the ``tf.data`` pipeline in
``phazer.data.pipeline`` / ``phazer.data.augment`` / ``phazer.data.warp_stop``) may import
Keras/TensorFlow."""

from __future__ import annotations

import subprocess
import sys
import textwrap

_CHECK = textwrap.dedent("""
    import importlib, pathlib, sys
    import phazer
    root = pathlib.Path(phazer.__file__).parent
    failed = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[0] in ("emit", "train") or parts[-1] == "__main__":
            continue
        if parts in (("data", "pipeline"), ("data", "augment"), ("data", "warp_stop")):
            continue
        name = ".".join(("phazer", *parts)).removesuffix(".__init__")
        try:
            importlib.import_module(name)
        except Exception:  # someone else's module failing to import is not this check
            failed.append(name)
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("keras", "tensorflow"))
        if loaded:
            sys.exit(f"importing {name} loaded {loaded[:3]}")
    print("ok", failed)
""")


def test_nothing_outside_emit_imports_keras() -> None:
    result = subprocess.run([sys.executable, "-c", _CHECK], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr or result.stdout
    assert result.stdout.startswith("ok")
