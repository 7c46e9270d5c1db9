"""``phazer render --graph``: any spec in the graph form, building the same model.

A Phaze-A spec's sub-models become Phaze-A blocks (``{phaze_a: fc}``) with its settings under
``phaze_a`` and a route per side; compiled, the graph-form file must give the Phaze-A
compile's sub-models op for op, the same outputs and the same figures.
"""

from __future__ import annotations

import pytest
import yaml

from phazer.cli.main import main
from phazer.cli.render import render_text
from phazer.compiler import compile_model
from phazer.plan.figures import model_figures
from phazer.spec import load_spec
from phazer.spec.graph_form import GraphSpec
from phazer.spec.presets import preset_names
from phazer.spec.routes import RouteError, parse_route
from tests.helpers import GBLOCK_EXAMPLE, IAE, LIAE, TINY_SPEC

PHAZE_A_PRESETS = [n for n in preset_names() if load_spec(n).spec.phazer == 1]


def _ops(model) -> dict:
    return {name: [(op.name, op.kind, op.shape, tuple(sorted(op.attrs.items(), key=str)))
                   for op in sub.ops] for name, sub in model.submodels.items()}


def _graph_file(tmp_path, reference: str, overrides: list[str] | None = None):
    path = tmp_path / "graph.yaml"
    path.write_text(render_text(reference, overrides, graph=True), encoding="utf-8")
    return path


def _same_model(tmp_path, reference: str, overrides: list[str] | None = None) -> GraphSpec:
    phaze_a = compile_model(load_spec(reference, overrides).spec)
    graph_spec = load_spec(str(_graph_file(tmp_path, reference, overrides))).spec
    assert isinstance(graph_spec, GraphSpec)
    graph = compile_model(graph_spec)
    assert graph.errors == [] and phaze_a.model is not None
    assert list(graph.model.submodels) == list(phaze_a.model.submodels)
    assert _ops(graph.model) == _ops(phaze_a.model)
    assert list(graph.model.outputs) == list(phaze_a.model.outputs)
    ours, theirs = model_figures(graph.model), model_figures(phaze_a.model)
    assert ours.to_json() == theirs.to_json()
    calls = sorted((n.submodel, n.side) for n in graph.model.nodes if n.kind == "call")
    assert calls == sorted((n.submodel, n.side) for n in phaze_a.model.nodes if n.kind == "call")
    return graph_spec


@pytest.mark.parametrize("name", PHAZE_A_PRESETS)
def test_every_phaze_a_preset_in_the_graph_form_builds_the_same_model(tmp_path, name) -> None:
    _same_model(tmp_path, name)


@pytest.mark.parametrize(("layout", "route_a"), [
    (IAE, "encoder -> concat(fc_a, fc_shared) -> decoder_both"),
    (LIAE, "encoder -> concat(fc_a, fc_a) -> decoder_both"),
    (GBLOCK_EXAMPLE, "encoder -> fc_a -> g_block_both with fc_gblock -> decoder_a"),
])
def test_routing_switches_become_routes(tmp_path, layout, route_a) -> None:
    sets = [f"routing.{key}={str(value).lower()}" for key, value in layout.items()]
    spec = _same_model(tmp_path, TINY_SPEC, sets)
    assert spec.routes["a"] == route_a


def test_a_mask_decoder_keeps_its_mask(tmp_path) -> None:
    spec = _same_model(tmp_path, TINY_SPEC, ["decoder.learn_mask=true"])
    assert spec.output_roles("decoder_a") == ("face", "mask")


def test_a_graph_spec_renders_as_itself() -> None:
    assert render_text("fs-iae", graph=True).split("\n", 2)[2] == \
        render_text("fs-iae").split("\n", 1)[1]
    assert "phaze_a:" not in render_text("fs-iae", graph=True)


def test_render_graph_from_the_command_line(capsys) -> None:
    assert main(["render", TINY_SPEC, "--graph"]) == 0
    out = capsys.readouterr().out
    document = yaml.safe_load(out)
    assert document["phazer"] == 2 and document["models"]["fc_both"] == {"phaze_a": "fc"}
    assert document["weights"] == {"freeze": ["encoder"], "load": ["encoder"]}  # carried over


def test_with_conditions_a_later_step_only() -> None:
    steps = parse_route("enc -> fc -> g with style -> dec")
    assert steps[2].models == ("g",) and steps[2].style == "style"
    with pytest.raises(RouteError, match="cannot condition the first") as caught:
        parse_route("enc with style -> dec")
    assert caught.value.column == 5
    with pytest.raises(RouteError, match="expected a sub-model name"):
        parse_route("enc -> with -> dec")


def test_a_g_block_without_its_conditioning_is_refused(tmp_path) -> None:
    sets = [f"routing.{key}={str(value).lower()}" for key, value in GBLOCK_EXAMPLE.items()]
    document = yaml.safe_load(render_text(TINY_SPEC, sets, graph=True))
    document["routes"] = {side: route.replace(" with fc_gblock", "")
                          for side, route in document["routes"].items()}
    document["models"].pop("fc_gblock")
    compiled = compile_model(GraphSpec.model_validate(document))
    assert compiled.model is None
    assert any("needs its conditioning" in i.message and i.path == "models.g_block_both"
               for i in compiled.errors)


@pytest.mark.keras
def test_the_keras_models_are_equal(tmp_path) -> None:
    """A G-Block model in both forms, emitted: same weights per sub-model, same outputs."""
    from phazer.emit import emit_model

    sets = [f"routing.{key}={str(value).lower()}" for key, value in GBLOCK_EXAMPLE.items()]
    phaze_a = emit_model(compile_model(load_spec(TINY_SPEC, sets).spec).model)
    graph = emit_model(compile_model(load_spec(str(_graph_file(tmp_path, TINY_SPEC, sets)))
                                     .spec).model)
    assert graph.count_params() == phaze_a.count_params()
    assert list(graph.output_names) == list(phaze_a.output_names)
    def subs(model):
        return {layer.name: layer.count_params() for layer in model.layers
                if hasattr(layer, "layers")}

    assert subs(graph) == subs(phaze_a) and len(subs(graph)) == 7


SETTINGS_VARIANTS = {
    **{switch: [f"convolutions.{switch}=true"]
       for switch in ("icnr_init", "conv_aware_init", "reflect_padding")},
    "all-switches": [f"convolutions.{switch}=true"
                     for switch in ("icnr_init", "conv_aware_init", "reflect_padding")],
}
WEIGHTS = ["weights.freeze=[encoder, keras_encoder]", "weights.load=[]"]


@pytest.mark.parametrize("variant", SETTINGS_VARIANTS)
@pytest.mark.parametrize("name", PHAZE_A_PRESETS)
def test_render_graph_carries_convolutions_and_weights(tmp_path, name, variant) -> None:
    """Every switch and the weights lists reach the graph-form file, which builds the same."""
    overrides = [*SETTINGS_VARIANTS[variant], *WEIGHTS]
    spec = _same_model(tmp_path, name, overrides)
    switch_spec = load_spec(name, overrides).spec
    assert spec.convolutions == switch_spec.convolutions
    assert spec.weights.model_dump() == {"freeze": ["encoder", "keras_encoder"], "load": []}
