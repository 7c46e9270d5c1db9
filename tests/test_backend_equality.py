"""Same weights, same outputs on TensorFlow, PyTorch and JAX (max abs difference <= 1e-5).

One worker process per backend (:mod:`tests.backend_worker`) builds every item, TensorFlow's
with seeded random weights that it saves, the others loading that file, and runs one fixed
random example through it. The items:

- every op kind phazer writes itself (the cases of ``tests/test_emit_conformance.py``: each
  layer, each initializer), so nothing phazer emits escapes the check; the initializers also
  run on each backend, and their fresh weights are checked there (ICNR's tiling). The Keras
  Applications case is left to the bench (28 s on JAX alone here): the ``stojo`` and ``sym384``
  presets build Keras Applications encoders, and the bench checks them;
- the built-in presets that fit the suite's time: see :data:`PRESETS`. Every preset is checked
  by ``bench/backend_equality.py`` (its last figures: ``bench/results/backend-equality.json``,
  which a test here reads to make sure none is missing or over the limit).

A backend that is not installed is skipped, saying so.
"""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from tests.backend_worker import REFERENCE, differences, installed_backends, run_workers

pytestmark = pytest.mark.keras

TOLERANCE = 1e-5
RESULTS = "bench/results/backend-equality.json"
# The presets checked here: the small ones, whose layers the op cases cover one by one. The
# others take 2-60 s each per backend on this 2-core machine (measured: RESULTS), minutes in
# all, so they are checked by bench/backend_equality.py and their figures kept in RESULTS.
PRESETS = ("demo", "three-identities", "unequal-sides")
BENCH_ONLY_KINDS = ("keras_app",)     # a whole Keras Applications model: stojo, sym384 in RESULTS


def _op_items() -> list[str]:
    from tests.test_emit_conformance import CASES

    return [f"op:{case_id}" for case_id, kind, _ in CASES if kind not in BENCH_ONLY_KINDS]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    backends = installed_backends()
    if REFERENCE not in backends or len(backends) < 2:
        pytest.skip("needs TensorFlow and torch or jax")
    items = [*_op_items(), *(f"preset:{name}" for name in PRESETS)]
    results, timings = run_workers(items, tmp_path_factory.mktemp("backends"), backends)
    return backends, results, timings, differences(results)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_same_weights_give_the_same_outputs(backend, runs):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"the {backend} backend is not installed (pip install \"phazer[{backend}]\")")
    _, _, timings, found = runs
    over = {item: per[backend] for item, per in found.items() if per[backend] > TOLERANCE}
    print(f"\n{backend}: max abs difference from {REFERENCE} per item")
    for item, per in found.items():
        seconds = sum(timings[item][backend].values())
        print(f"  {item:44s} {per[backend]:.2e}  ({seconds:.1f} s)")
    assert not over, f"{backend} differs from {REFERENCE} by more than {TOLERANCE:g}: {over}"
    assert len(found) == len(_op_items()) + len(PRESETS)


@pytest.mark.parametrize("backend", ["tensorflow", "torch", "jax"])
def test_initializers_run_on_every_backend(backend, runs):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"the {backend} backend is not installed (pip install \"phazer[{backend}]\")")
    _, results, _, _ = runs
    initial = {key: value for key, value in results[backend].items() if "/initial/" in key}
    assert initial and all(np.all(np.isfinite(v)) for v in initial.values())
    icnr = next(v for k, v in initial.items() if k.startswith("op:conv2d-icnr/")
                and k.endswith("kernel"))
    quarter = icnr.shape[-1] // 4        # ICNR x2: one sub-kernel repeated for the 4 positions
    assert all(np.array_equal(icnr[..., :quarter], icnr[..., i * quarter:(i + 1) * quarter])
               for i in range(4))
    aware = next(v for k, v in initial.items() if k.startswith("op:conv2d-conv_aware/")
                 and k.endswith("kernel"))
    fan_in = int(np.prod(aware.shape[:-1]))
    assert abs(float(np.var(aware)) * fan_in / 2.0 - 1.0) < 1e-3   # He variance, rescaled


def test_every_preset_was_checked_by_the_bench():
    from phazer.spec.presets import preset_names
    from tests.helpers import REPO

    figures = json.loads((REPO / RESULTS).read_text())
    checked = {item.split(":", 1)[1] for item in figures["max_abs_diff"]}
    assert set(preset_names()) <= checked, set(preset_names()) - checked
    over = {item for item, per in figures["max_abs_diff"].items()
            if max(per.values()) > TOLERANCE}
    # over the limit only where it is float32 rounding: every backend about as far from the
    # exact (float64) outputs as TensorFlow's own float32 result (bench/backend_equality.py)
    assert over == set(figures["float32_from_exact"]), over
    for item, per in figures["float32_from_exact"].items():
        assert max(per.values()) <= figures["rounding_factor"] * per[REFERENCE], (item, per)
        assert per[REFERENCE] > TOLERANCE / 10, (item, per)   # float32 itself misses 1e-5


def test_the_bicubic_resize_of_clip_positions_is_tensorflow_s():
    """Pretrained CLIP positions are resampled in numpy: the same on every backend."""
    import tensorflow as tf

    from phazer.emit.bicubic import resize_bicubic

    rng = np.random.default_rng(3)
    for size_in, size_out in [(14, 4), (14, 9), (4, 7), (7, 16), (24, 16), (3, 1)]:
        grid = rng.standard_normal((1, size_in, size_in, 6)).astype(np.float32)
        want = tf.image.resize(grid, (size_out, size_out), method="bicubic").numpy()
        np.testing.assert_array_equal(resize_bicubic(grid, size_out, size_out), want)
