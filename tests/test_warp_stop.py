"""training.augmentation.no_warp_from: the warp stops at a model iteration, also after a resume
and earlier when a time-limited run moves the mark."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phazer.spec.training import AugmentationSpec, TrainingSpec

pytestmark = pytest.mark.keras

# everything random off but the warp: an unwarped input equals its target
ONLY_WARP = {"rotation_range": 0, "zoom_amount": 0, "shift_range": 0, "flip_chance": 0,
             "color_lightness": 0, "color_ab": 0, "color_clahe_chance": 0}


FACES = (8, 2)   # per side, seed: the ``face_scans`` fixture (tests/conftest.py)


def warped_flags(dataset, batches: int) -> list[bool]:
    """Per batch: whether side a's input differs from its (never warped) target."""
    flags = []
    for inputs, targets in dataset.take(batches):
        change = np.abs(inputs["face_in_a"].numpy() - targets["face_out_a"].numpy()).mean()
        flags.append(bool(change > 1e-3))
    return flags


def _training(**augmentation) -> TrainingSpec:
    return TrainingSpec.model_validate({"augmentation": {**ONLY_WARP, **augmentation}})


def test_the_warp_stops_at_the_model_iteration_written(face_scans):
    from phazer.data.pipeline import make_dataset

    spec = _training(no_warp_from=4)
    # iterations 1-3 warped, 4 on not
    assert warped_flags(make_dataset(face_scans, spec, 32, 32, 2, False, seed=1), 6) == \
        [True, True, True, False, False, False]
    # a model resumed at iteration 2 trains iterations 3, 4, ... in this session
    resumed = make_dataset(face_scans, spec, 32, 32, 2, False, seed=1, first_iteration=2)
    assert warped_flags(resumed, 4) == [True, False, False, False]
    # a model already past the mark is never warped again
    past = make_dataset(face_scans, spec, 32, 32, 2, False, seed=1, first_iteration=10)
    assert warped_flags(past, 3) == [False, False, False]


def test_without_a_mark_the_warp_runs_throughout(face_scans):
    from phazer.data.pipeline import make_dataset

    assert warped_flags(make_dataset(face_scans, _training(), 32, 32, 2, False, seed=1), 5) == \
        [True] * 5


def test_a_movable_mark_is_read_per_batch(face_scans):
    from phazer.data.pipeline import make_dataset
    from phazer.data.warp_stop import WarpStop

    stop = WarpStop(None)
    assert stop.iteration is None
    options = {"seed": 1, "warp_stop": stop}
    dataset = make_dataset(face_scans, _training(no_warp_from=100), 32, 32, 2, False, **options)
    assert warped_flags(dataset, 2) == [True, True]       # the variable, not the spec's 100
    assert stop.stop_at(3) and stop.iteration == 3
    assert not stop.stop_at(7)                             # never moved later
    assert stop.iteration == 3
    assert warped_flags(dataset, 4) == [True, True, False, False]   # a fresh iterator


def test_the_warp_stop_needs_the_warp():
    with pytest.raises(ValueError, match=r"no_warp_from \(5\).*warp: false"):
        AugmentationSpec(warp=False, no_warp_from=5)
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        AugmentationSpec(no_warp_from=0)
    assert AugmentationSpec(no_warp_from=1).no_warp_from == 1   # never warped: allowed


def _prepare(faces_root, model_dir, *overrides: str):
    import io

    from rich.console import Console

    from phazer.train.session import TrainOptions, prepare
    from tests.helpers import TINY_SPEC

    options = TrainOptions(spec=TINY_SPEC, input_a=faces_root / "a", input_b=faces_root / "b",
                           model_dir=model_dir, batch_size=2, seed=0, show_bar=False,
                           preview=False, overrides=["training.xla=off", *overrides])
    console = Console(file=io.StringIO(), width=200)
    return prepare(options, console), console


def test_the_trainer_says_when_the_warp_stops_and_a_time_limit_brings_it_forward(
        face_folders, tmp_path):
    from phazer.train.stopping import StopRequest

    root = face_folders(8, seed=2)
    prepared, console = _prepare(root, tmp_path / "m", "training.augmentation.no_warp_from=2")
    prepared.trainer.run(iter(prepared.dataset), 3, StopRequest())
    log = console.file.getvalue()
    assert "iteration 2: the input is no longer warped from here on" in log
    assert prepared.trainer.warp_stop.iteration == 2          # the spec's mark, unmoved

    prepared, console = _prepare(root, tmp_path / "t", "training.augmentation.no_warp_from=50")
    # a deadline already past: the whole time is used before the first step
    prepared.trainer.run(iter(prepared.dataset), 2, StopRequest(deadline=0.0),
                         schedule_by_time=True, warp_time=0.8)
    assert prepared.trainer.warp_stop.iteration == 1
    assert "iteration 1: 80% of the time limit used, the input is no longer warped" in \
        console.file.getvalue()


def test_the_demo_keeps_the_warp_stop_at_its_share_of_the_decay(tmp_path):
    import yaml
    from rich.console import Console

    from phazer.spec import load_spec
    from phazer.train.demo import DemoSettings, run_demo, warp_share
    from tests.helpers import TINY_SPEC

    demo = load_spec("demo").spec
    schedule, augmentation = demo.training.optimizer.schedule, demo.training.augmentation
    assert augmentation.no_warp_from is not None and schedule.iterations is not None
    assert warp_share(demo) == pytest.approx(augmentation.no_warp_from / schedule.iterations)
    assert warp_share(load_spec(TINY_SPEC).spec) is None       # no decay, no warp stop
    assert warp_share(None) is None

    spec = yaml.safe_load(Path(TINY_SPEC).read_text())
    spec["training"] = {"optimizer": {"schedule": {"type": "cosine", "iterations": 10}},
                        "augmentation": {"no_warp_from": 5}, "xla": "off"}
    path = tmp_path / "halfway.yaml"
    path.write_text(yaml.safe_dump(spec))
    settings = DemoSettings(preset=str(path), iterations=4, faces=8, test_faces=2, seed=1)
    run_demo(tmp_path / "demo", settings, Console(file=None, quiet=True), show_bar=False)
    trained = yaml.safe_load((tmp_path / "demo" / "model" / "spec.yaml").read_text())
    # 5 of a 10-iteration decay: half of the demo's 4 iterations
    assert trained["training"]["augmentation"]["no_warp_from"] == 2
    assert trained["training"]["optimizer"]["schedule"]["iterations"] == 4
