"""``phazer import-faceswap train.ini --model PLUGIN``: faceswap's other model plugins.

Every reference case (faceswap's own builds, ``tests/data/faceswap-models/reference.json``)
goes through the command and is compared layer by layer; the ``fs-*`` presets and the import
of the same case compile to the same figures; bad values exit 1 and write nothing; and
non-default configurations give the shapes faceswap's formulas imply (computed here from
faceswap's code, independently of the importer).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from phazer.cli.main import main
from phazer.compiler import compile_model
from phazer.faceswap_models import PLUGINS, import_plugin, plugin_options
from phazer.faceswap_models.blocks import largest_dense
from phazer.ir.model import ModelIR
from phazer.plan.figures import model_figures
from phazer.spec import load_spec
from phazer.spec.graph_form import GraphSpec
from phazer.spec.presets import presets_dir
from tests.faceswap_reference import (
    assert_equals_faceswap,
    assert_keras_settings,
    faceswap_reference,
)

CASES = faceswap_reference()
# fs-* preset -> the reference case it was written from
PRESETS = {"fs-original": "original_default", "fs-original-lowmem": "original_lowmem",
           "fs-dfaker": "dfaker_default", "fs-dfaker-original-lowmem": "dfaker_original_lowmem",
           "fs-dfl-h128": "dfl_h128_default", "fs-dfl-h128-lowmem": "dfl_h128_lowmem",
           "fs-dfl-sae": "dfl_sae_default", "fs-dfl-sae-liae": "dfl_sae_liae",
           "fs-dfl-sae-df-multiscale": "dfl_sae_df_multiscale",
           "fs-dfl-sae-liae-multiscale": "dfl_sae_liae_multiscale", "fs-dlight": "dlight_default",
           "fs-iae": "iae_default", "fs-lightweight": "lightweight_default",
           "fs-realface": "realface_default", "fs-unbalanced": "unbalanced_default",
           "fs-unbalanced-lowmem": "unbalanced_lowmem", "fs-villain": "villain_default",
           "fs-villain-lowmem": "villain_lowmem"}


def write_ini(folder: Path, plugin: str, config: dict[str, Any],
              extra: dict[str, dict[str, Any]] | None = None, name: str = "train.ini") -> Path:
    """A train.ini with ``[model.<plugin>]`` = ``config`` and the ``extra`` sections."""
    sections = {f"model.{plugin}": config, **(extra or {})}
    text = "".join(f"[{section}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
                   for section, values in sections.items())
    path = folder / name
    path.write_text(text)
    return path


def case_ini(folder: Path, case: dict[str, Any]) -> Path:
    extra = dict(case.get("extra_sections", {}))
    if case.get("global_loss"):
        extra["global.loss"] = case["global_loss"]
    return write_ini(folder, case["plugin"], case["config"], extra)


DENSE_LIMIT = largest_dense()


def imported(folder: Path, plugin: str, config: dict[str, Any],
             extra: dict[str, dict[str, Any]] | None = None, dense: int = 0) -> ModelIR:
    """Import through the library and compile; fails the test on any error.

    ``dense`` is the widest dense layer faceswap's formulas give: above the graph form's
    limit the import must refuse it clearly, and the test is an expected failure.
    """
    result = import_plugin(write_ini(folder, plugin, config, extra), plugin)
    if DENSE_LIMIT is not None and dense > DENSE_LIMIT:
        assert result.spec is None
        assert any(f"at most {DENSE_LIMIT:,} units" in i.message for i in result.issues)
        pytest.xfail(f"faceswap builds a Dense layer of {dense:,} units here; the graph "
                     f"form's dense block takes at most {DENSE_LIMIT:,} "
                     "(phazer/spec/graph_blocks.py Units)")
    assert result.spec is not None, [i.message for i in result.issues if i.severity == "error"]
    compiled = compile_model(result.spec)
    assert compiled.errors == []
    return compiled.model


# --- every reference case, through the command ---------------------------------------------
@pytest.mark.parametrize("case", list(CASES))
def test_import_equals_faceswaps_build(tmp_path, case: str, capsys) -> None:
    """The written YAML loads, and its model equals faceswap's: params (total and per
    sub-model), sub-model names and order, shapes, every layer's params, shape and name."""
    reference = CASES[case]
    out = tmp_path / "x.yaml"
    code = main(["import-faceswap", str(case_ini(tmp_path, reference)), "--model",
                 reference["plugin"], "-o", str(out)])
    assert code == 0, capsys.readouterr().out
    text = out.read_text()
    assert text.startswith(f"# Imported by `phazer import-faceswap --model {reference['plugin']}`")
    spec = load_spec(str(out)).spec
    assert isinstance(spec, GraphSpec)
    assert_equals_faceswap(compile_model(spec), reference["result"])


@pytest.mark.keras
@pytest.mark.parametrize("case", list(CASES))
def test_import_has_faceswaps_keras_settings(tmp_path, case: str) -> None:
    """Each layer's Keras class and settings (initializers included) are faceswap's."""
    reference = CASES[case]
    result = import_plugin(case_ini(tmp_path, reference), reference["plugin"])
    assert_keras_settings(compile_model(result.spec).model, reference["result"])


def _figures(model: ModelIR) -> tuple[Any, ...]:
    figures = model_figures(model)
    return (figures.total_params, [(s.name, s.params, s.input_shapes, s.output_shapes)
                                   for s in figures.submodels],
            {name: [(op.name, op.kind, op.shape, op.params.total) for op in sub.ops]
             for name, sub in model.submodels.items()}, dict(model.outputs))


@pytest.mark.parametrize(("preset", "case"), PRESETS.items())
def test_preset_and_import_agree(tmp_path, preset: str, case: str) -> None:
    document = yaml.safe_load((presets_dir() / f"{preset}.yaml").read_text())
    ours = compile_model(GraphSpec.model_validate(document)).model
    reference = CASES[case]
    result = import_plugin(case_ini(tmp_path, reference), reference["plugin"])
    assert _figures(compile_model(result.spec).model) == _figures(ours)


def test_every_case_is_covered() -> None:
    assert len(CASES) == 28
    assert {c["plugin"] for c in CASES.values()} == set(PLUGINS)


def test_shipped_options_are_faceswaps() -> None:
    shipped = Path(__file__).parent.parent / "phazer" / "faceswap_models" / "options.json"
    reference = Path(__file__).parent / "data" / "faceswap-models" / "options.json"
    assert json.loads(shipped.read_text()) == json.loads(reference.read_text())
    assert [o.name for o in plugin_options("dfl_sae")] == [
        "input_size", "architecture", "autoencoder_dims", "encoder_dims", "decoder_dims",
        "multiscale_decoder"]


# --- what is reported ----------------------------------------------------------------------
def test_missing_options_take_faceswaps_defaults(tmp_path) -> None:
    result = import_plugin(write_ini(tmp_path, "dfl_sae", {"architecture": "liae"}), "dfl_sae")
    defaulted = {i.path for i in result.issues if i.code == "PHZ407"}
    assert {f"[model.dfl_sae] {o}" for o in ("input_size", "autoencoder_dims", "encoder_dims",
                                             "decoder_dims", "multiscale_decoder")} <= defaulted
    assert "[model.dfl_sae] architecture" not in defaulted
    assert "[global.loss] learn_mask" in defaulted
    assert result.settings is not None and result.settings["input_size"] == 128


def test_dfaker_reads_original_lowmem(tmp_path) -> None:
    plain = imported(tmp_path, "dfaker", {})
    lowmem = imported(tmp_path, "dfaker", {}, {"model.original": {"lowmem": True}})
    convs = [[op.name for op in m.submodels["encoder"].ops if op.kind == "conv2d"][:4]
             for m in (plain, lowmem)]
    assert len([n for n in convs[0] if n.startswith("conv_")]) == 4
    assert len([n for n in convs[1] if n.startswith("conv_")]) == 3


def test_unknown_option_is_an_info(tmp_path) -> None:
    result = import_plugin(write_ini(tmp_path, "villain", {"lowmme": True}), "villain")
    (issue,) = [i for i in result.issues if i.code == "PHZ403"]
    assert issue.path == "[model.villain] lowmme" and "lowmem" in issue.hint
    assert result.spec is not None


def run_refused(tmp_path: Path, plugin: str, config: dict[str, Any], capsys,
                extra: dict[str, dict[str, Any]] | None = None) -> str:
    """Run the command on a bad file: exit 1, nothing written; returns what it printed."""
    out = tmp_path / "out.yaml"
    ini = write_ini(tmp_path, plugin if plugin in PLUGINS else "original", config, extra)
    assert main(["import-faceswap", str(ini), "--model", plugin, "-o", str(out)]) == 1
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.ini"]
    printed = capsys.readouterr().out
    assert "nothing written" in printed
    return " ".join(printed.split())


@pytest.mark.parametrize(("plugin", "config", "words"), [
    ("dfl_sae", {"input_size": 512}, ["[model.dfl_sae] input_size = 512",
                                      "an integer from 64 to 256 in steps of 16",
                                      "set it to 256"]),
    ("dfl_sae", {"input_size": 100}, ["input_size = 100", "from 64 to 256 in steps of 16",
                                      "96 or 112"]),
    ("unbalanced", {"nodes": 0}, ["nodes = 0", "from 512 to 4096 in steps of 64",
                                  "set it to 512"]),   # a width off the slider builds; 0 not
    ("dlight", {"features": "bset"}, ["[model.dlight] features = bset",
                                      "lowmem, fair, best", "did you mean 'best'?"]),
    ("dfl_sae", {"architecture": "lia"}, ["architecture = lia", "df, liae"]),
    ("dfl_sae", {"encoder_dims": "4.5"}, ["encoder_dims = 4.5", "not an integer",
                                          "an integer from 21 to 85"]),
    ("villain", {"lowmem": "maybe"}, ["[model.villain] lowmem = maybe", "True or False"]),
    ("realface", {"output_size": 80}, ["[model.realface] output_size = 80",
                                       "64 to 256, divisible by 32", "64, 96, 128"]),
    ("realface", {"output_size": 272}, ["[model.realface] output_size = 272",
                                        "an integer from 64 to 256 in steps of 16"]),
    ("realface", {"input_size": 144}, ["input_size = 144", "from 64 to 128 in steps of 16"]),
    ("dfaker", {"output_size": 192}, ["output_size = 192", "from 128 to 256 in steps of 128"]),
    ("dlight", {"output_size": 512}, ["output_size = 512", "from 128 to 384 in steps of 128"]),
])
def test_bad_values_are_refused(tmp_path, capsys, plugin: str, config: dict[str, Any],
                                words: list[str]) -> None:
    printed = run_refused(tmp_path, plugin, config, capsys)
    for word in words:
        assert word in printed, (word, printed)
    assert "train.ini" in printed  # the file is named


def test_unknown_plugin_lists_the_known_ones(tmp_path, capsys) -> None:
    printed = run_refused(tmp_path, "dfl-sae", {}, capsys)
    assert "unknown faceswap model plugin 'dfl-sae'" in printed
    assert "did you mean 'dfl_sae'?" in printed
    assert all(name in printed for name in PLUGINS)


@pytest.mark.parametrize("option", ["icnr_init", "conv_aware_init", "reflect_padding"])
def test_unmodelled_global_switches_are_refused(tmp_path, capsys, option: str) -> None:
    printed = run_refused(tmp_path, "original", {}, capsys, {"global": {option: True}})
    assert f"[global] {option} = True" in printed and f"set {option} = False" in printed


def test_force_overwrites(tmp_path, capsys) -> None:
    ini = write_ini(tmp_path, "lightweight", {})
    out = tmp_path / "x.yaml"
    out.write_text("keep me\n")
    args = ["import-faceswap", str(ini), "--model", "lightweight", "-o", str(out)]
    assert main(args) == 1 and out.read_text() == "keep me\n"
    assert main([*args, "--force"]) == 0
    assert isinstance(load_spec(str(out)).spec, GraphSpec)


def test_phaze_a_stays_the_default(tmp_path, capsys) -> None:
    ini = write_ini(tmp_path, "dfl_sae", {})
    assert main(["import-faceswap", str(ini), "-o", str(tmp_path / "x.yaml")]) == 1
    assert "no [model.phaze_a] section" in capsys.readouterr().out


def test_the_written_file_validates_and_summarizes(tmp_path, capsys) -> None:
    out = tmp_path / "x.yaml"
    ini = write_ini(tmp_path, "dfl_sae", {"architecture": "liae"},
                    {"global.loss": {"learn_mask": True}})
    assert main(["import-faceswap", str(ini), "--model", "dfl_sae", "-o", str(out)]) == 0
    assert main(["validate", str(out)]) == 0
    capsys.readouterr()
    assert main(["summary", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    # dfl_sae.py's mask path on decoder_both (input 16x16x1024): upscales of decoder_dims
    # (21) times 8, 4, 2, each a 3x3 conv to 4x the filters, then a 5x5 conv to 1 channel
    conv = lambda k, cin, cout: k * k * cin * cout + cout  # noqa: E731
    mask = conv(3, 1024, 168 * 4) + conv(3, 168, 84 * 4) + conv(3, 84, 42 * 4) + conv(5, 42, 1)
    assert summary["total_params"] == CASES["dfl_sae_liae"]["result"]["total_params"] + mask
    assert [s["name"] for s in summary["submodels"]] == list(
        CASES["dfl_sae_liae"]["result"]["sub_models"])


# --- non-default configurations: faceswap's formulas, computed here ----------------------
def _shapes(model: ModelIR, name: str) -> tuple[tuple[tuple[int, ...], ...], ...]:
    sub = model.submodels[name]
    return sub.input_shapes, sub.output_shapes


def _units(model: ModelIR, name: str) -> list[int]:
    return [op.shape[-1] for op in model.submodels[name].ops if op.kind == "dense"]


def _convs(model: ModelIR, name: str) -> list[int]:
    return [op.shape[-1] for op in model.submodels[name].ops
            if op.kind == "conv2d" and op.name.startswith("conv_")]


@pytest.mark.parametrize(("size", "arch", "ae", "enc", "dec", "multiscale"), [
    (64, "df", 0, 42, 21, False), (256, "df", 256, 30, 16, False),
    (128, "liae", 128, 42, 21, True), (256, "liae", 64, 85, 85, True),
    (256, "df", 0, 42, 21, False), (256, "liae", 0, 42, 21, True),
    (160, "liae", 512, 21, 10, False), (80, "df", 1024, 21, 10, True),
])
def test_dfl_sae_sizes(tmp_path, size: int, arch: str, ae: int, enc: int, dec: int,
                       multiscale: bool) -> None:
    dims = ae or (256 if arch == "liae" else 512)   # dfl_sae.py: Model.ae_dims
    res = size // 16                                 # lowest_dense_res
    model = imported(tmp_path, "dfl_sae", {
        "input_size": size, "architecture": arch, "autoencoder_dims": ae, "encoder_dims": enc,
        "decoder_dims": dec, "multiscale_decoder": multiscale},
        dense=res * res * dims * (2 if arch == "liae" else 1))
    assert _convs(model, f"encoder_{arch}") == [3 * enc * m for m in (1, 2, 4, 8)]
    decoder = "decoder_both" if arch == "liae" else "decoder_a"
    scales = [size // 4, size // 2, size] if multiscale else [size]
    if arch == "liae":
        assert _units(model, "intermediate_b") == [dims, res * res * dims * 2]
        assert _shapes(model, "intermediate_b")[1] == ((2 * res, 2 * res, 2 * dims),)
        assert _shapes(model, decoder)[0] == ((2 * res, 2 * res, 4 * dims),)
    else:
        assert _units(model, "encoder_df") == [dims, res * res * dims]
        assert _shapes(model, "encoder_df")[1] == ((2 * res, 2 * res, dims),)
    assert _shapes(model, decoder)[1] == tuple((s, s, 3) for s in scales)
    # three stages of 3 * decoder_dims times 8, 4, 2
    ups = [op.shape[-1] for op in model.submodels[decoder].ops if op.kind == "pixel_shuffle"]
    assert ups == [3 * dec * 8, 3 * dec * 4, 3 * dec * 2]


def _realface_expected(size: int, out: int) -> tuple[int, int]:
    """realface.py get_dense_width_upscalers_numbers and dense_filters, written afresh."""
    candidates = [(out // 16, 4), (out // 32, 5)]
    candidates = [(w, n) for w, n in candidates if w < 10]
    width, count = min(candidates, key=lambda c: (abs(c[0] * 16 - size),
                                                  candidates.index(c)))
    return width, count


@pytest.mark.parametrize(("size", "out", "nodes", "enc", "dec"), [
    (128, 256, 1536, 128, 512), (64, 64, 768, 96, 544), (96, 160, 2048, 160, 512),
    (112, 224, 1024, 100, 520),
])
def test_realface_sizes(tmp_path, size: int, out: int, nodes: int, enc: int, dec: int) -> None:
    model = imported(tmp_path, "realface", {"input_size": size, "output_size": out,
                                            "dense_nodes": nodes, "complexity_encoder": enc,
                                            "complexity_decoder": dec})
    width, count = _realface_expected(size, out)
    filters = int(1024 - (width - 4) * 64) // 16 * 16
    assert _shapes(model, "encoder")[1] == ((size // 16, size // 16, enc * 8),)
    assert _units(model, "decoder_b") == [nodes, width * width * filters]
    assert _units(model, "decoder_a") == [int(nodes / 1.5), width * width * int(filters / 1.5)]
    for side in "ab":
        ups = [op for op in model.submodels[f"decoder_{side}"].ops if op.kind == "pixel_shuffle"]
        assert len(ups) == count
        assert _shapes(model, f"decoder_{side}")[1] == ((out, out, 3),)


@pytest.mark.parametrize(("size", "lowmem", "nodes", "enc", "dec_a", "dec_b"), [
    (256, True, 2048, 256, 512, 512), (64, False, 512, 64, 64, 1024),
    (128, True, 4096, 1024, 1024, 64), (128, False, 4096, 1024, 1024, 1024),
    (512, False, 4096, 80, 96, 112), (192, False, 1536, 128, 384, 512),
])
def test_unbalanced_sizes(tmp_path, size: int, lowmem: bool, nodes: int, enc: int,
                          dec_a: int, dec_b: int) -> None:
    config = {"input_size": size, "lowmem": lowmem, "nodes": nodes, "complexity_encoder": enc,
              "complexity_decoder_a": dec_a, "complexity_decoder_b": dec_b}
    if lowmem:  # unbalanced.py: lowmem overrides the options
        nodes, enc, dec_a, dec_b = 512, 128, 320, 384
    dense = 384 if lowmem else 512
    res = size // 16
    model = imported(tmp_path, "unbalanced", config, dense=res * res * dense)
    assert _convs(model, "encoder") == [enc * m for m in (1, 2, 4, 6, 8)]
    assert _units(model, "encoder") == [nodes, res * res * dense]
    assert _shapes(model, "decoder_a")[0] == ((res, res, dense),)
    shuffles = {side: [op.shape[-1] for op in model.submodels[f"decoder_{side}"].ops
                       if op.kind == "pixel_shuffle"] for side in "ab"}
    assert shuffles["a"] == [dec_a, dec_a, dec_a // 2, dec_a // 4]
    assert shuffles["b"] == ([dec_b, dec_b // 2, dec_b // 4, dec_b // 8] if lowmem
                             else [dec_b, dec_b, dec_b // 2, dec_b // 4])
    for side in "ab":
        assert _shapes(model, f"decoder_{side}")[1] == ((size, size, 3),)


@pytest.mark.parametrize(("features", "details", "out"), [
    ("lowmem", "good", 128), ("fair", "fast", 384), ("best", "fast", 128),
    ("lowmem", "fast", 256),
])
def test_dlight_sizes(tmp_path, features: str, details: str, out: int) -> None:
    model = imported(tmp_path, "dlight", {"features": features, "details": details,
                                          "output_size": out},
                     {"global.loss": {"learn_mask": True}})
    filters = 48 if features == "lowmem" else 64
    units = {"lowmem": 512, "fair": 1024, "best": 1536}[features] + 128
    ratio = {128: 2, 256: 4, 384: 6}[out]
    assert _convs(model, "encoder") == [filters // 2, filters, filters * 2, filters * 4,
                                        filters * 8]
    assert _units(model, "encoder") == [units, 4 * 4 * 1024]
    decoder_b = "decoder_b" if details == "good" else "decoder_b_fast"
    assert list(model.submodels) == ["encoder", "decoder_a", decoder_b]
    for name in ("decoder_a", decoder_b):
        assert _shapes(model, name) == (((4, 4, 1024),), ((out, out, 3), (out, out, 1)))
    first = next(op for op in model.submodels[decoder_b].ops if op.kind == "pixel_shuffle")
    assert first.shape[:2] == (4 * ratio, 4 * ratio)
    if details == "fast":   # fast Upscale2xBlock: two branches added, the full filters each
        adds = [op.shape for op in model.submodels[decoder_b].ops if op.kind == "add"]
        assert [s[-1] for s in adds] == [512, 256, 128, 64]


@pytest.mark.parametrize(("out", "lowmem"), [(256, False), (256, True), (128, True)])
def test_dfaker_sizes(tmp_path, out: int, lowmem: bool) -> None:
    model = imported(tmp_path, "dfaker", {"output_size": out},
                     {"model.original": {"lowmem": lowmem}})
    assert _shapes(model, "encoder") == (((out // 2, out // 2, 3),), ((8, 8, 512),))
    assert len(_convs(model, "encoder")) == (3 if lowmem else 4)
    shuffles = [op.shape[-1] for op in model.submodels["decoder_a"].ops
                if op.kind == "pixel_shuffle"]
    assert shuffles == ([1024] if out == 256 else []) + [512, 256, 128, 64]
    assert _shapes(model, "decoder_b")[1] == ((out, out, 3),)


@pytest.mark.parametrize("plugin", ["original", "dfl_h128", "villain"])
def test_lowmem_and_mask(tmp_path, plugin: str) -> None:
    model = imported(tmp_path, plugin, {"lowmem": True}, {"global.loss": {"learn_mask": True}})
    size = {"original": 64, "dfl_h128": 128, "villain": 128}[plugin]
    for side in "ab":
        assert _shapes(model, f"decoder_{side}")[1] == ((size, size, 3), (size, size, 1))
    assert list(model.outputs) == ["face_out_a", "mask_out_a", "face_out_b", "mask_out_b"]


def test_docs_option_table_is_generated() -> None:
    from phazer.faceswap_models.tables import END, START, options_markdown

    text = (Path(__file__).parent.parent / "docs" / "import-faceswap.md").read_text()
    assert f"{START}\n{options_markdown()}{END}" in text
