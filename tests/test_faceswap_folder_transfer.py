"""A faceswap model folder, imported, grows with `phazer transfer`: one more decoder upscale
keeps every weight faceswap trained (faceswap forbids changing a model's structure)."""

from __future__ import annotations

import json

import pytest

from tests.faceswap_models_oracle import case_dir, cases

pytestmark = pytest.mark.keras

pytest.importorskip("tensorflow")

from phazer.cli.main import main  # noqa: E402

CASE = "pa01_subpixel_splitdec_optimizer"


def test_one_more_decoder_upscale_keeps_every_trained_weight(tmp_path, capsys):
    imported = tmp_path / "imported"
    assert main(["import-faceswap", str(case_dir(CASE)), "-o", str(imported)]) == 0
    spec = (imported / "spec.yaml").read_text(encoding="utf-8")
    assert "\noutput_size: 64\n" in spec
    bigger = tmp_path / "bigger.yaml"
    bigger.write_text(spec.replace("\noutput_size: 64\n", "\noutput_size: 128\n"),
                      encoding="utf-8")
    capsys.readouterr()
    assert main(["transfer", str(imported), str(bigger), "-o", str(tmp_path / "grown"),
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    # every parameter faceswap's model has (its own count) is carried over
    assert report["totals"]["copied_params"] == cases()[CASE]["total_params"]
    assert report["color_order"] == "bgr"
    new_layers = {sub["name"]: [layer["name"] for layer in sub["layers"]
                                if layer["status"] == "re-initialised"]
                  for sub in report["submodels"]}
    # only the added upscale of each decoder starts fresh
    assert new_layers["encoder"] == [] and new_layers["fc_both"] == []
    assert len(new_layers["decoder_a"]) == 1 and len(new_layers["decoder_b"]) == 1
