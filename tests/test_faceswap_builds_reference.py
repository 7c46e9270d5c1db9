"""faceswap's own Phaze-A build at the edge of what it accepts, against phazer's (issue 28).

``tests/data/phaze-a/faceswap-builds.json`` holds, per configuration, the parameters of every
sub-model faceswap's unmodified ``phaze_a.py`` builds (and whether the model runs), or the
error its build raises (``make_faceswap_builds.py`` beside it says how). Each configuration is
imported as a ``train.ini`` would be: where faceswap builds a model that runs, phazer builds
the same parameters, with a warning where the spec does not mean what it seems; where
faceswap fails, phazer refuses the spec with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from phazer.compiler import compile_model
from phazer.faceswap_import import import_faceswap
from phazer.pipeline.validation import check_spec
from tests.helpers import DATA

BUILDS = json.loads((DATA / "phaze-a" / "faceswap-builds.json").read_text(encoding="utf-8"))
CASES: dict[str, dict[str, Any]] = BUILDS["cases"]

WARNINGS: dict[str, set[str]] = {
    "upscales_in_fc_beyond": {"PHZ306"}, "upscales_in_fc_6": {"PHZ306"},
    "upscales_in_fc_beyond_hybrid_res": {"PHZ306"}, "no_upscale_dny_in_fc": {"PHZ306"},
    "no_upscale_retile_in_fc": {"PHZ306"}, "fc_larger_than_output": {"PHZ301"},
    "fc_larger_than_output_in_fc": {"PHZ301", "PHZ306"}, "fc_larger_rescaled": {"PHZ301"},
    "encoder_to_1x1": {"PHZ329"}, "encoder_to_1x1_depth_10": {"PHZ329"},
    "decoder_min_above_gui": {"PHZ322"},
}
"""The warnings phazer gives where faceswap builds a model that runs (none elsewhere)."""

REFUSED: dict[str, str] = {
    "alt_encoder_too_deep": "PHZ310", "reflect_encoder_2px": "PHZ310",
    "zero_decoder_filters": "PHZ316", "zero_fc_nodes": "PHZ316", "zero_gblock_nodes": "PHZ316",
    "readme_fc_filters_zero": "PHZ302", "learn_mask_upscales_in_fc": "PHZ307",
}
"""Where faceswap's build fails (or its model cannot run): phazer's error."""

PHAZER_OWN = {
    "every_weight_shared": "PHZ203",      # builds, but phazer refuses a model that cannot swap
    "fc_depth_1_min_below_max": "PHZ207",  # faceswap fails; phazer builds max_filters (guide)
}
"""Where phazer knowingly differs (docs/routing.md, docs/arithmetic.md)."""


def _ini(folder: Path, case: dict[str, Any]) -> Path:
    text = "[global]\n" + "".join(f"{k} = {v}\n" for k, v in case.get("global", {}).items())
    text += f"\n[global.loss]\nlearn_mask = {case.get('learn_mask', False)}\n"
    text += "\n[model.phaze_a]\n" + "".join(f"{k} = {v}\n" for k, v in case["config"].items())
    path = folder / "train.ini"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_case_has_an_expectation() -> None:
    built = {name for name, case in CASES.items() if case.get("runs")}
    failed = set(CASES) - built
    assert failed == set(REFUSED) | {"fc_depth_1_min_below_max"}
    assert set(WARNINGS) | {"every_weight_shared"} <= built
    assert BUILDS["meta"]["faceswap_commit"].startswith("acdcfa87")


@pytest.mark.parametrize("name", sorted(CASES))
def test_phazer_builds_what_faceswap_builds(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    result = import_faceswap(_ini(tmp_path, case))
    assert result.spec is not None, [i.message for i in result.issues if i.severity == "error"]
    issues = check_spec(result.spec)
    errors = {i.code for i in issues if i.severity == "error"}
    warnings = {i.code for i in issues if i.severity == "warning"}
    compiled = compile_model(result.spec)
    if name in REFUSED:
        assert errors == {REFUSED[name]} and compiled.model is None
        (error,) = [i for i in issues if i.severity == "error"]
        assert "faceswap" in error.message and "fails here too" in error.message
        return
    assert compiled.model is not None
    ours = {sub: ir.params.total for sub, ir in compiled.model.submodels.items()}
    if name == "fc_depth_1_min_below_max":
        assert errors == set() and "PHZ207" in {i.code for i in issues}
        return
    assert ours == case["sub_models"]
    assert sum(ours.values()) == case["total_params"]
    assert errors == ({PHAZER_OWN[name]} if name in PHAZER_OWN else set())
    assert warnings == WARNINGS.get(name, set())
