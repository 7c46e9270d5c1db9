"""Same weights, same outputs: every built-in preset on TensorFlow, PyTorch and JAX.

For each preset (its pretrained weights left out, as a model dir's load does), the TensorFlow
run builds the model with seeded random weights and saves them; the PyTorch and JAX runs build
the same model and load that file. Each run feeds the same fixed random batch of one face per
side and keeps every output; the figure is the largest absolute difference of any output from
TensorFlow's (float32; issue 29 asks for <= 1e-5).

Each backend runs in its own process (Keras reads its backend once, at import), as a worker of
this script: ``--worker BACKEND`` builds the presets named and writes their outputs to an npz.
The backends take turns preset by preset, so only one preset's weights are on disk at a time;
the three workers stay alive between presets (one Keras import each).

    python bench/backend_equality.py [--presets demo original ...] [--json OUT]

``tests/test_backend_equality.py`` runs the workers on the presets the CI budget allows.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
BACKENDS = ("tensorflow", "torch", "jax")
REFERENCE = "tensorflow"
TOLERANCE = 1e-5
SEED = 29
RESULTS = REPO / "bench" / "results" / "backend-equality.json"


def faces(shapes: Sequence[tuple[int, ...]], seed: int = SEED) -> list[np.ndarray]:
    """The fixed batch: one random face in [0, 1] per model input (the same on every backend)."""
    rng = np.random.default_rng(seed)
    return [rng.random((1, *shape), dtype=np.float32) for shape in shapes]


def run_preset(name: str, weights: Path, write: bool) -> tuple[dict[str, np.ndarray],
                                                                dict[str, float]]:
    """Build one preset, save (``write``) or load its weights, and run the fixed batch.

    Returns:
        Output name -> float32 array, and the seconds each stage took.
    """
    import keras

    from phazer.compiler import compile_model_ir
    from phazer.spec import load_spec
    from phazer.train.build import build_model
    from phazer.train.swap_models import inference, outputs_numpy

    start = time.perf_counter()
    model_ir = compile_model_ir(load_spec(name).spec).without_pretrained()
    keras.utils.set_random_seed(SEED)
    model = build_model(model_ir)
    built = time.perf_counter()
    if write:
        model.save_weights(weights)
    else:
        model.load_weights(weights)
    weighed = time.perf_counter()
    batch = faces([tuple(int(d) for d in tensor.shape[1:]) for tensor in model.inputs])
    with inference():
        outputs = outputs_numpy(model(batch, training=False))
    done = time.perf_counter()
    keras.backend.clear_session()
    seconds = {"build": built - start, "weights": weighed - built, "predict": done - weighed}
    return dict(zip((str(n) for n in model.output_names), outputs, strict=True)), seconds


def worker(backend: str, out: Path) -> int:
    """Serve presets on one backend: a line ``NAME WEIGHTS`` in, a JSON line out, until EOF.

    The TensorFlow worker writes the weights file, the others read it. Every preset's outputs
    are kept and written to ``out`` (keys ``<preset>/<output>``) at the end.
    """
    if os.environ.get("KERAS_BACKEND") != backend:
        raise SystemExit(f"run the {backend} worker with KERAS_BACKEND={backend}")
    from phazer.cli.tensorflow_import import quiet_tensorflow

    if backend == "tensorflow":
        quiet_tensorflow()
    kept: dict[str, np.ndarray] = {}
    for line in sys.stdin:
        name, weights = line.split()
        outputs, seconds = run_preset(name, Path(weights), write=backend == REFERENCE)
        kept.update({f"{name}/{key}": value for key, value in outputs.items()})
        print(json.dumps({"preset": name, "seconds": seconds}), flush=True)
    np.savez(out, **kept)
    return 0


def available_backends() -> list[str]:
    """The backends installed here (TensorFlow first: it writes the weights)."""
    return [b for b in BACKENDS if importlib.util.find_spec(b) is not None]


def _answer(proc: subprocess.Popen, backend: str, name: str) -> dict[str, float]:
    """A worker's seconds for the preset it was just sent.

    Raises:
        RuntimeError: the worker stopped (its standard error is in the message).
    """
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"the {backend} worker stopped at {name}:\n"
                           f"{proc.communicate()[1][-3000:]}")
    return json.loads(line)["seconds"]


def run_workers(presets: Sequence[str], folder: Path, backends: Sequence[str]
                ) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, dict[str, Any]]]:
    """Run ``presets`` on every backend, taking turns per preset.

    Returns:
        backend -> npz contents (``<preset>/<output>`` -> array), and preset -> backend ->
        seconds per stage.

    Raises:
        RuntimeError: a worker failed (its standard error is in the message).
    """
    procs = {}
    for backend in backends:
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        procs[backend] = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", backend,
             "--out", str(folder / f"{backend}.npz")], cwd=REPO, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timings: dict[str, dict[str, Any]] = {}
    try:
        for name in presets:
            weights = folder / f"{name}.weights.h5"
            timings[name] = {}
            # the reference writes the weights; then the others read them side by side
            for turn in ([REFERENCE], [b for b in backends if b != REFERENCE]):
                for backend in turn:
                    stdin = procs[backend].stdin
                    assert stdin is not None
                    stdin.write(f"{name} {weights}\n")
                    stdin.flush()
                for backend in turn:
                    timings[name][backend] = _answer(procs[backend], backend, name)
            weights.unlink(missing_ok=True)
        results = {}
        for backend, proc in procs.items():
            _, err = proc.communicate(timeout=600)
            if proc.returncode != 0:
                raise RuntimeError(f"the {backend} worker failed:\n{err[-3000:]}")
            with np.load(folder / f"{backend}.npz") as data:
                results[backend] = {key: data[key] for key in data.files}
        return results, timings
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def differences(results: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, float]]:
    """preset -> backend -> the largest absolute difference of any output from the reference.

    Raises:
        AssertionError: a backend gave other outputs (names or shapes) than the reference.
    """
    reference = results[REFERENCE]
    found: dict[str, dict[str, float]] = {}
    for backend, outputs in results.items():
        if backend == REFERENCE:
            continue
        assert sorted(outputs) == sorted(reference), (backend, sorted(outputs))
        for key, value in outputs.items():
            preset = key.split("/", 1)[0]
            assert value.shape == reference[key].shape, (backend, key, value.shape)
            worst = float(np.max(np.abs(value.astype(np.float64) - reference[key])))
            per = found.setdefault(preset, {})
            per[backend] = max(per.get(backend, 0.0), worst)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Check every preset (or those named) and print one line per preset."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presets", nargs="+", help="default: every built-in preset")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"default: {RESULTS}")
    parser.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.out)
    from phazer.spec.presets import preset_names

    presets = args.presets or preset_names()
    backends = available_backends()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="backend-equality-") as folder:
        results, timings = run_workers(presets, Path(folder), backends)
    wall = time.perf_counter() - start
    found = differences(results)
    others = [b for b in backends if b != REFERENCE]
    print(f"{'preset':28s} " + " ".join(f"{b + ' max|diff|':>18s}" for b in others)
          + "  seconds (build+weights+predict per backend)")
    for name in presets:
        cost = "  ".join(f"{b[:2]} {sum(timings[name][b].values()):5.1f}" for b in backends)
        print(f"{name:28s} " + " ".join(f"{found[name][b]:18.2e}" for b in others)
              + f"  {cost}")
    worst = max((v for per in found.values() for v in per.values()), default=0.0)
    print(f"{len(presets)} presets on {', '.join(backends)} in {wall:.0f} s; worst "
          f"{worst:.2e} (tolerance {TOLERANCE:g})")
    args.json.write_text(json.dumps({"backends": backends, "tolerance": TOLERANCE,
                                     "wall_seconds": round(wall, 1), "max_abs_diff": found,
                                     "seconds": timings}, indent=1) + "\n")
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    raise SystemExit(main())
