"""Benchmark: training throughput of `phazer train` against `model.fit`, plus the demo's quality.

For each preset (default: lightweight and original), in one run:

- ``fit``: the same Keras model (phazer's emit), compiled with Adam and MAE on both outputs,
  trained by ``model.fit`` on in-memory tensors (no augmentation, no data pipeline) at the same
  batch (16 faces per side); Keras' own jit choice (off on a CPU-only machine);
- ``phazer_train``: ``phazer train PRESET`` on synthetic face folders with augmentation on
  (warp, colour, affine), MAE loss, XLA chosen by ``training.xla: auto``; its steady rate from
  ``state.json`` (compile and XLA-trial steps and saves excluded).

Each is a fresh process; the fit baseline runs before and after phazer train and its mean is
the reference (the machine may be shared). Model FLOP utilisation is examples/s x 3 x forward
FLOPs per example / the float32 GEMM peak (``tf.linalg.matmul`` 4096 x 4096) measured in this
run. An example is one face per side, as in ``phazer summary`` (so faces/s is twice it).
Finally ``phazer demo`` runs once and its swap-quality figures are included.

With ``--precision bfloat16`` (or ``float16``; repeatable), ``phazer train`` also runs with
that ``training.mixed_precision`` and its rate is reported next to float32's
(``precisions``); the GEMM peak is measured in bfloat16 too.

With ``--strategy mirrored --devices 2`` (or ``multi_worker`` under a ``TF_CONFIG``),
``phazer train`` also runs under that ``tf.distribute`` strategy, same global batch and seed,
and its examples/s is reported next to the one-device run's (``distributed``). On a CPU
without GPUs the devices are logical CPU devices sharing the same cores, so the figure shows
the strategy's overhead, not a speed-up.

With ``--backend B`` (repeatable: tensorflow, torch, jax), only ``phazer train --backend B``
runs, once per backend, same preset, batch, seed and data: examples/s, faces/s, the ratio to
the first backend named, and the loss of the last saved iteration (the mean face loss of the two
sides), next to faceswap's own figure for ``original`` (:data:`FACESWAP_ORIGINAL_FACES_PER_SECOND`).

    python bench/train_throughput.py [--presets lightweight original] [--iterations 40]
                                     [--fit-steps 30] [--no-demo]
                                     [--strategy mirrored --devices 2]
                                     [--precision bfloat16]
                                     [--backend tensorflow --backend torch --backend jax]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BATCH = 16
# faceswap's `original`, batch 16, on the 2-core reference CPU, as quoted (docs/training.md)
FACESWAP_ORIGINAL_FACES_PER_SECOND = 20.2
FIT_LOSS_SET = ("--set", "training.losses=[{function: mae}]",
                "--set", "training.penalized_mask_loss=false")


def _run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n"
                         f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def worker_gemm() -> dict:
    import tensorflow as tf

    size = 4096
    report = {}
    for dtype, key in ((tf.float32, "gemm_gflops"), (tf.bfloat16, "gemm_gflops_bfloat16")):
        a = tf.cast(tf.random.uniform([size, size]), dtype)
        b = tf.cast(tf.random.uniform([size, size]), dtype)
        tf.linalg.matmul(a, b).numpy()
        best = 0.0
        for _ in range(5):
            start = time.perf_counter()
            tf.linalg.matmul(a, b).numpy()
            best = max(best, 2 * size ** 3 / (time.perf_counter() - start))
        report[key] = round(best / 1e9, 1)
    return report


def worker_fit(preset: str, steps: int) -> dict:
    import keras
    import numpy as np

    from phazer.emit import emit_model
    from phazer.pipeline.summary import summarize

    summary = summarize(preset)
    model = emit_model(summary.model)
    size_in = summary.figures.input_shape[0]
    size_out = summary.figures.output_shape[0]
    rng = np.random.default_rng(0)
    count = BATCH * steps
    x = {f"face_in_{s}": rng.random((count, size_in, size_in, 3), dtype=np.float32)
         for s in ("a", "b")}
    y = {f"face_out_{s}": rng.random((count, size_out, size_out, 3), dtype=np.float32)
         for s in ("a", "b")}
    model.compile(optimizer=keras.optimizers.Adam(5e-5),
                  loss={"face_out_a": "mae", "face_out_b": "mae"})
    model.fit(x, y, batch_size=BATCH, epochs=1, steps_per_epoch=2, verbose=0)   # compile
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    return {"examples_per_second": round(count / seconds, 3), "steps": steps}


def worker_breakdown(preset: str, data: str, steps: int) -> dict:
    """Where a step's time goes, in one process: the step alone, the data alone, both.

    ``step``: the compiled train step on one batch held in memory (no data pipeline);
    ``data``: batches drawn from the augmenting ``tf.data`` pipeline with no step running;
    ``loop``: the trainer drawing each batch from the pipeline, as ``phazer train`` does.
    """
    import io
    import shutil

    from rich.console import Console

    from phazer.train.session import TrainOptions, prepare

    model_dir = Path(data).parent / f"breakdown-{preset}"
    shutil.rmtree(model_dir, ignore_errors=True)
    options = TrainOptions(spec=preset, input_a=Path(data) / "a", input_b=Path(data) / "b",
                           model_dir=model_dir, batch_size=BATCH, seed=1, show_bar=False,
                           preview=False, overrides=[*FIT_LOSS_SET[1::2], "training.xla=off"])
    prepared = prepare(options, Console(file=io.StringIO()))
    trainer, batches = prepared.trainer, iter(prepared.dataset)
    fixed = next(batches)
    for _ in range(3):                        # compile, warm up
        trainer.train_step(*fixed)

    def rate(work) -> float:
        start = time.perf_counter()
        for _ in range(steps):
            work()
        return round(steps * BATCH / (time.perf_counter() - start), 3)

    step = rate(lambda: trainer.train_step(*fixed))
    data_only = rate(lambda: next(batches))
    loop = rate(lambda: trainer.train_step(*next(batches)))
    return {"step_examples_per_second": step, "data_examples_per_second": data_only,
            "loop_examples_per_second": loop, "steps": steps,
            "loop_to_step": round(loop / step, 3)}


def _worker(args: list[str]) -> str:
    return _run([sys.executable, __file__, "--worker", *args])


def phazer_train(preset: str, data: Path, model_dir: Path, iterations: int,
                 placement: tuple[str, ...] = (), precision: str | None = None) -> dict:
    _run([sys.executable, "-m", "phazer", "train", preset, "--input-a", str(data / "a"),
          "--input-b", str(data / "b"), "--model-dir", str(model_dir), "--iterations",
          str(iterations), "--batch-size", str(BATCH), "--no-preview", *FIT_LOSS_SET,
          "--set", f"training.save_interval={iterations}", "--seed", "1", *placement,
          *(("--set", f"training.mixed_precision={precision}") if precision else ())])
    state = json.loads((model_dir / "state.json").read_text())
    session = state["sessions"][-1]
    last = state["loss_history"][-1] if state.get("loss_history") else {}
    face_losses = [value for key, value in last.items() if key.startswith("face_out_")]
    return {"examples_per_second": session["examples_per_second"],
            "iterations": iterations, "xla": state.get("xla"),
            "strategy": session.get("strategy"), "replicas": session.get("replicas"),
            "backend": session.get("backend"),
            "last_face_loss": (round(sum(face_losses) / len(face_losses), 5)
                               if face_losses else None)}


def backend_figures(preset: str, data: Path, folder: Path, iterations: int,
                    backends: list[str]) -> dict:
    """``phazer train --backend B`` for each backend, side by side (same preset, batch, seed)."""
    runs = {backend: phazer_train(preset, data, folder / f"model-{preset}-{backend}",
                                  iterations, ("--backend", backend)) for backend in backends}
    base = runs[backends[0]]["examples_per_second"] or 0.0
    figures = {}
    for backend, run in runs.items():
        rate = run["examples_per_second"] or 0.0
        figures[backend] = {
            "examples_per_second": rate, "faces_per_second": round(2 * rate, 3),
            "ratio_to_" + backends[0]: round(rate / base, 3) if base else None,
            "xla": run["xla"], "last_face_loss": run["last_face_loss"]}
    return figures


def distributed_figures(one: dict, other: dict) -> dict:
    """The distributed run next to the one-device run (same global batch and seed)."""
    rate, base = other["examples_per_second"] or 0.0, one["examples_per_second"] or 0.0
    return {"strategy": other["strategy"], "replicas": other["replicas"],
            "per_replica_batch_size": BATCH // (other["replicas"] or 1),
            "examples_per_second": rate, "one_device_examples_per_second": base,
            "ratio_to_one_device": round(rate / base, 3) if base else None}


def make_faces(folder: Path, count: int) -> None:
    from phazer.data.synthetic import make_identities, sample_poses, write_identity

    first, second = make_identities(2, seed=11)
    write_identity(folder / "a", first, sample_poses(count, seed=12), 64)
    write_identity(folder / "b", second, sample_poses(count, seed=13), 64)


def backends_report(args: argparse.Namespace) -> dict:
    """The ``--backend`` run: phazer train on each backend named, per preset."""
    import os
    import platform

    report: dict = {"batch_size_per_side": BATCH, "iterations": args.iterations,
                    "example": "one face per side; faces/s = 2 x examples/s",
                    "loss": "mae on both face outputs, Adam, seed 1",
                    "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
                    "faceswap_original_faces_per_second": FACESWAP_ORIGINAL_FACES_PER_SECOND,
                    "presets": {}}
    report.update(json.loads(_worker(["gemm"])))
    with tempfile.TemporaryDirectory(prefix="phazer-bench-") as tmp:
        data = Path(tmp) / "faces"
        make_faces(data, args.faces)
        for preset in args.presets:
            report["presets"][preset] = backend_figures(preset, data, Path(tmp),
                                                        args.iterations, args.backend)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["lightweight", "original"])
    parser.add_argument("--iterations", type=int, default=40,
                        help="phazer train iterations per preset (incl. the XLA trial)")
    parser.add_argument("--fit-steps", type=int, default=30, help="timed model.fit steps")
    parser.add_argument("--faces", type=int, default=256, help="synthetic faces per side")
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--strategy", choices=["mirrored", "multi_worker"],
                        help="also train under this tf.distribute strategy")
    parser.add_argument("--devices", type=int, default=None,
                        help="devices for --strategy (GPUs, or logical CPU devices)")
    parser.add_argument("--precision", action="append", default=[],
                        choices=["float16", "bfloat16"],
                        help="also train in this training.mixed_precision (repeatable)")
    parser.add_argument("--backend", action="append", default=[],
                        choices=["tensorflow", "torch", "jax"],
                        help="only phazer train, on this Keras backend (repeatable)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "gemm":
            result = worker_gemm()
        elif kind == "breakdown":
            result = worker_breakdown(rest[0], rest[1], int(rest[2]))
        else:
            result = worker_fit(rest[0], int(rest[1]))
        print(json.dumps(result))
        return

    if args.backend:
        print(json.dumps(backends_report(args), indent=2))
        return
    from phazer.pipeline.summary import summarize

    report: dict = {"batch_size_per_side": BATCH,
                    "example": "one face per side (an A and a B face), as phazer summary "
                               "counts FLOPs; faces/s = 2 x examples/s",
                    "loss": "mae on both face outputs, Adam", "presets": {}}
    report.update(json.loads(_worker(["gemm"])))
    peak = report["gemm_gflops"] * 1e9
    with tempfile.TemporaryDirectory(prefix="phazer-bench-") as tmp:
        data = Path(tmp) / "faces"
        make_faces(data, args.faces)
        for preset in args.presets:
            forward = summarize(preset).figures.forward_flops
            before = json.loads(_worker(["fit", preset, str(args.fit_steps)]))
            train = phazer_train(preset, data, Path(tmp) / f"model-{preset}", args.iterations)
            breakdown = json.loads(_worker(["breakdown", preset, str(data), str(args.fit_steps)]))
            after = json.loads(_worker(["fit", preset, str(args.fit_steps)]))
            fit_rate = (before["examples_per_second"] + after["examples_per_second"]) / 2
            rate = train["examples_per_second"] or 0.0
            report["presets"][preset] = {
                "forward_gflops_per_example": round(forward / 1e9, 3),
                "fit_examples_per_second": round(fit_rate, 3),
                "fit_runs": [before["examples_per_second"], after["examples_per_second"]],
                "phazer_train_examples_per_second": rate,
                "phazer_train_faces_per_second": round(2 * rate, 3),
                "ratio_train_to_fit": round(rate / fit_rate, 3) if fit_rate else None,
                "mfu_phazer_train": round(rate * 3 * forward / peak, 3),
                "mfu_fit": round(fit_rate * 3 * forward / peak, 3),
                "xla": train["xla"],
                "breakdown": breakdown,
            }
            for precision in args.precision:
                other = phazer_train(preset, data, Path(tmp) / f"model-{preset}-{precision}",
                                     args.iterations, precision=precision)
                other_rate = other["examples_per_second"] or 0.0
                report["presets"][preset].setdefault("precisions", {})[precision] = {
                    "examples_per_second": other_rate,
                    "faces_per_second": round(2 * other_rate, 3),
                    "ratio_to_float32": round(other_rate / rate, 3) if rate else None}
            if args.strategy:
                placement = ("--strategy", args.strategy)
                if args.devices:
                    placement += ("--devices", str(args.devices))
                other = phazer_train(preset, data, Path(tmp) / f"model-{preset}-distributed",
                                     args.iterations, placement)
                report["presets"][preset]["distributed"] = distributed_figures(train, other)
        if not args.no_demo:
            out = Path(tmp) / "demo"
            start = time.perf_counter()
            _run([sys.executable, "-m", "phazer", "demo", "--out", str(out)])
            quality = json.loads((out / "quality.json").read_text())
            quality["demo_seconds"] = round(time.perf_counter() - start, 1)
            report["demo"] = quality
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
