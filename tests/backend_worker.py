"""Run models on one Keras backend, for the checks that the three backends compute the same.

Keras reads its backend once per process, so each backend is a worker process running this
module (``python -m tests.backend_worker BACKEND OUT.npz``). It reads one item per line from
its standard input, ``KIND:NAME WEIGHTS``, and answers each with a JSON line of timings:

- ``preset:NAME``: a built-in preset, its pretrained weights left out (as a model dir's load
  does);
- ``preset64:NAME`` (the reference only): the same weights (the float32 model's) in float64,
  every layer and the batch: the exact outputs that float32 rounds (Keras' ``var`` and
  ``mean`` compute float64 in float32 on torch and JAX, so only TensorFlow's float64 is exact);
- ``op:CASE``: one op kind's case of ``tests/test_emit_conformance.py`` (every op kind, every
  initializer), as a one-op sub-model; its freshly initialised weights are kept too.

The reference worker (TensorFlow) builds each model with seeded random weights and saves them
to ``WEIGHTS``; the others build the same model and load that file. Every worker runs the same
fixed random batch (one example per input) and, at the end of its input, writes every output
to ``OUT.npz`` as ``<item>/<output>`` (and ``<item>/initial/<weight>`` for op cases).

:func:`run_workers` drives the three processes: TensorFlow runs ahead (writing weights) while
the others follow one item behind, and a weights file is deleted once every backend read it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
BACKENDS = ("tensorflow", "torch", "jax")
REFERENCE = "tensorflow"
SEED = 29
LOOKAHEAD = 2          # items the reference may run ahead of the others (weights on disk)
ANSWER_TIMEOUT = 1800  # seconds one item may take on one backend


def fixed_batch(shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """One random example in [0, 1] per model input, the same on every backend."""
    rng = np.random.default_rng(SEED)
    return [rng.random((1, *shape), dtype=np.float32) for shape in shapes]


def build(item: str) -> Any:
    """The Keras model of an item (``preset:NAME`` or ``op:CASE``), freshly initialised."""
    kind, name = item.split(":", 1)
    if kind in ("preset", "preset64"):
        from phazer.compiler import compile_model_ir
        from phazer.spec import load_spec
        from phazer.train.build import build_model

        model_ir = compile_model_ir(load_spec(name).spec).without_pretrained()
        return build_model(model_ir, "float64" if kind == "preset64" else "float32")
    from phazer.emit import emit_submodel
    from phazer.ir.graph import SubModelBuilder
    from tests.test_emit_conformance import CASES

    case = {case_id: (op_kind, builder) for case_id, op_kind, builder in CASES}[name]
    sub = SubModelBuilder(f"case_{case[0]}")
    return emit_submodel(sub.build(case[1](sub)))


def run_item(item: str, weights: Path, write: bool) -> tuple[dict[str, np.ndarray],
                                                             dict[str, float]]:
    """Build one item, save (``write``) or load its weights, and run the fixed batch.

    Returns:
        ``<item>/<name>`` -> array (outputs; an op case's initial weights too), and the
        seconds each stage took.
    """
    import keras

    from phazer.train.swap_models import inference, outputs_numpy

    start = time.perf_counter()
    float64 = item.startswith("preset64:")
    if float64 and write:         # the float32 model's weights, which the float64 one loads
        run_item(item.replace("preset64:", "preset:", 1), weights, write=True)
        write = False
    keras.utils.set_random_seed(SEED)
    keras.config.set_floatx("float64" if float64 else "float32")
    model = build(item)
    kept: dict[str, np.ndarray] = {}
    if item.startswith("op:"):
        kept.update({f"{item}/initial/{w.path}": keras.ops.convert_to_numpy(w.value)
                     for w in model.weights})
    built = time.perf_counter()
    if write:
        model.save_weights(weights)
    else:
        model.load_weights(weights)
    loaded = time.perf_counter()
    batch = fixed_batch([tuple(int(d) for d in tensor.shape[1:]) for tensor in model.inputs])
    if float64:
        batch = [array.astype(np.float64) for array in batch]
    with inference():
        outputs = outputs_numpy(model(batch if len(batch) > 1 else batch[0], training=False))
    done = time.perf_counter()
    names = [str(name) for name in model.output_names]
    kept.update({f"{item}/{name}": value for name, value in zip(names, outputs, strict=True)})
    keras.backend.clear_session()
    return kept, {"build": built - start, "weights": loaded - built, "predict": done - loaded}


def serve(backend: str, out: Path) -> int:
    """The worker: items from standard input until it closes, then every result to ``out``."""
    if os.environ.get("KERAS_BACKEND") != backend:
        raise SystemExit(f"run the {backend} worker with KERAS_BACKEND={backend}")
    from phazer.cli.tensorflow_import import quiet_tensorflow

    if backend == "tensorflow":
        quiet_tensorflow()
    kept: dict[str, np.ndarray] = {}
    for line in sys.stdin:
        item, weights = line.split()
        results, seconds = run_item(item, Path(weights), write=backend == REFERENCE)
        kept.update(results)
        print(json.dumps({"item": item, "seconds": seconds}), flush=True)
    np.savez(out, **kept)
    return 0


def installed_backends() -> list[str]:
    """The backends whose package is installed here, the reference first."""
    return [b for b in BACKENDS if importlib.util.find_spec(b) is not None]


class _Worker:
    """One worker process, its answers collected by a thread."""

    def __init__(self, backend: str, folder: Path) -> None:
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        self.backend = backend
        self.out = folder / f"{backend}.npz"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.backend_worker", backend, str(self.out)], cwd=REPO,
            env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        self.answers: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.answers.put(line)
        self.answers.put("")

    def send(self, item: str, weights: Path) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{item} {weights}\n")
        self.proc.stdin.flush()

    def answer(self, item: str) -> dict[str, float]:
        """The seconds of ``item`` (the next answer).

        Raises:
            RuntimeError: the worker stopped (its standard error is in the message).
        """
        line = self.answers.get(timeout=ANSWER_TIMEOUT)
        if not line:
            self.proc.wait()
            assert self.proc.stderr is not None
            raise RuntimeError(f"the {self.backend} worker stopped at {item}:\n"
                               f"{self.proc.stderr.read()[-4000:]}")
        answer = json.loads(line)
        assert answer["item"] == item, (answer, item)
        return answer["seconds"]

    def results(self) -> dict[str, np.ndarray]:
        """Close its input and read what it wrote."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        if self.proc.wait(timeout=ANSWER_TIMEOUT) != 0:
            assert self.proc.stderr is not None
            raise RuntimeError(f"the {self.backend} worker failed:\n"
                               f"{self.proc.stderr.read()[-4000:]}")
        with np.load(self.out) as data:
            return {key: data[key] for key in data.files}


def run_workers(items: Sequence[str], folder: Path, backends: Sequence[str]
                ) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, dict[str, Any]]]:
    """Run ``items`` on every backend (the reference first in ``backends``).

    Returns:
        backend -> ``<item>/<name>`` -> array, and item -> backend -> seconds per stage.

    Raises:
        RuntimeError: a worker failed.
    """
    workers = {backend: _Worker(backend, folder) for backend in backends}
    reference, others = workers[backends[0]], [workers[b] for b in backends[1:]]
    weights = {item: folder / f"{i:03d}.weights.h5" for i, item in enumerate(items)}
    timings: dict[str, dict[str, Any]] = {item: {} for item in items}
    sent = 0
    try:
        for i, item in enumerate(items):
            while sent < min(len(items), i + LOOKAHEAD):
                reference.send(items[sent], weights[items[sent]])
                sent += 1
            timings[item][reference.backend] = reference.answer(item)
            for worker in others:
                worker.send(item, weights[item])
            if i:
                _collect(others, items[i - 1], weights, timings)
        if items:
            _collect(others, items[-1], weights, timings)
        return {backend: worker.results() for backend, worker in workers.items()}, timings
    finally:
        for worker in workers.values():
            if worker.proc.poll() is None:
                worker.proc.kill()
                worker.proc.wait()


def _collect(others: Sequence[_Worker], item: str, weights: dict[str, Path],
             timings: dict[str, dict[str, Any]]) -> None:
    for worker in others:
        timings[item][worker.backend] = worker.answer(item)
    weights[item].unlink(missing_ok=True)


def differences(results: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, float]]:
    """item -> backend -> the largest absolute difference of any output from the reference.

    Raises:
        AssertionError: a backend gave other outputs (names or shapes) than the reference.
    """
    reference = {key: value for key, value in results[REFERENCE].items()
                 if "/initial/" not in key}
    found: dict[str, dict[str, float]] = {}
    for backend, outputs in results.items():
        if backend == REFERENCE:
            continue
        mine = {key: value for key, value in outputs.items() if "/initial/" not in key}
        assert sorted(mine) == sorted(reference), (backend, sorted(mine))
        for key, value in mine.items():
            item = key.rsplit("/", 1)[0]
            assert value.shape == reference[key].shape, (backend, key, value.shape)
            worst = float(np.max(np.abs(value.astype(np.float64) - reference[key])))
            per = found.setdefault(item, {})
            per[backend] = max(per.get(backend, 0.0), worst)
    return found


if __name__ == "__main__":
    raise SystemExit(serve(sys.argv[1], Path(sys.argv[2])))
