"""``phazer transfer``: weights carried into a changed spec's new model dir, then trained on.

A switch-form spec and its ``phazer render --graph`` rendering share every sub-model and layer
name, so a transfer across the forms copies every weight. A changed spec copies what still fits
(by sub-model, layer and weight name, equal shapes only) and says why the rest is fresh. The new
model dir is one ``phazer train`` resumes from the transferred weights with a fresh optimizer;
bad input is refused before anything is written, and a failed write leaves nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

from phazer.cli.main import main  # noqa: E402
from phazer.train.modeldir import ModelDir  # noqa: E402
from tests.helpers import TINY_SPEC  # noqa: E402
from tests.model_dirs import make_model_dir, saved_weights  # noqa: E402

# tiny.yaml with a wider bottleneck (the encoder's last Dense changes shape) and split FCs
CHANGED = ["bottleneck.size=256", "routing.split_fc=true"]


@pytest.fixture(scope="module")
def old(tmp_path_factory) -> Path:
    return make_model_dir(tmp_path_factory.mktemp("transfer") / "old", TINY_SPEC, seed=3,
                          iterations=7)


@pytest.fixture(scope="module")
def graph_spec(tmp_path_factory, old) -> Path:
    """tiny.yaml as ``phazer render --graph`` writes it."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["render", TINY_SPEC, "--graph"]) == 0
    path = tmp_path_factory.mktemp("graph") / "tiny-graph.yaml"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def transfer(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["transfer", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return code, captured.out, captured.err


def assert_same(first: dict[str, np.ndarray], second: dict[str, np.ndarray]) -> None:
    assert first.keys() == second.keys()
    for name, values in first.items():
        np.testing.assert_array_equal(values, second[name], err_msg=name)


def test_a_transfer_to_the_graph_form_copies_every_weight(old, graph_spec, tmp_path, capsys):
    new = tmp_path / "new"
    code, out, _ = transfer(capsys, str(old), str(graph_spec), "-o", str(new), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["totals"]["copied_layers"] == report["totals"]["layers"] == 23
    assert report["totals"]["reinitialised_params"] == 0
    assert [s["name"] for s in report["submodels"]] == ["encoder", "fc_both", "decoder_a",
                                                        "decoder_b"]
    assert {s["status"] for s in report["submodels"]} == {"copied"}
    assert report["dropped_submodels"] == []
    new_weights, old_weights = saved_weights(new), saved_weights(old)
    assert new_weights.keys() == old_weights.keys()
    for name in old_weights:
        assert_same(new_weights[name], old_weights[name])
    assert "phazer: 2" in (new / "spec.yaml").read_text()      # the new spec, graph form
    # and back again, graph form to switch form
    code, out, _ = transfer(capsys, str(new), TINY_SPEC, "-o", str(tmp_path / "back"),
                            "--json")
    assert code == 0 and json.loads(out)["totals"]["reinitialised_layers"] == 0


def test_a_changed_spec_copies_what_fits_and_says_why_not(old, tmp_path, capsys):
    new = tmp_path / "new"
    sets = [item for change in CHANGED for item in ("--set", change)]
    code, out, _ = transfer(capsys, str(old), TINY_SPEC, "-o", str(new), *sets, "--seed", "1")
    assert code == 0
    lines = {line.split("│")[1].strip(): line for line in out.splitlines()
             if line.startswith("│")}
    assert "partly copied" in lines["encoder"] and "4/5" in lines["encoder"]
    assert "bottleneck_dense: kernel shape (1024, 128) vs (1024, 256)" in " ".join(out.split())
    for side in "ab":
        assert "not in the old model" in lines[f"fc_{side}"]
        assert "re-initialised" in lines[f"fc_{side}"]
        assert "copied" in lines[f"decoder_{side}"] and "8/8" in lines[f"decoder_{side}"]
    assert "not carried over: fc_both (not in the new model)" in out
    assert "copied 20 of 25 layers" in out
    old_weights, new_weights = saved_weights(old), saved_weights(new)
    for side in "ab":
        assert_same(new_weights[f"decoder_{side}"], old_weights[f"decoder_{side}"])
    for name, values in old_weights["encoder"].items():
        if name.startswith("bottleneck_dense"):
            assert new_weights["encoder"][name].shape != values.shape
        else:
            np.testing.assert_array_equal(new_weights["encoder"][name], values)
    state = json.loads((new / "state.json").read_text())
    assert state["iterations"] == 0
    assert state["transfer"]["source"] == str(old)
    assert state["transfer"]["source_iterations"] == 7
    assert state["transfer"]["copied_layers"] == 20
    assert state["transfer"]["submodels"]["fc_a"] == "re-initialised"
    assert state["transfer"]["seed"] == 1
    # --verbose lists every layer, with the reason of each
    code, out, _ = transfer(capsys, str(old), TINY_SPEC, "-o", str(tmp_path / "v"), *sets,
                            "--verbose")
    assert code == 0
    flat = " ".join(out.split())
    assert "fs_enc_convblk_0_conv2d │ copied" in flat
    assert "sub-model not in the old model" in flat


@pytest.mark.slow
def test_train_resumes_a_transferred_model_from_its_weights(old, face_folders, tmp_path,
                                                             capsys):
    faces = face_folders(10, seed=8)
    new = tmp_path / "new"
    sets = [item for change in CHANGED for item in ("--set", change)]
    assert transfer(capsys, str(old), TINY_SPEC, "-o", str(new), *sets)[0] == 0
    transferred = saved_weights(new)
    capsys.readouterr()
    # tiny.yaml freezes the encoder with --freeze-weights: its transferred weights must stay
    assert main(["train", TINY_SPEC, *sets, "--input-a", str(faces / "a"), "--input-b",
                 str(faces / "b"), "--model-dir", str(new), "--set", "training.xla=off",
                 "--batch-size", "4", "--iterations", "1", "--no-preview",
                 "--freeze-weights"]) == 0
    out = capsys.readouterr().out
    assert f"resuming {new} at iteration 0" in out
    assert "start fresh (phazer transfer carries weights, not the optimizer's state)" in out
    trained = saved_weights(new)
    assert_same(trained["encoder"], transferred["encoder"])
    assert_same({k: v for k, v in transferred["encoder"].items()
                 if not k.startswith("bottleneck")},
                {k: v for k, v in saved_weights(old)["encoder"].items()
                 if not k.startswith("bottleneck")})
    changed = [name for name, values in trained["decoder_a"].items()
               if not np.array_equal(values, transferred["decoder_a"][name])]
    assert changed, "the decoders trained"
    state = ModelDir(new).read_state()
    assert state.iterations == 1 and state.transfer["source"] == str(old)


@pytest.mark.parametrize("case", ["missing", "not a model dir", "no weights"])
def test_an_old_model_dir_that_cannot_be_used(case, old, tmp_path, capsys):
    source = {"missing": tmp_path / "none", "not a model dir": tmp_path,
              "no weights": tmp_path / "copy"}[case]
    if case == "no weights":
        shutil.copytree(old, source)
        (source / "model.weights.h5").unlink()
    expected = {"missing": "does not exist", "not a model dir": "is not a phazer model dir",
                "no weights": "holds no trained model (model.weights.h5 is missing"}[case]
    code, _, err = transfer(capsys, str(source), TINY_SPEC, "-o", str(tmp_path / "new"))
    assert code == 1
    assert expected in err and "hint:" in err
    assert not (tmp_path / "new").exists()


def test_an_invalid_spec_is_reported_as_validate_does(old, tmp_path, capsys):
    code, _, err = transfer(capsys, str(old), TINY_SPEC, "-o", str(tmp_path / "new"),
                            "--set", "bottleneck.size=0")
    assert code == 1
    assert "bottleneck.size" in err and "error[PHZ104]" in err
    assert "phazer transfer: error: the spec" in err
    assert not (tmp_path / "new").exists()


def test_a_new_model_dir_that_holds_something_is_never_written(old, tmp_path, capsys):
    target = tmp_path / "new"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    code, _, err = transfer(capsys, str(old), TINY_SPEC, "-o", str(target))
    assert code == 1 and "is not empty (it holds notes.txt)" in err
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    code, _, err = transfer(capsys, str(old), TINY_SPEC, "-o", str(target / "notes.txt"))
    assert code == 1 and "is a file" in err


def test_a_failed_write_leaves_no_model_dir(old, tmp_path, capsys, disk_full):
    target = tmp_path / "new"
    code, _, err = transfer(capsys, str(old), TINY_SPEC, "-o", str(target))
    assert code == 1 and "cannot write the new model dir" in err
    assert not target.exists()


def test_an_empty_folder_with_a_killed_transfer_s_leftovers_is_used(old, tmp_path, capsys):
    target = tmp_path / "new"
    (target / ".saving").mkdir(parents=True)       # what a kill before the commit leaves
    (target / ".saving" / "model.weights.h5").write_bytes(b"half")
    assert transfer(capsys, str(old), TINY_SPEC, "-o", str(target))[0] == 0
    assert sorted(p.name for p in target.iterdir()) == [
        "model.weights.h5", "optimizer.npz", "spec.yaml", "state.json"]


def test_map_takes_a_sub_model_s_weights_from_another_name(old, tmp_path, capsys):
    new = tmp_path / "new"
    code, out, _ = transfer(capsys, str(old), TINY_SPEC, "-o", str(new), "--set",
                            "routing.split_fc=true", "--map", "fc_a=fc_both", "--map",
                            "fc_b=fc_both", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["totals"]["reinitialised_params"] == 0
    assert report["dropped_submodels"] == []
    by_name = {s["name"]: s for s in report["submodels"]}
    assert by_name["fc_a"]["from"] == "fc_both" and by_name["fc_a"]["reason"] == "from fc_both"
    old_weights, new_weights = saved_weights(old), saved_weights(new)
    for side in "ab":
        assert_same(new_weights[f"fc_{side}"], old_weights["fc_both"])
    state = json.loads((new / "state.json").read_text())
    assert state["transfer"]["mapped"] == {"fc_a": "fc_both", "fc_b": "fc_both"}


@pytest.mark.parametrize(("given", "expected"), [
    ("fc_x=fc_both", "the new model has no sub-model 'fc_x'; its sub-models are encoder, "
                     "fc_both, decoder_a, decoder_b"),
    ("fc_both=fc_a", "the old model has no sub-model 'fc_a'")])
def test_map_with_an_unknown_sub_model_writes_nothing(given, expected, old, tmp_path, capsys):
    code, _, err = transfer(capsys, str(old), TINY_SPEC, "-o", str(tmp_path / "new"),
                            "--map", given)
    assert code == 1 and expected in " ".join(err.split())
    assert not (tmp_path / "new").exists()


def test_map_needs_new_equals_old(old, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["transfer", str(old), TINY_SPEC, "-o", str(tmp_path / "new"), "--map", "fc_a"])
    assert stopped.value.code == 2
    assert "expected NEW=OLD" in capsys.readouterr().err
