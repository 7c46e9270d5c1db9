"""Where faceswap's training-data oracle lives, and how to read it (no TensorFlow).

The oracle (``shared/faceswap-training``, made by faceswap's own code: see its README) sits
beside the repository: ``<repo>/../shared`` on a developer's machine and in CI, or
``<repo>/shared`` where a checkout carries it; ``PHAZER_FACESWAP_TRAINING`` names it
explicitly. Tests that need it skip cleanly when it is absent.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers import REPO, shared_folder

ENV = "PHAZER_FACESWAP_TRAINING"
TRAINING_FIELDS = ("centering", "coverage", "vertical_offset", "mask_type", "mask_blur_kernel",
                   "mask_threshold", "mask_dilation", "eye_multiplier", "mouth_multiplier",
                   "penalized_mask_loss")
"""The config keys of ``cases.json`` that are fields of phazer's ``training:`` section."""
SIDES = {"A": "a", "B": "b"}
"""The oracle's side folders and phazer's side names."""


def oracle_dir() -> Path | None:
    """The oracle folder, or None when this checkout has none."""
    return shared_folder("faceswap-training", ENV)


def require_oracle() -> Path:
    """The oracle folder; skips the test when it is absent."""
    folder = oracle_dir()
    if folder is None:
        pytest.skip(f"faceswap's training-data oracle (shared/faceswap-training) is not "
                    f"beside {REPO}; set {ENV} to its folder")
    return folder


@cache
def cases() -> dict[str, Any]:
    """``cases.json``."""
    return json.loads((require_oracle() / "cases.json").read_text(encoding="utf-8"))


@cache
def trainset() -> dict[str, np.ndarray]:
    """``trainset.npz`` as a dict (key ``"<config>/<A|B>/<file>"``; B, G, R, masks)."""
    with np.load(require_oracle() / "trainset.npz") as data:
        return {key: data[key] for key in data.files}


@cache
def previewset() -> dict[str, np.ndarray]:
    """``previewset.npz`` as a dict."""
    with np.load(require_oracle() / "previewset.npz") as data:
        return {key: data[key] for key in data.files}


def face_files() -> list[Path]:
    """The oracle's face files, side folder then name."""
    return sorted((require_oracle() / "faces").glob("*/*.png"))


def config_ids() -> list[str]:
    """Every config of ``cases.json`` (``c000`` ...), without skipping when it is absent."""
    folder = oracle_dir()
    if folder is None:
        return [f"c{number:03d}" for number in range(45)]
    configs = json.loads((folder / "cases.json").read_text(encoding="utf-8"))["configs"]
    return sorted(configs)


def training_values(config: dict[str, Any]) -> dict[str, Any]:
    """The ``training:`` fields of a config."""
    return {name: config[name] for name in TRAINING_FIELDS}


def reference_channel(config: dict[str, Any], array: np.ndarray, name: str) -> np.ndarray:
    """One channel of an oracle array by phazer's name (``R``, ``G``, ``B``, ``face``,
    ``eye``, ``mouth``), whatever its position."""
    labels = config["channels"]     # ["B", "G", "R", "mask:<type>", "mask:eye", ...]
    if name in ("R", "G", "B"):
        return array[..., labels.index(name)]
    masks = [label.split(":", 1)[1] for label in labels[3:]]
    wanted = name if name in ("eye", "mouth") else next(
        m for m in masks if m not in ("eye", "mouth"))
    return array[..., 3 + masks.index(wanted)]


def agreement(ours: np.ndarray, theirs: np.ndarray) -> tuple[float, float, int]:
    """(share of values within +-1, mean |difference|, largest |difference|)."""
    diff = np.abs(ours.astype(np.int16) - theirs.astype(np.int16))
    return float(np.mean(diff <= 1)), float(diff.mean()), int(diff.max())
