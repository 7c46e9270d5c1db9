"""What a ``phazer: 1`` spec can say, a graph-form spec can say: convolutions and weights.

``convolutions:`` at the graph's top level reaches every block (sequence blocks and Phaze-A
blocks alike) with Phaze-A's meaning; ``weights:`` names sub-models to freeze and load, checked
by one rule for both forms and applied by ``phazer train``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from phazer.cli.render import render_text
from phazer.compiler import compile_model
from phazer.ir.model import ModelIR
from phazer.ir.ops import OP_KINDS
from phazer.pipeline.validation import check_spec, validate_reference
from phazer.spec import load_spec
from phazer.spec.graph_form import GraphSpec
from phazer.spec.resume import model_defining_diff
from tests.helpers import TINY_SPEC

SWITCHES = ("icnr_init", "conv_aware_init", "reflect_padding")
VARIANTS = {**{name: (name,) for name in SWITCHES}, "all": SWITCHES}

# The tiny spec's decoder (tests/specs/tiny.yaml with decoder.res_blocks 1) as graph blocks.
TINY_DECODER: list[Any] = [
    {"upscale": 64}, {"leaky_relu": 0.2}, {"residual": 64},
    {"upscale": 24}, {"leaky_relu": 0.2}, {"residual": 24},
    {"upscale": 16}, {"leaky_relu": 0.1}, {"output": {"channels": 3, "kernel": 5}},
]

GRAPH = """\
phazer: 2
sides:
  a: {input: 64}
  b: {input: 64}
convolutions:
  icnr_init: true
  reflect_padding: true
models:
  enc:
    - conv: {filters: [16, 32, 64], kernel: 5, strides: 2}
    - flatten
    - dense: 128
    - dense: 4096
    - reshape: [8, 8, 64]
  decoder_a: &decoder
    - upscale: [32, 16, 8]
    - output: 3
  decoder_b: *decoder
routes:
  a: enc -> decoder_a
  b: enc -> decoder_b
weights:
  freeze: [enc]
  load: [enc]
"""


def _sets(switches: tuple[str, ...]) -> list[str]:
    return [f"convolutions.{name}=true" for name in switches]


def _layers(model: ModelIR, name: str) -> list[tuple[object, ...]]:
    """A sub-model's layers without their names: kind, shape and attrs (defaults filled in)."""
    return [(op.kind, op.shape, sorted(OP_KINDS[op.kind].resolve(op.attrs).items(), key=str))
            for op in model.submodels[name].ops]


def _graph(text: str = GRAPH, **changes: Any) -> GraphSpec:
    document = yaml.safe_load(text)
    document.update(changes)
    return GraphSpec.model_validate(document)


def _ops(model: ModelIR, kind: str) -> list[dict[str, object]]:
    return [dict(op.attrs, name=op.name) for sub in model.submodels.values()
            for op in sub.ops if op.kind == kind]


# --- convolutions -----------------------------------------------------------------------------

@pytest.mark.parametrize("switches", VARIANTS.values(), ids=VARIANTS.keys())
def test_sequence_blocks_take_the_switches_as_phaze_a_does(switches) -> None:
    """Sequence-block decoders build what the Phaze-A decoder builds, switches and all."""
    overrides = [*_sets(switches), "decoder.res_blocks=1"]
    phaze_a = compile_model(load_spec(TINY_SPEC, overrides).spec).model
    document = yaml.safe_load(render_text(TINY_SPEC, overrides, graph=True))
    document["models"].update(decoder_a=TINY_DECODER, decoder_b=TINY_DECODER)
    graph = compile_model(GraphSpec.model_validate(document))
    assert graph.errors == [] and graph.model is not None and phaze_a is not None
    for name in phaze_a.submodels:   # the encoder and FC are Phaze-A blocks in both
        assert _layers(graph.model, name) == _layers(phaze_a, name), name
    kinds = {op.attrs.get("kernel_initializer") for op in graph.model.submodels["decoder_a"].ops}
    assert ("icnr_conv_aware" in kinds) == {"icnr_init", "conv_aware_init"}.issubset(switches)
    pads = [op for op in graph.model.submodels["decoder_a"].ops
            if op.kind == "reflection_pad_same"]
    assert bool(pads) == ("reflect_padding" in switches)


def test_the_switches_reach_every_kind_of_block() -> None:
    model = compile_model(_graph(convolutions=dict.fromkeys(SWITCHES, True),
                                 models={"enc": [
                                     {"conv": {"filters": 16, "initializer": "random_normal"}},
                                     {"conv": {"filters": 16, "kernel": 3, "padding": "valid"}},
                                     {"conv": {"filters": 16, "kernel": 1}},
                                     {"separable_conv": 16}, {"residual": 16},
                                     {"upscale_hybrid": 16}, "flatten", {"dense": 8}],
                                     "dec": [{"reshape": [2, 2, 2]}, {"upscale": 8},
                                             {"output": 3}]},
                                 routes={"a": "enc -> dec", "b": "enc -> dec"})).model
    assert model is not None
    inits = {op["name"]: op["kernel_initializer"] for op in _ops(model, "conv2d")}
    assert inits == {
        "conv_16_0_conv2d": "conv_aware",             # replaces random_normal, as faceswap's
        "conv_16_1_conv2d": "conv_aware", "conv_16_2_conv2d": "conv_aware",
        "residual_16_0_conv2d_0": "conv_aware", "residual_16_0_conv2d_1": "conv_aware",
        "upscale_8_0_conv2d_conv2d": "icnr_conv_aware",           # feeds the pixel shuffle
        "upscale2x_16_hyb_0_conv2d": "conv_aware",                # the bilinear branch: no ICNR
        "upscale_8_1_conv2d_conv2d": "icnr_conv_aware", "face_out_0_conv2d": "conv_aware"}
    assert [op["kernel_initializer"] for op in _ops(model, "dense")] == ["glorot_uniform"]
    assert [op["kernel_initializer"] for op in _ops(model, "separable_conv2d")] == [
        "glorot_uniform"]
    padded = {op["name"].removesuffix("_reflectionpad")
              for op in _ops(model, "reflection_pad_same")}
    # 'same' conv blocks with kernels > 1, residual and upscale convs; not the 'valid' conv, the
    # 1x1 conv, the separable conv, the bilinear branch or the output conv
    assert padded == {"conv_16_0", "residual_16_0_0", "residual_16_0_1",
                      "upscale_8_0_conv2d", "upscale_8_1_conv2d"}
    convs = {op["name"]: op["padding"] for op in _ops(model, "conv2d")}
    assert convs["conv_16_1_conv2d"] == "valid" and convs["conv_16_0_conv2d"] == "valid"
    assert convs["face_out_0_conv2d"] == "same"


def test_switches_off_change_nothing() -> None:
    off = compile_model(_graph(convolutions={})).model
    assert off is not None and _ops(off, "reflection_pad_same") == []
    assert {op["kernel_initializer"] for op in _ops(off, "conv2d")} == {"he_uniform"}


def test_reflect_padding_on_too_small_a_map_is_an_error_at_the_sub_model() -> None:
    spec = _graph(models={"enc": [{"conv": {"filters": [8, 8, 8, 8, 8, 8], "strides": 2}},
                                  "flatten"],
                          "dec": [{"reshape": [1, 1, 8]}, {"upscale": 8}, {"output": 3}]},
                  routes={"a": "enc -> dec", "b": "enc -> dec"})
    errors = compile_model(spec).errors
    assert [i.path for i in errors] == ["models.enc.0"]   # the conv block that pads
    assert "reflect padding" in errors[0].message
    assert "convolutions.reflect_padding: false" in errors[0].hint


def test_phaze_a_blocks_read_the_top_level_convolutions() -> None:
    document = yaml.safe_load(render_text(TINY_SPEC, _sets(SWITCHES), graph=True))
    assert document["convolutions"] == dict.fromkeys(SWITCHES, True)
    assert "convolutions" not in document["phaze_a"]
    spec = GraphSpec.model_validate(document)
    assert spec.model_spec().convolutions == spec.convolutions


def test_convolutions_under_phaze_a_is_told_to_move(tmp_path: Path) -> None:
    document = yaml.safe_load(render_text(TINY_SPEC, graph=True))
    document["phaze_a"]["convolutions"] = {"icnr_init": True}
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    report = validate_reference(str(path))
    (issue,) = report.issues
    line = path.read_text(encoding="utf-8").splitlines().index("  convolutions:") + 1
    assert (issue.code, issue.line) == ("PHZ101", line)
    assert "top level" in issue.message and "move `convolutions:`" in issue.hint


# --- weights: validation ----------------------------------------------------------------------

def test_a_misspelt_weights_name_is_one_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "graph.yaml"
    path.write_text(GRAPH.replace("freeze: [enc]", "freeze: [decodr_a]")
                    .replace("load: [enc]", "load: [enc, decoder_c]"), encoding="utf-8")
    report = validate_reference(str(path))
    errors = [i for i in report.issues if i.severity == "error"]
    assert [(i.code, i.path) for i in errors] == [("PHZ206", "weights.freeze.0"),
                                                   ("PHZ206", "weights.load.1")]
    freeze, load = errors
    assert freeze.line == GRAPH.splitlines().index("  freeze: [enc]") + 1
    assert "'decodr_a'" in freeze.message and "enc, decoder_a, decoder_b" in freeze.message
    assert freeze.hint == "did you mean 'decoder_a'?"
    assert load.line == freeze.line + 1


def test_a_sub_model_no_route_calls_is_not_frozen() -> None:
    spec = _graph(models={**yaml.safe_load(GRAPH)["models"], "spare": [{"dense": 8}]},
                  weights={"freeze": ["spare"]})
    (issue,) = [i for i in check_spec(spec, ["routing"]) if i.code == "PHZ206"]
    assert "no route calls" in issue.message


def test_keras_encoder_only_where_a_phaze_a_encoder_has_one() -> None:
    keras = yaml.safe_load(render_text("clipfaker128", graph=True))   # a CLIP encoder
    keras["weights"] = {"freeze": ["keras_encoder", "encoder"], "load": ["keras_encoder"]}
    found = [i for i in check_spec(GraphSpec.model_validate(keras), ["routing"])
             if i.code in ("PHZ206", "PHZ208")]
    assert found == []
    plain = _graph(weights={"freeze": ["keras_encoder"]})
    (issue,) = [i for i in check_spec(plain, ["routing"]) if i.code in ("PHZ206", "PHZ208")]
    assert (issue.code, issue.severity, issue.path) == ("PHZ208", "info", "weights.freeze.0")
    assert "no such encoder" in issue.message


# --- weights: resume --------------------------------------------------------------------------

def test_a_resume_may_change_what_is_frozen_not_the_convolutions() -> None:
    old = _graph()
    assert model_defining_diff(old, _graph(weights={"freeze": [], "load": ["enc"]})) == []
    changed = model_defining_diff(old, _graph(convolutions={"reflect_padding": True}))
    assert [path for path, _, _ in changed] == ["convolutions.icnr_init"]
    phaze_a = GraphSpec.model_validate(yaml.safe_load(render_text(TINY_SPEC, graph=True)))
    dropout = phaze_a.model_copy(update={"phaze_a": phaze_a.phaze_a.model_copy(
        update={"fc": phaze_a.phaze_a.fc.model_copy(update={"dropout": 0.3})})})
    assert model_defining_diff(phaze_a, dropout) == []


# --- weights: training ------------------------------------------------------------------------

@pytest.mark.keras
@pytest.mark.slow
def test_phazer_train_freezes_and_loads_a_graph_sub_model(faces: Path, tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    pytest.importorskip("tensorflow")
    from rich.console import Console

    from phazer.train.build import find_submodel
    from phazer.train.session import TrainOptions, prepare, train

    spec = tmp_path / "graph.yaml"
    spec.write_text(GRAPH, encoding="utf-8")

    def options(model_dir: Path, **kwargs: Any) -> TrainOptions:
        return TrainOptions(spec=spec, input_a=faces / "a", input_b=faces / "b",
                            model_dir=model_dir, batch_size=4, seed=0, show_bar=False,
                            overrides=["training.xla=off"], preview=False, **kwargs)

    def weights(model: Any, name: str) -> list[Any]:
        return [np.array(w) for w in find_submodel(model, name).weights]

    source = tmp_path / "source"
    train(options(source, iterations=1), Console(file=io.StringIO()))
    console = Console(file=io.StringIO(), width=200)
    prepared = prepare(options(tmp_path / "target", load_weights=source, freeze_weights=True),
                       console)
    said = console.file.getvalue()
    assert "frozen: enc" in said and "loaded enc" in said
    model = prepared.trainer.model
    assert not find_submodel(model, "enc").trainable_weights
    enc, decoder = weights(model, "enc"), weights(model, "decoder_a")
    prepared.trainer.run(iter(prepared.dataset), iterations=2)
    for before, after in zip(enc, weights(model, "enc"), strict=True):
        np.testing.assert_array_equal(before, after)
    assert any(not np.array_equal(b, a)
               for b, a in zip(decoder, weights(model, "decoder_a"), strict=True))
