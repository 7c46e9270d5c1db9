"""Where the faceswap-trained model folders live, and how to read their reference outputs.

The oracle (``shared/faceswap-models-trained``, made by faceswap's own code: see its README)
holds one faceswap model folder per case with the inputs fed and every output faceswap's model
gave. It sits beside the repository (``<repo>/../shared``) or in it (``<repo>/shared``);
``PHAZER_FACESWAP_MODELS`` names it explicitly. Tests that need it skip cleanly when it is
absent. No TensorFlow here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import REPO, shared_folder

ENV = "PHAZER_FACESWAP_MODELS"
FOLDER = "faceswap-models-trained"
CASE_NAMES = ("pa01_subpixel_splitdec_optimizer", "pa02_resize_batch_res_upsinfc",
              "pa03_hybrid_group_avgpool", "pa04_dny_alt_instance", "pa05_fast_gblock_layer",
              "pa06_learnmask_splitdec_res_rms", "pa07_sharedfull_flatten_dropout",
              "pa08_sharedhalf_splitfc_fcbottleneck", "pa09_mobilenet_icnr",
              "pa10_reflect_convaware_res2", "dfl_sae_liae_multiscale")
"""The shared cases (ids for parametrize, known without the oracle)."""
FAST_CASES = ("pa01_subpixel_splitdec_optimizer", "pa06_learnmask_splitdec_res_rms",
              "pa09_mobilenet_icnr", "dfl_sae_liae_multiscale")
"""One of each kind: saved optimizer, learn_mask, a nested Keras Applications encoder, another
plugin with a multiscale decoder and a swap faceswap cannot build."""
TOLERANCE = 1e-4
"""The largest absolute difference to faceswap's outputs the issue allows."""


def oracle_dir() -> Path | None:
    """The oracle folder, or None when this checkout has none."""
    return shared_folder(FOLDER, ENV)


def require_oracle() -> Path:
    """The oracle folder; skips the test when it is absent."""
    folder = oracle_dir()
    if folder is None:
        pytest.skip(f"faceswap's trained model folders (shared/{FOLDER}) are not beside "
                    f"{REPO}; set {ENV} to their folder")
    return folder


@cache
def cases() -> dict[str, dict[str, Any]]:
    """``cases.json``'s cases by name."""
    data = json.loads((require_oracle() / "cases.json").read_text(encoding="utf-8"))
    return {case["name"]: case for case in data["cases"]}


def case_dir(name: str) -> Path:
    """A case's model folder."""
    return require_oracle() / name


def inputs(name: str) -> dict[str, np.ndarray]:
    """The faces fed to faceswap's model (``face_in_a``, ``face_in_b``), raw model inputs."""
    with np.load(case_dir(name) / "inputs.npz") as data:
        return {key: data[key] for key in data.files}


def outputs(name: str) -> dict[str, np.ndarray]:
    """Every output faceswap's model gave (``<side>__<sub-model>__<layer>``, ``swap_a_to_b__``)."""
    with np.load(case_dir(name) / "outputs.npz") as data:
        return {key: data[key] for key in data.files}


def side_outputs(name: str) -> list[dict[str, Any]]:
    """Each reconstruction output: ``key``, ``side``, ``kind`` (face / mask) and ``shape``."""
    return list(cases()[name]["outputs"])


def swap_outputs(name: str) -> list[dict[str, Any]] | None:
    """faceswap's swap A->B outputs (``key``, ``shape``), or None where its swap fails."""
    swap = cases()[name]["inference"]["swap_a_to_b"]
    return list(swap["outputs"]) if swap["status"] == "ok" else None
