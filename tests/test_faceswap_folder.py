"""Reading faceswap's model folders without Keras: files, weights, optimizer state, options.

Against ``shared/faceswap-models-trained`` (see tests/faceswap_models_oracle.py): every weight
of every ``.keras`` file read in faceswap's order, shape and value (``cases.json`` holds each
weight's path, shape and hash), pa01's ``optimizer.pt`` as torch wrote it, each state file's
record, and the spec rebuilt from a state file equal to the import of the ``train.ini`` the
model was trained from. The folder's refusals use made-up folders. No TensorFlow here; the
import itself and the model's outputs are in tests/test_faceswap_folder_keras.py.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from phazer.cli.main import main
from phazer.faceswap_folder.errors import FolderImportError
from phazer.faceswap_folder.folder import find_model_files
from phazer.faceswap_folder.keras_file import read_keras_file, snake_case
from phazer.faceswap_folder.spec import rebuild_spec
from phazer.faceswap_folder.state import read_state
from phazer.faceswap_folder.torch_pickle import TorchFileError, load_torch_file
from phazer.faceswap_folder.weights import VARIABLE_NAMES
from tests.faceswap_models_oracle import CASE_NAMES, case_dir, cases, require_oracle

OPTIMIZER_CASE = "pa01_subpixel_splitdec_optimizer"
CONFIG_KEYS = {"phaze_a": 88, "dfl_sae": 46}     # the README: every global + plugin option


def _stored_weights(name: str) -> list[tuple[str, np.ndarray]]:
    """``<layer>/<variable>`` and value of every weight of a case's file, in file order."""
    stored = read_keras_file(next(case_dir(name).glob("*.keras")))
    return [(f"{layer.name}/{VARIABLE_NAMES[layer.class_name][index]}", value)
            for _, layer in stored.model.weighted_layers()
            for index, value in enumerate(layer.variables)]


def test_class_names_become_keras_group_names() -> None:
    assert [snake_case(n) for n in ("InputLayer", "Conv2DTranspose", "RMSNormalization",
                                    "KResizeImages", "UpSampling2D", "DepthwiseConv2D")] == [
        "input_layer", "conv2d_transpose", "rms_normalization", "k_resize_images",
        "up_sampling2d", "depthwise_conv2d"]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_every_weight_is_read_in_faceswaps_order(name: str) -> None:
    """Each weight's layer, variable, shape and value are the ones faceswap's model held."""
    require_oracle()
    stored = _stored_weights(name)
    expected = cases()[name]["weights"]
    assert [path for path, _ in stored] == [w["path"] for w in expected]
    assert [list(value.shape) for _, value in stored] == [w["shape"] for w in expected]
    assert [hashlib.sha1(value.tobytes()).hexdigest()[:16] for _, value in stored] == [
        w["sha1"] for w in expected]


def test_the_optimizer_state_reads_as_torch_wrote_it() -> None:
    """pa01's optimizer.pt: torch's Adam state_dict, two parameter groups, one step's moments."""
    require_oracle()
    stored = read_keras_file(case_dir(OPTIMIZER_CASE) / "phaze_a.keras")
    saved = load_torch_file(stored.optimizer_pt)
    assert saved["version"] == 1.0 and saved["scaler"] is None
    groups, state = saved["optimizer"]["param_groups"], saved["optimizer"]["state"]
    assert [g["params"] for g in groups] == [list(range(13)), list(range(13, 26))]
    for group in groups:
        assert (group["lr"], group["betas"], group["eps"], group["weight_decay"],
                group["amsgrad"]) == (5e-05, (0.9, 0.999), 1e-07, 0.0, False)
    weights = cases()[OPTIMIZER_CASE]["weights"]
    decay = [w for w in weights if len(w["shape"]) > 1 and not w["path"].endswith("bias")]
    rest = [w for w in weights if w not in decay]
    for index, weight in enumerate(decay + rest):
        slots = state[index]
        assert list(slots["exp_avg"].shape) == weight["shape"], weight["path"]
        assert float(slots["step"]) == 1.0
        # one Adam step from zero: m = (1 - b1) g, v = (1 - b2) g^2, so v = 0.1 m^2
        np.testing.assert_allclose(slots["exp_avg_sq"], 0.1 * slots["exp_avg"] ** 2,
                                   rtol=1e-5, atol=1e-12)
    assert stored.optimizer_pt is not None
    assert read_keras_file(case_dir("pa02_resize_batch_res_upsinfc") / "phaze_a.keras"
                           ).optimizer_pt is None


def _torch_zip(payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", payload)
        archive.writestr("archive/byteorder", "little")
    return buffer.getvalue()


def test_a_pickle_naming_anything_but_tensors_is_refused() -> None:
    """The unpickler rebuilds torch's tensors only: a pickled function is never looked up."""
    with pytest.raises(TorchFileError, match=r"posix\.getcwd|nt\.getcwd"):
        load_torch_file(_torch_zip(pickle.dumps({"optimizer": __import__("os").getcwd})))
    with pytest.raises(TorchFileError, match="not a zip"):
        load_torch_file(b"not a zip")
    assert load_torch_file(_torch_zip(pickle.dumps({"a": [1, 2.5]}, protocol=2))) == {
        "a": [1, 2.5]}


@pytest.mark.parametrize("name", CASE_NAMES)
def test_the_state_file_is_read(name: str) -> None:
    require_oracle()
    case = cases()[name]
    state = read_state(case_dir(name) / case["state_file"])
    assert state.plugin == case["plugin"]
    assert state.iterations == case["iterations"] == sum(s.iterations for s in state.sessions)
    assert state.batch_size == case["training_emulation"]["batchsize"]
    assert len(state.config) == CONFIG_KEYS[case["plugin"]]
    assert state.lr_finder is None


@pytest.mark.parametrize("name", CASE_NAMES)
def test_the_spec_is_the_one_of_the_train_ini_it_was_trained_from(name: str) -> None:
    """A state file's options and the train.ini faceswap read give the same spec."""
    from phazer.faceswap_import import import_faceswap
    from phazer.faceswap_models import import_plugin

    require_oracle()
    case = cases()[name]
    rebuilt = rebuild_spec(read_state(case_dir(name) / case["state_file"]))
    ini = case_dir(name) / "train.ini"
    plugin = case["plugin"]
    reference = (import_faceswap(ini) if plugin == "phaze_a"
                 else import_plugin(ini, plugin))
    assert rebuilt.spec is not None, [i.message for i in rebuilt.issues]
    ignore = {"name", "description"}
    assert rebuilt.spec.model_dump(exclude=ignore) == reference.spec.model_dump(exclude=ignore)
    assert all(i.file == str(case_dir(name) / case["state_file"]) and i.line is None
               for i in rebuilt.issues)


# --- the folder's refusals (made-up folders) -----------------------------------------------
def _folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes(b"")
    return folder


@pytest.mark.parametrize(("files", "found", "hint"), [
    (("phaze_a.keras", "phaze_a_state.json", "dfl_sae.keras", "dfl_sae_state.json"),
     "the models of 2 faceswap plugins (dfl_sae.keras, phaze_a.keras)", "folders of their own"),
    (("phaze_a.keras", "phaze_a_state.json.bk"), "has phaze_a.keras but no "
     "phaze_a_state.json", "restore it from phaze_a_state.json.bk"),
    (("original.h5", "original_state.json"), "a faceswap 2 model (original.h5)",
     "converts it to .keras"),
    (("train.ini",), "holds no faceswap model", "-m of faceswap train"),
])
def test_a_folder_without_one_model_is_refused(files, found, hint, tmp_path, capsys) -> None:
    folder = _folder(tmp_path, *files)
    with pytest.raises(FolderImportError) as caught:
        find_model_files(folder)
    assert found in caught.value.message and hint in caught.value.hint
    target = tmp_path / "M"
    assert main(["import-faceswap", str(folder), "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert found in " ".join(err.split()) and not target.exists()


def test_a_folder_lists_what_it_does_not_read(tmp_path) -> None:
    folder = _folder(tmp_path, "phaze_a.keras", "phaze_a_state.json", "phaze_a.keras.bk",
                     "phaze_a_state.json.bk")
    files = find_model_files(folder)
    assert (files.plugin, files.keras.name, files.state.name) == (
        "phaze_a", "phaze_a.keras", "phaze_a_state.json")
    assert files.left == ["phaze_a.keras.bk", "phaze_a_state.json.bk"]


def test_the_model_s_plugin_and_force_are_checked_before_anything(tmp_path, capsys) -> None:
    folder = _folder(tmp_path, "phaze_a.keras", "phaze_a_state.json")
    target = tmp_path / "M"
    assert main(["import-faceswap", str(folder), "-o", str(target), "--model", "dfl_sae"]) == 1
    assert "holds faceswap's phaze_a model" in capsys.readouterr().err
    assert main(["import-faceswap", str(folder), "-o", str(target), "--force"]) == 1
    assert "never written over" in capsys.readouterr().err
    assert not target.exists()


def _rewrite_keras(source: Path, target: Path, h5_edit=None, drop: str = "") -> None:
    """A copy of a .keras file with its weights file edited or a member left out."""
    import h5py

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for member in old.namelist():
            if member == drop:
                continue
            data = old.read(member)
            if member == "model.weights.h5" and h5_edit is not None:
                buffer = io.BytesIO(data)
                with h5py.File(buffer, "r+") as h5:
                    h5_edit(h5)
                data = buffer.getvalue()
            new.writestr(member, data)


def test_a_keras_file_that_breaks_the_layout_is_refused(tmp_path) -> None:
    require_oracle()
    source = case_dir("pa01_subpixel_splitdec_optimizer") / "phaze_a.keras"
    extra = tmp_path / "extra.keras"
    _rewrite_keras(source, extra, lambda h5: h5.create_dataset("layers/stray/vars/0",
                                                                 data=[1.0]))
    with pytest.raises(FolderImportError, match=r"1 weight\(s\) .* belong to no layer "
                       r".*layers/stray/vars/0"):
        read_keras_file(extra)

    def rename(h5) -> None:
        h5["layers/functional/layers/conv2d/vars"].attrs["name"] = "somebody_else"

    moved = tmp_path / "moved.keras"
    _rewrite_keras(source, moved, rename)
    with pytest.raises(FolderImportError, match="belongs to layer 'somebody_else'"):
        read_keras_file(moved)
    missing = tmp_path / "missing.keras"
    _rewrite_keras(source, missing, drop="model.weights.h5")
    with pytest.raises(FolderImportError, match=r"has no model\.weights\.h5 member"):
        read_keras_file(missing)
    (tmp_path / "text.keras").write_text("not a zip")
    with pytest.raises(FolderImportError, match="is not a zip file"):
        read_keras_file(tmp_path / "text.keras")
