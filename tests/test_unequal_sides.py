"""Sides of different sizes end to end: the `unequal-sides` preset (side a 64 px, side b 48 px).

Each side has its own stem into a shared trunk and its own decoder. The summary, render and
diagram give each side's own sizes; training reads each side's faces at its own sizes and
resumes; a swap runs a face through its own side's stem, the trunk and the other side's
decoder (phazer/train/swap_route.py), both ways, at the target's output size; the preview and
`phazer export` do the same.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from phazer.cli.main import main
from phazer.pipeline import Pipeline
from phazer.spec import load_spec
from phazer.train.swap_route import SwapRouteError, default_source, join_of, swap_route

PRESET = "unequal-sides"
SIZES = {"a": 64, "b": 48}


def _summary(capsys, *args: str) -> dict:
    assert main(["summary", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _model(reference: str):
    return Pipeline(load_spec(reference).spec).model


def test_the_summary_json_gives_each_side_its_own_shapes(capsys) -> None:
    summary = _summary(capsys, PRESET)
    assert summary["side_inputs"] == {"a": [64, 64, 3], "b": [48, 48, 3]}
    assert summary["side_outputs"] == {"a": [64, 64, 3], "b": [48, 48, 3]}
    assert summary["input_shape"] == [64, 64, 3] and summary["output_shape"] == [64, 64, 3]
    users = {s["name"]: s["sides"] for s in summary["submodels"]}
    assert users == {"stem_a": ["a"], "stem_b": ["b"], "trunk": ["a", "b"],
                     "decoder_a": ["a"], "decoder_b": ["b"]}
    assert not [i for i in summary["issues"] if i["severity"] != "info"]


def test_a_side_with_several_outputs_lists_their_shapes(capsys) -> None:
    outputs = _summary(capsys, "fs-dfl-sae-df-multiscale")["side_outputs"]
    assert outputs["a"] == outputs["b"] == [[32, 32, 3], [64, 64, 3], [128, 128, 3]]


def test_summary_render_and_diagram_show_each_side_s_sizes(capsys, tmp_path) -> None:
    assert main(["summary", PRESET]) == 0
    text = capsys.readouterr().out
    assert "face_in_a 64x64x3 / face_in_b 48x48x3" in text
    assert "face_out_a 64x64x3 / face_out_b 48x48x3" in text
    assert main(["render", PRESET]) == 0
    assert "# derived: side a 64x64x3 -> 64x64x3; side b 48x48x3 -> 48x48x3" in \
        capsys.readouterr().out
    out = tmp_path / "d.mmd"
    assert main(["diagram", PRESET, "-o", str(out)]) == 0
    assert "A 64 px in, 64 px out; B 48 px in, 48 px out" in out.read_text().splitlines()[1]
    assert main(["diagram", "three-identities", "-o", str(out)]) == 0
    assert "· 64 px in, 64 px out ·" in out.read_text().splitlines()[1]


def test_a_swap_runs_its_own_stem_then_the_other_side_s_decoder() -> None:
    model = _model(PRESET)
    assert join_of(model, "a", "b") == join_of(model, "b", "a") == "trunk"
    for source, to in (("a", "b"), ("b", "a")):
        route = swap_route(model, source, to)
        assert list(route.submodels) == [f"stem_{source}", "trunk", f"decoder_{to}"]
        assert route.sides == (source,)
        assert route.nodes[0].output_shapes == ((SIZES[source], SIZES[source], 3),)
        assert list(route.outputs) == [f"face_out_{to}"]
        assert route.value_shape(route.outputs[f"face_out_{to}"]) == (SIZES[to], SIZES[to], 3)
    own = swap_route(model, "b", "b")
    assert list(own.submodels) == ["stem_b", "trunk", "decoder_b"]


@pytest.mark.parametrize("reference", ["three-identities", "fs-dfl-sae-liae", "stojo"])
def test_with_a_shared_encoder_the_swap_is_the_target_s_whole_route(reference) -> None:
    model = _model(reference)
    to = model.sides[1]
    route = swap_route(model, default_source(to, model.sides), to)
    own = swap_route(model, to, to)
    assert list(route.submodels) == list(own.submodels)
    assert [node.submodel for node in route.nodes] == [node.submodel for node in own.nodes]


def test_default_source_is_the_side_before() -> None:
    assert default_source("b", ("a", "b")) == "a" and default_source("a", ("a", "b")) == "b"
    assert default_source("a", ("a", "b", "c")) == "c"
    with pytest.raises(ValueError):
        default_source("d", ("a", "b"))


def test_a_target_route_that_needs_a_value_from_before_the_join_is_refused() -> None:
    model = _model(PRESET)
    # decoder_b also reads b's input face: a face of side a cannot give it
    nodes = tuple(replace(node, inputs=(*node.inputs, "face_in_b"))
                  if node.name == "decoder_b@b" else node for node in model.nodes)
    with pytest.raises(SwapRouteError, match="uses 'face_in_b' before it joins side a's"):
        swap_route(replace(model, nodes=nodes), "a", "b")
    assert list(swap_route(replace(model, nodes=nodes), "b", "b").submodels) == [
        "stem_b", "trunk", "decoder_b"]


# --- training, resuming, swapping, previews and export ------------------------------------
FACES = (8, 31)   # per side, seed: the ``faces`` fixture (tests/conftest.py)
FAST = ["--set", "training.xla=off", "--set", "training.save_interval=2", "--set",
        "training.preview_images=2", "--batch-size", "4", "--seed", "1"]


@pytest.mark.keras
def test_the_dataset_gives_each_side_its_own_sizes(face_scans) -> None:
    pytest.importorskip("tensorflow")
    from phazer.data.pipeline import make_dataset
    from phazer.spec.training import TrainingSpec

    folders = {side: face_scans[side] for side in SIZES}
    inputs, targets = next(iter(make_dataset(folders, TrainingSpec(), SIZES, {"a": 64, "b": 40},
                                             2, True, seed=0)))
    assert tuple(inputs["face_in_a"].shape) == (2, 64, 64, 3)
    assert tuple(inputs["face_in_b"].shape) == (2, 48, 48, 3)
    assert tuple(targets["face_out_b"].shape) == (2, 40, 40, 3)
    assert tuple(targets["mask_out_b"].shape) == (2, 40, 40, 1)
    with pytest.raises(ValueError, match="no size for side 'b'"):
        make_dataset(folders, TrainingSpec(), {"a": 64}, 64, 2, False)


def _swap(capsys, model_dir: Path, folder: Path, out: Path, to: str) -> list[Path]:
    assert main(["swap", "--model-dir", str(model_dir), "--input", str(folder),
                 "--output", str(out), "--to", to]) == 0
    assert "wrote 8 swapped faces" in capsys.readouterr().out
    return sorted(out.iterdir())


@pytest.mark.keras
@pytest.mark.slow
def test_train_resume_swap_both_ways_and_export(faces, tmp_path, capsys) -> None:
    pytest.importorskip("tensorflow")
    from PIL import Image

    model_dir = tmp_path / "m"
    args = ["train", PRESET, "--input-a", str(faces / "a"), "--input-b", str(faces / "b"),
            "--model-dir", str(model_dir), "--iterations", "2", *FAST]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "input a 64 px, b 48 px, output a 64 px, b 48 px" in out
    with Image.open(model_dir / "preview.png") as preview:   # 64 px tiles, b's faces centred
        assert preview.size == (2 * 3 * 64 + 8, 14 + 2 * 64)
        block_b = np.asarray(preview.convert("RGB"))[14:14 + 64, 3 * 64 + 8:4 * 64 + 8]
    assert (block_b[:8] == 32).all() and not (block_b[8:56, 8:56] == 32).all()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "resuming" in out and "saved at iteration 4" in out
    assert json.loads((model_dir / "state.json").read_text())["iterations"] == 4

    a_as_b = _swap(capsys, model_dir, faces / "a", tmp_path / "a_as_b", "b")
    b_as_a = _swap(capsys, model_dir, faces / "b", tmp_path / "b_as_a", "a")
    for files, size in ((a_as_b, 48), (b_as_a, 64)):
        assert len(files) == 8
        with Image.open(files[0]) as image:
            assert image.size == (size, size) and image.mode == "RGB"
    # the swap is stem_a -> trunk -> decoder_b, exactly as run by the trained model's layers,
    # fed in the model's colour order (BGR: a graph form without a Keras encoder, as faceswap)
    from phazer.data.pipeline import load_faces
    from phazer.train.swap import load_trained

    assert json.loads((model_dir / "state.json").read_text())["color_order"] == "bgr"
    model, _ = load_trained(model_dir)
    stem, trunk, decoder = (model.get_layer(n) for n in ("stem_a", "trunk", "decoder_b"))
    first = load_faces(sorted((faces / "a").iterdir())[:1], 64)[..., ::-1]
    drawn = np.asarray(decoder(trunk(stem(first))))[0][..., ::-1]
    written = np.asarray(Image.open(a_as_b[0]), np.float32) / 255.0
    assert np.abs(np.clip(drawn, 0, 1) - written).max() <= 1 / 255 + 1e-6

    exported = tmp_path / "exp"
    assert main(["export", "--model-dir", str(model_dir), "-o", str(exported), "--faces",
                 str(faces / "a"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {side: (entry["from"], entry["input"], entry["outputs"])
            for side, entry in report["sides"].items()} == {
        "a": ("b", [None, 48, 48, 3], {"face_out_a": [None, 64, 64, 3]}),
        "b": ("a", [None, 64, 64, 3], {"face_out_b": [None, 48, 48, 3]})}
    assert report["max_abs_diff"] < 1e-5
