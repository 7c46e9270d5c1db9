"""``phazer demo``: the whole job on synthetic faces, with a measured result.

1. Draw two synthetic identities, A and B (:mod:`phazer.data.synthetic`), and write a face
   folder of each in varied poses, plus held-out A faces and the ground truth of their swap:
   B drawn in exactly the same poses. A preset with more sides (``three-identities``) gets
   one identity per side; the held-out faces are still A's, swapped to B.
2. Train a small model on the two folders (the ``demo`` preset unless told otherwise) with
   the usual progress bar, saves and previews.
3. Swap the held-out A faces to B and score them against the ground truth
   (:func:`phazer.data.quality.swap_quality`), next to two baselines: the unchanged A face
   (right pose, wrong person) and the model's reconstruction of a random B face (right person,
   wrong pose). Scores count the face only (the truth's mask), as the training loss does.

Everything lands in one folder: ``faces/`` (a, b, test_a, test_truth), ``model/`` (a normal
model dir), ``swap.png`` (held-out A | swap | truth) and ``quality.json``.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from rich.console import Console

from phazer.data.face_traits import Identity
from phazer.data.pipeline import load_faces
from phazer.data.quality import distribution, score, ssim_per_image, swap_quality
from phazer.data.synthetic import make_identities, sample_poses, write_identity
from phazer.fileio import atomic_write_text
from phazer.sides import DEFAULT_SIDES, face_out, face_sides, other_side
from phazer.spec.schedule import MAX_SCHEDULE_ITERATIONS
from phazer.train.demo_settings import DemoSettings, load_demo_spec
from phazer.train.loop import SessionResult
from phazer.train.precision import precision_warnings
from phazer.train.previews import predict_both
from phazer.train.session import TrainInputError, TrainOptions, prepare
from phazer.train.stopping import StopRequest

MARKER = ".phazer-demo"
_OWNED = ("faces", "model", "swap.png", "quality.json", MARKER)


def prepare_folder(out: Path) -> None:
    """Make ``out`` ready: new, empty, or a previous demo's folder (whose files are replaced).

    Raises:
        TrainInputError: ``out`` is a file, or a non-empty folder that is not a demo's.
    """
    if out.exists() and not out.is_dir():
        raise TrainInputError(f"{out} is a file", "pass a folder for the demo's output")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise TrainInputError(f"{out} is not empty and was not written by phazer demo",
                              "pass a new or empty folder with --out")
    out.mkdir(parents=True, exist_ok=True)
    for name in _OWNED:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    (out / MARKER).write_text("written by phazer demo; rerunning the demo replaces it\n")


def spec_sides(spec: Any) -> tuple[str, ...]:
    """The sides of a spec: a graph-form spec's own, ``a`` and ``b`` for Phaze-A's switches.

    A spec that did not load (None) gives ``a`` and ``b``; training reports its problems.
    """
    from phazer.lowering import lower

    return DEFAULT_SIDES if spec is None else tuple(lower(spec).sides)


def precision_overrides(spec: Any, console: Console) -> list[str]:
    """Compute in float32 where the spec's bfloat16 would be emulated (slower) on this CPU."""
    if spec is None or not precision_warnings(spec.training.dtype_policy):
        return []
    console.print("this CPU has no bfloat16 instructions: the demo computes in float32 "
                  "instead of the preset's bfloat16 (it trains fewer steps in its time)",
                  markup=False, highlight=False)
    return ["training.mixed_precision=false"]


def warp_share(spec: Any) -> float | None:
    """When the preset's warp stops, as a share of its decay: the demo's run is scaled to it.

    The demo's learning-rate decay spans its run whatever the preset's
    ``schedule.iterations``; the warp's stop (``augmentation.no_warp_from``) keeps its place
    relative to the decay: stopping at iteration 3,000 of a 3,500-iteration decay stops it
    after 6/7 of the demo's run. None when the preset has no warp stop or no decay length
    (a warp stop alone stays at its iteration).
    """
    if spec is None:
        return None
    stop = spec.training.augmentation.no_warp_from
    end = spec.training.optimizer.schedule.iterations
    if stop is None or end is None:
        return None
    return min(stop / end, 1.0)


def demo_identities(count: int, seed: int, pool: int = 8) -> list[Identity]:
    """The identities the demo trains: A, then the B whose skin tone is closest to A's.

    People pick swap pairs of similar colouring (faceswap's guide says so too); between
    identities of very different skin a few minutes of CPU training give a washed-out swap.
    Everything else about B (face shape, hair, eyes, glasses, beard) still differs. Further
    sides (a model of three identities) follow in the order drawn.
    """
    drawn = make_identities(max(count, pool), seed)
    first, others = drawn[0], drawn[1:]
    def distance(other: Identity) -> float:
        return sum((x - y) ** 2 for x, y in zip(first.skin, other.skin, strict=True))

    nearest = min(others, key=distance)
    rest = [other for other in others if other is not nearest]
    return [first, nearest, *rest][:count]


def write_faces(out: Path, settings: DemoSettings, sides: Sequence[str] = DEFAULT_SIDES
                ) -> dict[str, Path]:
    """Write a training folder per side, the held-out faces of the first side and the truth.

    Each side is one identity (the i-th of :func:`demo_identities`); the truth is the second
    side's identity in the held-out poses. The first two sides' faces, the held-out faces and
    the truth are the same whatever the number of sides; folders are named after the sides
    (``faces/a``, ``faces/b``, ``faces/c``, ...), the held-out ones ``test_a`` and
    ``test_truth`` whatever the sides are called.
    """
    identities = demo_identities(max(2, len(sides)), settings.seed)
    seed = settings.seed * 1000
    faces = out / "faces"
    for index, side in enumerate(sides):
        # seed + 3 is the held-out poses': the third side onwards draws from seed + 4 on
        poses = seed + 1 + index + (index >= 2)
        write_identity(faces / side, identities[index], sample_poses(settings.faces, poses),
                       settings.size)
    test_poses = sample_poses(settings.test_faces, seed + 3)
    write_identity(faces / "test_a", identities[0], test_poses, settings.size)
    write_identity(faces / "test_truth", identities[1], test_poses, settings.size)
    folders = {side: faces / side for side in sides}
    return {**folders, "test_a": faces / "test_a", "test_truth": faces / "test_truth",
            "swap_to": faces / sides[1 % len(sides)]}


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.png"))


def measure(model: Any, folders: dict[str, Path], input_size: int, output_size: int,
            coverage: float, seed: int, color_order: str = "rgb"
            ) -> tuple[dict[str, Any], np.ndarray]:
    """Swap quality of the held-out faces, and the swap image rows (input | swap | truth).

    The held-out A faces (trained as the model's first side) are swapped to the next side,
    which was trained on the B folder. The faces are fed in the model's ``color_order`` (the
    model dir's) and scored as RGB.
    """
    def predict(faces: np.ndarray) -> dict[str, np.ndarray]:
        return predict_both(model, faces, color_order=color_order)

    sides = face_sides(str(n) for n in model.output_names)
    own, swapped_to = face_out(sides[0]), face_out(other_side(sides[0], sides))
    test_files = _files(folders["test_a"])
    truth_files = _files(folders["test_truth"])
    inputs = load_faces(test_files, input_size, coverage)
    unchanged = load_faces(test_files, output_size, coverage, with_alpha=True)
    truth = load_faces(truth_files, output_size, coverage, with_alpha=True)
    outputs = predict(inputs)
    swapped = outputs[swapped_to]
    b_files = _files(folders["swap_to"])
    rng = np.random.default_rng(seed)
    random_b = [b_files[i] for i in rng.choice(len(b_files), len(test_files), replace=False)]
    random_recon = predict(load_faces(random_b, input_size, coverage))[swapped_to]
    truth_recon = predict(load_faces(truth_files, input_size, coverage))[swapped_to]
    face, a_face = truth[..., 3:], unchanged[..., 3:]
    unchanged = unchanged[..., :3]
    quality = swap_quality(swapped, truth[..., :3], unchanged, random_recon, mask=face)
    # how well each side redraws its own held-out faces: the ceiling of the swap's sharpness
    quality["reconstruction_a"] = score(outputs[own], unchanged, mask=a_face)
    quality["reconstruction_b"] = score(truth_recon, truth[..., :3], mask=face)
    quality["per_face_ssim"] = {
        "swap": distribution(ssim_per_image(swapped, truth[..., :3], face)),
        "reconstruction_a": distribution(ssim_per_image(outputs[own], unchanged, a_face)),
        "reconstruction_b": distribution(ssim_per_image(truth_recon, truth[..., :3], face)),
        "unchanged": distribution(ssim_per_image(unchanged, truth[..., :3], face)),
        "random_b": distribution(ssim_per_image(random_recon, truth[..., :3], face))}
    rows = np.concatenate([unchanged, swapped, truth[..., :3]], axis=2)
    return quality, rows


def write_swap_image(rows: np.ndarray, path: Path, columns: int = 2) -> None:
    """Held-out A | swap | truth, several such triples per row of the image."""
    count, height, width, _ = rows.shape
    per_column = -(-count // columns)
    canvas = np.zeros((per_column * height, columns * (width + 8), 3), np.float32)
    for index, row in enumerate(rows):
        column, line = divmod(index, per_column)
        left = column * (width + 8)
        canvas[line * height:(line + 1) * height, left:left + width] = row
    Image.fromarray(np.round(np.clip(canvas, 0, 1) * 255).astype(np.uint8)).save(path)


def run_demo(out: str | Path, settings: DemoSettings, console: Console,
             show_bar: bool = True) -> dict[str, Any]:
    """Run the demo into ``out`` and return what ``quality.json`` holds.

    Raises:
        TrainInputError: the folder or the preset cannot be used.
    """
    folder = Path(out)
    prepare_folder(folder)
    started = time.perf_counter()
    spec = load_demo_spec(settings.preset)
    sides = spec_sides(spec)
    folders = write_faces(folder, settings, sides)
    names = [side.upper() for side in sides]
    named = (f"identity {names[0]} and of identity {names[1]}" if len(names) == 2 else
             f"identities {', '.join(names[:-1])} and {names[-1]}" if len(names) > 2 else
             f"identity {names[0]}")
    console.print(f"wrote {settings.faces} synthetic faces of {named} to "
                  f"{folder / 'faces'}, and {settings.test_faces} held-out "
                  f"{sides[0].upper()} faces with the ground truth of their swap", markup=False,
                  highlight=False)
    # a decaying learning rate spans this run: its last iteration, or the clock's end; the
    # warp stops at the same share of it as in the preset
    span = settings.iterations or MAX_SCHEDULE_ITERATIONS
    share = warp_share(spec)
    scaled = [f"training.optimizer.schedule.iterations={span}"]
    if share is not None:
        scaled.append(f"training.augmentation.no_warp_from="
                      f"{max(1, round(share * span)) if settings.iterations else span}")
    options = TrainOptions(spec=settings.preset,
                           overrides=[*scaled, *precision_overrides(spec, console)],
                           inputs=[(side, folders[side]) for side in sides],
                           model_dir=folder / "model", iterations=settings.iterations,
                           seed=settings.seed, show_bar=show_bar,
                           min_images=1)   # all usable; a tiny demo may hold less than a batch
    prepared = prepare(options, console)
    stop = StopRequest(deadline=time.monotonic() + settings.minutes * 60)
    with stop.on_sigint():
        # a decaying learning rate ends its decay at the time limit if that comes first
        result: SessionResult = prepared.trainer.run(iter(prepared.dataset), options.iterations,
                                                     stop, record=prepared.record,
                                                     schedule_by_time=True, warp_time=share)
    if result.stop == "nan":
        raise TrainInputError(f"the demo's training diverged: {result.error}",
                              "lower the preset's learning rate")
    model = prepared.trainer.model
    input_size = int(model.inputs[0].shape[1])
    output_size = int(model.outputs[0].shape[1])
    quality, rows = measure(model, folders, input_size, output_size,
                            prepared.spec.training.coverage, settings.seed,
                            prepared.trainer.state.color_order)
    write_swap_image(rows, folder / "swap.png")
    report = {"preset": settings.preset, "iterations": result.iterations,
              "stopped_by": result.stop, "precision": prepared.spec.training.dtype_policy,
              "backend": prepared.record.get("backend"),
              "train_examples_per_second": result.examples_per_second,
              "seconds": round(time.perf_counter() - started, 1),
              "settings": asdict(settings), **quality}
    atomic_write_text(folder / "quality.json", json.dumps(report, indent=2) + "\n")
    return report
